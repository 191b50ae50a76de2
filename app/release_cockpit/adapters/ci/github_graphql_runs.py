"""Workflow runs, tags and jobs from GitHub's GraphQL answers, as the cockpit's CI values.

Pure, fed by ``github_graphql``'s queries. GraphQL spells states as enums
(``CheckStatusState``, ``CheckConclusionState``: ``IN_PROGRESS``, ``TIMED_OUT``...,
https://docs.github.com/en/graphql/reference/enums#checkstatusstate) where REST uses lower
case; they map to the same ``RunStatus`` as the REST values do
(``github_actions_parsing.map_status``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig, parse_time
from release_cockpit.domain import CIJob, CIRun, CIStep, RunStatus
from release_cockpit.domain.release_type import VersionReading

_OPEN = {
    "QUEUED": RunStatus.QUEUED,
    "REQUESTED": RunStatus.QUEUED,
    "PENDING": RunStatus.QUEUED,
    "WAITING": RunStatus.WAITING,
    "IN_PROGRESS": RunStatus.RUNNING,
}
_CONCLUSIONS = {
    "SUCCESS": RunStatus.SUCCEEDED,
    "FAILURE": RunStatus.FAILED,
    "TIMED_OUT": RunStatus.FAILED,
    "STARTUP_FAILURE": RunStatus.FAILED,
    "CANCELLED": RunStatus.CANCELLED,
    "SKIPPED": RunStatus.SKIPPED,
    "NEUTRAL": RunStatus.SKIPPED,
    "ACTION_REQUIRED": RunStatus.WAITING,
    "STALE": RunStatus.UNKNOWN,
}
NO_TAG_EVENTS = frozenset({"pull_request", "pull_request_target", "merge_group"})
"""Events whose runs never run on a tag: a branchless one (a fork's pull request) is not
matched to a tag at its commit."""


def map_check_status(status: object, conclusion: object) -> RunStatus:
    """A check suite's, check run's or step's (status, conclusion) enums; ``conclusion``
    counts once ``COMPLETED`` (GitHub sends null before, the gh CLI's fixtures ""); values
    GitHub adds later are UNKNOWN."""
    if not isinstance(status, str):
        return RunStatus.UNKNOWN
    if status == "COMPLETED":
        return _CONCLUSIONS.get(
            conclusion if isinstance(conclusion, str) else "", RunStatus.UNKNOWN
        )
    return _OPEN.get(status, RunStatus.UNKNOWN)


@dataclass(frozen=True, slots=True)
class TagIndex:
    """A repository's newest tags (``refs(refPrefix: "refs/tags/")``, newest commit first):
    which tags point at a commit, when the list can tell."""

    tags: tuple[tuple[str, str], ...] = ()
    """(tag name, commit oid) pairs; an annotated tag is peeled to its commit."""
    cut: bool = False
    """GitHub has more tags than were read (``pageInfo.hasNextPage``)."""

    def only_tag_at(self, sha: str) -> str | None:
        """The one tag at ``sha``; None when none or several are, or when the list was cut
        where it might hide another (the commit is the last one read, or absent)."""
        names = [name for name, oid in self.tags if oid == sha]
        if len(names) != 1:
            return None
        if self.cut and self.tags and self.tags[-1][1] == sha:
            return None
        return names[0]


def parse_tags(repository: object) -> TagIndex:
    """``r{j}: repository { tags: refs(...) }`` -> its tags; an empty index for anything else."""
    refs = as_dict(as_dict(repository).get("tags"))
    found = []
    for node in as_list(refs.get("nodes")):
        name = as_str(dig(node, "name"), 300)
        target = as_dict(dig(node, "target"))
        oid = as_str(dig(target, "target", "oid"), 64) or as_str(target.get("oid"), 64)
        if name and oid:
            found.append((name, oid))
    return TagIndex(tuple(found), dig(refs, "pageInfo", "hasNextPage") is True)


@dataclass(frozen=True, slots=True)
class GraphQLRun:
    """One run from GraphQL, and what the REST side may still have to complete.

    Attributes:
        run: the run (no jobs yet; ``attempt`` 1 and no title: GraphQL has neither).
        suite_id: its check suite's node id, for the jobs query.
        suite_updated: the check suite's ``updatedAt`` as sent (a cache key for jobs).
        ref_known: False when GraphQL named no branch and no single tag: the ref (and so
            the version) must be read over REST.
    """

    run: CIRun
    suite_id: str
    suite_updated: str
    ref_known: bool


def _ref_of(node: Mapping[str, Any], tags: TagIndex) -> tuple[str, bool]:
    """(ref name, known) of a run: its check suite's branch, else the one tag at its commit."""
    suite = as_dict(node.get("checkSuite"))
    branch = as_dict(suite.get("branch"))
    name = as_str(branch.get("name"), 300)
    if name:
        # Ref.name is the short name ("release/1.4.0"); Ref.prefix says heads or tags.
        return name, True
    if as_str(node.get("event"), 60) in NO_TAG_EVENTS:
        return "", True
    tag = tags.only_tag_at(as_str(dig(suite, "commit", "oid"), 64))
    return (tag, True) if tag else ("", False)


def parse_run_node(
    node: Mapping[str, Any], reading: VersionReading, tags: TagIndex, workflow: str = ""
) -> GraphQLRun | None:
    """One ``WorkflowRun`` node; None without a run id."""
    ident = as_int(node.get("databaseId"))
    if ident is None:
        return None
    suite = as_dict(node.get("checkSuite"))
    ref, known = _ref_of(node, tags)
    version, problem = reading.read(ref) if known else (None, "")
    if not known:
        problem = "the run's tag or branch is still being read"
    run = CIRun(
        id=str(ident),
        name=as_str(dig(node, "workflow", "name"), 300) or workflow,
        status=map_check_status(suite.get("status"), suite.get("conclusion")),
        sha=as_str(dig(suite, "commit", "oid"), 64),
        ref=ref,
        version=version,
        version_problem=problem,
        number=as_int(node.get("runNumber")),
        event=as_str(node.get("event"), 60),
        actor=as_str(dig(suite, "creator", "login"), 100),
        created_at=parse_time(node.get("createdAt")),
        updated_at=parse_time(node.get("updatedAt")),
        url=as_str(node.get("url"), 500),
    )
    return GraphQLRun(
        run=run,
        suite_id=as_str(suite.get("id"), 200),
        suite_updated=as_str(suite.get("updatedAt"), 40),
        ref_known=known,
    )


def parse_workflow_runs(
    workflow: object, reading: VersionReading, tags: TagIndex
) -> tuple[GraphQLRun, ...]:
    """``w{i}: node(id:) { ... on Workflow { name runs { nodes } } }`` -> its runs, newest
    first as GitHub sends them."""
    body = as_dict(workflow)
    name = as_str(body.get("name"), 300)
    return tuple(
        run
        for node in as_list(dig(body, "runs", "nodes"))
        if isinstance(node, dict) and (run := parse_run_node(node, reading, tags, name))
    )


def newest_first(runs: Sequence[GraphQLRun], limit: int) -> tuple[GraphQLRun, ...]:
    """The newest ``limit`` runs of several workflows merged, as REST's repository-wide
    list (``GET /repos/{o}/{r}/actions/runs``) orders them; equal times keep the newer id
    first."""
    floor = datetime.min.replace(tzinfo=UTC)
    ordered = sorted(runs, key=lambda r: (r.run.created_at or floor, int(r.run.id)), reverse=True)
    return tuple(ordered[:limit])


def _step(node: Mapping[str, Any]) -> CIStep:
    return CIStep(
        number=as_int(node.get("number")) or 0,
        name=as_str(node.get("name"), 300),
        status=map_check_status(node.get("status"), node.get("conclusion")),
        started_at=parse_time(node.get("startedAt")),
        completed_at=parse_time(node.get("completedAt")),
    )


def parse_suite_jobs(suite: object) -> tuple[tuple[CIJob, ...], bool]:
    """``s{i}: node(id:) { ...ReleaseCockpitJobs }`` -> (jobs, more): the latest check run of
    each job, failed ones with their steps; ``more`` when GitHub has more than the page."""
    body = as_dict(suite)
    runs = as_dict(body.get("checkRuns"))
    steps: dict[str, tuple[CIStep, ...]] = {}
    for failed in as_list(dig(body, "failed", "nodes")):
        ident = as_int(dig(failed, "databaseId"))
        if ident is not None:
            nodes = as_list(dig(failed, "steps", "nodes"))
            steps[str(ident)] = tuple(_step(s) for s in nodes if isinstance(s, dict))
    jobs = []
    for node in as_list(runs.get("nodes")):
        ident = as_int(dig(node, "databaseId"))
        if ident is None:
            continue
        jobs.append(
            CIJob(
                id=str(ident),
                name=as_str(node.get("name"), 300),
                status=map_check_status(node.get("status"), node.get("conclusion")),
                started_at=parse_time(node.get("startedAt")),
                completed_at=parse_time(node.get("completedAt")),
                url=as_str(node.get("detailsUrl"), 500) or as_str(node.get("url"), 500),
                steps=steps.get(str(ident), ()),
            )
        )
    return tuple(jobs), dig(runs, "pageInfo", "hasNextPage") is True
