"""The six release stages and their states."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from release_cockpit.domain.clock_text import ClockText


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
    """The detail when nothing in it follows the clock ("" when ``timed`` says it)."""
    started_at: datetime | None = None
    finished_at: datetime | None = None
    timed: ClockText | None = field(default=None, metadata={"json": False})
    """A detail with a countdown or a wait in it ("soak 2m17s left"), read when shown."""

    @classmethod
    def clocked(
        cls, name: StageName, state: StageState, text: ClockText, started_at: datetime | None
    ) -> Stage:
        """A stage whose detail may follow the clock (kept plain when it does not)."""
        fixed = text.fixed
        if fixed is not None:
            return cls(name, state, fixed, started_at)
        return cls(name, state, "", started_at, timed=text)

    def text(self, now: datetime) -> str:
        """The detail as it reads at ``now``."""
        return self.timed.read(now) if self.timed is not None else self.detail

    def duration(self, now: datetime) -> timedelta | None:
        """Time spent so far (running) or in total (finished); None if never started."""
        if self.started_at is None:
            return None
        end = self.finished_at or now
        return max(end - self.started_at, timedelta(0))
