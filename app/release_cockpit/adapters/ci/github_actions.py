"""GitHub Actions as a CI source: workflow runs, their jobs and steps, compare, re-run.

Wire contract: https://docs.github.com/en/rest/actions/workflow-runs and
https://docs.github.com/en/rest/actions/workflow-jobs (fields and states).
Every GET is conditional (ETag): a 304 is free against the quota and skips re-parsing.

A poll (``runs_for``) reads the runs of 50 workflows per GraphQL request when it can
(``github_graphql`` says what that reads and what it cannot; ``github_graphql_poll`` does
it); ``runs`` is the REST path: without a token (GitHub's GraphQL API needs one), with
``graphql = false`` or ``run_name``, and for a token GraphQL refuses.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar
from urllib.parse import quote

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, CISource, Feature, HistoryRead
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.ci.ci_parsing import runs_needing_jobs
from release_cockpit.adapters.ci.github_actions_parsing import (
    DEFAULT_RELEASE_BRANCHES,
    parse_compare,
    parse_jobs,
    parse_run,
    parse_runs,
)
from release_cockpit.adapters.ci.github_deployments import fetch_deployments
from release_cockpit.adapters.ci.github_graphql import graphql_url
from release_cockpit.adapters.ci.github_graphql_poll import GraphQLRuns
from release_cockpit.adapters.ci.run_jobs import fill_runs
from release_cockpit.adapters.http import (
    HTTP_OPTIONS,
    HttpClient,
    ParseCache,
    attributed,
    backend_error_text,
    bearer,
)
from release_cockpit.adapters.payload import (
    as_dict,
    as_int,
    dig,
)
from release_cockpit.domain import (
    Action,
    ChangeSet,
    CIJob,
    CIRun,
    Release,
    ReleaseLine,
    Target,
    TargetKey,
)
from release_cockpit.domain.action_policy import PRODUCTION_NAMES
from release_cockpit.domain.action_words import rerun_failed_jobs_words
from release_cockpit.domain.actions import ActionWords
from release_cockpit.domain.release_type import VersionPatterns, VersionReading
from release_cockpit.errors import (
    ActionFailed,
    AdapterError,
    ConfigError,
    NotFound,
    Problem,
)

"""Jobs are fetched for the newest run of each of this many newest versions."""
MAX_JOB_PAGES = 10
"""A run with more than 1,000 jobs is not a release pipeline; stop paginating there."""
FINISHED_JOBS_KEPT = 2048
"""Job lists of finished runs kept per backend (a few per repository)."""


def reset_text(reset: datetime | None, now: datetime | None = None) -> str:
    """``resets in 12m`` for a quota reset time, or "" when unknown."""
    if reset is None:
        return ""
    left = reset - (now or datetime.now(UTC))
    return f"resets in {max(0, int(left / timedelta(minutes=1)))}m"


def version_options(
    settings: BackendSettings, options: dict[str, Any], problems: list[Problem]
) -> VersionReading:
    """The backend's ``tag_format``, ``release_branches`` and ``run_name`` as a reading;
    a pattern without exactly one ``{version}`` is a config problem named by its key."""
    chosen: dict[str, tuple[str, ...]] = {
        "tag_format": (str(options.get("tag_format") or "v{version}"),),
        "release_branches": tuple(str(b) for b in options.get("release_branches") or ()),
        "run_name": (str(options["run_name"]),) if options.get("run_name") else (),
    }
    examples = {
        "tag_format": "'v{version}' or 'release-{version}'",
        "release_branches": "['release/{version}']",
        "run_name": "'Release {version}'",
    }
    for key, patterns in chosen.items():
        try:
            VersionPatterns(patterns)
        except ValueError as exc:
            problems.append(
                settings.problem(key, str(exc), f"use {{version}} once, e.g. {examples[key]}")
            )
            chosen[key] = ()
    refs = chosen["tag_format"] + chosen["release_branches"]
    names = VersionPatterns(chosen["run_name"]) if chosen["run_name"] else None
    return VersionReading(VersionPatterns(refs), names)


def _rest_only(settings: BackendSettings, options: dict[str, Any]) -> str:
    """Why this backend polls over REST from the start, or "" to try GraphQL."""
    rest = "polling over REST, one runs list per repository"
    if not options.get("graphql", True):
        return f"graphql = false: {rest}"
    if not settings.token:
        # https://docs.github.com/en/graphql/guides/forming-calls-with-graphql#authenticating-with-graphql
        return f"no token, which GitHub's GraphQL API needs: {rest}"
    if options.get("run_name"):
        return f"run_name reads run titles, which GraphQL does not carry: {rest}"
    return ""


class GitHubActions(CISource):
    """Runs of one repository's workflow on github.com or GitHub Enterprise Server."""

    TYPE: ClassVar[str] = "github-actions"
    http: HttpClient
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **HTTP_OPTIONS,
        "runs_per_poll": OptionSpec(
            int, "how many recent runs to read per poll (GitHub pages hold 100)", 10, False, 1, 100
        ),
        "tag_format": OptionSpec(
            str,
            "how a version becomes a git tag, with {version}, e.g. 'v{version}': release "
            "tags are read back through it",
            "v{version}",
        ),
        "release_branches": OptionSpec(
            list,
            "branch patterns a release runs on, each with {version}; a run on any other "
            "branch has no version",
            list(DEFAULT_RELEASE_BRANCHES),
        ),
        "run_name": OptionSpec(
            str,
            "a pattern of the run's title holding the version, e.g. 'Release {version}'; "
            "unset: titles are not read",
            "",
        ),
        "api_version": OptionSpec(
            str, "the X-GitHub-Api-Version header, e.g. '2022-11-28'", "2022-11-28"
        ),
        "graphql": OptionSpec(
            bool,
            "read the runs of 50 workflows per GraphQL request (needs a token); false: one "
            "REST runs list per repository",
            True,
        ),
        "jobs_per_run": OptionSpec(
            int,
            "jobs read with each run in the batched GraphQL query; a run with more is "
            "completed over REST",
            50,
            False,
            1,
            100,
        ),
    }
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset({Action.RETRY_CI})
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey("project", "the repository the runs belong to, 'owner/repo'", True, "acme/shop"),
        TargetKey(
            "workflow",
            "a workflow file name or id; every workflow of the repository when unset",
            False,
            "release.yml",
        ),
    )
    FEATURES: ClassVar[frozenset[Feature]] = frozenset({Feature.BATCHING, Feature.HISTORY})
    VERSIONS: ClassVar[str] = (
        "from the run's tag (read back through tag_format: v1.2.3), or a release branch "
        "(release_branches: release/1.2.3), or the run's title when run_name is set; a run "
        "on any other ref is shown as 'version unknown', never taken for a release"
    )

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        self.runs_per_poll: int = self.options["runs_per_poll"]
        self.tag_format: str = self.options["tag_format"]
        problems: list[Problem] = []
        self.reading = version_options(settings, self.options, problems)
        if problems:
            raise ConfigError(problems)
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": self.options["api_version"],
            **bearer(settings),
        }
        self.http = HttpClient(
            settings, headers=headers, transport=transport, rate_limit_floor=60.0
        )
        self._parsed = ParseCache()
        # A finished attempt's jobs never change, so they are asked for once: a poll then
        # costs one (usually 304) runs list per repository instead of one request per job
        # list as well. Keyed by the run's last update, so a re-run asks again.
        self._finished_jobs: OrderedDict[tuple[str, str, int, str], tuple[CIJob, ...]] = (
            OrderedDict()
        )
        self.graphql = GraphQLRuns(
            self.http,
            graphql_url(settings.url),
            reading=self.reading,
            runs_per_poll=self.runs_per_poll,
            jobs_per_run=self.options["jobs_per_run"],
            rest_runs=self.runs,
            rest_jobs=self._jobs,
            parse_run=partial(parse_run, reading=self.reading),
            repo_path=self._repo,
        )
        self.rest_only = _rest_only(settings, self.options)
        """Why polls go over REST from the start ("" when GraphQL is tried)."""

    def _repo(self, target: Target) -> str:
        project = target.get("project")
        owner, _, repo = project.strip("/").partition("/")
        if not owner or not repo or "/" in repo:
            raise NotFound(
                f"'{project}' is not a GitHub repository name",
                backend=self.name,
                hint="set the service's ci.project to 'owner/repo'",
            )
        return f"/repos/{quote(owner, safe='')}/{quote(repo, safe='')}"

    async def runs(self, target: Target) -> tuple[CIRun, ...]:
        """Recent runs, newest first; jobs filled in for the newest run of the newest versions.

        Raises:
            AdapterError: any backend failure (NotFound for a wrong repo or workflow).
        """
        with attributed(self.name):
            repo = self._repo(target)
            workflow = target.get("workflow")
            if workflow:
                path = f"{repo}/actions/workflows/{quote(workflow, safe='')}/runs"
            else:
                path = f"{repo}/actions/runs"
            answer = await self.http.get_json(
                path, params={"per_page": self.runs_per_poll}, conditional=True
            )
            runs = self._parsed.value(answer, partial(parse_runs, reading=self.reading))

            async def with_jobs(run: CIRun) -> CIRun:
                return replace(run, jobs=await self._jobs_of(repo, run))

            # One run's jobs failing (a run deleted meanwhile: 404) marks that run only.
            return await fill_runs(runs, runs_needing_jobs(runs), with_jobs)

    async def runs_for(
        self, targets: Sequence[Target]
    ) -> dict[Target, tuple[CIRun, ...] | AdapterError]:
        """Every target's runs: over GraphQL, 50 workflows per request, unless this backend
        polls over REST (``rest_only``, or GraphQL refused the token once).

        Raises:
            AdapterError: never for one target's or one batch's failure.
        """
        if self.rest_only:
            return await self.graphql.rest(targets)
        with attributed(self.name):
            return await self.graphql.runs_for(targets)

    def rate_limit_remaining(self) -> int | None:
        """GraphQL points left while polls use GraphQL, else REST requests left."""
        budget = self.graphql.budget
        if not self.rest_only and not self.graphql.refusal and budget is not None:
            return budget.remaining
        return super().rate_limit_remaining()

    def usage_note(self) -> str:
        return self.rest_only or self.graphql.note()

    async def _jobs_of(self, repo: str, run: CIRun) -> tuple[CIJob, ...]:
        """A run's jobs: asked for while it runs, remembered once it has finished."""
        updated = run.updated_at.isoformat() if run.updated_at else ""
        key = (repo, run.id, run.attempt, updated)
        kept = self._finished_jobs.get(key)
        if kept is not None:
            self._finished_jobs.move_to_end(key)
            return kept
        jobs = await self._jobs(repo, run.id)
        if run.status.finished:
            self._finished_jobs[key] = jobs
            while len(self._finished_jobs) > FINISHED_JOBS_KEPT:
                self._finished_jobs.popitem(last=False)
        return jobs

    async def _jobs(self, repo: str, run_id: str) -> tuple[CIJob, ...]:
        """All jobs of a run's latest attempt, following ``Link: rel="next"`` pages."""
        url: str | None = f"{repo}/actions/runs/{quote(run_id, safe='')}/jobs"
        params: dict[str, str | int] | None = {"filter": "latest", "per_page": 100}
        jobs: list[CIJob] = []
        for _ in range(MAX_JOB_PAGES):
            if url is None:
                break
            answer = await self.http.get_json(url, params=params, conditional=True)
            jobs.extend(self._parsed.value(answer, parse_jobs))
            url, params = answer.links.get("next"), None
        return tuple(jobs)

    async def changes(self, target: Target, base: str, head: str) -> ChangeSet | None:
        """Commits between the tags of two versions; None when a tag does not exist.

        Over GraphQL, batched with the poll's other ranges (``github_graphql_compare``);
        over REST (conditional) for a long range, a refused token or ``rest_only``.

        Raises:
            AdapterError: any backend failure other than a missing tag.
        """
        with attributed(self.name):
            if not self.rest_only:
                # With the other new ranges of this poll in one GraphQL query; REST below
                # for a range longer than one page, or when GraphQL is refused.
                tags = (self.tag_format.format(version=v) for v in (base, head))
                found = await self.graphql.compare(target, *tags)
                if found is None:
                    return None
                if isinstance(found, dict):
                    return parse_compare(found, base, head)
            repo = self._repo(target)
            base_tag = quote(self.tag_format.format(version=base), safe="/")
            head_tag = quote(self.tag_format.format(version=head), safe="/")
            try:
                answer = await self.http.get_json(
                    f"{repo}/compare/{base_tag}...{head_tag}", conditional=True
                )
            except NotFound:
                return None
            return self._parsed.value(answer, lambda data: parse_compare(data, base, head))

    def describe(self, action: Action, release: Release) -> ActionWords:
        if action is Action.RETRY_CI:
            return rerun_failed_jobs_words(release)
        return super().describe(action, release)

    async def act(self, action: Action, target: Target, run: CIRun) -> ActionResult:
        if action is not Action.RETRY_CI:
            raise self.unable(action, f"run {run.id}")
        return await self.retry(target, run)

    async def history(self, line: ReleaseLine, target: Target, since: datetime) -> HistoryRead:
        """Past deployments of the line's environment from GitHub Deployments, with the
        lead time of each from the commits of its range.

        Raises:
            AdapterError: any backend failure.
        """
        return await fetch_deployments(
            self.http,
            target.get("project"),
            line.environment,
            since,
            key=line.key,
            service=line.service,
            team=line.team,
            production=line.environment.strip().lower() in PRODUCTION_NAMES,
        )

    async def retry(self, target: Target, run: CIRun) -> ActionResult:
        """Re-run the failed jobs of a run (a new attempt of the same run id).

        Raises:
            ActionFailed: GitHub refused (403/409/422) with its own message.
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            path = f"{self._repo(target)}/actions/runs/{quote(run.id, safe='')}/rerun-failed-jobs"
            response = await self.http.send("POST", path, allow=frozenset({403, 409, 422}))
            label = f"#{run.number}" if run.number is not None else run.id
            if response.status_code >= 400:
                raise ActionFailed(
                    f"GitHub refused to re-run the failed jobs of run {label} "
                    f"(HTTP {response.status_code}): {backend_error_text(response)}",
                    backend=self.name,
                    hint="the run may still be in progress, have no failed jobs, or the token "
                    "may lack the actions:write permission",
                )
            return ActionResult(
                Action.RETRY_CI,
                True,
                f"re-running the failed jobs of run {label} as attempt {run.attempt + 1}",
                (f"POST {path}",),
            )

    async def probe(self) -> ProbeResult:
        """GET /rate_limit (free): reachability, token validity and the quota left; then
        whether GraphQL answers this token, and its points left.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json("/rate_limit")
            core = as_dict(dig(answer.data, "resources", "core")) or as_dict(
                dig(answer.data, "rate")
            )
            remaining, limit = as_int(core.get("remaining")), as_int(core.get("limit"))
            text = f"{remaining}/{limit} requests left" if limit is not None else "quota unknown"
            when = reset_text(self.http.rate_limit_reset)
            if when:
                text += f", {when}"
            if not self.settings.token:
                text += " (no token: github.com allows 60 requests/hour without one; set token_env)"
            if not self.rest_only:
                text += f"; {await self.graphql.probe()}"
            return text

        return await run_probe(self.http, check)
