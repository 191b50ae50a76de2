"""Stage texts the panel shows for a rollout's pause."""

from __future__ import annotations

from datetime import timedelta

from release_cockpit.domain.rollout import PauseKind, RolloutPhase, pause_text
from tests.support.builders import rollout
from tests.support.clock import START


def test_a_pause_whose_start_the_backend_does_not_give_shows_no_made_up_age():
    paused = rollout(phase=RolloutPhase.PAUSED, pause_kind=PauseKind.INDEFINITE_STEP)
    assert pause_text(paused, START) == "waiting for promote"
    inconclusive = rollout(phase=RolloutPhase.PAUSED, pause_kind=PauseKind.INCONCLUSIVE)
    assert pause_text(inconclusive, START) == "analysis inconclusive, waiting for a human"


def test_a_pause_with_a_start_says_how_long_it_has_waited():
    paused = rollout(
        phase=RolloutPhase.PAUSED,
        pause_kind=PauseKind.INDEFINITE_STEP,
        pause_started_at=START - timedelta(minutes=3),
    )
    assert pause_text(paused, START) == "waiting 3m00s for promote"
