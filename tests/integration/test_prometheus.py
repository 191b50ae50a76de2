"""A real Prometheus scraping the exporter: the adapter and the engine read the true values."""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.monitoring.prometheus import Prometheus
from release_cockpit.domain import Attention, VerdictLevel
from release_cockpit.domain.freshness import SourceState, SourceStatus, oldest_data
from release_cockpit.ui.widgets.title_bar import data_age
from tests.support.exporter import SERVICE, TRACKS, error_ratio, expected_quantile, p99
from tests.support.integration import backends_toml, poll_once, running_engine
from tests.support.servers import eventually

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integration-servers")]

RATIO_TOLERANCE = 1e-6  # batches have a fixed mix and a scrape never splits one


@pytest.fixture
async def adapter(prometheus):
    made = Prometheus(BackendSettings(name="prometheus", type="prometheus", url=prometheus.url))
    yield made
    await made.aclose()


@pytest.mark.parametrize("track", ["stable", "canary"])
async def test_a_ratio_of_rates_is_the_true_error_ratio(adapter, track):
    result = await adapter.query(error_ratio(track))
    assert result.result_type == "vector"
    assert result.single_value() == pytest.approx(TRACKS[track].error_ratio, abs=RATIO_TOLERANCE)


@pytest.mark.parametrize("track", ["stable", "canary"])
async def test_histogram_quantile_is_the_true_p99(adapter, track):
    value = (await adapter.query(p99(track))).single_value()
    assert value == pytest.approx(expected_quantile(track, 0.99), rel=1e-6)


async def test_both_tracks_over_a_window_in_one_query(adapter):
    """The shape a canary-versus-baseline comparison asks for: one series per track."""
    query = (
        f'sum by (track) (rate(http_requests_total{{service="{SERVICE}",code=~"5.."}}[10s])) / '
        f'sum by (track) (rate(http_requests_total{{service="{SERVICE}"}}[10s]))'
    )
    result = await adapter.query(query)
    by_track = {s.labels["track"]: s.value for s in result.samples}
    assert by_track == pytest.approx({t: spec.error_ratio for t, spec in TRACKS.items()})


async def test_a_range_query_returns_the_true_ratio_at_every_step(adapter):
    async def three_points():
        end = datetime.now(UTC)
        answer = await adapter.query_range(
            error_ratio("canary", "5s"), end - timedelta(seconds=2), end, 1.0
        )
        return answer if answer and len(answer[0].points) == 3 else None

    (series,) = await eventually(three_points, "three range points of the canary ratio")
    assert {round(v, 6) for _, v in series.points} == {TRACKS["canary"].error_ratio}


async def test_a_query_that_does_not_parse_says_so_in_prometheus_words(adapter):
    from release_cockpit.errors import BadResponse

    with pytest.raises(BadResponse) as caught:
        await adapter.query("sum(rate(http_requests_total[10s])")
    assert caught.value.message == (
        "the query does not parse: 1:35: parse error: unclosed left parenthesis"
    )


async def test_signals_fail_the_bad_canary_and_pass_stable(prometheus, unique):
    def service(key: str, track: str) -> str:
        return (
            f'[services.{key}]\nservice = "{SERVICE}"\nenvironment = "{track}"\n\n'
            f"[[services.{key}.signals]]\n"
            'name = "5xx ratio"\nbackend = "prometheus"\n'
            f"query = '{error_ratio(track)}'\n"
            'format = "percent"\nfail_above = 0.05\nwarn_above = 0.02\n\n'
            f"[[services.{key}.signals]]\n"
            'name = "p99 latency"\nbackend = "prometheus"\n'
            f"query = '{p99(track)}'\n"
            'format = "seconds"\nfail_above = 0.5\n\n'
        )

    text = (
        backends_toml(prometheus=prometheus.url)
        + service(f"canary_{unique}", "canary")
        + service(f"stable_{unique}", "stable")
    )
    snapshot = await poll_once(text)
    releases = {r.key.split("_")[0]: r for r in snapshot.releases}
    canary, stable = releases["canary"], releases["stable"]
    assert canary.verdict.level is VerdictLevel.FAILING
    signals = {s.name: s for s in canary.signals}
    assert signals["5xx ratio"].level is VerdictLevel.FAILING
    assert "5xx ratio 12.0% > 5.0%" in signals["5xx ratio"].reason
    assert signals["p99 latency"].level is VerdictLevel.FAILING
    assert signals["p99 latency"].reason.startswith("p99 latency 950ms > 500ms")
    assert stable.verdict.level is VerdictLevel.OK, stable.verdict.reason
    assert {s.level for s in stable.signals} == {VerdictLevel.OK}
    assert sorted(s.reason for s in stable.signals) == [
        "5xx ratio 1.0% ≤ 5.0%",
        "p99 latency 50ms ≤ 500ms",
    ]


