"""What a deploy controller keeps beside a line's rollout: Argo CD's operations, the Flagger
load tester's gates. Pure state; the routes change it and the payloads read it."""

from __future__ import annotations

from dataclasses import dataclass, field

from release_cockpit_demo.line import Line, Stage

SYNC_SECONDS = 6.0
"""How long an Argo CD sync or rollback operation runs before it has applied everything."""


@dataclass(slots=True)
class Operation:
    """An Argo CD operation a person (or the CD job) started: a sync or a rollback."""

    kind: str
    started_at: float
    by: str
    revision: str
    terminated_at: float | None = None

    def phase(self, now: float) -> str:
        if self.terminated_at is not None:
            return "Failed"
        return "Running" if now < self.started_at + SYNC_SECONDS else "Succeeded"


@dataclass(slots=True)
class Extras:
    """Per line: Argo CD operations started through the API, and the load tester's gates
    for its Canary (they stay open until closed, as the real load tester's do)."""

    operations: list[Operation] = field(default_factory=list)
    gate_open: bool = False
    rollback_open: bool = False


def apply_gates(line: Line, extras: Extras, now: float) -> None:
    """What Flagger does at its next check when a gate is open: an open confirm-promotion
    gate passes the `hold` step, an open rollback gate fails the analysis."""
    if line.stage is not Stage.STEPPING:
        return
    if extras.rollback_open:
        line.abort(now)
        return
    step = line.scenario.steps[min(line.step_index, line.step_count - 1)]
    if extras.gate_open and line.in_pause_step() and step.pause_seconds is None:
        line.clear_pause_conditions(now)
