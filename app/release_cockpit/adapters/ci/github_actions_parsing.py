"""Reading GitHub Actions REST payloads: workflow runs, their jobs and steps, compare.

Pure functions over recorded answers, apart from the client that fetches them
(``github_actions``), so they are tested on recorded payloads and fuzzed alone.
Wire contract: https://docs.github.com/en/rest/actions/workflow-runs,
https://docs.github.com/en/rest/actions/workflow-jobs and
https://docs.github.com/en/rest/commits/commits#compare-two-commits.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

from release_cockpit.adapters.payload import (
    as_int,
    as_list,
    as_str,
    dig,
    parse_time,
    require_dict,
)
from release_cockpit.domain import ChangeSet, CIJob, CIRun, CIStep, RunStatus
from release_cockpit.domain.release_type import VersionPatterns, VersionReading
from release_cockpit.errors import BadResponse

_OPEN_STATUSES = {
    "queued": RunStatus.QUEUED,
    "requested": RunStatus.QUEUED,
    "pending": RunStatus.QUEUED,
    "waiting": RunStatus.WAITING,
    "in_progress": RunStatus.RUNNING,
}
_CONCLUSIONS = {
    "success": RunStatus.SUCCEEDED,
    "failure": RunStatus.FAILED,
    "timed_out": RunStatus.FAILED,
    "startup_failure": RunStatus.FAILED,
    "cancelled": RunStatus.CANCELLED,
    "skipped": RunStatus.SKIPPED,
    "neutral": RunStatus.SKIPPED,
    "action_required": RunStatus.WAITING,
    "stale": RunStatus.UNKNOWN,
}
_PR_SQUASH = re.compile(r"\(#(\d+)\)")
_PR_MERGE = re.compile(r"^Merge pull request #(\d+)")


DEFAULT_RELEASE_BRANCHES = (
    "release/{version}",
    "release-{version}",
    "releases/{version}",
    "hotfix/{version}",
)
DEFAULT_READING = VersionReading(VersionPatterns(("v{version}", *DEFAULT_RELEASE_BRANCHES)))


def map_status(status: object, conclusion: object) -> RunStatus:
    """A run, job or step state (``status`` and ``conclusion`` values of the workflow-runs API).

    ``status`` says where the run is; ``conclusion`` only means something once it is
    ``completed``. Values GitHub adds later map to UNKNOWN.
    """
    if not isinstance(status, str):
        return RunStatus.UNKNOWN
    if status == "completed":
        return _CONCLUSIONS.get(
            conclusion if isinstance(conclusion, str) else "", RunStatus.UNKNOWN
        )
    return _OPEN_STATUSES.get(status, RunStatus.UNKNOWN)


def parse_run(item: dict[str, Any], reading: VersionReading = DEFAULT_READING) -> CIRun:
    """One ``workflow-run`` object (jobs are filled in separately). ``head_branch`` is the
    tag for a tag push; the version is read from it (and from the run's title only when
    a ``run_name`` pattern says so)."""
    branch = as_str(item.get("head_branch"), 300)
    title = as_str(item.get("display_title"), 500)
    version, problem = reading.read(branch, title)
    actor = as_str(dig(item, "triggering_actor", "login"), 100) or as_str(
        dig(item, "actor", "login"), 100
    )
    return CIRun(
        id=as_str(item.get("id"), 40),
        name=as_str(item.get("name"), 300),
        status=map_status(item.get("status"), item.get("conclusion")),
        sha=as_str(item.get("head_sha"), 64),
        ref=branch,
        version=version,
        version_problem=problem,
        number=as_int(item.get("run_number")),
        attempt=as_int(item.get("run_attempt")) or 1,
        event=as_str(item.get("event"), 60),
        actor=actor,
        title=title,
        created_at=parse_time(item.get("created_at")),
        started_at=parse_time(item.get("run_started_at")),
        updated_at=parse_time(item.get("updated_at")),
        url=as_str(item.get("html_url"), 500),
    )


def parse_runs(payload: object, reading: VersionReading = DEFAULT_READING) -> tuple[CIRun, ...]:
    """``{"workflow_runs": [...]}`` -> runs, newest first as GitHub sends them.

    Raises:
        BadResponse: the payload is not a run list.
    """
    body = require_dict(payload, "GitHub workflow runs")
    runs = body.get("workflow_runs")
    if not isinstance(runs, list):
        raise_shape("GitHub workflow runs", "workflow_runs")
    return tuple(
        parse_run(item, reading) for item in runs if isinstance(item, dict) and "id" in item
    )


def parse_step(item: dict[str, Any]) -> CIStep:
    return CIStep(
        number=as_int(item.get("number")) or 0,
        name=as_str(item.get("name"), 300),
        status=map_status(item.get("status"), item.get("conclusion")),
        started_at=parse_time(item.get("started_at")),
        completed_at=parse_time(item.get("completed_at")),
    )


def parse_jobs(payload: object) -> tuple[CIJob, ...]:
    """``{"jobs": [...]}`` (one page) -> jobs with their steps.

    Raises:
        BadResponse: the payload is not a job list.
    """
    body = require_dict(payload, "GitHub jobs")
    jobs = body.get("jobs")
    if not isinstance(jobs, list):
        raise_shape("GitHub jobs", "jobs")
    return tuple(
        CIJob(
            id=as_str(item.get("id"), 40),
            name=as_str(item.get("name"), 300),
            status=map_status(item.get("status"), item.get("conclusion")),
            started_at=parse_time(item.get("started_at")),
            completed_at=parse_time(item.get("completed_at")),
            url=as_str(item.get("html_url"), 500),
            steps=tuple(parse_step(s) for s in as_list(item.get("steps")) if isinstance(s, dict)),
        )
        for item in jobs
        if isinstance(item, dict)
    )


def parse_compare(payload: object, base: str, head: str) -> ChangeSet:
    """A compare answer -> the release's change set.

    PR numbers come from commit subjects: squash merges end in ``(#123)``, merge commits
    start with ``Merge pull request #123``.

    Raises:
        BadResponse: the payload is not a compare object.
    """
    body = require_dict(payload, "GitHub compare")
    commits = [c for c in as_list(body.get("commits")) if isinstance(c, dict)]
    prs: list[int] = []
    authors: list[str] = []
    dates = []
    for commit in commits:
        message = dig(commit, "commit", "message")
        subject = message.split("\n", 1)[0] if isinstance(message, str) else ""
        for match in (*_PR_SQUASH.finditer(subject), *_PR_MERGE.finditer(subject)):
            number = int(match.group(1))
            if number not in prs:
                prs.append(number)
        author = as_str(dig(commit, "author", "login"), 100) or as_str(
            dig(commit, "commit", "author", "name"), 100
        )
        if author and author not in authors:
            authors.append(author)
        when = parse_time(dig(commit, "commit", "author", "date"))
        if when is not None:
            dates.append(when)
    total = as_int(body.get("total_commits"))
    return ChangeSet(
        base=base,
        head=head,
        commits=total if total is not None else len(commits),
        pull_requests=tuple(prs),
        authors=tuple(authors),
        first_commit_at=min(dates) if dates else None,
        url=as_str(body.get("html_url"), 500),
    )


def raise_shape(what: str, key: str) -> NoReturn:
    """Raise the BadResponse for a payload missing its main list.

    Raises:
        BadResponse: always.
    """
    raise BadResponse(f"{what}: the answer has no '{key}' list", hint="check the API URL")
