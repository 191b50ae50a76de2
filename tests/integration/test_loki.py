"""A real Grafana Loki: log lines pushed by the test, LogQL error rates read by the adapter
and judged by the cockpit (canary failing, baseline passing).

Skipped, with the reason, where no Grafana Loki binary exists (see
``tests/support/loki_server.py``: no registry this project reaches packages one)."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.monitoring.loki import Loki
from release_cockpit.adapters.monitoring.loki_parsing import by_track, canary_baseline_error_rate
from release_cockpit.domain import VerdictLevel
from tests.support.integration import poll_once
from tests.support.loki_server import push
from tests.support.servers import eventually

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("integration-servers")]

CANARY_ERRORS, BASELINE_ERRORS = 0.2, 0.01  # share of error lines pushed per track
LINES = 200


def lines(error_share: float) -> list[str]:
    errors = round(LINES * error_share)
    return [f"level={'error' if i < errors else 'info'} msg=request id={i}" for i in range(LINES)][
        ::-1
    ]


@pytest.fixture(scope="module")
def pushed(loki) -> str:
    """Two services, each with a canary and a baseline stream (unique names per run)."""
    for service in ("cart", "ledger"):
        canary = CANARY_ERRORS if service == "cart" else BASELINE_ERRORS
        push(loki.url, {"service": service, "track": "canary"}, lines(canary))
        push(loki.url, {"service": service, "track": "baseline"}, lines(BASELINE_ERRORS))
    return loki.url


async def test_canary_and_baseline_error_rates_in_one_query(pushed):
    adapter = Loki(BackendSettings(name="loki", type="loki", url=pushed))
    query = canary_baseline_error_rate('{service="cart"}', errors='|= "level=error"', window="5m")
    try:

        async def both():
            found = by_track(await adapter.query(query))
            return found if None not in found else None

        canary, baseline = await eventually(both, "Loki to answer both tracks")
    finally:
        await adapter.aclose()
    assert canary == pytest.approx(CANARY_ERRORS, abs=0.01)
    assert baseline == pytest.approx(BASELINE_ERRORS, abs=0.01)


async def test_a_logql_error_rate_signal_fails_the_bad_canary_through_the_cockpit(pushed):
    template = (
        'sum by (service) (rate({service=~"$service", track="canary"} |= "level=error" [5m])) '
        '/ sum by (service) (rate({service=~"$service", track="canary"} [5m]))'
    )

    def line(key: str) -> str:
        return (
            f'[services.{key}]\nenvironment = "production"\n\n'
            f"[[services.{key}.signals]]\n"
            'name = "error logs"\nbackend = "loki"\n'
            f"query = '{template}'\n"
            'format = "percent"\nfail_above = 0.05\n\n'
        )

    text = (
        '[polling]\ninterval = "2s"\n\n'
        f'[backends.loki]\ntype = "loki"\nurl = "{pushed}"\n\n' + line("cart") + line("ledger")
    )
    snapshot = await poll_once(text)
    releases = {r.key: r for r in snapshot.releases}
    cart, ledger = releases["cart"], releases["ledger"]
    assert cart.verdict.level is VerdictLevel.FAILING
    assert cart.signals[0].reason.startswith("error logs 20.0% > 5.0%")
    assert ledger.verdict.level is VerdictLevel.OK, ledger.verdict.reason
