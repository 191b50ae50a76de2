"""Polling GitHub Actions over GraphQL: 50 workflows per request, REST only where it must.

Left whole over the 450-line aim (#13): it is one class, ``GraphQLRuns``, whose methods
all share its state (workflow ids, job and run caches, query budget, the refusal that
sends it to REST), and the few helpers below it serve only that class.

One poll of N release lines costs ``ceil(workflows / 50)`` runs queries,
``ceil(unfinished runs shown / 50)`` jobs queries and ``ceil(new version ranges / 50)``
compare queries (``github_graphql`` says what they read and what they cannot). REST,
conditional (ETags), is kept for what GraphQL lacks: each workflow's node id (once), the
ref of a run GraphQL names no branch or single tag for, the attempt of a failed run shown
(once per update), job lists longer than one page, ranges longer than one page.

A token GraphQL refuses (HTTP 401/403/404 on the endpoint: a token without GraphQL
access, an Enterprise server or proxy without it, or a scope error for the whole query)
is detected once: from then on every poll goes over REST, and ``note()`` says why on the
sources screen. A query that fails as a whole in another way (GraphQL ``errors`` without
``data``, e.g. an Enterprise server whose schema lacks a field; an HTTP 5xx; garbage) is
one batch's: its lines, check suites or ranges are read over REST for this poll, the
sources screen says so, and the next poll asks GraphQL again. A transport failure or a
spent budget is not retried over REST: it would fail or wait the same way.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import orjson

from release_cockpit.adapters.ci.ci_parsing import runs_needing_jobs
from release_cockpit.adapters.ci.github_graphql import (
    PROBE_QUERY,
    RUNS_BATCH,
    Budget,
    GraphQLAnswer,
    GraphQLProblem,
    alias_error,
    budget_note,
    limited_error,
    parse_workflow_ids,
    problem_text,
    rate_limited,
    refused,
    runs_request,
    split_answer,
)
from release_cockpit.adapters.ci.github_graphql_compare import LONG, CompareBatcher
from release_cockpit.adapters.ci.github_graphql_jobs import JobsWanted, Lru, read_jobs, settled
from release_cockpit.adapters.ci.github_graphql_runs import (
    GraphQLRun,
    newest_first,
    parse_tags,
    parse_workflow_runs,
)
from release_cockpit.adapters.http import HttpClient
from release_cockpit.domain import CIJob, CIRun, RunStatus, Target
from release_cockpit.domain.release_type import VersionReading
from release_cockpit.errors import AdapterError, AuthError, BadResponse, NotFound

Answer = tuple[CIRun, ...] | AdapterError
WORKFLOW_LIST_TTL = 600.0
"""Seconds a repository's workflow list (lines naming no workflow) is kept before it is
asked again (conditionally: unchanged, it costs no quota)."""


_Answered = tuple[tuple[Any, ...], Any]
"""A line's workflow objects and its repository object, as the GraphQL answer sent them."""


@dataclass(slots=True)
class _Line:
    """One target of a poll and what it needs."""

    target: Target
    repo: str  # the REST path, /repos/{owner}/{name}
    owner: str
    name: str
    ids: tuple[str, ...] = ()  # workflow node ids
    aliases: list[tuple[int, str]] = field(default_factory=list)  # (batch, alias) per id


@dataclass(slots=True)
class _Reading:
    """What one target's last answer gave: a digest of its JSON, the runs read from it,
    and the whole answer once completed (None while that needed anything asked for)."""

    digest: bytes
    runs: tuple[GraphQLRun, ...]
    complete: tuple[CIRun, ...] | None = None


@dataclass(slots=True)
class _Batch:
    ids: list[str] = field(default_factory=list)
    repos: list[tuple[str, str]] = field(default_factory=list)


