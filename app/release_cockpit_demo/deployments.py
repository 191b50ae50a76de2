"""Each demo line's past GitHub Deployments: a pure, deterministic history generator.

A new install backfills its release history from GitHub Deployments (https://docs.github.com/en/rest/deployments/deployments),
so the demo GitHub keeps about a month of them per line, all before the line's current
release started. The history is a function of the line spec and the world's start time
only (seeded by the line index, never by a random generator), so every run, request and
page sees the same deployments with the same ids.

What a line's month looks like, oldest first:

* one or two planned deploys a week (gaps of 3-7 days, in working hours), most of them
  ``queued -> in_progress -> success``;
* now and then a deploy that ends ``failure`` (or ``error``), fixed by the next version an
  hour or a few later;
* now and then a rollback: a version deploys fine, and up to two hours later the previous
  version's commit is deployed again;
* then the line's ``previous`` and ``stable`` versions, at the times its CI runs and its
  rollout history say (stable finished deploying one day before the current release).

Every line has at least one failure and one rollback once it has enough deploys, so the
change failure rate and time to restore come out non-trivial. Production lines also
deploy each version to ``staging`` first, which is what the ``environment`` filter of
the list endpoint is for. A deployment that succeeds marks the earlier successful ones
of its environment ``inactive`` (``auto_inactive``, on by default; production included
since the 2018-10-16 GitHub changelog "Deployments API update").
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from enum import Enum

from release_cockpit_demo.line import ACTORS, DAY, RERUN_ACTOR, head_sha
from release_cockpit_demo.release_lines import LineSpec
from release_cockpit_demo.scenarios import parse_version, tag

HOUR = 3600.0
MINUTE = 60.0
HISTORY_DAYS = 30
"""How far back a line's deployments go from its current release."""
FAILURE_SHARE = 0.12
ROLLBACK_SHARE = 0.12
STAGING = "staging"
DEPLOYMENT_IDS = 1_500_000_000
STATUS_IDS = 4_000_000_000


class DeploymentState(Enum):
    """The ``deployment-status.state`` values the demo sends (https://docs.github.com/en/rest/deployments/deployments)."""

    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"
    INACTIVE = "inactive"


class Course(Enum):
    """How one planned release of the history went."""

    SUCCESS = "success"
    FAILURE = "failure"  # the deploy failed; the next version fixed it
    ROLLBACK = "rollback"  # the deploy succeeded, then the previous version came back


@dataclass(frozen=True, slots=True)
class PastStatus:
    """One deployment status."""

    id: int
    state: DeploymentState
    created_at: float
    description: str
    creator: str


@dataclass(frozen=True, slots=True)
class PastDeployment:
    """One deployment with its statuses, oldest status first."""

    id: int
    sha: str
    ref: str
    version: str
    environment: str
    created_at: float
    creator: str
    description: str
    statuses: tuple[PastStatus, ...]
    rollback: bool = False

    @property
    def production(self) -> bool:
        """GitHub's ``production_environment``: true by default for "production" only."""
        return self.environment == "production"

    def statuses_at(self, now: float) -> tuple[PastStatus, ...]:
        """The statuses that exist at ``now``, oldest first."""
        return tuple(s for s in self.statuses if s.created_at <= now)

    def updated_at(self, now: float) -> float:
        """Creating a status updates the deployment."""
        visible = self.statuses_at(now)
        return visible[-1].created_at if visible else self.created_at


@dataclass(slots=True)
class _Draft:
    """A deployment being assembled; ids are given once all are placed in time."""

    sha: str
    ref: str
    version: str
    environment: str
    created_at: float
    creator: str
    description: str
    states: list[tuple[DeploymentState, float, str]]
    rollback: bool = False


