"""What the confirmation says an action will do, when an action applies, and when a later
release shows it took effect."""

from dataclasses import replace

import pytest

from release_cockpit.domain import Action, Release, RolloutPhase, RunStatus
from release_cockpit.domain.action_words import rerun_failed_jobs_words, rollout_words
from release_cockpit.domain.actions import kill_switch, not_applicable, plan, took_effect
from release_cockpit.domain.flags import FlagState
from tests.support.world import done, failing_canary, running_tests, waiting_for_promote


def test_abort_names_both_revisions_and_the_effect():
    release = failing_canary()
    result = plan(
        release,
        Action.ABORT,
        "prod-cluster",
        rollout_words(release, Action.ABORT),
        type_to_confirm=True,
    )
    assert result.title == "Abort checkout in production"
    assert result.target == "rollout shop/checkout"
    assert result.current == "2.8.0 (pod template 12), step 2/5, canary at 20%"
    assert result.goal == "2.7.3 (pod template 11)"
    assert result.effect.startswith(
        "traffic goes back to stable 2.7.3 (pod template 11); canary pods scale down"
    )
    assert result.type_to_confirm


def test_promote_names_the_step_it_goes_to():
    result = plan(
        waiting_for_promote(),
        Action.PROMOTE,
        "prod-cluster",
        rollout_words(waiting_for_promote(), Action.PROMOTE),
        type_to_confirm=False,
    )
    assert result.goal == "step 4/4"
    assert "leaves step 3/4 and goes on to step 4" in result.effect


def test_promote_full_says_what_is_skipped():
    result = plan(
        failing_canary(),
        Action.PROMOTE_FULL,
        "c",
        rollout_words(failing_canary(), Action.PROMOTE_FULL),
        type_to_confirm=False,
    )
    assert "takes 100% of traffic now" in result.effect
    assert "analysis are skipped" in result.effect


def test_rollback_of_a_finished_rollout_goes_to_the_previous_version():
    result = plan(
        done(),
        Action.ROLLBACK,
        "staging-cluster",
        rollout_words(done(), Action.ROLLBACK),
        type_to_confirm=False,
    )
    assert result.goal == "0.9.3"
    assert "goes back to 0.9.3" in result.effect


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        (Action.ABORT, "nothing to abort"),
        (Action.PROMOTE, "nothing to promote"),
        (Action.PAUSE, "nothing to pause"),
        (Action.RESUME, "not paused"),
        (Action.RETRY, "not aborted"),
        (Action.RETRY_CI, "has not failed"),
    ],
)
def test_a_finished_rollout_offers_only_rollback(action, reason):
    release = done()
    why = not_applicable(release, action)
    assert why is not None
    assert reason in why
    assert not_applicable(release, Action.ROLLBACK) is None


def test_retry_ci_applies_to_a_failed_run_only():
    release = running_tests()
    assert release.ci_run is not None
    failed = replace(release, ci_run=replace(release.ci_run, status=RunStatus.FAILED))
    assert not_applicable(failed, Action.RETRY_CI) is None
    text = plan(
        failed, Action.RETRY_CI, "github", rerun_failed_jobs_words(failed), type_to_confirm=False
    )
    assert text.goal == f"attempt {release.ci_run.attempt + 1}"


def test_pause_applies_once():
    canary = failing_canary()
    assert not_applicable(canary, Action.PAUSE) is None
    assert canary.rollout is not None
    paused = replace(canary, rollout=replace(canary.rollout, phase=RolloutPhase.PAUSED))
    assert not_applicable(paused, Action.PAUSE) == "the rollout is already paused"
    assert not_applicable(paused, Action.RESUME) is None


def test_abort_takes_effect_only_when_the_rollout_reports_aborted():
    before = failing_canary()
    assert before.rollout is not None
    assert not took_effect(Action.ABORT, before, before)
    after = replace(before, rollout=replace(before.rollout, aborted=True))
    assert took_effect(Action.ABORT, before, after)


def test_promote_takes_effect_when_the_step_moves():
    before = waiting_for_promote()
    assert before.rollout is not None
    same = replace(before, rollout=replace(before.rollout))
    assert not took_effect(Action.PROMOTE, before, same)
    moved = replace(
        before,
        rollout=replace(before.rollout, step_index=3, phase=RolloutPhase.PROGRESSING),
    )
    assert took_effect(Action.PROMOTE, before, moved)


def test_rollback_takes_effect_when_the_template_changes():
    before = failing_canary()
    assert before.rollout is not None
    after = replace(before, rollout=replace(before.rollout, canary_revision="11"))
    assert took_effect(Action.ROLLBACK, before, after)
    assert not took_effect(Action.ROLLBACK, before, before)


def test_retry_ci_takes_effect_with_a_new_attempt():
    release = running_tests()
    assert release.ci_run is not None
    failed = replace(release, ci_run=replace(release.ci_run, status=RunStatus.FAILED))
    again = replace(failed, ci_run=replace(failed.ci_run, attempt=2, status=RunStatus.RUNNING))
    assert not took_effect(Action.RETRY_CI, failed, failed)
    assert took_effect(Action.RETRY_CI, failed, again)


def _flagged(*flags: FlagState) -> Release:
    return replace(done(), flags=flags)


ON_25 = FlagState("checkout-v2", "production", on=True, rollout="on for 25%")
OFF = FlagState("checkout-v2", "production", on=False, rollout="off for everyone")


def test_the_kill_switch_is_the_first_flag_listed():
    other = FlagState("search-v3", "production", on=False)
    assert kill_switch(_flagged(ON_25, other)) is ON_25
    assert kill_switch(done()) is None


def test_flag_actions_apply_only_where_they_change_something():
    assert not_applicable(done(), Action.FLAG_OFF) == "this release names no feature flag"
    assert not_applicable(_flagged(ON_25), Action.FLAG_OFF) is None
    assert not_applicable(_flagged(ON_25), Action.FLAG_ON) == (
        "flag checkout-v2 is already on in production (on for 25%)"
    )
    assert not_applicable(_flagged(OFF), Action.FLAG_OFF) == (
        "flag checkout-v2 is already off in production"
    )
    # Not knowing the state does not stop a kill switch: the read may fail, the write work.
    unknown = _flagged(FlagState("checkout-v2", "production"))
    assert not_applicable(unknown, Action.FLAG_OFF) is None
    assert not_applicable(unknown, Action.FLAG_ON) is None


def test_a_flag_action_took_effect_when_the_kill_switch_shows_it():
    before = _flagged(ON_25, FlagState("search-v3", "production", on=False))
    assert took_effect(Action.FLAG_OFF, before, _flagged(OFF))
    assert not took_effect(Action.FLAG_OFF, before, before)
    # Another flag being off is not the kill switch being off.
    assert not took_effect(Action.FLAG_OFF, before, _flagged(ON_25, OFF))
    # A flag that could not be read proves nothing.
    assert not took_effect(
        Action.FLAG_OFF, before, _flagged(FlagState("checkout-v2", "production"))
    )
    assert took_effect(Action.FLAG_ON, _flagged(OFF), _flagged(ON_25))
    # The kill switch changed (another config): nothing is confirmed.
    renamed = FlagState("checkout-v3", "production", on=False)
    assert not took_effect(Action.FLAG_OFF, before, _flagged(renamed))
