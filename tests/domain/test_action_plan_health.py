"""The plan a confirmation shows carries the release's verdict when it is not healthy."""

from dataclasses import replace

from release_cockpit.domain import Action, Verdict, VerdictLevel
from release_cockpit.domain.actions import ActionWords, health_warning, plan
from tests.support.world import done, failing_canary

WORDS = ActionWords("rollout shop/checkout", "2.8.0 at 25%", "step 3/5", "goes on to step 3")


def test_a_failing_release_leads_its_plan_with_the_verdict_and_reason():
    release = failing_canary()
    result = plan(release, Action.PROMOTE, "cluster", WORDS, type_to_confirm=True)
    assert result.verdict == "FAILING"
    assert result.reason == release.verdict.reason
    assert "5xx ratio" in result.reason


def test_a_healthy_release_has_no_warning():
    assert health_warning(done()) == ("", "")
    result = plan(done(), Action.PROMOTE, "cluster", WORDS, type_to_confirm=False)
    assert (result.verdict, result.reason) == ("", "")


def test_warning_and_inconclusive_are_named():
    warned = replace(done(), verdict=Verdict(VerdictLevel.WARNING, "p99 300ms > warn 250ms"))
    assert health_warning(warned) == ("WARNING", "p99 300ms > warn 250ms")
    unsure = replace(done(), verdict=Verdict(VerdictLevel.INCONCLUSIVE, "no data"))
    assert health_warning(unsure) == ("INCONCLUSIVE", "no data")
