"""One release line of the demo world: its cycle state machine and the control actions.

Left whole over the 450-line aim (#13): it is one class, ``Line``, a state machine whose
transitions and control actions all read and write the same cycle state.

A cycle is: CI builds the next version -> the rollout steps through its strategy ->
the release soaks -> the next cycle. Aborts, rollbacks, promotions and pauses change the
course. Transitions happen at times computed from the cycle's start and the actions taken,
never at the times someone happened to look, so ``advance(now)`` gives the same state
however often it is called: the state is a function of (scenario, start, now, actions).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, replace
from enum import Enum

from release_cockpit_demo.ci_plan import JOB_NAMES, ci_seconds
from release_cockpit_demo.ci_runs import Attempt, Gate, Run
from release_cockpit_demo.metrics import Regime, Sample, firing_since, samples, value
from release_cockpit_demo.query_templates import Query, Signal
from release_cockpit_demo.release_lines import LineSpec
from release_cockpit_demo.scenarios import (
    DEPLOY_DELAY,
    FAILED_CI_RESTART_AFTER,
    PREVIEW_SCALE_SECONDS,
    RESTART_AFTER,
    CIFamily,
    Strategy,
    bump,
    parse_version,
    tag,
)

DAY = 86400.0
HISTORY_RUNS = 20
KEEP_REGIMES_SECONDS = 6 * 3600.0
ACTORS = ("mkowalski", "jrivera", "apatel", "lchen", "sokafor", "dnguyen")
RERUN_ACTOR = "oncall-sam"
GATE_SECONDS = 6.0
"""How long the approved step runs (the deploy job, the stages after the input)."""
GATES = {CIFamily.GITLAB: "deploy-production", CIFamily.JENKINS: "approval"}
"""What the gate is called: GitLab's manual job, the Jenkins stage holding the input."""
# Kubernetes' pod-template-hash alphabet (k8s.io/apimachinery rand.SafeEncodeString): no vowels.
_HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


class Stage(Enum):
    WAITING = "waiting"  # the rollout runs the stable version while CI builds the next one
    STEPPING = "stepping"  # the rollout is moving to the new version
    COMPLETE = "complete"  # fully promoted; the release soaks
    ABORTED = "aborted"  # traffic back on stable, template still the new version
    ROLLED_BACK = "rolled-back"  # template reverted to an older version


@dataclass(frozen=True, slots=True)
class Revision:
    """One ReplicaSet of the line: a revision number, its version, when it was created, when
    it last became the deployed template, and the restart stamp of its pod template."""

    number: int
    version: str
    created_at: float
    deployed_at: float | None = None
    restarted_at: float | None = None


@functools.lru_cache(maxsize=8192)
def pod_hash(service: str, version: str) -> str:
    """A stable, realistic-looking pod-template-hash for a service's version."""
    digest = hashlib.sha256(f"{service}:{version}".encode()).digest()
    return "".join(_HASH_ALPHABET[b % len(_HASH_ALPHABET)] for b in digest[:10])


def head_sha(repo: str, version: str) -> str:
    return hashlib.sha1(f"{repo}@{version}".encode(), usedforsecurity=False).hexdigest()


def _newer(a: str, b: str) -> str:
    return a if parse_version(a) >= parse_version(b) else b