class GraphQLRuns:
    """The GraphQL side of the GitHub Actions adapter; the adapter hands it its REST reads.

    Args:
        http: the adapter's client (auth and API-version headers set).
        url: the GraphQL endpoint (``github_graphql.graphql_url``).
        rest_runs: the REST poll of one target (the fallback).
        rest_jobs: every job of a run over REST, ``(repo path, run id)``.
        parse_run: a REST ``workflow-run`` object -> run (the adapter's version reading).
        repo_path: a target -> ``/repos/{owner}/{name}`` (raises NotFound for a bad one).
    """

    def __init__(
        self,
        http: HttpClient,
        url: str,
        *,
        reading: VersionReading,
        runs_per_poll: int,
        jobs_per_run: int,
        rest_runs: Callable[[Target], Awaitable[tuple[CIRun, ...]]],
        rest_jobs: Callable[[str, str], Awaitable[tuple[CIJob, ...]]],
        parse_run: Callable[[dict[str, Any]], CIRun],
        repo_path: Callable[[Target], str],
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.url = url
        self.reading = reading
        self.runs_per_poll = runs_per_poll
        self.jobs_per_run = jobs_per_run
        self._rest_runs = rest_runs
        self._rest_jobs = rest_jobs
        self._parse_run = parse_run
        self._repo_path = repo_path
        self._clock = clock
        self.refusal = ""
        """Why GraphQL is not used ("" while it is): set once, on the first refusal."""
        self.budget: Budget | None = None
        self.last_cost = 0
        self.last_queries = 0
        self.failure = ""
        """The last query failure of this poll that sent its reads to REST ("" if none)."""
        self.rest_lines = 0
        """How many lines of this poll were read over REST after a failed query."""
        self._workflows: dict[tuple[str, str], tuple[tuple[str, ...], float]] = {}
        self._jobs = Lru()
        self._readings: dict[Target, _Reading] = {}
        self._unchanged: dict[Target, bool] = {}
        """The targets read this poll, and whether each answered as at the last poll."""
        self._details = Lru()
        self._compare = CompareBatcher(self._query, http.name)

    # -- the poll --------------------------------------------------------------------

    async def runs_for(self, targets: Sequence[Target]) -> dict[Target, Answer]:
        """Every target's runs (jobs filled in as the REST path does); one target's or
        one batch's failure is its own.

        Raises:
            AdapterError: never for a target's or a batch's failure.
        """
        if self.refusal:
            return await self.rest(targets)
        self.last_cost = self.last_queries = self.rest_lines = 0
        self.failure = ""
        self._unchanged = {}
        lines = await settled(self._line(t) for t in targets)
        found = [line for line in lines if isinstance(line, _Line)]
        batches = _batches(found)
        answers = await settled(
            self._query(runs_request(b.ids, b.repos, runs=self.runs_per_poll)) for b in batches
        )
        if self.refusal:
            return await self.rest(targets)
        read = [
            line if isinstance(line, AdapterError) else self._read(line, batches, answers)
            for line in lines
        ]
        done = await settled(
            self._completion(line, runs) for line, runs in zip(lines, read, strict=True)
        )
        results = await self._fill_jobs(lines, done)
        self._keep_complete(lines, done, results)
        if self.refusal:
            return await self.rest(targets)
        answered = dict(zip(targets, results, strict=True))
        # The lines of a batch whose query failed as a whole are read over REST.
        failed = {i for i, answer in enumerate(answers) if isinstance(answer, BadResponse)}
        again = [line.target for line in found if any(batch in failed for batch, _ in line.aliases)]
        if again:
            self.rest_lines = len(again)
            answered.update(await self.rest(again))
        return answered

    async def rest(self, targets: Sequence[Target]) -> dict[Target, Answer]:
        """The REST poll: one runs list per target (conditional) and its jobs."""
        answers = await settled(self._rest_runs(t) for t in targets)
        return dict(zip(targets, answers, strict=True))

    async def _line(self, target: Target) -> _Line:
        """The target with its workflows' node ids, read over REST when not known yet.

        Raises:
            AdapterError: a bad repository name, or the workflow lookup failed.
        """
        repo = self._repo_path(target)
        owner, _, name = target.get("project").strip("/").partition("/")
        workflow = target.get("workflow").strip()
        key = (repo, workflow)
        known = self._workflows.get(key)
        now = self._clock()
        if known is not None and (workflow or now - known[1] < WORKFLOW_LIST_TTL):
            return _Line(target, repo, owner, name, known[0])
        if workflow:
            path, params = f"{repo}/actions/workflows/{quote(workflow, safe='')}", None
        else:
            path, params = f"{repo}/actions/workflows", {"per_page": 100}
        answer = await self.http.get_json(path, params=params, conditional=True)
        ids = parse_workflow_ids(answer.data)
        if workflow and not ids:
            raise BadResponse(
                f"GitHub named no node id for workflow '{workflow}' of {owner}/{name}",
                backend=self.http.name,
                hint="check that the backend URL is GitHub's REST API",
            )
        self._workflows[key] = (ids, now)
        return _Line(target, repo, owner, name, ids)

    async def _query(self, body: dict[str, object]) -> GraphQLAnswer:
        """One GraphQL request; a refusal is remembered (``refusal``) and raised.

        Raises:
            RateLimited: the points are spent (HTTP 200 ``RATE_LIMITED`` or a 403/429).
            AuthError: GraphQL refused this token.
            BadResponse: the query failed as a whole.
            AdapterError: any transport or HTTP failure.
        """
        self.last_queries += 1
        try:
            answer = await self.http.post_json(self.url, body)
        except (AuthError, NotFound) as exc:
            self.refusal = self.refusal or f"{exc.title}: {exc.message}"
            raise
        except BadResponse as exc:
            self.failure = exc.message
            raise
        parsed = split_answer(answer.data)
        if parsed.budget is not None:
            self._spend(parsed.budget)
        if refused(parsed):
            self.refusal = self.refusal or problem_text(parsed.general)
            raise AuthError(
                f"GitHub GraphQL refused the query: {problem_text(parsed.general)}",
                backend=self.http.name,
                hint="the token needs read access to Actions and contents; polling goes over REST",
            )
        if rate_limited(parsed):
            raise limited_error(self.http.name, parsed.general, self._reset())
        if not parsed.has_data:
            self.failure = problem_text(parsed.general)
            raise BadResponse(
                f"GitHub GraphQL query failed: {self.failure}",
                backend=self.http.name,
                hint="read over REST this poll; the next poll asks GraphQL again",
            )
        return parsed

    def _spend(self, budget: Budget) -> None:
        self.last_cost += budget.cost or 0
        older = self.budget
        # Answers of one poll arrive in any order: the lowest remaining of a window is the
        # truth, and a new reset time starts a new window.
        same_window = older is not None and older.reset_at == budget.reset_at
        if not same_window or older is None or (older.remaining or 0) >= (budget.remaining or 0):
            self.budget = budget

    # -- reading one line ------------------------------------------------------------

    def _read(
        self, line: _Line, batches: list[_Batch], answers: list[GraphQLAnswer | AdapterError]
    ) -> list[GraphQLRun] | AdapterError:
        """A line's runs from its batches' answers, newest first, or why they are missing.

        The answer of a repository whose runs did not change since the last poll is the
        same JSON: its runs are taken from that poll's reading, not parsed again (about
        half the cost of a poll of 50 quiet repositories). A digest of the JSON is kept,
        not the JSON: a few bytes a repository instead of its last runs' objects."""
        found = self._answered(line, batches, answers)
        if isinstance(found, AdapterError):
            return found
        if not found[0]:
            return []
        digest = hashlib.blake2b(orjson.dumps(found), digest_size=16).digest()
        kept = self._readings.get(line.target)
        self._unchanged[line.target] = unchanged = kept is not None and kept.digest == digest
        if kept is not None and unchanged:
            return list(kept.runs)
        runs: list[GraphQLRun] = []
        tags = parse_tags(found[1])
        for workflow in found[0]:
            runs += parse_workflow_runs(workflow, self.reading, tags)
        runs = list(newest_first(runs, self.runs_per_poll))
        self._readings[line.target] = _Reading(digest, tuple(runs))
        return runs

    def _completion(
        self, line: _Line | AdapterError, runs: list[GraphQLRun] | AdapterError
    ) -> Awaitable[tuple[list[CIRun], list[JobsWanted]]]:
        """How a line's runs are completed: as at the last poll when its answer is the
        same and completing it then asked for nothing (every job and REST detail it needs
        is kept by run and update time, so the result would be the same)."""
        if isinstance(line, AdapterError) or isinstance(runs, AdapterError):
            return _failed(runs)
        reading = self._readings.get(line.target)
        if self._unchanged.get(line.target) and reading and reading.complete is not None:
            return _given((list(reading.complete), []))
        return self._complete(line, runs)

    def _keep_complete(
        self,
        lines: Sequence[_Line | AdapterError],
        done: Sequence[tuple[list[CIRun], list[JobsWanted]] | AdapterError],
        results: Sequence[Answer],
    ) -> None:
        """Remember each completed answer that asked for no jobs (``_completion``)."""
        for line, item, result in zip(lines, done, results, strict=True):
            if isinstance(line, AdapterError) or line.target not in self._unchanged:
                continue
            reading = self._readings[line.target]
            asked = isinstance(item, AdapterError) or bool(item[1])
            reading.complete = None if asked or isinstance(result, AdapterError) else result

    def _answered(
        self, line: _Line, batches: list[_Batch], answers: list[GraphQLAnswer | AdapterError]
    ) -> _Answered | AdapterError:
        """A line's workflow answers and its repository's, or why they are missing."""
        workflows: list[Any] = []
        repository: Any = None
        for batch_index, alias in line.aliases:
            answer = answers[batch_index]
            if isinstance(answer, AdapterError):
                return answer
            workflow = answer.value(alias)
            if workflow is None:
                if any(p.type == "NOT_FOUND" for p in answer.problems(alias)):
                    self._workflows.pop((line.repo, line.target.get("workflow").strip()), None)
                return self._alias_error(line, answer.problems(alias), "workflow")
            workflows.append(workflow)
            if repository is None:
                repo_alias = f"r{batches[batch_index].repos.index((line.owner, line.name))}"
                repository = answer.value(repo_alias)
                if repository is None:
                    return self._alias_error(line, answer.problems(repo_alias), "repository")
        return tuple(workflows), repository

    def _alias_error(
        self, line: _Line, problems: Sequence[GraphQLProblem], what: str
    ) -> AdapterError:
        return alias_error(
            self.http.name, f"{line.owner}/{line.name}", problems, what, self._reset()
        )

    async def _complete(
        self, line: _Line, runs: list[GraphQLRun]
    ) -> tuple[list[CIRun], list[JobsWanted]]:
        """Refs GraphQL could not name and the attempts of failed runs, over REST; then
        which jobs are cached and which must be asked for.

        Raises:
            AdapterError: a REST read failed.
        """
        ci = [r.run for r in runs]
        unknown = [i for i, r in enumerate(runs) if not r.ref_known]
        for index, rest in zip(
            unknown,
            await asyncio.gather(*(self._detail(line.repo, ci[i]) for i in unknown)),
            strict=True,
        ):
            ci[index] = _with_rest(ci[index], rest)
        picks = runs_needing_jobs(tuple(ci))
        failed = [i for i in picks if ci[i].status is RunStatus.FAILED and runs[i].ref_known]
        for index, rest in zip(
            failed,
            await asyncio.gather(*(self._detail(line.repo, ci[i]) for i in failed)),
            strict=True,
        ):
            ci[index] = _with_rest(ci[index], rest)
        wanted = []
        for index in picks:
            run = ci[index]
            key = (line.repo, run.id, _stamp(run.updated_at), runs[index].suite_updated)
            kept = self._jobs.get(key)
            if kept is not None:
                self._jobs.move_to_end(key)
                ci[index] = replace(run, jobs=kept)
            elif runs[index].suite_id:
                finished = key if run.status.finished else None
                where = f"{line.owner}/{line.name}"
                wanted.append(
                    JobsWanted(-1, index, runs[index].suite_id, line.repo, run.id, where, finished)
                )
        return ci, wanted

    async def _detail(self, repo: str, run: CIRun) -> CIRun:
        """The run as REST has it (head_branch, run_attempt, display_title), once per update.

        Raises:
            AdapterError: the REST read failed.
        """
        key = (repo, run.id, _stamp(run.updated_at))
        kept = self._details.get(key)
        if kept is None:
            answer = await self.http.get_json(
                f"{repo}/actions/runs/{quote(run.id, safe='')}", conditional=True
            )
            if not isinstance(answer.data, dict):
                raise BadResponse(
                    f"GitHub answered run {run.id} of {repo} without a run object",
                    backend=self.http.name,
                    hint="check that the backend URL is GitHub's REST API",
                )
            kept = self._parse_run(answer.data)
            self._details.keep(key, kept)
        return kept

    # -- jobs ------------------------------------------------------------------------

    async def _fill_jobs(
        self,
        lines: Sequence[_Line | AdapterError],
        done: Sequence[tuple[list[CIRun], list[JobsWanted]] | AdapterError],
    ) -> list[Answer]:
        """Every line's runs with the jobs ``read_jobs`` found, or the line's failure."""
        wanted = [
            replace(want, line=index)
            for index, item in enumerate(done)
            if not isinstance(item, AdapterError)
            for want in item[1]
        ]
        found, failures = await read_jobs(
            wanted,
            query=self._query,
            rest_jobs=self._rest_jobs,
            jobs_per_run=self.jobs_per_run,
            kept=self._jobs,
            error_for=lambda where, problems: alias_error(
                self.http.name, where, problems, "jobs", self._reset()
            ),
        )
        results: list[Answer] = []
        for index, item in enumerate(done):
            if isinstance(item, AdapterError):
                results.append(item)
                continue
            runs = [
                replace(run, jobs=found[(index, at)]) if (index, at) in found else run
                for at, run in enumerate(item[0])
            ]
            results.append(failures.get(index) or tuple(runs))
        return results

    def _reset(self) -> datetime | None:
        return self.budget.reset_at if self.budget else None

    async def compare(self, target: Target, base: str, head: str) -> dict[str, Any] | str | None:
        """REST's compare payload for two tags of the target's repository, read with the
        other ranges of this poll in one query; None without the tags, ``LONG`` (or when
        GraphQL is refused) to ask REST.

        Raises:
            AdapterError: the query, or this range, failed.
        """
        if self.refusal:
            return LONG
        self._repo_path(target)  # a bad repository name is NotFound, as over REST
        owner, _, name = target.get("project").strip("/").partition("/")
        try:
            return await self._compare.compare(owner, name, base, head)
        except BadResponse:
            return LONG  # the query failed as a whole: this range over REST
        except (AuthError, NotFound):
            if self.refusal:
                return LONG
            raise

    async def probe(self) -> str:
        """Whether GraphQL answers this token (``release-cockpit check``), in words.

        Raises:
            AdapterError: a failure other than a refusal (the probe reports it).
        """
        try:
            answer = await self._query({"query": PROBE_QUERY})
        except (AuthError, NotFound):
            return f"GraphQL refused ({self.refusal}): polls go over REST"
        budget = answer.budget
        if budget is None or budget.remaining is None:
            return "GraphQL answers"
        return f"GraphQL: {budget.remaining:,}/{budget.limit or 0:,} points left"

    # -- what the sources screen says ------------------------------------------------

    def note(self) -> str:
        """The budget and the last poll's cost, or why polling goes over REST."""
        if self.refusal:
            return (
                f"GraphQL refused ({self.refusal}); polling over REST, one runs list per repository"
            )
        text = budget_note(self.budget, self.last_cost, self.last_queries)
        if self.failure:
            what = (
                f"{self.rest_lines} repositories polled"
                if self.rest_lines
                else "this poll's jobs or ranges read"
            )
            failed = f"GraphQL failed: {what} over REST ({self.failure})"
            text = f"{failed}; {text}" if text else failed
        return text


def _batches(lines: Sequence[_Line]) -> list[_Batch]:
    """Workflow ids in batches of ``RUNS_BATCH``, each with the repositories of its lines;
    every line learns the (batch, alias) of each of its workflows."""
    batches: list[_Batch] = []
    for line in lines:
        line.aliases = []
        for ident in line.ids:
            if not batches or len(batches[-1].ids) >= RUNS_BATCH:
                batches.append(_Batch())
            batch = batches[-1]
            line.aliases.append((len(batches) - 1, f"w{len(batch.ids)}"))
            batch.ids.append(ident)
            if (line.owner, line.name) not in batch.repos:
                batch.repos.append((line.owner, line.name))
    return batches


def _with_rest(run: CIRun, rest: CIRun) -> CIRun:
    """A GraphQL run completed with what only REST carries (its ref is REST's head_branch)."""
    return replace(
        run,
        ref=rest.ref,
        version=rest.version,
        version_problem=rest.version_problem,
        attempt=rest.attempt,
        title=rest.title,
        started_at=rest.started_at,
        actor=rest.actor or run.actor,
    )


def _stamp(when: datetime | None) -> str:
    return when.isoformat() if when else ""


async def _given(value: Any) -> Any:
    """A value already at hand, passed through ``settled`` like an answer."""
    return value


async def _failed(error: AdapterError | Any) -> Any:
    """An earlier failure, passed through ``settled`` as the line's answer."""
    raise error
