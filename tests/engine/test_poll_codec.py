"""A shared poll outcome reads back as exactly what was polled; a forged row is refused."""

from __future__ import annotations

import json
import math

import pytest

from release_cockpit.domain import Action, Alert, Measurement, Outcome
from release_cockpit.domain.checklist import CheckResult
from release_cockpit.engine.poll_codec import MalformedShare, decode, encode
from release_cockpit.engine.poll_loop import PollOutcome
from release_cockpit.engine.poll_result import Backfill, PollResult, Usage
from release_cockpit.errors import NotFound, RateLimited
from tests.support.world import ago, changeset, passed_run, rollout


def full_result() -> PollResult:
    result = PollResult("prometheus")
    result.ok("checkout")
    result.fail("payments", NotFound("no repo acme/pay", backend="gh", hint="check project"))
    result.ci_runs["checkout"] = (passed_run("1.4.0", "ana", 12),)
    result.changesets[("gh acme/shop", "1.3.0", "1.4.0")] = changeset(4, (12, 13))
    result.changesets[("gh acme/shop", "1.2.0", "1.3.0")] = None
    result.rollouts["checkout"] = rollout(
        "checkout", "1.3.0", "1.4.0", capabilities=frozenset({Action.ABORT, Action.PROMOTE})
    )
    result.gone_rollouts.append("old")
    result.alerts = (
        Alert("HighErrorRate", "critical", "5xx up", labels=(("service", "checkout"),)),
    )
    nan = Measurement(ago(seconds=5), math.nan, Outcome.INCONCLUSIVE, note="no data")
    result.backfills.append(Backfill("checkout", "5xx", (0.1, 0.2), (nan,)))
    result.measurements.append(
        ("checkout", "5xx", Measurement(ago(seconds=1), 7.9, Outcome.FAILED))
    )
    result.not_compared[("checkout", "latency")] = "no canary traffic"
    result.checks["checkout"] = {"probe": CheckResult(True, "200", ago(seconds=3))}
    result.usage = Usage(12.5, 4999)
    return result


def test_a_full_outcome_round_trips():
    error = RateLimited("slow down", backend="gh", retry_after=30.0, hint="wait")
    outcome = PollOutcome("prometheus", False, 41.0, error, 30.0, 2, full_result())
    back, baseline = decode(encode(outcome))
    assert not baseline
    assert back.result is not None
    assert outcome.result is not None
    nan = back.result.backfills[0].measurements[0]
    assert math.isnan(nan.value or 0.0)
    # NaN != NaN: compare the rest field by field, with the NaN measurement set aside.
    back.result.backfills[0] = outcome.result.backfills[0]
    assert back.result.ci_runs == outcome.result.ci_runs
    assert back.result.changesets == outcome.result.changesets
    assert back.result.rollouts == outcome.result.rollouts
    assert back.result.alerts == outcome.result.alerts
    assert back.result.measurements == outcome.result.measurements
    assert back.result.not_compared == outcome.result.not_compared
    assert back.result.checks == outcome.result.checks
    assert back.result.usage == outcome.result.usage
    assert isinstance(back.error, RateLimited)
    assert back.error.retry_after == 30.0
    failed = back.result.failed["payments"]
    assert (type(failed), str(failed)) == (NotFound, "no repo acme/pay (check project)")
    assert back.result.error is not None
    assert back.result.error.backend == "gh"


def test_a_cut_off_poll_and_a_baseline_round_trip():
    outcome = PollOutcome("argo", True, 3.0, None, 5.0, 0, None)
    back, baseline = decode(encode(outcome, baseline=True))
    assert baseline
    assert back == outcome


@pytest.mark.parametrize(
    "forged",
    [
        "not json",
        '{"source": "x"}',
        json.dumps(
            {
                "source": "x",
                "ok": True,
                "latency_ms": 1,
                "error": {"kind": "SystemExit", "message": "m"},
                "next_delay": 1,
                "consecutive_failures": 0,
            }
        ),
        json.dumps(
            {
                "source": "x",
                "ok": True,
                "latency_ms": 1,
                "error": None,
                "next_delay": 1,
                "consecutive_failures": 0,
                "__reduce__": "os.system",
            }
        ),
    ],
)
def test_a_forged_row_is_refused_never_run(forged):
    with pytest.raises(MalformedShare):
        decode(forged)
