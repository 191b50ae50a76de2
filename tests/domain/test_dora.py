"""DORA maths on hand-built histories with known answers, edge cases, and properties."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from release_cockpit.domain.dora import (
    ALL,
    WINDOWS,
    Group,
    Metric,
    compute_dora,
    compute_dora_by,
    incidents,
    percentile,
)
from release_cockpit.domain.history import ReleaseOutcome, ReleaseRecord

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
H = timedelta(hours=1)
D = timedelta(days=1)
OK = ReleaseOutcome.SUCCEEDED


def rel(
    at: datetime,
    *,
    outcome: ReleaseOutcome = OK,
    service: str = "checkout",
    team: str = "payments",
    environment: str = "production",
    lead: timedelta | None = 2 * H,
    deployed: bool = True,
    failed_at: datetime | None = None,
    restored_at: datetime | None = None,
    production: bool = True,
) -> ReleaseRecord:
    """A release whose deploy completed at ``at`` (when ``deployed``) and ended at ``at``."""
    return ReleaseRecord(
        key=service,
        service=service,
        team=team,
        environment=environment,
        version=at.isoformat(),
        started_at=at - H,
        first_commit_at=None if lead is None else at - lead,
        deployed_at=at if deployed else None,
        finished_at=at,
        outcome=outcome,
        failed_at=failed_at,
        restored_at=restored_at,
        production=production,
    )


def test_known_answers_over_a_week():
    history = [
        rel(NOW - 1 * D, lead=1 * H),
        rel(NOW - 2 * D, lead=2 * H),
        rel(NOW - 3 * D, lead=3 * H),
        rel(
            NOW - 4 * D,
            lead=10 * H,
            outcome=ReleaseOutcome.ROLLED_BACK,
            failed_at=NOW - 4 * D + H,
            restored_at=NOW - 4 * D + 2 * H,
        ),
        rel(
            NOW - 5 * D,
            outcome=ReleaseOutcome.ABORTED,
            deployed=False,
            failed_at=NOW - 5 * D - 30 * timedelta(minutes=1),
            restored_at=NOW - 5 * D,
        ),
        rel(NOW - 20 * D, lead=99 * H),  # outside the 7-day window
    ]
    f = compute_dora(history, NOW, WINDOWS["7d"])
    assert f.deploys == 4
    assert f.deploys_per_day == pytest.approx(4 / 7)
    assert f.deploys_per_week == pytest.approx(4.0)
    assert f.lead_time_samples == 4
    assert f.lead_time_median == 2.5 * H
    assert f.lead_time_p90 == 10 * H
    assert f.finished_releases == 5
    assert f.failed_releases == 2
    assert f.change_failure_rate == pytest.approx(0.4)
    assert f.incidents == 2
    assert f.restore_median == 45 * timedelta(minutes=1)
    assert f.frequency_note == f.lead_time_note == f.failure_note == f.restore_note == ""
    assert f.key == ALL
    assert f.window == 7 * D
    assert f.value(Metric.CHANGE_FAILURE_RATE) == f.change_failure_rate
    assert f.value(Metric.DEPLOYMENT_FREQUENCY) == f.deploys_per_day


def test_no_deploys_gives_zero_frequency_and_explains_empty_figures():
    f = compute_dora([], NOW, WINDOWS["30d"])
    assert f.deploys == 0
    assert f.deploys_per_day == 0.0
    assert f.frequency_note == "no production deploys in the window"
    assert f.lead_time_median is None
    assert f.lead_time_p90 is None
    assert f.lead_time_note == "no production deploys in the window"
    assert f.change_failure_rate is None
    assert f.failure_note == "no release finished in the window"
    assert f.restore_median is None
    assert f.restore_note == "no incident was restored in the window"
    assert f.frequency_trend == (0.0, 0.0, 0.0, 0.0, 0.0)
    assert f.lead_time_trend == (None,) * 5


def test_rollback_after_success_counts_as_deploy_and_as_failure():
    deployed = NOW - 2 * D
    history = [
        rel(
            deployed,
            outcome=ReleaseOutcome.ROLLED_BACK,
            failed_at=deployed + 20 * timedelta(minutes=1),
            restored_at=deployed + 50 * timedelta(minutes=1),
        ),
        rel(NOW - 1 * D),
    ]
    f = compute_dora(history, NOW, WINDOWS["7d"])
    assert f.deploys == 2
    assert f.failed_releases == 1
    assert f.finished_releases == 2
    assert f.change_failure_rate == 0.5
    assert f.restore_median == 30 * timedelta(minutes=1)


def test_incident_spanning_two_releases_is_restored_once():
    t = NOW - 3 * D
    first = rel(
        t, failed_at=t + 10 * timedelta(minutes=1), restored_at=t + H, outcome=ReleaseOutcome.FAILED
    )
    second = rel(
        t + 30 * timedelta(minutes=1),
        failed_at=t + 40 * timedelta(minutes=1),
        restored_at=t + 2 * H,
        outcome=ReleaseOutcome.ROLLED_BACK,
    )
    f = compute_dora([first, second], NOW, WINDOWS["7d"])
    assert f.incidents == 1
    assert f.restore_median == 110 * timedelta(minutes=1)


def test_unrestored_failure_continues_into_the_next_releases_incident():
    t = NOW - 3 * D
    first = rel(t, failed_at=t, restored_at=None, outcome=ReleaseOutcome.FAILED)
    second = rel(
        t + H,
        deployed=False,
        failed_at=t + H,
        restored_at=t + 3 * H,
        outcome=ReleaseOutcome.ABORTED,
    )
    merged, skewed = incidents([first, second])
    assert skewed == 0
    assert len(merged) == 1
    assert merged[0].duration == 3 * H


def test_unrestored_failure_ends_at_the_next_completed_deploy():
    t = NOW - 3 * D
    broken = rel(t, failed_at=t + 5 * timedelta(minutes=1), outcome=ReleaseOutcome.FAILED)
    fix = rel(t + H)
    f = compute_dora([broken, fix], NOW, WINDOWS["7d"])
    assert f.incidents == 1
    assert f.restore_median == 55 * timedelta(minutes=1)


def test_failure_without_any_later_event_is_open_and_noted():
    t = NOW - H
    f = compute_dora([rel(t, failed_at=t, outcome=ReleaseOutcome.FAILED)], NOW, WINDOWS["7d"])
    assert f.restore_median is None
    assert f.restore_note == "no incident was restored in the window; 1 incident still open"


def test_incidents_of_different_lines_do_not_merge():
    t = NOW - D
    a = rel(t, failed_at=t, restored_at=t + H)
    b = rel(t, service="cart", failed_at=t, restored_at=t + 2 * H)
    f = compute_dora([a, b], NOW, WINDOWS["7d"])
    assert f.incidents == 2
    assert f.restore_median == 1.5 * H


def test_clock_skew_is_excluded_and_counted_never_negative():
    t = NOW - D
    history = [
        rel(t, lead=-5 * timedelta(minutes=1)),  # first commit after the deploy
        rel(t - H, lead=None),
        rel(t - 2 * H, lead=4 * H),
        rel(t - 3 * H, failed_at=t, restored_at=t - H),  # restored before it failed
    ]
    f = compute_dora(history, NOW, WINDOWS["7d"])
    assert f.lead_time_samples == 2
    assert f.lead_time_median == 3 * H  # 2h (default) and 4h
    assert f.lead_time_note == (
        "1 deploy left out: first commit after the deploy (clock skew between sources); "
        "1 deploy left out: first commit unknown"
    )
    assert f.restore_median is None
    assert "1 failure left out: restored before it failed" in f.restore_note


def test_non_production_is_left_out_unless_asked():
    staging = rel(NOW - D, environment="staging", production=False)
    assert compute_dora([staging], NOW, WINDOWS["7d"]).deploys == 0
    everything = compute_dora([staging], NOW, WINDOWS["7d"], production_only=False)
    assert everything.deploys == 1
    assert everything.frequency_note == ""


def test_in_progress_releases_count_as_deploys_but_not_as_finished():
    soaking = rel(NOW - H, outcome=ReleaseOutcome.IN_PROGRESS)
    f = compute_dora([soaking], NOW, WINDOWS["7d"])
    assert f.deploys == 1
    assert f.finished_releases == 0
    assert f.change_failure_rate is None


def test_grouping_per_service_team_and_environment():
    history = [
        rel(NOW - D, service="checkout", team="payments"),
        rel(NOW - D, service="cart", team="shop", outcome=ReleaseOutcome.FAILED),
        rel(NOW - 2 * D, service="cart", team="shop"),
        rel(NOW - D, service="search", environment="staging", production=False),
    ]
    per_service = compute_dora_by(history, NOW, WINDOWS["7d"], Group.SERVICE)
    assert [(f.key, f.deploys) for f in per_service] == [
        ("cart", 2),
        ("checkout", 1),
        ("search", 0),
    ]
    assert per_service[0].change_failure_rate == 0.5
    assert per_service[2].frequency_note == "no production deploys in the window"
    per_team = compute_dora_by(history, NOW, WINDOWS["7d"], Group.TEAM)
    assert [f.key for f in per_team] == ["payments", "shop"]
    per_env = compute_dora_by(history, NOW, WINDOWS["7d"], Group.ENVIRONMENT)
    assert [(f.key, f.deploys) for f in per_env] == [("production", 3), ("staging", 0)]
    (everything,) = compute_dora_by(history, NOW, WINDOWS["7d"], Group.ALL)
    assert everything.deploys == 3
    assert everything.group is Group.ALL


def test_weekly_trend_is_oldest_first():
    history = [
        rel(NOW - 1 * D, lead=1 * H),
        rel(NOW - 2 * D, lead=3 * H),
        rel(
            NOW - 10 * D,
            lead=5 * H,
            outcome=ReleaseOutcome.ROLLED_BACK,
            failed_at=NOW - 10 * D,
            restored_at=NOW - 10 * D + H,
        ),
        rel(NOW - 25 * D, lead=7 * H),
    ]
    f = compute_dora(history, NOW, WINDOWS["30d"])
    assert len(f.frequency_trend) == 5  # ceil(30 / 7) weeks
    assert f.frequency_trend == (0.0, 1.0, 0.0, 1.0, 2.0)
    assert f.lead_time_trend == (None, 7 * 3600.0, None, 5 * 3600.0, 2 * 3600.0)
    assert f.failure_trend == (None, 0.0, None, 1.0, 0.0)
    assert f.restore_trend == (None, None, None, 3600.0, None)
    assert f.trend(Metric.LEAD_TIME) == f.lead_time_trend


def test_window_edges_are_half_open():
    inside = rel(NOW)  # the window is (now - window, now]
    outside = rel(NOW - WINDOWS["7d"])
    assert compute_dora([inside, outside], NOW, WINDOWS["7d"]).deploys == 1


def test_invalid_arguments():
    with pytest.raises(ValueError, match="timezone-aware"):
        compute_dora([], datetime(2026, 1, 1), WINDOWS["7d"])  # noqa: DTZ001
    with pytest.raises(ValueError, match="window must be positive"):
        compute_dora([], NOW, timedelta(0))


def test_nearest_rank_percentile():
    assert percentile([], 0.9) is None
    assert percentile([5.0], 0.9) == 5.0
    assert percentile([float(v) for v in range(1, 11)], 0.9) == 9.0
    assert percentile([1.0, 2.0, 3.0], 0.9) == 3.0


minutes = st.integers(min_value=-600, max_value=60 * 24 * 40)


@st.composite
def histories(draw):
    count = draw(st.integers(min_value=0, max_value=12))
    result = []
    for _ in range(count):
        at = NOW - timedelta(minutes=draw(st.integers(min_value=0, max_value=60 * 24 * 60)))
        fail = draw(st.one_of(st.none(), minutes))
        restore = draw(st.one_of(st.none(), minutes))
        result.append(
            ReleaseRecord(
                key="k",
                service=draw(st.sampled_from(["a", "b"])),
                team="t",
                environment="production",
                version="1",
                first_commit_at=at - timedelta(minutes=draw(minutes)),
                deployed_at=at if draw(st.booleans()) else None,
                finished_at=at,
                outcome=draw(st.sampled_from(list(ReleaseOutcome))),
                failed_at=None if fail is None else at + timedelta(minutes=fail),
                restored_at=None if restore is None else at + timedelta(minutes=restore),
                production=True,
            )
        )
    return result


@settings(max_examples=150, deadline=None)
@given(histories(), st.sampled_from(list(WINDOWS.values())))
def test_properties_bounded_and_never_negative(history, window):
    f = compute_dora(history, NOW, window)
    assert f.change_failure_rate is None or 0.0 <= f.change_failure_rate <= 1.0
    assert f.deploys_per_day >= 0
    for value in (f.lead_time_median, f.lead_time_p90, f.restore_median):
        assert value is None or value >= timedelta(0)
    if f.lead_time_median is not None:
        assert f.lead_time_p90 is not None
        assert f.lead_time_p90 >= f.lead_time_median
    for trend in (f.lead_time_trend, f.restore_trend):
        assert all(v is None or v >= 0 for v in trend)
    assert all(v is None or 0 <= v <= 1 for v in f.failure_trend)
    merged, _ = incidents(history)
    for line in {(i.service, i.environment) for i in merged}:
        spans = [i for i in merged if (i.service, i.environment) == line]
        for earlier, later in itertools.pairwise(spans):
            assert earlier.end is not None
            assert earlier.end < later.start
