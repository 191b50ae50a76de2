"""Jenkins JSON API and Pipeline REST API (``wfapi``) payloads -> runs, jobs, requests.

Pure functions only: an adapter class (written later, against the new adapter contract)
fetches and calls these. Sources read for this module:

- Remote access API (``/api/json``, ``tree=``, ``{M,N}`` ranges, ``build`` and
  ``buildWithParameters``): https://www.jenkins.io/doc/book/using/remote-access-api/
- ``hudson.model.Result`` (SUCCESS, UNSTABLE, FAILURE, NOT_BUILT, ABORTED) and
  ``hudson.model.BallColor`` (``blue``, ``red``, ``yellow``, ``grey``, ``disabled``,
  ``aborted``, ``notbuilt``, each with ``_anime`` while building) in jenkinsci/jenkins.
- Pipeline REST API: https://github.com/jenkinsci/pipeline-stage-view-plugin/blob/master/rest-api/README.md
  and its ``StatusExt`` (NOT_EXECUTED, ABORTED, SUCCESS, IN_PROGRESS,
  PAUSED_PENDING_INPUT, FAILED, UNSTABLE).
- The input step's ``proceedEmpty`` / ``abort`` endpoints (jenkinsci/pipeline-input-step-plugin
  ``InputStepExecution``): both ``@RequirePOST``; abort throws
  ``FlowInterruptedException(Result.ABORTED)``.
- Multibranch branch job names: jenkinsci/branch-api-plugin ``NameEncoder`` (``/`` in a
  branch name becomes ``%2F`` in the job name).
- CSRF: https://www.jenkins.io/doc/book/security/csrf-protection/

Auth: HTTP Basic with ``user:API-token``. Requests authenticated with an API token do not
need a CSRF crumb (Jenkins 2.96 and later); with a password, fetch
``/crumbIssuer/api/json`` and send ``<crumbRequestField>: <crumb>`` *in the same web
session* (the default crumb issuer binds the crumb to the session), which is why the
adapter should use API tokens. ``ActionRequest.needs_crumb`` marks the POSTs that need it
otherwise.

Status choices: UNSTABLE (Jenkins: "some errors but they were not fatal", typically
failed tests) maps to FAILED, because a release whose tests failed is not ready and the
cockpit never shows more health than it has evidence for; NOT_BUILT (a module or stage
that never ran) maps to SKIPPED; ABORTED to CANCELLED. A Pipeline ``input`` step that
waits (PAUSED_PENDING_INPUT) is WAITING, with proceed and abort as its actions.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any
from urllib.parse import quote, urlsplit

from release_cockpit.adapters.ci.ci_parsing import (
    ActionOffer,
    ActionRequest,
    VersionCandidate,
    VersionRead,
    join_names,
    read_version,
    short_sha,
)
from release_cockpit.adapters.payload import (
    as_dict,
    as_int,
    as_list,
    as_str,
    dig,
    require_dict,
    require_list,
)
from release_cockpit.domain.ci import CIJob, CIRun, CIStep, RunStatus
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import BadResponse

DEFAULT_DEPTH = 4
"""Folder levels read in one request: root -> folder -> multibranch project -> branch."""
MAX_DEPTH = 8


# -- statuses --------------------------------------------------------------------------


class BuildResult(Enum):
    """``hudson.model.Result``; None (still building, or never set) is handled separately."""

    SUCCESS = "SUCCESS"
    UNSTABLE = "UNSTABLE"
    FAILURE = "FAILURE"
    NOT_BUILT = "NOT_BUILT"
    ABORTED = "ABORTED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: object) -> BuildResult | None:
        """None for JSON null (no result yet); UNKNOWN for anything unexpected."""
        if value is None:
            return None
        if not isinstance(value, str):
            return cls.UNKNOWN
        try:
            return cls(value.strip().upper())
        except ValueError:
            return cls.UNKNOWN


RESULT_MAP: Mapping[BuildResult, RunStatus] = {
    BuildResult.SUCCESS: RunStatus.SUCCEEDED,
    BuildResult.UNSTABLE: RunStatus.FAILED,  # failed tests: not a releasable build
    BuildResult.FAILURE: RunStatus.FAILED,
    BuildResult.NOT_BUILT: RunStatus.SKIPPED,
    BuildResult.ABORTED: RunStatus.CANCELLED,
    BuildResult.UNKNOWN: RunStatus.UNKNOWN,
}


def map_result(result: object, building: object) -> RunStatus:
    """A build's state from ``result`` and ``building``.

    ``building: true`` wins (a Pipeline may set ``currentBuild.result`` while it still
    runs). ``result: null`` means running only when ``building`` does not say otherwise;
    null with ``building: false`` is not a result we can read: UNKNOWN.
    """
    if building is True:
        return RunStatus.RUNNING
    parsed = BuildResult.parse(result)
    if parsed is None:
        return RunStatus.RUNNING if building is None else RunStatus.UNKNOWN
    return RESULT_MAP[parsed]


_COLOR_MAP: Mapping[str, RunStatus] = {
    "blue": RunStatus.SUCCEEDED,
    "red": RunStatus.FAILED,
    "yellow": RunStatus.FAILED,  # unstable
    "aborted": RunStatus.CANCELLED,
    "notbuilt": RunStatus.SKIPPED,  # never built
    "disabled": RunStatus.SKIPPED,
    "grey": RunStatus.QUEUED,  # "pending" in BallColor's words
}


def map_color(color: object) -> RunStatus:
    """A job's ball colour (freestyle jobs carry one; WorkflowJob may not): ``*_anime`` is a
    build in progress, whatever the colour of the last result."""
    if not isinstance(color, str) or not color:
        return RunStatus.UNKNOWN
    if color.endswith("_anime"):
        return RunStatus.RUNNING
    return _COLOR_MAP.get(color, RunStatus.UNKNOWN)


class StageStatus(Enum):
    """``com.cloudbees.workflow.rest.external.StatusExt`` (note FAILED, not FAILURE)."""

    NOT_EXECUTED = "NOT_EXECUTED"
    ABORTED = "ABORTED"
    SUCCESS = "SUCCESS"
    IN_PROGRESS = "IN_PROGRESS"
    PAUSED_PENDING_INPUT = "PAUSED_PENDING_INPUT"
    FAILED = "FAILED"
    UNSTABLE = "UNSTABLE"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: object) -> StageStatus:
        if not isinstance(value, str):
            return cls.UNKNOWN
        try:
            return cls(value.strip().upper())
        except ValueError:
            return cls.UNKNOWN


STAGE_MAP: Mapping[StageStatus, RunStatus] = {
    # StatusExt.fromGenericStatus(null): the flow graph has no such node run, e.g. a stage
    # skipped by `when` or after an earlier failure.
    StageStatus.NOT_EXECUTED: RunStatus.SKIPPED,
    StageStatus.ABORTED: RunStatus.CANCELLED,
    StageStatus.SUCCESS: RunStatus.SUCCEEDED,
    StageStatus.IN_PROGRESS: RunStatus.RUNNING,
    StageStatus.PAUSED_PENDING_INPUT: RunStatus.WAITING,  # an input step waits for a human
    StageStatus.FAILED: RunStatus.FAILED,
    StageStatus.UNSTABLE: RunStatus.FAILED,
    StageStatus.UNKNOWN: RunStatus.UNKNOWN,
}


def map_stage_status(value: object) -> RunStatus:
    return STAGE_MAP[StageStatus.parse(value)]


def epoch_ms(value: object) -> datetime | None:
    """Epoch milliseconds (Jenkins and wfapi times) as aware UTC; 0, junk or None is None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _ms(value: object) -> int | None:
    number = as_int(value)
    return number if number is not None and number >= 0 else None


