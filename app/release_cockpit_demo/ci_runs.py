"""CI runs of the demo world: attempts, a job schedule that follows `needs`, and re-runs.

A run's jobs are planned from ``scenarios.JOBS``; every time is derived from the attempt
start times, so the state of a run at any moment is a pure function of its attempts.
A re-run of failed jobs (GitHub's ``rerun-failed-jobs``) adds an attempt that runs the
failed jobs and everything that depends on them; the others keep their earlier result.

Two things only GitLab and Jenkins lines use: a *gate* (a GitLab manual deploy job, a
Jenkins ``input`` step) that waits for a person once every job passed, then runs for
``Gate.seconds``; and a *cancel* (GitLab's pipeline cancel, Jenkins' stop) that ends the
jobs still running at that moment.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum

from release_cockpit_demo.ci_plan import CI_QUEUE_SECONDS, JOBS, RERUN_EXTRA_SECONDS, JobPlan


class Outcome(Enum):
    SUCCESS = "success"
    FAILURE = "failure"
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Attempt:
    number: int
    started_at: float
    fails: bool
    jobs: tuple[str, ...]
    actor: str


@dataclass(frozen=True, slots=True)
class StepTiming:
    number: int
    name: str
    started_at: float | None  # None: skipped after an earlier step failed
    ends_at: float
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class JobTiming:
    """One job of one attempt: when it starts and ends and how it concludes."""

    plan: JobPlan
    attempt: int
    job_id: int
    created_at: float
    started_at: float
    ends_at: float
    outcome: Outcome
    steps: tuple[StepTiming, ...]


@dataclass(slots=True)
class Gate:
    """The step that waits for a person: ``decided_at`` when answered, ``approved`` how."""

    name: str
    seconds: float
    decided_at: float | None = None
    approved: bool = False
    actor: str = ""


@dataclass(slots=True)
class Run:
    """One workflow run (a release build of one version); mutable only by ``rerun_failed``."""

    id: int
    number: int
    version: str
    branch: str
    sha: str
    created_at: float
    actor: str
    attempts: list[Attempt] = field(default_factory=list)
    gate: Gate | None = None
    canceled_at: float | None = None
    _schedule: list[list[JobTiming]] = field(default_factory=list, init=False, repr=False)

    def __post_init__(self) -> None:
        for attempt in self.attempts:
            self._schedule.append(self._plan(attempt))

    @property
    def attempt(self) -> Attempt:
        return self.attempts[-1]

    def _latest_before(self, name: str, upto: int) -> JobTiming | None:
        for timings in reversed(self._schedule[:upto]):
            for timing in timings:
                if timing.plan.name == name:
                    return timing
        return None

    def _plan(self, attempt: Attempt) -> list[JobTiming]:
        done: dict[str, JobTiming] = {}
        timings: list[JobTiming] = []
        for index, plan in enumerate(JOBS):
            if plan.name not in attempt.jobs:
                continue
            earliest = attempt.started_at + CI_QUEUE_SECONDS
            needs = [done.get(need) for need in plan.needs]
            blocked = any(n is not None and n.outcome is not Outcome.SUCCESS for n in needs)
            start = max([earliest, *(n.ends_at for n in needs if n is not None)])
            job_id = self.id * 100 + (attempt.number - 1) * len(JOBS) + index
            if blocked:
                timing = JobTiming(
                    plan,
                    attempt.number,
                    job_id,
                    attempt.started_at,
                    start,
                    start,
                    Outcome.SKIPPED,
                    (),
                )
            else:
                timing = _run_job(plan, attempt, job_id, start)
            done[plan.name] = timing
            timings.append(timing)
        return timings

    def rerun_failed(self, now: float, actor: str) -> None:
        """Start a new attempt of the failed (or canceled) jobs and everything that depends
        on them.

        The caller checks first that the run is completed and has failed jobs.
        """
        stopped = self.canceled_at
        failed = {
            j.plan.name
            for j in self.latest_jobs()
            if j.outcome is not Outcome.SUCCESS or (stopped is not None and j.ends_at > stopped)
        }
        self.canceled_at = None
        rerun: set[str] = set()
        for plan in JOBS:
            if plan.name in failed or any(need in rerun for need in plan.needs):
                rerun.add(plan.name)
        names = tuple(plan.name for plan in JOBS if plan.name in rerun)
        attempt = Attempt(len(self.attempts) + 1, now, fails=False, jobs=names, actor=actor)
        self.attempts.append(attempt)
        self._schedule.append(self._plan(attempt))

    def latest_jobs(self) -> list[JobTiming]:
        """Each job's most recent execution (GitHub's ``filter=latest``), in plan order."""
        latest = {name: self._latest_before(name, len(self._schedule)) for name in _NAMES}
        return [timing for timing in latest.values() if timing is not None]

    def all_jobs(self) -> list[JobTiming]:
        """Every execution of every job, newest attempt first (GitHub's ``filter=all``)."""
        return [timing for timings in reversed(self._schedule) for timing in timings]

    def jobs_end(self) -> float:
        """When the newest attempt's jobs finish (the gate, if any, opens then)."""
        return max(timing.ends_at for timing in self._schedule[-1])

    def jobs_passed(self) -> bool:
        return all(timing.outcome is Outcome.SUCCESS for timing in self.latest_jobs())

    def _natural_end(self) -> float:
        """When the run finishes unless canceled: its jobs, then its gate (never, while
        nobody answered it)."""
        gate = self.gate
        if gate is None or not self.jobs_passed():
            return self.jobs_end()
        if gate.decided_at is None:
            return math.inf
        return gate.decided_at + (gate.seconds if gate.approved else 0.0)

    def ends_at(self) -> float:
        """When the run finishes (sooner when it was canceled)."""
        end = self._natural_end()
        return end if self.canceled_at is None else min(end, self.canceled_at)

    def completed(self, now: float) -> bool:
        return now >= self.ends_at()

    def succeeded(self) -> bool:
        if self.canceled_at is not None and self.canceled_at < self._natural_end():
            return False
        gate = self.gate
        return self.jobs_passed() and (gate is None or gate.approved)

    def canceled(self, now: float) -> bool:
        """Canceled (stopped) before it finished, as seen at ``now``."""
        stopped = self.canceled_at
        return stopped is not None and stopped <= now and stopped < self._natural_end()

    def gate_open(self, now: float) -> bool:
        """The gate waits for an answer at ``now``."""
        gate = self.gate
        return (
            gate is not None
            and gate.decided_at is None
            and self.jobs_passed()
            and self.jobs_end() <= now
            and not self.canceled(now)
        )

    def answer_gate(self, now: float, approved: bool, actor: str) -> None:
        """Approve (proceed, play) or reject (abort) the open gate; callers check it is open."""
        assert self.gate is not None
        self.gate.decided_at = now
        self.gate.approved = approved
        self.gate.actor = actor

    def cancel(self, now: float) -> None:
        """Stop whatever still runs; finished jobs keep their result."""
        if self.canceled_at is None and now < self.ends_at():
            self.canceled_at = now

    def status(self, now: float) -> tuple[str, str | None]:
        """GitHub's (status, conclusion) of the run at ``now``."""
        if self.completed(now):
            return "completed", "success" if self.succeeded() else "failure"
        if now < self.attempt.started_at + CI_QUEUE_SECONDS:
            return "queued", None
        return "in_progress", None

    def updated_at(self, now: float) -> float:
        """The last moment anything about the run changed, up to ``now``."""
        moments = [self.created_at, self.attempt.started_at]
        for timing in self.latest_jobs():
            moments.extend(t for t in (timing.started_at, timing.ends_at) if t <= now)
        if self.gate is not None and self.gate.decided_at is not None:
            moments.extend((self.gate.decided_at, self.ends_at()))
        if self.canceled_at is not None:
            moments.append(self.canceled_at)
        return max(t for t in moments if t <= now) if now >= self.created_at else self.created_at


_NAMES = tuple(plan.name for plan in JOBS)


def _run_job(plan: JobPlan, attempt: Attempt, job_id: int, start: float) -> JobTiming:
    fails = attempt.fails and bool(plan.failing_step)
    steps: list[StepTiming] = []
    clock = start
    failed = False
    for number, (name, seconds) in enumerate(plan.steps, start=1):
        if failed and name != "Complete job":
            steps.append(StepTiming(number, name, None, clock, Outcome.SKIPPED))
            continue
        if plan.failing_step == name and attempt.number > 1:
            seconds += RERUN_EXTRA_SECONDS  # a re-run suite waits for fresh fixtures
        outcome = Outcome.SUCCESS
        if fails and name == plan.failing_step:
            outcome, failed = Outcome.FAILURE, True
        steps.append(StepTiming(number, name, clock, clock + seconds, outcome))
        clock += seconds
    return JobTiming(
        plan,
        attempt.number,
        job_id,
        attempt.started_at,
        start,
        clock,
        Outcome.FAILURE if failed else Outcome.SUCCESS,
        tuple(steps),
    )
