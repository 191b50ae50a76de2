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


@dataclass(frozen=True, slots=True)
class RunCensus:
    """What `check` says about a CI project's recent runs: how many were seen, how many
    carry a version the cockpit can release from, and why the others carry none.

    A run without a version is never dropped (the panel shows the newest one, marked
    "version unknown"), but it is never taken for a release either: this says how many,
    and why, so a config whose version reading matches nothing is caught before a release.
    """

    seen: int
    versioned: int
    reasons: tuple[tuple[str, int], ...] = ()
    """Each distinct reason a run has no version, with how many runs gave it."""
    jobs_problems: tuple[str, ...] = ()

    @classmethod
    def of(cls, runs: tuple[CIRun, ...]) -> RunCensus:
        reasons: dict[str, int] = {}
        for run in runs:
            if run.version is None:
                why = run.version_problem or "version unknown: the backend gave no reason"
                reasons[why] = reasons.get(why, 0) + 1
        problems = tuple(dict.fromkeys(r.jobs_problem for r in runs if r.jobs_problem))
        versioned = sum(1 for run in runs if run.version is not None)
        return cls(len(runs), versioned, tuple(reasons.items()), problems)

    @property
    def ignored(self) -> int:
        return self.seen - self.versioned

    def summary(self) -> str:
        """``10 runs seen, 7 with a version, 3 ignored``."""
        noun = "run" if self.seen == 1 else "runs"
        return f"{self.seen} {noun} seen, {self.versioned} with a version, {self.ignored} ignored"

    def details(self) -> tuple[str, ...]:
        """One line per reason runs were ignored (and per job list not read)."""
        lines = [f"{count} ignored: {why}" for why, count in self.reasons]
        lines += [f"jobs not read: {problem}" for problem in self.jobs_problems]
        return tuple(lines)
