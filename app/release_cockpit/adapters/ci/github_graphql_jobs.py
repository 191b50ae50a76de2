"""The jobs of the runs a poll shows: 50 check suites per GraphQL query, REST for longer lists.

A job is a check run of its run's check suite (``github_graphql`` says why). A finished
run's jobs never change, so they are kept by (repository, run id, updated times) and asked
for once; a running run's are asked every poll, together with every other line's in the
same query. A run with more jobs than one GraphQL page gets its whole list over REST.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from release_cockpit.adapters.ci.github_graphql import (
    JOBS_BATCH,
    GraphQLAnswer,
    GraphQLProblem,
    jobs_request,
)
from release_cockpit.adapters.ci.github_graphql_runs import parse_suite_jobs
from release_cockpit.domain import CIJob
from release_cockpit.errors import AdapterError, BadResponse

T = TypeVar("T")
KEPT = 2048
"""Finished runs' job lists (and REST run details) kept per backend."""


async def settled(calls: Iterable[Awaitable[T]]) -> list[T | AdapterError]:
    """Every call's answer or its AdapterError; anything else is a bug and is raised."""
    answers = await asyncio.gather(*calls, return_exceptions=True)
    for answer in answers:
        if isinstance(answer, BaseException) and not isinstance(answer, AdapterError):
            raise answer
    return answers  # type: ignore[return-value]  # only T or AdapterError remain


class Lru(OrderedDict[Any, Any]):
    """A bounded map: the oldest entry goes first."""

    def keep(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > KEPT:
            self.popitem(last=False)


@dataclass(frozen=True, slots=True)
class JobsWanted:
    """One run whose jobs a poll needs.

    Attributes:
        line: the poll's index of the release line (target) it belongs to.
        run: the run's index in that line's runs.
        suite: its check suite's node id.
        repo: the REST path of its repository (``/repos/{owner}/{name}``).
        run_id: the REST run id (for the REST job list).
        where: ``owner/name``, for errors.
        key: where a finished run's jobs are kept; None while it runs.
    """

    line: int
    run: int
    suite: str
    repo: str
    run_id: str
    where: str
    key: tuple[str, str, str, str] | None


Query = Callable[[dict[str, object]], Awaitable[GraphQLAnswer]]
RestJobs = Callable[[str, str], Awaitable[tuple[CIJob, ...]]]
ErrorFor = Callable[[str, Sequence[GraphQLProblem]], AdapterError]


async def read_jobs(
    wanted: Sequence[JobsWanted],
    *,
    query: Query,
    rest_jobs: RestJobs,
    jobs_per_run: int,
    kept: Lru,
    error_for: ErrorFor,
) -> tuple[dict[tuple[int, int], tuple[CIJob, ...]], dict[int, AdapterError]]:
    """(jobs by (line, run), the first failure of each line whose jobs could not be read).

    A query that failed as a whole with a bad response (GraphQL errors, HTTP 5xx,
    garbage) sends its suites to REST; any other failure of a query fails every line with
    a run in it; an error on one check suite fails that suite's line only.
    """
    chunks = [wanted[i : i + JOBS_BATCH] for i in range(0, len(wanted), JOBS_BATCH)]
    answers = await settled(
        query(jobs_request([w.suite for w in chunk], jobs=jobs_per_run)) for chunk in chunks
    )
    found: dict[tuple[int, int], tuple[CIJob, ...]] = {}
    failures: dict[int, AdapterError] = {}
    longer: list[JobsWanted] = []
    for chunk, answer in zip(chunks, answers, strict=True):
        for index, want in enumerate(chunk):
            if isinstance(answer, BadResponse):
                longer.append(want)  # read over REST, as a list longer than a page
                continue
            if isinstance(answer, AdapterError):
                failures.setdefault(want.line, answer)
                continue
            suite = answer.value(f"s{index}")
            if suite is None:
                failures.setdefault(want.line, error_for(want.where, answer.problems(f"s{index}")))
                continue
            jobs, more = parse_suite_jobs(suite)
            if more:
                longer.append(want)
                continue
            found[(want.line, want.run)] = jobs
            if want.key is not None:
                kept.keep(want.key, jobs)
    for want, got in zip(
        longer, await settled(rest_jobs(w.repo, w.run_id) for w in longer), strict=True
    ):
        if isinstance(got, AdapterError):
            failures.setdefault(want.line, got)
            continue
        found[(want.line, want.run)] = got
        if want.key is not None:
            kept.keep(want.key, got)
    return found, failures
