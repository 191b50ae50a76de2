"""GitLab pipeline and job statuses, and GitLab's own roll-up of them into one status.

Pure: statuses as REST (lower case) and GraphQL (upper case) send them, mapped to the
cockpit's ``RunStatus``, and ``roll_up``, a port of GitLab's composite status. Sources:
``app/models/concerns/ci/has_status.rb`` (the status set) and
``lib/gitlab/ci/status/composite.rb`` (how GitLab rolls job statuses up into a stage or
pipeline status, including ``allow_failure``) in gitlab-org/gitlab
(https://gitlab.com/gitlab-org/gitlab); the status list of
https://docs.gitlab.com/api/pipelines/#list-project-pipelines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import Enum

from release_cockpit.domain.ci import RunStatus

# -- statuses --------------------------------------------------------------------------


class GitLabStatus(Enum):
    """A pipeline or job status (``Ci::HasStatus``), plus the two newer transient ones.

    REST sends lower case, GraphQL the same names in upper case (``CiJobStatus``,
    ``PipelineStatusEnum``); ``parse`` accepts both. ``canceling`` and
    ``waiting_for_callback`` are listed by the current pipelines API docs
    (https://docs.gitlab.com/api/pipelines/#list-project-pipelines) but not by older
    servers. Anything else is UNKNOWN.
    """

    CREATED = "created"
    WAITING_FOR_RESOURCE = "waiting_for_resource"
    PREPARING = "preparing"
    WAITING_FOR_CALLBACK = "waiting_for_callback"
    PENDING = "pending"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    CANCELING = "canceling"
    CANCELED = "canceled"
    SKIPPED = "skipped"
    MANUAL = "manual"
    SCHEDULED = "scheduled"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: object) -> GitLabStatus:
        if not isinstance(value, str):
            return cls.UNKNOWN
        try:
            return cls(value.strip().lower())
        except ValueError:
            return cls.UNKNOWN


STATUS_MAP: Mapping[GitLabStatus, RunStatus] = {
    # Not started: GitLab has not handed the job to a runner yet.
    GitLabStatus.CREATED: RunStatus.QUEUED,
    GitLabStatus.WAITING_FOR_RESOURCE: RunStatus.QUEUED,  # a resource_group is busy
    GitLabStatus.PREPARING: RunStatus.QUEUED,
    GitLabStatus.PENDING: RunStatus.QUEUED,
    # A ``when: delayed`` job waits for its timer and then runs by itself: no human needed.
    GitLabStatus.SCHEDULED: RunStatus.QUEUED,
    GitLabStatus.RUNNING: RunStatus.RUNNING,
    # Waiting for an external system to call back: still in progress, not a human gate.
    GitLabStatus.WAITING_FOR_CALLBACK: RunStatus.RUNNING,
    # Cancellation requested, jobs still running their after_script: not finished yet.
    GitLabStatus.CANCELING: RunStatus.RUNNING,
    GitLabStatus.SUCCESS: RunStatus.SUCCEEDED,
    GitLabStatus.FAILED: RunStatus.FAILED,
    GitLabStatus.CANCELED: RunStatus.CANCELLED,
    GitLabStatus.SKIPPED: RunStatus.SKIPPED,
    # A manual job waits for someone to press play; a pipeline in ``manual`` is blocked
    # by such a job (``allow_failure: false``).
    GitLabStatus.MANUAL: RunStatus.WAITING,
    GitLabStatus.UNKNOWN: RunStatus.UNKNOWN,
}


def map_status(value: object) -> RunStatus:
    """A REST or GraphQL status string as a RunStatus; unknown values are UNKNOWN."""
    return STATUS_MAP[GitLabStatus.parse(value)]


@dataclass(frozen=True, slots=True)
class RollUp:
    """A composite status: GitLab's status word and whether allowed failures hid in it."""

    status: GitLabStatus
    warnings: bool = False


# What ``Composite#consume_status`` turns an allow_failure job into
# (``Ci::HasStatus::PASSED_WITH_WARNINGS_STATUSES`` and ``EXCLUDE_IGNORED_STATUSES``).
WARNING_WHEN_ALLOWED = frozenset({GitLabStatus.FAILED, GitLabStatus.CANCELED})
_IGNORED_WHEN_ALLOWED = frozenset({GitLabStatus.MANUAL})
_WARN = "success_with_warnings"
_IGNORED = "ignored"


def roll_up(items: Iterable[tuple[GitLabStatus, bool]]) -> RollUp | None:
    """GitLab's composite status of ``(status, allow_failure)`` pairs; None for no pairs.

    A port of ``Gitlab::Ci::Status::Composite#status`` (stage-scheduled pipelines, not the
    DAG branch), in the same order, because the order is the rule. Two differences, both
    on the safe side: any UNKNOWN status makes the whole roll-up UNKNOWN (GitLab's last
    branch would say ``failed``; we cannot know), and the newer ``canceling`` and
    ``waiting_for_callback`` count as running.
    """
    seen: set[GitLabStatus | str] = set()
    for status, allowed in items:
        if allowed and status in WARNING_WHEN_ALLOWED:
            seen.add(_WARN)
        elif allowed and status in _IGNORED_WHEN_ALLOWED:
            seen.add(_IGNORED)
        else:
            seen.add(status)
    if not seen:
        return None
    warnings = _WARN in seen
    if GitLabStatus.UNKNOWN in seen:
        return RollUp(GitLabStatus.UNKNOWN, warnings)

    def only_of(*names: GitLabStatus | str) -> bool:
        return seen <= set(names)

    s = GitLabStatus
    if only_of(s.SKIPPED, _IGNORED):
        result = s.SKIPPED
    elif only_of(s.SUCCESS, s.SKIPPED, _WARN, _IGNORED):
        result = s.SUCCESS
    elif only_of(s.CREATED, _WARN, _IGNORED):
        result = s.CREATED
    elif only_of(s.PREPARING, _WARN, _IGNORED):
        result = s.PREPARING
    elif only_of(s.CANCELED, s.SUCCESS, s.SKIPPED, _WARN, _IGNORED):
        result = s.CANCELED
    elif only_of(s.PENDING, s.CREATED, s.SKIPPED, _WARN, _IGNORED):
        result = s.PENDING
    elif seen & {s.RUNNING, s.PENDING, s.CANCELING, s.WAITING_FOR_CALLBACK}:
        result = s.RUNNING
    elif s.WAITING_FOR_RESOURCE in seen:
        result = s.WAITING_FOR_RESOURCE
    elif s.MANUAL in seen:
        result = s.MANUAL
    elif s.SCHEDULED in seen:
        result = s.SCHEDULED
    elif s.PREPARING in seen:
        result = s.PREPARING
    elif s.CREATED in seen:
        result = s.RUNNING
    else:
        result = s.FAILED
    return RollUp(result, warnings)
