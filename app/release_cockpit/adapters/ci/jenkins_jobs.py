"""Every Jenkins job in ONE ``/api/json?tree=...`` request, through folders and
multibranch projects, and a job's builds as the cockpit's runs.

Pure. Sources: https://www.jenkins.io/doc/book/using/remote-access-api/ ("tree", ranges
``{M,N}``); folder and job classes in jenkinsci/cloudbees-folder-plugin,
workflow-multibranch-plugin and branch-api-plugin (``NameEncoder``: ``/`` in a branch
name becomes ``%2F`` in the job name).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from release_cockpit.adapters.ci.ci_parsing import (
    VersionCandidate,
    VersionRead,
    read_version,
)
from release_cockpit.adapters.ci.jenkins_builds import (
    JenkinsBuild,
    QueueItem,
    QueueState,
    parse_build,
    parse_queue_item,
)
from release_cockpit.adapters.ci.jenkins_status import map_color
from release_cockpit.adapters.payload import (
    as_int,
    as_list,
    as_str,
    require_dict,
)
from release_cockpit.domain.ci import CIJob, CIRun, RunStatus
from release_cockpit.errors import BadResponse

DEFAULT_DEPTH = 4
"""Folder levels read in one request: root -> folder -> multibranch project -> branch."""
MAX_DEPTH = 8


# -- the one request for every job -----------------------------------------------------

_BUILD_FIELDS = (
    "number,url,result,building,timestamp,duration,displayName,queueId,"
    "actions[parameters[name,value],causes[shortDescription,userId],"
    "lastBuiltRevision[SHA1,branch[name]]]"
)
BUILD_TREE = _BUILD_FIELDS
"""The ``tree=`` value for one build (``/job/<path>/<N>/api/json``), as the job tree reads it."""
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
    read = build_version(job, build, version_parameter)
    return CIRun(
        id=str(build.number),
        name=job.display,
        status=status,
        sha=build.sha,
        ref=ref,
        version=read.version,
        version_problem="" if read.version else read.reason,
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
                version_problem="" if version.version else version.reason,
                title=item.why,
                created_at=item.since,
                updated_at=item.since,
            )
        )
    for build in (job.last_build, job.last_completed):
        if build is not None and all(r.id != str(build.number) for r in runs):
            runs.append(to_ci_run(job, build, version_parameter=version_parameter))
    return tuple(runs)