# -- the one request for every job -----------------------------------------------------

_BUILD_FIELDS = (
    "number,url,result,building,timestamp,duration,displayName,queueId,"
    "actions[parameters[name,value],causes[shortDescription,userId],"
    "lastBuiltRevision[SHA1,branch[name]]]"
)
_CHANGES = "changeSets[items[commitId,timestamp]{0,50}]"
_QUEUE_FIELDS = "_class,id,blocked,buildable,stuck,why,inQueueSince,params"


def jobs_tree(depth: int = DEFAULT_DEPTH) -> str:
    """The ``tree=`` value that reads every job, through folders, in ONE ``/api/json``.

    ``tree`` has no recursion, so each folder level is spelled out: ``jobs[...,jobs[...]]``
    to ``depth`` levels (a folder deeper than that is reported by ``parse_jobs_tree`` as
    not read). Per job: ``_class`` (folder or job), name, url, colour, queue state,
    ``nextBuildNumber`` (the number a new build gets), ``property[parameterDefinitions]``
    (names only, to build with defaults), ``lastBuild`` with parameters, causes, the git
    revision (``lastBuiltRevision``) and up to 50 changed commits, and
    ``lastCompletedBuild`` (the last finished result while a new build runs).
    https://www.jenkins.io/doc/book/using/remote-access-api/ ("tree", ranges ``{M,N}``).
    """
    levels = min(max(1, depth), MAX_DEPTH)
    job = (
        "_class,name,url,color,buildable,inQueue,nextBuildNumber,"
        f"queueItem[{_QUEUE_FIELDS}],"
        "property[parameterDefinitions[name]],"
        f"lastBuild[{_BUILD_FIELDS},{_CHANGES}],"
        f"lastCompletedBuild[{_BUILD_FIELDS}]"
    )
    level = job
    for _ in range(levels - 1):
        level = f"{job},jobs[{level}]"
    return f"jobs[{level}]"


def jobs_tree_params(depth: int = DEFAULT_DEPTH) -> dict[str, str]:
    """Query parameters for ``GET /api/json``."""
    return {"tree": jobs_tree(depth)}


class ItemKind(Enum):
    FOLDER = "folder"
    MULTIBRANCH = "multibranch"
    ORGANIZATION = "organization"
    JOB = "job"
    OTHER = "other"


_CONTAINERS = {
    "com.cloudbees.hudson.plugins.folder.Folder": ItemKind.FOLDER,
    "org.jenkinsci.plugins.workflow.multibranch.WorkflowMultiBranchProject": (ItemKind.MULTIBRANCH),
    "jenkins.branch.OrganizationFolder": ItemKind.ORGANIZATION,
}
_JOBS = frozenset(
    {
        "hudson.model.FreeStyleProject",
        "org.jenkinsci.plugins.workflow.job.WorkflowJob",
        "hudson.maven.MavenModuleSet",
        "hudson.matrix.MatrixProject",
        "hudson.model.ExternalJob",
    }
)
_BUILD_KEYS = ("lastBuild", "lastCompletedBuild", "color", "buildable", "nextBuildNumber")


def item_kind(item: Mapping[str, Any]) -> ItemKind:
    """What a ``jobs[]`` entry is, from its ``_class``.

    Known folder classes and known job classes decide; an unknown class is a folder when
    it lists ``jobs`` (plugins add folder types) and a job when it carries build fields;
    anything else (a CloudBees template, say) is OTHER and is not a job to watch.
    """
    cls = item.get("_class")
    name = cls if isinstance(cls, str) else ""
    if name in _CONTAINERS:
        return _CONTAINERS[name]
    if name in _JOBS:
        return ItemKind.JOB
    if isinstance(item.get("jobs"), list):
        return ItemKind.FOLDER
    if any(key in item for key in _BUILD_KEYS):
        return ItemKind.JOB
    return ItemKind.OTHER


