"""An action's status stays with the release version it acted on."""

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain import Action
from release_cockpit.domain.action_status import ActionPhase
from release_cockpit.engine.action_tracker import CONFIRM_WITHIN, ActionTracker
from tests.support.world import NOW, failing_canary


def test_sent_then_confirmed_only_by_data_polled_after_the_call():
    tracker = ActionTracker()
    before = failing_canary()
    tracker.sent(before, Action.ABORT, "prod-cluster", "ana", NOW)
    assert before.rollout is not None
    aborted = replace(before, rollout=replace(before.rollout, aborted=True))
    # The prod-cluster data in this release was polled before the call: not yet proof.
    still = tracker.apply(aborted, NOW)
    assert still.action is not None
    assert still.action.phase is ActionPhase.SENT
    fresh = tuple(
        replace(s, updated_at=NOW + timedelta(seconds=1)) if s.name == "prod-cluster" else s
        for s in aborted.sources
    )
    done = tracker.apply(replace(aborted, sources=fresh), NOW + timedelta(seconds=1))
    assert done.action is not None
    assert done.action.phase is ActionPhase.CONFIRMED
    assert tracker.awaiting(before.key) is None


def test_unconfirmed_after_the_deadline():
    tracker = ActionTracker()
    before = failing_canary()
    tracker.sent(before, Action.PAUSE, "prod-cluster", "ana", NOW)
    later = tracker.apply(before, NOW + CONFIRM_WITHIN + timedelta(seconds=1))
    assert later.action is not None
    assert later.action.phase is ActionPhase.UNCONFIRMED
    assert "check the backend before acting again" in later.action.text


def test_a_new_version_starts_without_the_old_status():
    tracker = ActionTracker()
    before = failing_canary()
    tracker.failed(before, Action.ABORT, "409 conflict", "ana", NOW)
    assert tracker.apply(before, NOW).action is not None
    newer = replace(before, version="2.9.0")
    assert tracker.apply(newer, NOW).action is None
