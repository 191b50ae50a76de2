"""Where each job of a run stands at a moment, in the words GitLab and Jenkins share.

GitHub's payloads read ``ci_runs`` directly; GitLab pipelines and Jenkins Pipeline stages
both need the same finer states (created, pending, running, success, failed, canceled,
skipped, and "manual": waiting for a person), a gate job at the end, and GitLab's rule for
rolling job states up into the pipeline's (``lib/gitlab/ci/status/composite.rb`` in
gitlab-org/gitlab). One place computes them; ``gitlab_payloads`` and ``jenkins_payloads``
only spell them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from release_cockpit_demo.ci_plan import CI_QUEUE_SECONDS
from release_cockpit_demo.ci_runs import JobTiming, Outcome, Run, StepTiming

STAGE_OF = {
    "build": "build",
    "unit-tests": "test",
    "integration-tests": "test",
    "smoke-tests": "verify",
}
"""The GitLab stage of each planned job (the gate runs in ``deploy``)."""
GATE_STAGE = "deploy"
GATE_JOB_OFFSET = 90
"""The gate job's id is the run id x 100 + this (planned jobs use 0..19)."""


class State(Enum):
    """A job's or a pipeline's state; the values are GitLab's REST words."""

    CREATED = "created"
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELED = "canceled"
    SKIPPED = "skipped"
    MANUAL = "manual"

    @property
    def finished(self) -> bool:
        return self in (State.SUCCESS, State.FAILED, State.CANCELED, State.SKIPPED)


@dataclass(frozen=True, slots=True)
class JobState:
    """One job as seen at a moment; ``started_at``/``finished_at`` None until they happen."""

    id: int
    name: str
    stage: str
    state: State
    created_at: float
    started_at: float | None
    finished_at: float | None
    attempt: int = 1
    retried: bool = False
    gate: bool = False
    steps: tuple[StepTiming, ...] = ()
    failure: str = ""

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at
        return None if end is None else max(0.0, end - self.started_at)


def _planned(run: Run, job: JobTiming, now: float, *, retried: bool) -> JobState:
    stopped = run.canceled_at if not retried else None
    if stopped is not None and stopped <= now and job.ends_at > stopped:
        started = job.started_at if job.started_at < stopped else None
        return JobState(
            job.job_id,
            job.plan.name,
            STAGE_OF.get(job.plan.name, "test"),
            State.CANCELED,
            job.created_at,
            started,
            stopped,
            job.attempt,
            retried,
            steps=job.steps,
        )
    if job.outcome is Outcome.SKIPPED:
        state = State.SKIPPED if now >= job.started_at else State.CREATED
        started = finished = None
    elif now < job.started_at:
        soon = job.started_at - now <= CI_QUEUE_SECONDS
        state, started, finished = (State.PENDING if soon else State.CREATED), None, None
    elif now < job.ends_at:
        state, started, finished = State.RUNNING, job.started_at, None
    else:
        ok = job.outcome is Outcome.SUCCESS
        state = State.SUCCESS if ok else State.FAILED
        started, finished = job.started_at, job.ends_at
    failing = next((s.name for s in job.steps if s.outcome is Outcome.FAILURE), "")
    return JobState(
        job.job_id,
        job.plan.name,
        STAGE_OF.get(job.plan.name, "test"),
        state,
        job.created_at,
        started,
        finished,
        job.attempt,
        retried,
        steps=job.steps,
        failure="script_failure" if state is State.FAILED and failing else "",
    )


def gate_state(run: Run, now: float) -> JobState | None:
    """The gate job: created until the jobs before it pass, then manual until answered,
    then pending, running and success (approved) or canceled (rejected)."""
    gate = run.gate
    if gate is None:
        return None
    ident = run.id * 100 + GATE_JOB_OFFSET
    created = run.attempts[0].started_at
    stopped = run.canceled(now)
    if not run.jobs_passed() and now >= run.jobs_end():
        state, started, finished = State.SKIPPED, None, None
    elif now < run.jobs_end():
        state, started, finished = (State.CANCELED if stopped else State.CREATED), None, None
    elif gate.decided_at is None or now < gate.decided_at:
        state, started, finished = (State.CANCELED if stopped else State.MANUAL), None, None
    elif not gate.approved:
        state, started, finished = State.CANCELED, None, gate.decided_at
    else:
        begins, ends = gate.decided_at + 1.0, gate.decided_at + gate.seconds
        if now < begins:
            state, started, finished = State.PENDING, None, None
        elif now < ends:
            state, started, finished = State.RUNNING, begins, None
        else:
            state, started, finished = State.SUCCESS, begins, ends
    return JobState(ident, gate.name, GATE_STAGE, state, created, started, finished, gate=True)


def job_states(run: Run, now: float, *, retried: bool = False) -> list[JobState]:
    """The run's jobs at ``now`` in plan order, the gate last; with ``retried``, older
    attempts too (newest first within a name), as GitLab's ``include_retried`` lists them."""
    latest = run.latest_jobs()
    latest_ids = {job.job_id for job in latest}
    states = [_planned(run, job, now, retried=False) for job in latest]
    if retried:
        states += [
            _planned(run, job, now, retried=True)
            for job in run.all_jobs()
            if job.job_id not in latest_ids
        ]
    gate = gate_state(run, now)
    return [*states, gate] if gate is not None else states


def roll_up(states: Iterable[State]) -> State:
    """GitLab's composite status of a pipeline's latest jobs (``Composite#status``, in its
    order: the order is the rule)."""
    seen = set(states)
    if not seen or seen <= {State.SKIPPED}:
        return State.SKIPPED if seen else State.CREATED
    if seen <= {State.SUCCESS, State.SKIPPED}:
        return State.SUCCESS
    if seen <= {State.CREATED}:
        return State.CREATED
    if seen <= {State.CANCELED, State.SUCCESS, State.SKIPPED}:
        return State.CANCELED
    if seen <= {State.PENDING, State.CREATED, State.SKIPPED}:
        return State.PENDING
    if seen & {State.RUNNING, State.PENDING}:
        return State.RUNNING
    if State.MANUAL in seen:
        return State.MANUAL
    if State.CREATED in seen:
        return State.RUNNING
    return State.FAILED


@dataclass(frozen=True, slots=True)
class RunView:
    """A run at one moment: its latest jobs (gate last), its state, and when it ran."""

    jobs: tuple[JobState, ...]
    state: State
    started_at: float | None
    finished_at: float | None


def view(run: Run, now: float) -> RunView:
    """The run at ``now``, its jobs computed once (a canceled run is canceled whatever
    else holds, once nothing of it still runs)."""
    jobs = tuple(job_states(run, now))
    states = [job.state for job in jobs]
    if run.canceled(now) and not any(s in (State.RUNNING, State.PENDING) for s in states):
        state = State.CANCELED
    else:
        state = roll_up(states)
    starts = [j.started_at for j in jobs if j.started_at is not None]
    ends = [j.finished_at for j in jobs if j.finished_at is not None]
    return RunView(
        jobs,
        state,
        min(starts) if starts else None,
        max(ends) if state.finished and ends else None,
    )


def run_state(run: Run, now: float) -> State:
    """The pipeline's state at ``now``."""
    return view(run, now).state