def unit(index: int, *salt: object) -> float:
    """A number in [0, 1) fixed by the line index and ``salt``: the same on every run."""
    text = "|".join([str(index), *(str(part) for part in salt)])
    digest = hashlib.sha256(text.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def _older(version: str, salt: int) -> str | None:
    """A plausible release before ``version``, or None before 0.0.0."""
    major, minor, patch = parse_version(version)
    if patch > 0:
        return f"{major}.{minor}.{patch - 1}"
    if minor > 0:
        return f"{major}.{minor - 1}.{2 + salt % 4}"
    if major > 0:
        return f"{major - 1}.{8 + salt % 5}.{1 + salt % 3}"
    return None


def _working_hours(at: float, index: int, slot: int) -> float:
    """The same day as ``at``, between 09:00 and 17:00 UTC: people deploy in office hours."""
    midnight = at - at % DAY
    return midnight + 9 * HOUR + unit(index, slot, "hour") * 8 * HOUR


def _slot_times(spec: LineSpec, start: float) -> list[float]:
    """Times of the planned releases before ``previous``, oldest first."""
    earliest = start - HISTORY_DAYS * DAY
    times: list[float] = []
    at = start - 3 * DAY
    slot = 0
    while True:
        at -= (3.0 + 4.0 * unit(spec.index, slot, "gap")) * DAY
        placed = _working_hours(at, spec.index, slot)
        if placed < earliest:
            return times[::-1]
        times.append(placed)
        slot += 1


def _courses(index: int, count: int) -> list[Course]:
    """How each planned release went; the oldest always succeeds (a rollback needs a past)."""
    courses = []
    for slot in range(count):
        draw = unit(index, slot, "course")
        if slot == 0 or draw >= FAILURE_SHARE + ROLLBACK_SHARE:
            courses.append(Course.SUCCESS)
        else:
            courses.append(Course.FAILURE if draw < FAILURE_SHARE else Course.ROLLBACK)
    if count >= 3:
        # Guarantee one of each, so every line's DORA figures have something to say.
        for course, shift in ((Course.ROLLBACK, 0), (Course.FAILURE, count // 2)):
            if course in courses:
                continue
            first = (index + shift) % (count - 1)
            # From a line-dependent slot on (never the oldest): the first plain success, else
            # the first course that happened twice.
            order = [1 + (first + step) % (count - 1) for step in range(count - 1)]
            free = next((n for n in order if courses[n] is Course.SUCCESS), None)
            if free is None:
                free = next((n for n in order if courses.count(courses[n]) > 1), None)
            if free is not None:
                courses[free] = course
    return courses


def _versions(previous: str, needed: int, index: int) -> list[str]:
    """Up to ``needed`` versions before ``previous``, oldest first."""
    found: list[str] = []
    current: str | None = previous
    while len(found) < needed:
        current = _older(current, index + len(found)) if current else None
        if current is None:
            break
        found.append(current)
    return found[::-1]


def _deploy(
    spec: LineSpec,
    version: str,
    at: float,
    slot: object,
    *,
    ends: DeploymentState = DeploymentState.SUCCESS,
) -> _Draft:
    """A deploy of ``version`` created at ``at``: queued, in progress, then ``ends``."""
    index = spec.index
    running = at + 15 + 45 * unit(index, slot, "start")
    finished = running + (4 + 11 * unit(index, slot, "length")) * MINUTE
    final = {
        DeploymentState.SUCCESS: f"Deployed {tag(version)} to {spec.environment}",
        DeploymentState.FAILURE: "Canary analysis failed: 5xx ratio above 5% at 25% traffic",
        DeploymentState.ERROR: "Deploy job timed out waiting for the rollout to be healthy",
    }[ends]
    return _Draft(
        sha=head_sha(spec.repo, version),
        ref=tag(version),
        version=version,
        environment=spec.environment,
        created_at=at,
        creator=ACTORS[int(unit(index, slot, "actor") * len(ACTORS))],
        description=f"Deploy {tag(version)} to {spec.environment}",
        states=[
            (DeploymentState.QUEUED, at, "Deployment queued"),
            (DeploymentState.IN_PROGRESS, running, f"Rolling out {tag(version)}"),
            (ends, finished, final),
        ],
    )


def _rollback(spec: LineSpec, bad: _Draft, live: str, slot: object) -> _Draft:
    """The previous version's commit deployed again, some time after ``bad`` succeeded."""
    index = spec.index
    at = bad.states[-1][1] + (20 + 100 * unit(index, slot, "noticed")) * MINUTE
    done = at + (2 + 3 * unit(index, slot, "undo")) * MINUTE
    sha = head_sha(spec.repo, live)
    # Redeployed by commit sha (the ref GitHub's "redeploy" and `gh api` calls take): the
    # rollback is a deployment of its own, not a second deployment of the old tag, so the
    # backfilled history keeps it as its own release.
    return _Draft(
        sha=sha,
        ref=sha,
        version=live,
        environment=spec.environment,
        created_at=at,
        creator=RERUN_ACTOR,
        description=f"Rollback {tag(bad.version)} -> {tag(live)}",
        states=[
            (DeploymentState.QUEUED, at, "Deployment queued"),
            (DeploymentState.IN_PROGRESS, at + 10, f"Rolling back to {tag(live)}"),
            (DeploymentState.SUCCESS, done, f"Rolled back to {tag(live)}"),
        ],
        rollback=True,
    )


def _production_drafts(spec: LineSpec, start: float) -> list[_Draft]:
    """The line's own environment's deployments, oldest first."""
    index = spec.index
    times = _slot_times(spec, start)
    courses = _courses(index, len(times))
    needed = len(times) + courses.count(Course.FAILURE)
    versions = _versions(spec.previous, needed, index)
    while needed > len(versions):  # too close to 0.0.0: drop the oldest slots
        needed -= 2 if courses.pop(0) is Course.FAILURE else 1
        times.pop(0)
    versions = versions[len(versions) - needed :]
    drafts: list[_Draft] = []
    live: str | None = None
    pending = iter(versions)
    for slot, (at, course) in enumerate(zip(times, courses, strict=True)):
        version = next(pending)
        if course is Course.FAILURE:
            ends = (
                DeploymentState.ERROR if unit(index, slot, "how") < 0.3 else DeploymentState.FAILURE
            )
            failed = _deploy(spec, version, at, slot, ends=ends)
            fix_at = failed.states[-1][1] + (1 + 3 * unit(index, slot, "fix")) * HOUR
            fix = next(pending)
            drafts += [failed, _deploy(spec, fix, fix_at, (slot, "fix"))]
            live = fix
        elif course is Course.ROLLBACK and live is not None:
            bad = _deploy(spec, version, at, slot)
            drafts += [bad, _rollback(spec, bad, live, slot)]
        else:
            drafts.append(_deploy(spec, version, at, slot))
            live = version
    drafts.append(_deploy(spec, spec.previous, start - 3 * DAY, "previous"))
    stable = _deploy(spec, spec.stable, start - DAY, "stable")
    # The stable version finished rolling out 150 s after it started (Line.finished_at).
    stable.states[1:] = [
        (DeploymentState.IN_PROGRESS, start - DAY + 5, f"Rolling out {tag(spec.stable)}"),
        (DeploymentState.SUCCESS, start - DAY + 150, stable.states[-1][2]),
    ]
    drafts.append(stable)
    return drafts


def _staging_first(spec: LineSpec, drafts: list[_Draft]) -> list[_Draft]:
    """Each production version went through staging 10-40 minutes before (not rollbacks)."""
    staged = []
    for draft in drafts:
        if draft.rollback:
            continue
        at = draft.created_at - (10 + 30 * unit(spec.index, draft.version, "staging")) * MINUTE
        done = at + (3 + 4 * unit(spec.index, draft.version, "staged")) * MINUTE
        creator = draft.creator
        staged.append(
            _Draft(
                sha=draft.sha,
                ref=draft.ref,
                version=draft.version,
                environment=STAGING,
                created_at=at,
                creator=creator,
                description=f"Deploy {tag(draft.version)} to {STAGING}",
                states=[
                    (DeploymentState.QUEUED, at, "Deployment queued"),
                    (DeploymentState.IN_PROGRESS, at + 20, f"Rolling out {tag(draft.version)}"),
                    (DeploymentState.SUCCESS, done, f"Deployed {tag(draft.version)} to staging"),
                ],
            )
        )
    return staged


def _mark_inactive(drafts: list[_Draft]) -> None:
    """``auto_inactive``: a success retires every earlier successful deployment of its env."""
    successes = sorted(
        (at, n)
        for n, draft in enumerate(drafts)
        for state, at, _ in draft.states
        if state is DeploymentState.SUCCESS
    )
    for at, n in successes:
        environment = drafts[n].environment
        for other in drafts:
            if other is drafts[n] or other.environment != environment or other.created_at > at:
                continue
            if other.states[-1][0] is DeploymentState.SUCCESS and other.states[-1][1] < at:
                other.states.append((DeploymentState.INACTIVE, at, "Superseded"))


@functools.lru_cache(maxsize=1024)
def past_deployments(spec: LineSpec, world_start: float) -> tuple[PastDeployment, ...]:
    """The line's deployments before its current release, oldest first, with their ids.

    Ids grow with creation time, as GitHub allocates them; status ids likewise.
    """
    start = world_start + spec.start_offset
    drafts = _production_drafts(spec, start)
    if spec.environment != STAGING:
        drafts += _staging_first(spec, drafts)
    _mark_inactive(drafts)
    drafts.sort(key=lambda d: d.created_at)
    status_times = sorted(
        (at, n, k) for n, d in enumerate(drafts) for k, (_, at, _) in enumerate(d.states)
    )
    status_ids = {
        (n, k): STATUS_IDS + spec.index * 10_000 + rank
        for rank, (_, n, k) in enumerate(status_times)
    }
    return tuple(
        PastDeployment(
            id=DEPLOYMENT_IDS + spec.index * 1_000 + n,
            sha=d.sha,
            ref=d.ref,
            version=d.version,
            environment=d.environment,
            created_at=d.created_at,
            creator=d.creator,
            description=d.description,
            statuses=tuple(
                PastStatus(status_ids[(n, k)], state, at, text, d.creator)
                for k, (state, at, text) in enumerate(d.states)
            ),
            rollback=d.rollback,
        )
        for n, d in enumerate(drafts)
    )


def visible_deployments(
    spec: LineSpec, world_start: float, now: float, environment: str | None = None
) -> list[PastDeployment]:
    """Deployments that exist at ``now`` (of ``environment`` when given), newest first."""
    return [
        d
        for d in reversed(past_deployments(spec, world_start))
        if d.created_at <= now and (environment is None or d.environment == environment)
    ]