class Line:
    """The mutable simulation state of one release line (callers hold the world lock)."""

    def __init__(self, spec: LineSpec, world_start: float) -> None:
        self.spec = spec
        self.scenario = spec.scenario
        self.changes = 0
        start = world_start + spec.start_offset
        self.created_at = world_start - 40 * DAY
        self.cycle = 0
        self.cycle_start = start
        self.stable = spec.stable
        self.target = bump(spec.stable, self.scenario.first_bump)
        self.highest = self.target
        first = 10 + spec.index % 30
        self.revisions = [
            Revision(first, spec.previous, start - 3 * DAY),
            Revision(first + 1, spec.stable, start - DAY),
        ]
        self.generation = 20 + spec.index % 40
        self.stage = Stage.WAITING
        self.step_index = 0
        self.step_entered = start
        self.spec_paused = False
        self.paused_at: float | None = None
        self.rollout_started_at: float | None = start - DAY
        self.finished_at: float | None = start - DAY + 150.0
        self.aborted_at: float | None = None
        self.completion = "Promoted"
        self.regimes = [Regime(start - DAY)]
        # GitLab pipeline iids and Jenkins build numbers count every pipeline or build.
        self.serial = 40 + spec.index % 50
        self.runs = [
            self._make_run(-2, spec.previous, start - 3 * DAY - 600, fails=False),
            self._make_run(-1, spec.stable, start - DAY - 600, fails=False),
            self._make_run(0, self.target, start, fails=self.scenario.tests_fail_first),
        ]

    # --- identity -----------------------------------------------------------------------

    @property
    def service(self) -> str:
        return self.spec.service

    @property
    def step_count(self) -> int:
        if self.scenario.strategy is Strategy.BLUE_GREEN:
            return 2  # scale the preview up, then the promotion gate
        return len(self.scenario.steps)

    @property
    def template_version(self) -> str:
        return self.target if self.stage in (Stage.STEPPING, Stage.ABORTED) else self.stable

    @property
    def run(self) -> Run:
        return self.runs[-1]

    def _make_run(self, cycle: int, version: str, at: float, *, fails: bool) -> Run:
        index = self.spec.index
        branch = f"hotfix/{version}" if self.scenario.hotfix and cycle >= 0 else tag(version)
        actor = ACTORS[(index + cycle) % len(ACTORS)]
        run_id = 9_100_000_000 + index * 100_000 + 10 + cycle
        number = 120 + index * 7 % 300 + cycle
        if self.spec.ci is not CIFamily.GITHUB:
            self.serial += 1
            run_id, number = 9_100_000_000 + index * 100_000 + 5000 + self.serial, self.serial
        gate = None
        if self.scenario.ci_gate:
            gate = Gate(GATES.get(self.spec.ci, "approve"), GATE_SECONDS)
            if cycle < 0:  # a release of the past: somebody approved it back then
                gate.decided_at, gate.approved = at + ci_seconds() + 60.0, True
                gate.actor = actor
        return Run(
            id=run_id,
            number=number,
            version=version,
            branch=branch,
            sha=head_sha(self.spec.repo, version),
            created_at=at,
            actor=actor,
            attempts=[Attempt(1, at, fails=fails, jobs=JOB_NAMES, actor=actor)],
            gate=gate,
        )

    def _touch(self, at: float) -> None:
        """Count a change, and note when the canary track starts or stops taking traffic."""
        self.changes += 1
        self._record(replace(self.regimes[-1], start=at, canary=self.traffic_weight() > 0))

    @property
    def resource_version(self) -> int:
        """Grows with every change of this line; derived, so it is the same on every run."""
        return 100_000 + self.spec.index * 10_000_000 + self.changes

    # --- time ---------------------------------------------------------------------------

    def _step_seconds(self) -> float | None:
        """How long the current step lasts on its own (None: until a human promotes)."""
        if self.step_index >= self.step_count:
            return 0.0
        if self.scenario.strategy is Strategy.BLUE_GREEN:
            if self.step_index == 0:
                return PREVIEW_SCALE_SECONDS
            seconds = self.scenario.auto_promotion_seconds
            return None if seconds is None else float(seconds)
        return self.scenario.steps[self.step_index].seconds

    def in_pause_step(self) -> bool:
        if self.stage is not Stage.STEPPING or self.step_index >= self.step_count:
            return False
        if self.scenario.strategy is Strategy.BLUE_GREEN:
            return self.step_index == 1
        return self.scenario.steps[self.step_index].pause

    def set_weight(self) -> int:
        """The weight of the last setWeight at or before the current step (0 before any)."""
        if self.stage is not Stage.STEPPING:
            return 0
        return self._last_weight(self.step_index + 1)

    def scaling(self) -> bool:
        """In a setWeight step: the new ReplicaSet is still scaling to the new weight."""
        return (
            self.stage is Stage.STEPPING
            and self.step_index < self.step_count
            and self.scenario.strategy is Strategy.CANARY
            and self.scenario.steps[self.step_index].weight is not None
        )

    def traffic_weight(self) -> int:
        """The weight traffic routing actually sends to the canary.

        Until the canary reaches its replica count the previous setWeight stays in effect, and
        once fully promoted the canary weight goes back to 0 (rollout/trafficrouting.go,
        reconcileTrafficRouting, in argoproj/argo-rollouts). A blue-green preview gets none.
        """
        if not self.scaling():
            return self.set_weight()
        return self._last_weight(self.step_index)

    def _last_weight(self, steps: int) -> int:
        weight = 0
        for step in self.scenario.steps[:steps]:
            if step.weight is not None:
                weight = step.weight
        return weight

    def _next_event(self) -> float | None:
        if self.stage is Stage.WAITING:
            run = self.run
            if run.succeeded():
                return run.ends_at() + DEPLOY_DELAY
            return run.ends_at() + FAILED_CI_RESTART_AFTER
        if self.stage is Stage.STEPPING:
            if self.spec_paused:
                return None
            seconds = self._step_seconds()
            return None if seconds is None else self.step_entered + seconds
        if self.stage is Stage.COMPLETE:
            assert self.finished_at is not None
            return self.finished_at + self.scenario.soak_of(self.cycle)
        assert self.finished_at is not None
        return self.finished_at + RESTART_AFTER

    def advance(self, now: float) -> None:
        """Apply every transition due at or before ``now``, each at its own time."""
        while True:
            at = self._next_event()
            if at is None or at > now:
                return
            if self.stage is Stage.WAITING:
                if self.run.succeeded():
                    self._start_rollout(at)
                else:
                    self._new_cycle(at)
            elif self.stage is Stage.STEPPING:
                self._enter_step(self.step_index + 1, at)
            else:
                self._new_cycle(at)

    # --- transitions --------------------------------------------------------------------

    def _set_regime(self, at: float, bad_since: float | None) -> None:
        self._record(replace(self.regimes[-1], start=at, bad_since=bad_since))

    def _record(self, regime: Regime) -> None:
        current = self.regimes[-1]
        if replace(current, start=regime.start) == regime:
            return
        if current.start == regime.start:
            self.regimes[-1] = regime  # two changes at one instant: the later one holds
        else:
            self.regimes.append(regime)
        while len(self.regimes) > 1 and self.regimes[1].start < regime.start - KEEP_REGIMES_SECONDS:
            self.regimes.pop(0)

    def _promote_revision(self, version: str, at: float) -> None:
        """Give ``version``'s ReplicaSet the next revision number (Argo re-uses the RS)."""
        number = max(r.number for r in self.revisions) + 1
        kept = [r for r in self.revisions if r.version != version]
        created = next((r.created_at for r in self.revisions if r.version == version), at)
        self.revisions = [*kept, Revision(number, version, created, at)][-10:]

    def _start_rollout(self, at: float) -> None:
        self._promote_revision(self.target, at)
        self.stage = Stage.STEPPING
        self.generation += 1
        self.rollout_started_at = at
        self.finished_at = None
        self.aborted_at = None
        if self.spec_paused:
            self.paused_at = at
        if self.scenario.bad_canary:
            self._set_regime(at, at)
        self._enter_step(0, at)

    def _enter_step(self, index: int, at: float) -> None:
        self.step_index = index
        self.step_entered = at
        self._touch(at)
        if index >= self.step_count:
            self._complete(at, "Promoted")

    def _complete(self, at: float, how: str) -> None:
        self.stage = Stage.COMPLETE
        self.stable = self.target
        self.step_index = self.step_count
        self.finished_at = at
        self.completion = how
        self._touch(at)

    def _settle_on(self, version: str, at: float, how: str) -> None:
        """The template goes back to ``version``, which becomes the running one at once."""
        self._promote_revision(version, at)
        self.stage = Stage.ROLLED_BACK
        self.stable = version
        self.generation += 1
        self.step_index = self.step_count
        self.finished_at = at
        self.aborted_at = None
        self.completion = how
        self._set_regime(at, None)
        self._touch(at)

    def _new_cycle(self, at: float) -> None:
        if self.stage is Stage.ABORTED:
            # Nobody reverted the aborted template: GitOps syncs it back to stable.
            self._settle_on(self.stable, at, "Aborted")
        self.cycle += 1
        self.cycle_start = at
        self.stage = Stage.WAITING
        self.target = bump(self.highest, self.scenario.next_bump)
        self.highest = _newer(self.target, self.highest)
        self._set_regime(at, None)
        self.runs.append(
            self._make_run(self.cycle, self.target, at, fails=self.scenario.tests_fail_first)
        )
        self.runs = self.runs[-HISTORY_RUNS:]
        self._touch(at)

    # --- actions (callers advance to ``now`` first) -------------------------------------

    def pause(self, now: float) -> None:
        if self.spec_paused:
            return
        self.spec_paused = True
        self.paused_at = now
        self.generation += 1
        self._touch(now)

    def unpause(self, now: float) -> None:
        if not self.spec_paused:
            return
        if self.stage is Stage.STEPPING and self.paused_at is not None:
            # Time spent paused does not count towards the current step.
            self.step_entered += now - self.paused_at
        self.spec_paused = False
        self.paused_at = None
        self.generation += 1
        self._touch(now)

    def clear_pause_conditions(self, now: float) -> None:
        if self.in_pause_step():
            self._enter_step(self.step_index + 1, now)

    def set_step_index(self, now: float, index: int) -> None:
        if self.stage is Stage.STEPPING and self.scenario.strategy is Strategy.CANARY:
            self._enter_step(max(0, min(index, self.step_count)), now)

    def promote_full(self, now: float) -> None:
        if self.stage is Stage.STEPPING:
            self._complete(now, "FastPromoted")

    def abort(self, now: float) -> None:
        if self.stage is not Stage.STEPPING:
            return
        self.stage = Stage.ABORTED
        self.aborted_at = now
        self.finished_at = now
        self.step_index = 0
        self._set_regime(now, None)
        self._touch(now)

    def retry(self, now: float) -> None:
        if self.stage is not Stage.ABORTED:
            return
        self.stage = Stage.STEPPING
        self.aborted_at = None
        self.finished_at = None
        if self.scenario.bad_canary:
            self._set_regime(now, now)
        self._enter_step(0, now)

    def set_template(self, now: float, version: str) -> None:
        """A new ``spec.template`` (kubectl argo rollouts undo): roll back to its version."""
        if version == self.template_version or not version:
            return
        self.highest = _newer(version, self.highest) if _is_semver(version) else self.highest
        self._settle_on(version, now, "RolledBack")

    def restart(self, now: float) -> None:
        """``kubectl rollout restart``: a new template (same version, a restart stamp), so a
        new ReplicaSet under the next revision number whose pods replace the running ones."""
        version = self.template_version
        number = max(r.number for r in self.revisions) + 1
        kept = [r for r in self.revisions if r.version != version]
        self.revisions = [*kept, Revision(number, version, now, now, restarted_at=now)][-10:]
        self.generation += 1
        self._touch(now)

    def rerun_failed(self, run_id: int, now: float) -> tuple[int, str]:
        """GitHub's rerun-failed-jobs on one of this line's runs: (HTTP status, message)."""
        run = next((r for r in self.runs if r.id == run_id), None)
        if run is None:
            return 404, "Not Found"
        if run is not self.run or self.stage is not Stage.WAITING:
            return 403, "This workflow run is not the latest release attempt and cannot be re-run"
        if not run.completed(now):
            return 409, "This workflow is already running"
        if run.succeeded():
            return 422, "There are no failed jobs to re-run in this workflow run"
        run.rerun_failed(now, RERUN_ACTOR)
        self._touch(now)
        return 201, ""

    # --- GitLab and Jenkins controls (callers advance to ``now`` first) ------------------

    def find_run(self, run_id: int) -> Run | None:
        return next((r for r in self.runs if r.id == run_id), None)

    def answer_gate(self, run: Run, now: float, *, approved: bool, actor: str) -> bool:
        """Play the manual job / proceed (approved) or abort the input; False when the
        run's gate is not waiting now."""
        if not run.gate_open(now):
            return False
        run.answer_gate(now, approved, actor)
        self._touch(now)
        return True

    def cancel_run(self, run: Run, now: float) -> bool:
        """Cancel (GitLab) or stop (Jenkins) a run that has not finished; False if it has."""
        if run.completed(now):
            return False
        run.cancel(now)
        self._touch(now)
        return True

    def retry_run(self, run: Run, now: float) -> bool:
        """GitLab's pipeline retry: a new attempt of the failed and canceled jobs of the
        latest release pipeline; False when there is nothing GitLab would re-run."""
        if run is not self.run or self.stage is not Stage.WAITING or not run.completed(now):
            return False
        if run.succeeded() or (run.jobs_passed() and run.canceled_at is None):
            return False
        run.rerun_failed(now, RERUN_ACTOR)
        self._touch(now)
        return True

    def rebuild(self, now: float) -> Run | None:
        """Jenkins' rebuild of the latest release build: a new build (new number) of the
        same version that runs everything again; None while the last one still runs."""
        last = self.run
        if self.stage is not Stage.WAITING or not last.completed(now) or last.succeeded():
            return None
        run = self._make_run(self.cycle, last.version, now, fails=False)
        self.runs = [*self.runs, run][-HISTORY_RUNS:]
        self._touch(now)
        return run

    # --- signals ------------------------------------------------------------------------

    def signal_value(self, signal: Signal, at: float) -> float:
        return value(self.scenario, self.service, signal, self.regimes, at)

    def samples(self, query: Query, at: float) -> list[Sample]:
        """The labelled series values ``query`` answers for this line at ``at``."""
        return samples(self.scenario, self.service, query, self.regimes, at)

    def firing_since(self, signal: Signal, now: float) -> float | None:
        return firing_since(self.scenario, signal, self.regimes, now)


def _is_semver(version: str) -> bool:
    try:
        parse_version(version)
    except ValueError:
        return False
    return True
