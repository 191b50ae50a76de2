"""How often a release line's CI is asked: at the backend's pace while it moves, slower idle.

A line is idle when its newest CI run has finished and its rollout (if it has one) is fully
promoted and healthy: nothing on it changes until someone pushes, so its runs list is
asked for less often. The numbers:

- active lines: the backend's ``interval`` (default 5 s), never below ``MIN_POLL_INTERVAL``
  (1 s), the floor that protects a backend from a config asking for a tight loop;
- idle lines: ``IDLE_FACTOR`` (6) times the interval, but at most half the source's
  staleness limit, so an idle release is never shown stale (``stale_after`` is at least
  three intervals: 30 s by default, so idle lines are asked every 15 s by default; raise
  ``stale_after`` to let idle lines rest longer);
- a backend whose lines are all idle still gets one request per poll (the line asked
  longest ago), so a dead backend is noticed at the loop's pace;
- a line becomes active again as soon as a poll sees a new run or its rollout move, and
  a line whose last poll failed is retried at the loop's (backed-off) pace.
"""

from __future__ import annotations

from collections.abc import Sequence

from release_cockpit.domain import CIRun, RolloutState
from release_cockpit.domain.rollout import RolloutPhase

MIN_POLL_INTERVAL = 1.0
IDLE_FACTOR = 6.0
SLACK = 0.25
"""Seconds of slack so a line due at the loop's wake-up is not skipped for waking early."""


def is_idle(runs: Sequence[CIRun], rollout: RolloutState | None) -> bool:
    """Nothing is running and nothing is rolling out on this line."""
    if runs and not runs[0].status.finished:
        return False
    if rollout is None:
        return True
    return rollout.fully_promoted and not rollout.aborted and rollout.phase is RolloutPhase.HEALTHY


def idle_interval(interval: float, stale_after: float) -> float:
    """Seconds between polls of an idle line (never faster than an active one)."""
    active = max(interval, MIN_POLL_INTERVAL)
    return max(active, min(active * IDLE_FACTOR, stale_after / 2))