def decode_branch(name: str) -> str:
    """A multibranch job name back to its branch (branch-api ``NameEncoder.decode``)."""
    special = {"%00": "", "%2E": ".", "%2E.": ".."}
    if name in special:
        return special[name]
    codes = {"%23": "#", "%25": "%", "%2F": "/", "%3F": "?", "%5B": "[", "%5C": "\\", "%5D": "]"}
    return re.sub(r"%(?:23|25|2F|3F|5B|5C|5D)", lambda m: codes[m.group(0)], name)


@dataclass(frozen=True, slots=True)
class JenkinsBuild:
    """One build (``lastBuild`` / ``lastCompletedBuild`` / ``/job/x/N/api/json``).

    Attributes:
        result: ``BuildResult`` or None while there is none.
        building: True/False as Jenkins says; None when the field was absent.
        parameters: (name, value) pairs in Jenkins' order; a value is None when Jenkins
            does not show it (password parameters, file parameters).
        causes: ``shortDescription`` of each cause ("Started by user martin").
        sha: ``lastBuiltRevision.SHA1`` from the git plugin's build data.
        commits: (sha, author time) of the change set, when asked for.
        reported: the answer had ``result`` or ``building`` at all; a build object with
            neither (``{"number": 7, "url": ...}``, as a job's ``lastBuild`` without a
            ``tree``) says nothing about its state.
    """

    number: int
    url: str = ""
    result: BuildResult | None = None
    building: bool | None = None
    started_at: datetime | None = None
    duration_ms: int | None = None
    display_name: str = ""
    queue_id: int | None = None
    parameters: tuple[tuple[str, str | None], ...] = ()
    causes: tuple[str, ...] = ()
    user: str = ""
    sha: str = ""
    git_branch: str = ""
    commits: tuple[tuple[str, datetime | None], ...] = ()
    reported: bool = True

    @property
    def status(self) -> RunStatus:
        if not self.reported:
            return RunStatus.UNKNOWN
        return map_result(None if self.result is None else self.result.value, self.building)

    @property
    def finished_at(self) -> datetime | None:
        if self.building or self.started_at is None or not self.duration_ms:
            return None
        return self.started_at + timedelta(milliseconds=self.duration_ms)

    def parameter(self, name: str) -> str | None:
        for key, value in self.parameters:
            if key == name:
                return value
        return None


def _parameter_value(value: object) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return clean_text(value, 1000)
    return None


def parse_build(item: Mapping[str, Any]) -> JenkinsBuild | None:
    """One build object; None when it has no number (e.g. ``lastBuild: null``).

    ``actions[]`` mixes action types and empty ``{}`` entries (recorded build JSON);
    parameters, causes and the git revision are picked from whichever action has them.
    """
    number = as_int(item.get("number"))
    if number is None:
        return None
    parameters: list[tuple[str, str | None]] = []
    causes: list[str] = []
    user = sha = git_branch = ""
    for action in as_list(item.get("actions")):
        if not isinstance(action, dict):
            continue
        for parameter in as_list(action.get("parameters")):
            if isinstance(parameter, dict) and as_str(parameter.get("name"), 200):
                name = as_str(parameter.get("name"), 200)
                parameters.append((name, _parameter_value(parameter.get("value"))))
        for cause in as_list(action.get("causes")):
            if isinstance(cause, dict):
                text = as_str(cause.get("shortDescription"), 300)
                if text:
                    causes.append(text)
                user = user or as_str(cause.get("userId"), 100)
        revision = as_dict(action.get("lastBuiltRevision"))
        if revision:
            sha = sha or as_str(revision.get("SHA1"), 64)
            branches = [b for b in as_list(revision.get("branch")) if isinstance(b, dict)]
            if branches and not git_branch:
                git_branch = as_str(branches[0].get("name"), 300)
    commits = [
        (as_str(change.get("commitId"), 64), epoch_ms(change.get("timestamp")))
        for change_set in [*as_list(item.get("changeSets")), item.get("changeSet")]
        if isinstance(change_set, dict)
        for change in as_list(change_set.get("items"))
        if isinstance(change, dict) and as_str(change.get("commitId"), 64)
    ]
    building = item.get("building")
    return JenkinsBuild(
        number=number,
        url=as_str(item.get("url"), 500),
        result=BuildResult.parse(item.get("result")),
        building=building if isinstance(building, bool) else None,
        started_at=epoch_ms(item.get("timestamp")),
        duration_ms=_ms(item.get("duration")),
        display_name=as_str(item.get("displayName"), 300),
        queue_id=as_int(item.get("queueId")),
        parameters=tuple(parameters),
        causes=tuple(causes),
        user=user,
        sha=sha,
        git_branch=git_branch,
        commits=tuple(commits),
        reported="result" in item or "building" in item,
    )


def parse_build_single(payload: object) -> JenkinsBuild:
    """``GET /job/<path>/<N>/api/json``.

    Raises:
        BadResponse: not a build object.
    """
    build = parse_build(require_dict(payload, "Jenkins build"))
    if build is None:
        raise BadResponse("Jenkins build: the answer has no build number", hint="check the URL")
    return build


class QueueState(Enum):
    """Where a queue item is (``hudson.model.Queue$*Item`` classes)."""

    WAITING = "waiting"  # quiet period
    BLOCKED = "blocked"  # e.g. "Build #7 is already in progress"
    BUILDABLE = "buildable"  # waiting for an executor
    STARTED = "started"  # LeftItem with executable: the build exists
    CANCELLED = "cancelled"  # LeftItem with cancelled: true
    UNKNOWN = "unknown"


_QUEUE_CLASSES = {
    "hudson.model.Queue$WaitingItem": QueueState.WAITING,
    "hudson.model.Queue$BlockedItem": QueueState.BLOCKED,
    "hudson.model.Queue$BuildableItem": QueueState.BUILDABLE,
}


