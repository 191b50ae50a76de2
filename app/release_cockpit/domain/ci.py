"""CI runs, jobs and steps in the cockpit's own vocabulary, whatever the backend."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class RunStatus(Enum):
    """The small state set every CI backend is mapped onto; unknown values map to UNKNOWN."""

    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"  # needs a human (approval, manual job)
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    UNKNOWN = "unknown"

    @property
    def finished(self) -> bool:
        return self in (
            RunStatus.SUCCEEDED,
            RunStatus.FAILED,
            RunStatus.CANCELLED,
            RunStatus.SKIPPED,
        )


@dataclass(frozen=True, slots=True)
class CIStep:
    number: int
    name: str
    status: RunStatus
    started_at: datetime | None = None
    completed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class CIJob:
    id: str
    name: str
    status: RunStatus
    started_at: datetime | None = None
    completed_at: datetime | None = None
    url: str = ""
    steps: tuple[CIStep, ...] = ()

    @property
    def failed_steps(self) -> tuple[CIStep, ...]:
        return tuple(s for s in self.steps if s.status is RunStatus.FAILED)


@dataclass(frozen=True, slots=True)
class CIRun:
    """One pipeline/workflow run. ``version`` is parsed from the ref (or what the backend
    holds it in) when it holds one."""

    id: str
    name: str
    status: RunStatus
    sha: str = ""
    ref: str = ""
    version: str | None = None
    number: int | None = None
    attempt: int = 1
    event: str = ""
    actor: str = ""
    title: str = ""
    created_at: datetime | None = None
    started_at: datetime | None = None
    updated_at: datetime | None = None
    url: str = ""
    jobs: tuple[CIJob, ...] = ()
    version_problem: str = ""
    """Why no version could be read ("" when ``version`` is set): the run is still shown,
    marked "version unknown" with this, so nothing is silently dropped."""
    jobs_problem: str = ""
    """Why the jobs could not be read this time ("" when they were, or were not asked)."""
