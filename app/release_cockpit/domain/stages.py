"""The six release stages and their states."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum


class StageName(Enum):
    """The release process we follow, in order."""

    PLAN = "plan"
    BUILD = "build"
    TEST = "test"
    PRE_RELEASE = "pre-release"
    DEPLOY = "deploy"
    MONITOR = "monitor"

    @property
    def title(self) -> str:
        return "Pre-release" if self is StageName.PRE_RELEASE else self.value.capitalize()


class StageState(Enum):
    """Where a stage is. ``UNKNOWN`` is used when the stage's source has no fresh data."""

    PENDING = "pending"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    SKIPPED = "skipped"
    WAITING = "waiting"  # waiting for a human
    UNKNOWN = "unknown"

    @property
    def settled(self) -> bool:
        """True when the stage will not move again on its own."""
        return self in (StageState.PASSED, StageState.FAILED, StageState.SKIPPED)


@dataclass(frozen=True, slots=True)
class Stage:
    """One stage of one release, with its timing and a short detail line."""

    name: StageName
    state: StageState
    detail: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None

    def duration(self, now: datetime) -> timedelta | None:
        """Time spent so far (running) or in total (finished); None if never started."""
        if self.started_at is None:
            return None
        end = self.finished_at or now
        return max(end - self.started_at, timedelta(0))