def _comparison(key: str, canary: str) -> str:
    """A line written from config.example.toml: a canary-vs-baseline p99, and no deploy
    backend to say when a canary takes traffic."""
    query = (
        "histogram_quantile(0.99, sum by (le, track) (rate(http_request_duration_seconds_bucket"
        f'{{service="{SERVICE}"}}[10s])))'
    )
    return (
        f'[services.{key}]\nservice = "{SERVICE}"\nenvironment = "production"\n\n'
        f"[[services.{key}.signals]]\n"
        'name = "p99 canary vs stable"\nbackend = "prometheus"\n'
        f"query = '{query}'\n"
        f"mode = \"canary-vs-baseline\"\ncanary = '{canary}'\nbaseline = 'track=\"stable\"'\n"
        'window = "30s"\nformat = "seconds"\nmin_samples = 3\n\n'
    )


async def test_a_canary_track_in_the_metrics_is_compared_without_a_deploy_backend(
    prometheus, unique
):
    """The canary takes traffic with a p99 many times the stable one: that is evidence
    enough to compare, whatever a rollout would say (there is none here)."""

    async def compared():
        text = backends_toml(prometheus=prometheus.url) + _comparison(
            f"cmp_{unique}", 'track="canary"'
        )
        snapshot = await poll_once(text)
        (release,) = snapshot.releases
        (signal,) = release.signals
        return (release, signal) if not signal.not_compared and signal.measurements else None

    release, signal = await eventually(compared, "a canary-vs-stable comparison")
    assert signal.level is VerdictLevel.FAILING, signal.reason
    assert "canary" in signal.reason
    assert release.verdict.level is VerdictLevel.FAILING


async def test_a_comparison_with_no_canary_data_says_not_compared_and_is_not_ok(prometheus, unique):
    text = backends_toml(prometheus=prometheus.url) + _comparison(
        f"none_{unique}", 'track="no-such-track"'
    )
    snapshot = await poll_once(text)
    (release,) = snapshot.releases
    (signal,) = release.signals
    assert signal.not_compared.startswith("no canary data")
    assert release.verdict.level is not VerdictLevel.OK
    assert release.verdict.reason.startswith("no health evidence")


async def test_a_frozen_prometheus_is_late_at_once_and_the_data_ages(own_prometheus, unique):
    """SIGSTOP: the port still accepts connections and nothing answers, as a hung server
    does. The source turns LATE one interval into the unanswered poll (not 'ok' until its
    data goes stale), the header's data age keeps growing, and SIGCONT brings it back."""
    text = (
        backends_toml(prometheus=own_prometheus.url).replace('interval = "2s"', 'interval = "1s"')
        + f'[services.hung_{unique}]\nservice = "{SERVICE}"\nenvironment = "production"\n\n'
        f"[[services.hung_{unique}.signals]]\n"
        'name = "5xx ratio"\nbackend = "prometheus"\ninterval = "1s"\n'
        f"query = '{error_ratio('stable')}'\n"
        'format = "percent"\nfail_above = 0.05\n\n'
    )

    def prometheus(engine) -> SourceStatus:
        return next(s for s in engine.snapshot.sources if s.name == "prometheus")

    async with running_engine(text) as engine:

        async def answering():
            return prometheus(engine).state is SourceState.OK or None

        await eventually(answering, "Prometheus to answer the cockpit")
        own_prometheus.server.pause()
        frozen_at = time.monotonic()
        try:

            async def late():
                source = prometheus(engine)
                return source if source.state is SourceState.LATE else None

            source = await eventually(late, "the frozen Prometheus to be LATE", within=10)
            took = time.monotonic() - frozen_at
            # One 1 s interval into the unanswered poll, plus at most one poll in flight:
            # long before its data would go stale (30 s).
            assert took < 5, took
            assert source.updated_at is not None
            first = engine.snapshot
            first_age = data_age(first, datetime.now(UTC)).plain
            assert first_age.startswith("data ")
            (release,) = first.releases
            assert release.attention is not Attention.DONE
            await asyncio.sleep(3)
            second = engine.snapshot
            # The age of the oldest source's last completed poll: it only grows.
            assert oldest_data(second.sources) == oldest_data(first.sources) == source.updated_at
            assert _seconds(data_age(second, datetime.now(UTC)).plain) >= _seconds(first_age) + 2
            assert prometheus(engine).state in (SourceState.LATE, SourceState.DOWN)
        finally:
            own_prometheus.server.resume()

        async def recovered():
            source = prometheus(engine)
            return source if source.state is SourceState.OK else None

        back = await eventually(recovered, "Prometheus to answer again after SIGCONT", within=30)
        assert back.updated_at is not None
        assert back.updated_at > source.updated_at


def _seconds(age: str) -> int:
    """``data 4s old`` -> 4 (the ages here stay under a minute)."""
    match = re.fullmatch(r"data (\d+)s old", age)
    assert match is not None, age
    return int(match.group(1))
