"""Jenkins builds and queue items from the JSON remote API.

Pure. Sources: https://www.jenkins.io/doc/book/using/remote-access-api/ and the recorded
payloads of cdancy/jenkins-rest (``tests/fixtures/jenkins/SOURCES.md``): a build's
``actions[]`` mixes parameters, causes, the git plugin's build data and empty ``{}``
entries; queue items are ``hudson.model.Queue$*Item`` objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from release_cockpit.adapters.ci.jenkins_status import BuildResult, epoch_ms, map_result, millis
from release_cockpit.adapters.payload import (
    after,
    as_dict,
    as_int,
    as_list,
    as_str,
    dig,
    require_dict,
)
from release_cockpit.domain.ci import RunStatus
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import BadResponse


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
        return after(self.started_at, self.duration_ms / 1000)

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
        duration_ms=millis(item.get("duration")),
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