@dataclass(frozen=True, slots=True)
class QueueItem:
    """A queued build (``/queue/item/N/api/json``, or a job's ``queueItem``).

    Attributes:
        why: Jenkins' explanation while waiting ("Build #9 is already in progress
            (ETA:15 sec)"); None once the item left the queue.
        build_number: set once the build started (``executable.number``).
    """

    id: int
    state: QueueState
    why: str = ""
    stuck: bool = False
    since: datetime | None = None
    build_number: int | None = None
    build_url: str = ""
    task: str = ""
    parameters: tuple[tuple[str, str], ...] = ()

    @property
    def status(self) -> RunStatus:
        if self.state is QueueState.CANCELLED:
            return RunStatus.CANCELLED
        if self.state is QueueState.STARTED:
            return RunStatus.RUNNING
        if self.state is QueueState.UNKNOWN:
            return RunStatus.UNKNOWN
        return RunStatus.QUEUED


def _queue_params(item: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """``params`` is ``"\\nname=value\\nname=value"``; parameters actions are preferred."""
    pairs: list[tuple[str, str]] = []
    for action in as_list(item.get("actions")):
        for parameter in as_list(as_dict(action).get("parameters")):
            if isinstance(parameter, dict) and as_str(parameter.get("name"), 200):
                value = _parameter_value(parameter.get("value"))
                pairs.append((as_str(parameter.get("name"), 200), value or ""))
    if pairs:
        return tuple(pairs)
    for line in as_str(item.get("params"), 4000).splitlines():
        name, sep, value = line.partition("=")
        if sep and name.strip():
            pairs.append((name.strip(), value))
    return tuple(pairs)


def parse_queue_item(payload: object) -> QueueItem:
    """A queue item; after a build request, poll ``/queue/item/<id>/api/json`` until it
    has ``executable`` (the build started) or ``cancelled: true``.

    Raises:
        BadResponse: not an object with an id.
    """
    item = require_dict(payload, "Jenkins queue item")
    ident = as_int(item.get("id"))
    if ident is None:
        raise BadResponse("Jenkins queue item: the answer has no id", hint="check the URL")
    cls = as_str(item.get("_class"), 200)
    executable = as_dict(item.get("executable"))
    state = _QUEUE_CLASSES.get(cls, QueueState.UNKNOWN)
    if cls == "hudson.model.Queue$LeftItem" or "cancelled" in item or executable:
        if item.get("cancelled") is True:
            state = QueueState.CANCELLED
        elif executable:
            state = QueueState.STARTED
    elif state is QueueState.UNKNOWN and item.get("blocked") is True:
        state = QueueState.BLOCKED
    elif state is QueueState.UNKNOWN and item.get("buildable") is True:
        state = QueueState.BUILDABLE
    return QueueItem(
        id=ident,
        state=state,
        why=as_str(item.get("why"), 300),
        stuck=item.get("stuck") is True,
        since=epoch_ms(item.get("inQueueSince")),
        build_number=as_int(executable.get("number")),
        build_url=as_str(executable.get("url"), 500),
        task=as_str(dig(item, "task", "name"), 300),
        parameters=_queue_params(item),
    )


@dataclass(frozen=True, slots=True)
class JenkinsJob:
    """A buildable job found in the tree.

    Attributes:
        path: the names from the root down (``("team", "app", "release%2F1.4")``): the
            job's identity and how its URL is built (``job_path``).
        branch: the branch a multibranch job builds (decoded name), "" otherwise.
        parameter_names: parameters the job declares (``parameterDefinitions``).
    """

    path: tuple[str, ...]
    class_name: str
    url: str = ""
    color: str = ""
    buildable: bool | None = None
    in_queue: bool = False
    next_build_number: int | None = None
    branch: str = ""
    parameter_names: tuple[str, ...] = ()
    queue_item: QueueItem | None = None
    last_build: JenkinsBuild | None = None
    last_completed: JenkinsBuild | None = None

    @property
    def full_name(self) -> str:
        """``team/app/release%2F1.4``: Jenkins' own ``fullName`` spelling."""
        return "/".join(self.path)

    @property
    def display(self) -> str:
        """The name people read: the branch decoded for multibranch jobs."""
        if self.branch:
            return "/".join((*self.path[:-1], self.branch))
        return self.full_name

    @property
    def status(self) -> RunStatus:
        """The newest build's state; else the ball colour (``blue_anime``: building); else
        QUEUED when a build waits in the queue; else UNKNOWN."""
        if self.last_build is not None and self.last_build.status is not RunStatus.UNKNOWN:
            return self.last_build.status
        by_color = map_color(self.color)
        if by_color is RunStatus.UNKNOWN and (self.in_queue or self.queue_item is not None):
            return RunStatus.QUEUED
        return by_color

    @property
    def building(self) -> bool:
        """The newest build runs: its ``building`` flag, else an ``_anime`` colour."""
        if self.last_build is not None and self.last_build.building is not None:
            return self.last_build.building
        return map_color(self.color) is RunStatus.RUNNING


@dataclass(frozen=True, slots=True)
class JenkinsInventory:
    """Every job of one ``/api/json`` answer, plus what was not read and why.

    Attributes:
        unread: folders whose children lie deeper than the requested depth.
        ignored: items that are neither folders nor jobs (``_class`` shown).
    """

    jobs: tuple[JenkinsJob, ...]
    unread: tuple[str, ...] = ()
    ignored: tuple[str, ...] = ()

    def find(self, full_name: str) -> JenkinsJob | None:
        """A job by ``fullName`` (encoded, ``a/b%2Fc``) or by its display (``a/b/c``)."""
        for job in self.jobs:
            if full_name in (job.full_name, job.display):
                return job
        return None


def parse_jobs_tree(payload: object) -> JenkinsInventory:
    """The answer to ``GET /api/json?tree=<jobs_tree()>`` -> every job, recursively.

    Folders, multibranch projects and organisation folders are walked (``_class``
    decides, see ``item_kind``); a job directly below a multibranch project gets its
    branch. A folder that has no ``jobs`` list in the answer was deeper than the tree
    asked for and is listed in ``unread``, so the adapter can say what it did not see.

    Raises:
        BadResponse: the payload is not an object with a ``jobs`` list.
    """
    body = require_dict(payload, "Jenkins jobs")
    if not isinstance(body.get("jobs"), list):
        raise BadResponse(
            "Jenkins jobs: the answer has no 'jobs' list",
            hint="check that the URL is the Jenkins root (or a folder) and the tree parameter",
        )
    jobs: list[JenkinsJob] = []
    unread: list[str] = []
    ignored: list[str] = []

    def walk(items: list[Any], parent: tuple[str, ...], parent_kind: ItemKind) -> None:
        for item in items:
            if not isinstance(item, dict):
                continue
            name = as_str(item.get("name"), 300)
            if not name:
                continue
            path = (*parent, name)
            kind = item_kind(item)
            if kind in (ItemKind.FOLDER, ItemKind.MULTIBRANCH, ItemKind.ORGANIZATION):
                children = item.get("jobs")
                if isinstance(children, list):
                    walk(children, path, kind)
                else:
                    unread.append("/".join(path))
            elif kind is ItemKind.JOB:
                jobs.append(_job(item, path, parent_kind))
            else:
                ignored.append(f"{'/'.join(path)} ({as_str(item.get('_class'), 200) or '?'})")

    walk(body["jobs"], (), ItemKind.FOLDER)
    return JenkinsInventory(tuple(jobs), tuple(unread), tuple(ignored))


def _job(item: Mapping[str, Any], path: tuple[str, ...], parent_kind: ItemKind) -> JenkinsJob:
    queue = item.get("queueItem")
    queue_item = None
    if isinstance(queue, dict) and as_int(queue.get("id")) is not None:
        queue_item = parse_queue_item(queue)
    names = [
        as_str(definition.get("name"), 200)
        for prop in as_list(item.get("property"))
        if isinstance(prop, dict)
        for definition in as_list(prop.get("parameterDefinitions"))
        if isinstance(definition, dict) and as_str(definition.get("name"), 200)
    ]
    last = item.get("lastBuild")
    completed = item.get("lastCompletedBuild")
    buildable = item.get("buildable")
    return JenkinsJob(
        path=path,
        class_name=as_str(item.get("_class"), 200),
        url=as_str(item.get("url"), 500),
        color=as_str(item.get("color"), 40),
        buildable=buildable if isinstance(buildable, bool) else None,
        in_queue=item.get("inQueue") is True,
        next_build_number=as_int(item.get("nextBuildNumber")),
        branch=decode_branch(path[-1]) if parent_kind is ItemKind.MULTIBRANCH else "",
        parameter_names=tuple(dict.fromkeys(names)),
        queue_item=queue_item,
        last_build=parse_build(last) if isinstance(last, dict) else None,
        last_completed=parse_build(completed) if isinstance(completed, dict) else None,
    )


# -- versions --------------------------------------------------------------------------


def build_version(
    job: JenkinsJob, build: JenkinsBuild | None, version_parameter: str | None = None
) -> VersionRead:
    """The version a build is for, in this order:

    1. the named build parameter (``version_parameter``, e.g. ``VERSION``): ``v1.4.0`` is
       read like a tag; a value that is not semantic is kept as written;
    2. the branch of a multibranch job (``release/1.4.0``, or a tag job ``v1.4.0``);
    3. the build's display name (``currentBuild.displayName = "1.4.0"``).

    When none holds a version, the reason lists what was looked at.
    """
    candidates = []
    if version_parameter:
        value = build.parameter(version_parameter) if build is not None else None
        candidates.append(
            VersionCandidate(f"parameter {version_parameter}", value or "", declared=True)
        )
    if job.branch:
        candidates.append(VersionCandidate("branch", job.branch))
    if build is not None:
        candidates.append(VersionCandidate("display name", build.display_name, named=True))
    return read_version(candidates)


# -- to the cockpit's vocabulary -------------------------------------------------------

_REMOTE_BRANCH = re.compile(r"^(?:refs/remotes/[^/]+/|refs/heads/|origin/)")


def to_ci_run(
    job: JenkinsJob,
    build: JenkinsBuild,
    *,
    version_parameter: str | None = None,
    jobs: tuple[CIJob, ...] = (),
) -> CIRun:
    """One build of a job as the cockpit's run; ``jobs`` come from wfapi (``stage_jobs``).

    The newest build whose state the answer did not include takes the job's state (its
    colour); any other build without a state is UNKNOWN.
    """
    ref = job.branch or _REMOTE_BRANCH.sub("", build.git_branch)
    finished = build.finished_at
    status = build.status
    if status is RunStatus.UNKNOWN and build is job.last_build:
        status = job.status
    return CIRun(
        id=str(build.number),
        name=job.display,
        status=status,
        sha=build.sha,
        ref=ref,
        version=build_version(job, build, version_parameter).version,
        number=build.number,
        event=build.causes[0] if build.causes else "",
        actor=build.user,
        title=build.display_name,
        created_at=build.started_at,
        started_at=build.started_at,
        updated_at=finished or build.started_at,
        url=build.url,
        jobs=jobs,
    )


def job_runs(job: JenkinsJob, *, version_parameter: str | None = None) -> tuple[CIRun, ...]:
    """A job's runs, newest first: a queued build (no number yet), the last build, and
    the last completed build when a newer one is running.

    A queued build is run id ``queue-<id>`` with status QUEUED; its version comes from
    the parameters it was queued with.
    """
    runs: list[CIRun] = []
    item = job.queue_item
    if item is not None and item.state not in (QueueState.STARTED, QueueState.CANCELLED):
        queued = JenkinsBuild(number=0, parameters=tuple(item.parameters))
        version = build_version(job, queued, version_parameter)
        runs.append(
            CIRun(
                id=f"queue-{item.id}",
                name=job.display,
                status=RunStatus.QUEUED,
                ref=job.branch,
                version=version.version,
                title=item.why,
                created_at=item.since,
                updated_at=item.since,
            )
        )
    for build in (job.last_build, job.last_completed):
        if build is not None and all(r.id != str(build.number) for r in runs):
            runs.append(to_ci_run(job, build, version_parameter=version_parameter))
    return tuple(runs)


# -- Pipeline REST API (wfapi) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WfStage:
    """A stage of a Pipeline run (``stages[]``), with its flow nodes once described."""

    id: str
    name: str
    status: StageStatus
    started_at: datetime | None = None
    duration_ms: int | None = None
    describe_href: str = ""
    nodes: tuple[WfNode, ...] = ()

    @property
    def finished_at(self) -> datetime | None:
        if self.status in (StageStatus.IN_PROGRESS, StageStatus.PAUSED_PENDING_INPUT):
            return None
        if self.started_at is None or self.duration_ms is None:
            return None
        return self.started_at + timedelta(milliseconds=self.duration_ms)


@dataclass(frozen=True, slots=True)
class WfNode:
    """A step inside a stage (``stageFlowNodes[]``), with its error when it failed."""

    id: str
    name: str
    status: StageStatus
    started_at: datetime | None = None
    duration_ms: int | None = None
    error: str = ""
    log_href: str = ""

    @property
    def finished_at(self) -> datetime | None:
        if self.status in (StageStatus.IN_PROGRESS, StageStatus.PAUSED_PENDING_INPUT):
            return None
        if self.started_at is None or self.duration_ms is None:
            return None
        return self.started_at + timedelta(milliseconds=self.duration_ms)


@dataclass(frozen=True, slots=True)
class WfRun:
    """A Pipeline run from ``wfapi/runs`` or ``wfapi/describe``.

    ``number`` comes from ``id`` when numeric (current Jenkins) or from ``name`` ("#16";
    old Jenkins used a timestamp id such as ``2014-10-16_13-07-52``).
    """

    id: str
    number: int | None
    name: str
    status: StageStatus
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_ms: int | None = None
    stages: tuple[WfStage, ...] = ()
    pending_input_href: str = ""

    @property
    def run_status(self) -> RunStatus:
        return STAGE_MAP[self.status]


def _href(item: Mapping[str, Any], name: str) -> str:
    return as_str(dig(item, "_links", name, "href"), 500)


def _stage(item: Mapping[str, Any]) -> WfStage:
    return WfStage(
        id=as_str(item.get("id"), 40),
        name=as_str(item.get("name"), 300),
        status=StageStatus.parse(item.get("status")),
        started_at=epoch_ms(item.get("startTimeMillis")),
        duration_ms=_ms(item.get("durationMillis")),
        describe_href=_href(item, "self"),
    )


def _run(item: Mapping[str, Any]) -> WfRun:
    ident = as_str(item.get("id"), 60)
    name = as_str(item.get("name"), 100)
    number = as_int(ident) if ident.isdigit() else None
    if number is None:
        match = re.match(r"^#(\d+)", name)
        number = int(match.group(1)) if match else None
    return WfRun(
        id=ident,
        number=number,
        name=name,
        status=StageStatus.parse(item.get("status")),
        started_at=epoch_ms(item.get("startTimeMillis")),
        ended_at=epoch_ms(item.get("endTimeMillis")),
        duration_ms=_ms(item.get("durationMillis")),
        stages=tuple(_stage(s) for s in as_list(item.get("stages")) if isinstance(s, dict)),
        pending_input_href=_href(item, "pendingInputActions"),
    )


def parse_wf_runs(payload: object) -> tuple[WfRun, ...]:
    """``GET /job/<path>/wfapi/runs`` (at most 10 runs unless the server raises it).

    Raises:
        BadResponse: not a JSON array.
    """
    items = require_list(payload, "Jenkins wfapi runs")
    return tuple(_run(item) for item in items if isinstance(item, dict))


def parse_wf_run(payload: object) -> WfRun:
    """``GET /job/<path>/<N>/wfapi/describe``.

    Raises:
        BadResponse: not an object.
    """
    return _run(require_dict(payload, "Jenkins wfapi run"))


def parse_stage_nodes(payload: object) -> WfStage:
    """``GET .../execution/node/<id>/wfapi/describe`` of a stage: the stage and its steps;
    a failed step carries ``error.message`` ("script returned exit code 1").

    Raises:
        BadResponse: not an object.
    """
    body = require_dict(payload, "Jenkins wfapi stage")
    nodes = []
    for item in as_list(body.get("stageFlowNodes")):
        if not isinstance(item, dict):
            continue
        error = as_dict(item.get("error"))
        message = as_str(error.get("message"), 300)
        kind = as_str(error.get("type"), 200).rsplit(".", 1)[-1]
        nodes.append(
            WfNode(
                id=as_str(item.get("id"), 40),
                name=as_str(item.get("name"), 300),
                status=StageStatus.parse(item.get("status")),
                started_at=epoch_ms(item.get("startTimeMillis")),
                duration_ms=_ms(item.get("durationMillis")),
                error=f"{message} ({kind})" if message and kind else message,
                log_href=_href(item, "log"),
            )
        )
    return replace(_stage(body), nodes=tuple(nodes))


def with_stage_nodes(run: WfRun, described: Iterable[WfStage]) -> WfRun:
    """The run with the steps of the stages that were described (matched by id)."""
    by_id = {stage.id: stage for stage in described}
    return replace(
        run,
        stages=tuple(
            replace(s, nodes=by_id[s.id].nodes) if s.id in by_id else s for s in run.stages
        ),
    )


def stage_jobs(run: WfRun, *, build_url: str = "") -> tuple[CIJob, ...]:
    """Stages as the cockpit's jobs (the Build/Test stage patterns match stage names),
    their flow nodes as steps; a failed step's name carries its error message."""
    jobs = []
    for stage in run.stages:
        steps = tuple(
            CIStep(
                number=index,
                name=f"{node.name}: {node.error}" if node.error else node.name,
                status=STAGE_MAP[node.status],
                started_at=node.started_at,
                completed_at=node.finished_at,
            )
            for index, node in enumerate(stage.nodes, start=1)
        )
        jobs.append(
            CIJob(
                id=stage.id,
                name=stage.name,
                status=STAGE_MAP[stage.status],
                started_at=stage.started_at,
                completed_at=stage.finished_at,
                url=build_url,
                steps=steps,
            )
        )
    return tuple(jobs)


@dataclass(frozen=True, slots=True)
class PendingInput:
    """An ``input`` step waiting for an answer (``wfapi/pendingInputActions``).

    ``proceed_url`` / ``abort_url`` are server paths that include Jenkins' context path
    (``/jenkins/job/...``); ``root_relative`` strips it. ``parameters`` counts the
    values the input asks for when the answer lists them (``inputs``, newer plugin
    versions; not in the documented example): ``proceedEmpty`` cannot answer those.
    """

    id: str
    message: str
    proceed_url: str
    abort_url: str
    parameters: int = 0


def parse_pending_inputs(payload: object) -> tuple[PendingInput, ...]:
    """``GET /job/<path>/<N>/wfapi/pendingInputActions``.

    Raises:
        BadResponse: not a JSON array.
    """
    items = require_list(payload, "Jenkins pending input actions")
    return tuple(
        PendingInput(
            id=as_str(item.get("id"), 100),
            message=as_str(item.get("message"), 500),
            proceed_url=as_str(item.get("proceedUrl"), 500),
            abort_url=as_str(item.get("abortUrl"), 500),
            parameters=len(as_list(item.get("inputs"))),
        )
        for item in items
        if isinstance(item, dict) and as_str(item.get("id"), 100)
    )


# -- request building ------------------------------------------------------------------


class JenkinsAction(Enum):
    BUILD = "build"
    REBUILD = "rebuild"
    STOP = "stop"
    CANCEL_QUEUED = "cancel-queued"
    INPUT_PROCEED = "input-proceed"
    INPUT_ABORT = "input-abort"


def job_path(path: Sequence[str]) -> str:
    """``/job/team/job/app/job/release%252F1.4``: each name percent-encoded as a segment.

    A multibranch job name already holds ``%2F`` (``NameEncoder``), which becomes
    ``%252F`` in the URL, as in Jenkins' own job URLs.
    """
    return "".join(f"/job/{quote(name, safe='')}" for name in path)


def root_relative(href: str, root_path: str = "") -> str:
    """A server path or URL from Jenkins (``/jenkins/job/x/11/input/ab/abort``) made
    relative to the Jenkins root, so it can be joined with the configured Jenkins URL.

    ``root_path`` is the path part of that URL (``/jenkins``); "" for a root install.
    """
    path = urlsplit(href).path if "://" in href else href
    prefix = "/" + root_path.strip("/") if root_path.strip("/") else ""
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        path = path[len(prefix) :]
    return path if path.startswith("/") else "/" + path


def _next(job: JenkinsJob) -> str:
    return f"#{job.next_build_number}" if job.next_build_number else "a new build"


def _param_text(parameters: Sequence[tuple[str, str]]) -> str:
    shown = [f"{k}={clean_text(v, 40)}" for k, v in parameters]
    return join_names(shown, limit=6)


def build_request(job: JenkinsJob, parameters: Mapping[str, str] | None = None) -> ActionRequest:
    """``POST /job/<path>/buildWithParameters`` (or ``/build`` without parameters).

    Jenkins answers 201 with ``Location: .../queue/item/<id>/``; the build starts when the
    queue item gets ``executable`` (``parse_queue_item``). Jenkins' queue folds a request
    identical to one already waiting into it (not re-checked for this module).
    """
    pairs = tuple((k, v) for k, v in (parameters or {}).items())
    if pairs:
        path = f"{job_path(job.path)}/buildWithParameters"
        with_text = f" with {_param_text(pairs)}"
    else:
        path = f"{job_path(job.path)}/build"
        with_text = " with the job's default parameters" if job.parameter_names else ""
    effect = (
        f"Jenkins queues a new build of {job.display}{with_text}; it becomes {_next(job)} "
        "when an executor takes it (a higher number if another build starts first). "
        "Nothing that already ran changes."
    )
    return ActionRequest(
        kind=JenkinsAction.BUILD,
        title=f"Build {job.display}",
        method="POST",
        path=path,
        effect=effect,
        form=pairs,
        needs_crumb=True,
    )


def rebuild_offer(job: JenkinsJob, build: JenkinsBuild) -> ActionOffer:
    """Run the job again with the parameters of ``build`` (core ``buildWithParameters``).

    This is not Pipeline "Replay" (which re-runs a possibly edited script): the new build
    reads the Jenkinsfile and the branch as they are now. Parameters Jenkins does not show
    (password and file parameters) cannot be replayed; the offer then says so.
    """
    missing = [name for name, value in build.parameters if value is None]
    pairs = tuple((name, value) for name, value in build.parameters if value is not None)
    path = f"{job_path(job.path)}/{'buildWithParameters' if pairs else 'build'}"
    result = build.result.value.lower() if build.result is not None else build.status.value
    commit = (
        f"; it builds the branch as it is then, which may not be commit {short_sha(build.sha)} "
        f"that #{build.number} built"
        if build.sha
        else ""
    )
    with_text = (
        f" with the same parameters as #{build.number} ({_param_text(pairs)})" if pairs else ""
    )
    effect = (
        f"Jenkins queues {_next(job)} of {job.display}{with_text}{commit}. "
        f"#{build.number} stays in the history as {result}; nothing is re-run in place."
    )
    request = ActionRequest(
        kind=JenkinsAction.REBUILD,
        title=f"Rebuild {job.display} #{build.number}",
        method="POST",
        path=path,
        effect=effect,
        form=pairs,
        needs_crumb=True,
    )
    if missing:
        return ActionOffer(
            request,
            f"#{build.number} has parameters Jenkins does not show ({join_names(missing)}); "
            "rebuild it in Jenkins",
        )
    if build.building:
        return ActionOffer(request, f"#{build.number} is still running")
    return ActionOffer(request)


def stop_request(job: JenkinsJob, build: JenkinsBuild) -> ActionRequest:
    """``POST /job/<path>/<N>/stop``: abort a running build.

    The build is interrupted and ends ABORTED; a Pipeline runs its ``post``/``finally``
    blocks first (and may need ``/term`` then ``/kill`` if it does not stop).
    """
    effect = (
        f"Jenkins aborts {job.display} #{build.number}: running steps are interrupted "
        "(a Pipeline still runs its post and finally blocks) and the build ends ABORTED. "
        "Nothing it already did is undone."
    )
    return ActionRequest(
        kind=JenkinsAction.STOP,
        title=f"Stop {job.display} #{build.number}",
        method="POST",
        path=f"{job_path(job.path)}/{build.number}/stop",
        effect=effect,
        needs_crumb=True,
    )


def cancel_queued_request(job: JenkinsJob, item: QueueItem) -> ActionRequest:
    """``POST /queue/cancelItem?id=<id>``: drop a build that has not started."""
    effect = (
        f"Jenkins removes the queued build of {job.display} (queue item {item.id}) before it "
        "starts; nothing runs and no build number is used."
    )
    return ActionRequest(
        kind=JenkinsAction.CANCEL_QUEUED,
        title=f"Cancel queued build of {job.display}",
        method="POST",
        path="/queue/cancelItem",
        effect=effect,
        params=(("id", str(item.id)),),
        needs_crumb=True,
    )


def input_offers(
    job: JenkinsJob, build_number: int, pending: PendingInput, *, root_path: str = ""
) -> tuple[ActionOffer, ActionOffer]:
    """Proceed and abort for a waiting ``input`` step, POSTed to the URLs Jenkins gave.

    ``proceedEmpty`` answers without parameter values; ``abort`` throws
    ``FlowInterruptedException(ABORTED)`` into the step. Jenkins refuses both (403) for a
    user who is not among the input's ``submitter`` (abort: or lacks Job/Cancel).
    """
    label = f"{job.display} #{build_number}"
    asked = f"'{pending.message}'" if pending.message else f"input {pending.id}"
    proceed = ActionRequest(
        kind=JenkinsAction.INPUT_PROCEED,
        title=f"Proceed {label}",
        method="POST",
        path=root_relative(pending.proceed_url, root_path),
        effect=(
            f"Jenkins answers {asked} of {label} with Proceed: the input step returns and "
            "the Pipeline continues with the steps after it. Jenkins logs you as the approver."
        ),
        needs_crumb=True,
    )
    abort = ActionRequest(
        kind=JenkinsAction.INPUT_ABORT,
        title=f"Abort {label}",
        method="POST",
        path=root_relative(pending.abort_url, root_path),
        effect=(
            f"Jenkins answers {asked} of {label} with Abort: the input step fails as rejected "
            f"by you and #{build_number} ends ABORTED (post and finally blocks still run) "
            "unless the Jenkinsfile catches the rejection."
        ),
        needs_crumb=True,
    )
    proceed_why = ""
    if not pending.proceed_url:
        proceed_why = "Jenkins gave no proceed URL"
    elif pending.parameters:
        proceed_why = f"the input asks for {pending.parameters} value(s); answer it in Jenkins"
    return (
        ActionOffer(proceed, proceed_why),
        ActionOffer(abort, "" if pending.abort_url else "Jenkins gave no abort URL"),
    )


def action_offers(job: JenkinsJob) -> tuple[ActionOffer, ...]:
    """Stop, rebuild and cancel-queued for a job, each with why it would do nothing now.

    Input proceed/abort need the run's ``pendingInputActions`` (``input_offers``).
    """
    offers: list[ActionOffer] = []
    last = job.last_build
    if last is not None:
        stop = stop_request(job, last)
        offers.append(ActionOffer(stop, "" if job.building else f"#{last.number} is not running"))
    done = job.last_completed or (last if last is not None and not job.building else None)
    if done is not None:
        offers.append(rebuild_offer(job, done))
    else:
        offers.append(ActionOffer(build_request(job)))
    item = job.queue_item
    if item is not None and item.state not in (QueueState.STARTED, QueueState.CANCELLED):
        offers.append(ActionOffer(cancel_queued_request(job, item)))
    return tuple(offers)


@dataclass(frozen=True, slots=True)
class Crumb:
    """A CSRF crumb: send ``field: value`` as a header with a POST of the same session."""

    field: str
    value: str

    @property
    def header(self) -> tuple[str, str]:
        return (self.field, self.value)


def parse_crumb(payload: object) -> Crumb:
    """``GET /crumbIssuer/api/json`` -> ``{"crumb": ..., "crumbRequestField": "Jenkins-Crumb"}``.

    A 404 there means CSRF protection is off (older Jenkins only). Not needed at all with
    an API token (see the module docstring).

    Raises:
        BadResponse: no crumb or field name in the answer.
    """
    body = require_dict(payload, "Jenkins crumb")
    value = body.get("crumb")
    field = body.get("crumbRequestField")
    if not isinstance(value, str) or not value or not isinstance(field, str) or not field:
        raise BadResponse(
            "Jenkins crumb issuer answered without a crumb",
            hint="use an API token (no crumb needed) or check the crumb issuer configuration",
        )
    # Header names and values must stay on one line: refuse anything but visible ASCII.
    if not re.fullmatch(r"[!-~]+", field) or not re.fullmatch(r"[!-~]+", value):
        raise BadResponse(
            "Jenkins crumb issuer sent a crumb that cannot be a header",
            hint="check for a proxy rewriting the answer",
        )
    return Crumb(field, value)
