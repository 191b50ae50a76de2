"""GitLab CI as a CI source: pipelines of many projects per request, manual jobs, retry, cancel.

Left whole over the 450-line aim (#13): it is one class, ``GitLab``, whose methods all
share its client, project-path and pipeline caches; parsing, queries, actions, errors
and history already live in the ``gitlab_*`` modules it imports.

``url`` is the instance root, ``https://gitlab.com`` or ``https://gitlab.example.com``
(a relative root such as ``https://example.com/gitlab`` works too); the adapter adds
``/api/v4`` (REST) and ``/api/graphql`` itself, and drops either when a config already
ends with it.

- **Batching.** Every poll asks GraphQL for the latest pipelines, with their jobs, of up
  to 50 projects in one POST (``gitlab_graphql.PIPELINES_QUERY``; ``projects(fullPaths:)``
  accepts 50 paths), so requests per poll grow with GitLab instances (and the distinct
  ``ref`` filters), not with projects. REST is only for details, conditionally (ETags):
  a pipeline with more jobs than one GraphQL page, the fresh state an action acts on,
  compare and deployments.
- **Auth.** ``Authorization: Bearer <token>``: GitLab accepts personal, project and group
  access tokens (and OAuth tokens) that way on REST and GraphQL alike, while the
  ``PRIVATE-TOKEN`` header is REST-only and refuses OAuth tokens
  (https://docs.gitlab.com/api/rest/authentication/,
  https://docs.gitlab.com/api/graphql/#authentication). Scope ``read_api`` reads; the
  actions need ``api``.
- **Actions.** APPROVE plays the pipeline's blocking manual job; RETRY_CI retries the
  pipeline, which re-runs only its failed and canceled jobs; CANCEL_CI cancels its
  unfinished jobs. Each re-reads the pipeline first (REST, conditional), so what is
  sent matches what GitLab has now; the words are ``gitlab_actions``'.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import ClassVar, TypeVar
from urllib.parse import urlsplit

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, CISource, Feature
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.ci.ci_parsing import runs_needing_jobs
from release_cockpit.adapters.ci.gitlab_actions import action_offer, action_words
from release_cockpit.adapters.ci.gitlab_errors import error_text
from release_cockpit.adapters.ci.gitlab_graphql import (
    ProjectPipelines,
    full_path_batches,
    graphql_errors,
    parse_pipelines_graphql,
    pipelines_request,
)
from release_cockpit.adapters.ci.gitlab_history import API, fetch_compare, fetch_history
from release_cockpit.adapters.ci.gitlab_rest import (
    GitLabJob,
    GitLabPipeline,
    parse_jobs,
    parse_pipeline_single,
    project_ref,
    to_ci_run,
    with_jobs,
)
from release_cockpit.adapters.ci.run_jobs import fill_runs
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, attributed, bearer
from release_cockpit.adapters.payload import as_str, dig, require_dict
from release_cockpit.domain import Action, ChangeSet, CIRun, Release, ReleaseLine, Target, TargetKey
from release_cockpit.domain.action_policy import PRODUCTION_NAMES
from release_cockpit.domain.actions import ActionWords, run_label
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.errors import ActionFailed, AdapterError, BadResponse, ConfigError, NotFound

GRAPHQL = "/api/graphql"
PIPELINES_KEPT = 2048
"""Pipelines remembered per backend for the confirmation words (a few per project)."""
MAX_JOB_PAGES = 10
"""REST job pages (100 each) read for one pipeline at most."""
REFUSALS = frozenset({400, 403, 404, 409, 422})
"""Statuses with which GitLab refuses an action ("Unplayable Job", protected branch...)."""
PROBE_QUERY = "query ReleaseCockpitProbe { currentUser { username } }"


def instance_root(url: str) -> str:
    """The instance URL without a trailing ``/api/v4`` or ``/api/graphql`` or slash."""
    root = url.strip().rstrip("/")
    for suffix in (API, GRAPHQL):
        if root.endswith(suffix):
            root = root[: -len(suffix)]
    return root.rstrip("/")


def _origin(root: str) -> str:
    """``https://host:port``: GitLab's web paths (``webPath``) already carry a relative
    URL root, so links are joined to the origin, not to the root."""
    parts = urlsplit(root)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else root


T = TypeVar("T")


async def _settled(calls: Iterable[Awaitable[T]]) -> list[T | AdapterError]:
    """Every call's answer, or its AdapterError (each target's failure is its own); any
    other exception is a bug and is raised."""
    answers = await asyncio.gather(*calls, return_exceptions=True)
    for answer in answers:
        if isinstance(answer, BaseException) and not isinstance(answer, AdapterError):
            raise answer
    return answers  # type: ignore[return-value]  # only T or AdapterError remain


def _ref(target: Target) -> str:
    return target.get("ref").strip()


class GitLab(CISource):
    """Pipelines of GitLab projects (GitLab.com or self-managed), many per request."""

    TYPE: ClassVar[str] = "gitlab"
    http: HttpClient
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **HTTP_OPTIONS,
        "pipelines_per_poll": OptionSpec(
            int, "how many recent pipelines to read per project and poll", 5, False, 1, 100
        ),
        "jobs_per_pipeline": OptionSpec(
            int,
            "jobs read with each pipeline in the batched query; a pipeline with more is "
            "completed over REST",
            50,
            False,
            1,
            100,
        ),
        "tag_format": OptionSpec(
            str, "how a version becomes a git tag, with {version}, e.g. 'v{version}'", "v{version}"
        ),
    }
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset(
        {Action.APPROVE, Action.RETRY_CI, Action.CANCEL_CI}
    )
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey(
            "project",
            "the project's full path (group/subgroup/project) or its numeric id",
            True,
            "acme/shop",
        ),
        TargetKey(
            "ref", "only pipelines of this branch or tag; every ref when unset", False, "main"
        ),
    )
    FEATURES: ClassVar[frozenset[Feature]] = frozenset({Feature.BATCHING, Feature.HISTORY})
    VERSIONS: ClassVar[str] = (
        "from the pipeline's ref: a tag (v1.2.3) or a release branch (release/1.2.3); a "
        "pipeline on any other branch or a merge request has no version"
    )

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        self.pipelines_per_poll: int = self.options["pipelines_per_poll"]
        self.jobs_per_pipeline: int = self.options["jobs_per_pipeline"]
        self.tag_format: str = self.options["tag_format"]
        try:
            self.tag_format.format(version="1.2.3")
        except (KeyError, IndexError, ValueError):
            raise ConfigError(
                [
                    settings.problem(
                        "tag_format",
                        f"'{self.tag_format}' is not a tag template",
                        "use {version} once, e.g. 'v{version}' or 'release-{version}'",
                    )
                ]
            ) from None
        self.root = instance_root(settings.url)
        self.web = _origin(self.root)
        headers = {"Accept": "application/json", **bearer(settings)}
        self.http = HttpClient(
            replace(settings, url=self.root), headers=headers, transport=transport
        )
        self._paths: dict[str, str] = {}
        self._pipelines: OrderedDict[int, GitLabPipeline] = OrderedDict()

    # -- reading -----------------------------------------------------------------------

    async def _full_path(self, target: Target) -> str:
        """The project's full path; a numeric id is looked up once (REST, conditional).

        Raises:
            NotFound: no project named, or GitLab has no such project.
            AdapterError: any other backend failure.
        """
        project = target.get("project").strip().strip("/")
        if not project:
            raise NotFound(
                "the service names no GitLab project",
                backend=self.name,
                hint="set the service's ci.project to 'group/project' or the project id",
            )
        if not project.isdigit():
            return project
        known = self._paths.get(project)
        if known is None:
            answer = await self.http.get_json(f"{API}/projects/{project}", conditional=True)
            known = as_str(require_dict(answer.data, "GitLab project").get("path_with_namespace"))
            if not known:
                raise BadResponse(
                    f"GitLab project {project} has no path_with_namespace",
                    backend=self.name,
                    hint="check that the backend URL is the GitLab instance root",
                )
            self._paths[project] = known
        return known

    async def runs(self, target: Target) -> tuple[CIRun, ...]:
        """Recent pipelines of one project, newest first, with their jobs.

        Raises:
            AdapterError: any backend failure (NotFound for a project the token cannot see).
        """
        answer = (await self.runs_for([target]))[target]
        if isinstance(answer, AdapterError):
            raise answer
        return answer

    async def runs_for(
        self, targets: Sequence[Target]
    ) -> dict[Target, tuple[CIRun, ...] | AdapterError]:
        """Every target's pipelines with one GraphQL request per 50 projects (per ``ref``).

        Raises:
            AdapterError: never for one target's or one batch's failure.
        """
        with attributed(self.name):
            paths = dict(zip(targets, await _settled(map(self._full_path, targets)), strict=True))
            wanted: dict[str, list[str]] = {}
            for target, path in paths.items():
                if isinstance(path, str):
                    wanted.setdefault(_ref(target), []).append(path)
            batches = [(ref, b) for ref, found in wanted.items() for b in full_path_batches(found)]
            read: dict[tuple[str, str], ProjectPipelines | AdapterError] = {}
            answers = await _settled(self._query(batch, ref) for ref, batch in batches)
            for (ref, batch), answer in zip(batches, answers, strict=True):
                for path in batch:
                    got = answer if isinstance(answer, AdapterError) else answer.get(path.lower())
                    read[(ref, path.lower())] = got or self._missing(path)
            runs = await _settled(
                self._runs_of(read[(_ref(t), p.lower())] if isinstance(p, str) else p)
                for t, p in paths.items()
            )
            return {t: self._stamped(r) for t, r in zip(paths, runs, strict=True)}

    def _stamped(
        self, answer: tuple[CIRun, ...] | AdapterError
    ) -> tuple[CIRun, ...] | AdapterError:
        """Errors kept per target (not raised through ``attributed``) name the backend too."""
        if isinstance(answer, AdapterError) and not answer.backend:
            answer.backend = self.name
        return answer

    def _missing(self, path: str) -> NotFound:
        return NotFound(
            f"GitLab project '{path}' is not visible: it does not exist or the token cannot "
            "read it",
            backend=self.name,
            hint=f"set the service's ci.project to a project listed at {self.web}/dashboard/"
            "projects, and give the token the read_api scope",
        )

    async def _query(self, batch: list[str], ref: str) -> dict[str, ProjectPipelines]:
        """One GraphQL request for up to 50 projects; a project's problem is its own.

        Raises:
            BadResponse: the whole query failed, or GitLab reported errors it did not tie
                to one project (the answer may be partial, so none of it is trusted).
            AdapterError: any transport or HTTP failure.
        """
        body = pipelines_request(
            batch, pipelines=self.pipelines_per_poll, jobs=self.jobs_per_pipeline, ref=ref or None
        )
        answer = await self.http.post_json(GRAPHQL, body)
        parsed = parse_pipelines_graphql(answer.data, batch, base_url=self.web)
        if parsed.errors:
            raise BadResponse(
                f"GitLab GraphQL reported errors with partial data: {'; '.join(parsed.errors)}",
                backend=self.name,
                hint="the next poll asks again; if it persists, lower pipelines_per_poll or "
                "jobs_per_pipeline",
            )
        return {path.lower(): value for path, value in parsed.projects.items()}

    async def _runs_of(self, read: ProjectPipelines | AdapterError) -> tuple[CIRun, ...]:
        """A project's pipelines as runs; jobs completed over REST where GraphQL had more.

        Raises:
            AdapterError: the project could not be read, or a REST job list failed.
        """
        if isinstance(read, AdapterError):
            raise read
        if read.problem:
            if read.problem.startswith("not visible"):
                raise self._missing(read.full_path)
            raise BadResponse(
                f"GitLab project '{read.full_path}': {read.problem}",
                backend=self.name,
                hint="the next poll asks again; check the project in GitLab",
            )
        pipelines = list(read.pipelines)
        runs = tuple(to_ci_run(p) for p in pipelines)
        index_of = {run.id: index for index, run in enumerate(runs)}

        async def all_jobs(run: CIRun) -> CIRun:
            index = index_of[run.id]
            jobs = await self._jobs(read.full_path, pipelines[index].id)
            pipelines[index] = with_jobs(pipelines[index], jobs)
            return to_ci_run(pipelines[index])

        # One pipeline's job list failing marks that run only (``run_jobs``); it keeps
        # the jobs GraphQL sent, and its stages never pass on that partial list.
        wanted = [i for i in runs_needing_jobs(runs) if pipelines[i].more_jobs]
        filled = await fill_runs(runs, wanted, all_jobs)
        for pipeline in pipelines:
            self._remember(pipeline)
        return filled

    async def _jobs(self, project: str, pipeline_id: int) -> tuple[GitLabJob, ...]:
        """Every job of a pipeline over REST (latest attempts), conditionally, page by page."""
        url: str | None = f"{API}/projects/{project_ref(project)}/pipelines/{pipeline_id}/jobs"
        params: dict[str, str | int] | None = {"per_page": 100}
        jobs: list[GitLabJob] = []
        for _ in range(MAX_JOB_PAGES):
            if url is None:
                break
            answer = await self.http.get_json(url, params=params, conditional=True)
            jobs.extend(parse_jobs(answer.data))
            url, params = answer.links.get("next"), None
        return tuple(jobs)

    def _remember(self, pipeline: GitLabPipeline) -> None:
        self._pipelines[pipeline.id] = pipeline
        self._pipelines.move_to_end(pipeline.id)
        while len(self._pipelines) > PIPELINES_KEPT:
            self._pipelines.popitem(last=False)

    async def changes(self, target: Target, base: str, head: str) -> ChangeSet | None:
        """Commits between the tags of two versions (``tag_format``); None without the tags.

        Raises:
            AdapterError: any backend failure other than a missing tag.
        """
        with attributed(self.name):
            project = await self._full_path(target)
            return await fetch_compare(
                self.http,
                project,
                self.tag_format.format(version=base),
                self.tag_format.format(version=head),
                base=base,
                head=head,
                web=self.web,
            )

    async def history(
        self, line: ReleaseLine, target: Target, since: datetime
    ) -> list[ReleaseRecord]:
        """Past deployments of the line's environment (GitLab environments and deployments).

        Raises:
            AdapterError: any backend failure.
        """
        with attributed(self.name):
            named = line.environment.strip().lower() in PRODUCTION_NAMES
            return await fetch_history(
                self.http,
                await self._full_path(target),
                line.environment,
                since,
                key=line.key,
                service=line.service,
                team=line.team,
                production=True if named else None,
            )

    # -- control -----------------------------------------------------------------------

    def describe(self, action: Action, release: Release) -> ActionWords:
        run = release.ci_run
        if run is None or action not in self.CAPABILITIES:
            return super().describe(action, release)
        pipeline = self._pipelines.get(int(run.id)) if run.id.isdigit() else None
        return action_words(action, run, pipeline)

    async def act(self, action: Action, target: Target, run: CIRun) -> ActionResult:
        """Play the blocking manual job, retry or cancel the pipeline, as GitLab's UI does.

        Raises:
            ActionFailed: nothing to do now, or GitLab refused, with GitLab's words.
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            if action not in self.CAPABILITIES or not run.id.isdigit():
                raise self.unable(action, f"run {run.id}")
            project = await self._full_path(target)
            pipeline = await self._fresh(project, int(run.id))
            offer = action_offer(action, pipeline)
            label = run_label(run.id, run.number)
            if offer is None or not offer.applies:
                why = offer.unavailable if offer else f"pipeline {label} has no blocking manual job"
                # Sending it anyway would be answered "OK" (cancel) or refused; say so now.
                raise ActionFailed(
                    f"GitLab would do nothing: {why}",
                    backend=self.name,
                    hint="refresh (r): the pipeline has moved on since the last poll",
                )
            request = offer.request
            path = f"{API}{request.path}"
            response = await self.http.send(
                request.method, path, json=request.json_body, allow=REFUSALS
            )
            if response.status_code >= 400:
                try:
                    said = error_text(self.http.decode(response))
                except BadResponse:
                    said = ""
                raise ActionFailed(
                    f"GitLab refused to {request.title[0].lower()}{request.title[1:]} "
                    f"(HTTP {response.status_code}): {said or 'no explanation'}",
                    backend=self.name,
                    hint="the token needs the api scope and a role that may run the job "
                    "(protected branches and environments restrict who may)",
                )
            body = self.http.decode(response)
            status = as_str(dig(body, "status"), 40) if isinstance(body, dict) else ""
            now = f"; GitLab says it is {status} now" if status else ""
            return ActionResult(
                action,
                True,
                f"{request.title[0].lower()}{request.title[1:]} of {project} sent{now}",
                (f"{request.method} {path}",),
            )

    async def _fresh(self, project: str, pipeline_id: int) -> GitLabPipeline:
        """The pipeline and its jobs as GitLab has them now (REST, conditional).

        Raises:
            AdapterError: any backend failure.
        """
        base = f"{API}/projects/{project_ref(project)}/pipelines/{pipeline_id}"
        answer = await self.http.get_json(base, conditional=True)
        pipeline = with_jobs(
            parse_pipeline_single(answer.data, project), await self._jobs(project, pipeline_id)
        )
        self._remember(pipeline)
        return pipeline

    async def probe(self) -> ProbeResult:
        """One GraphQL query for the current user: the endpoint every poll uses, and who
        the token belongs to (anonymous without one).

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.post_json(GRAPHQL, {"query": PROBE_QUERY})
            errors = graphql_errors(answer.data)
            if errors or not isinstance(dig(answer.data, "data"), dict):
                raise BadResponse(
                    f"GitLab GraphQL answered without data: "
                    f"{'; '.join(m for m, _ in errors) or 'no data'}",
                    backend=self.name,
                    hint="check that the backend URL is the GitLab instance root",
                )
            user = as_str(dig(answer.data, "data", "currentUser", "username"), 100)
            if user:
                return f"signed in as {user}"
            if self.settings.token:
                raise BadResponse(
                    "GitLab answered as an anonymous user although a token is configured",
                    backend=self.name,
                    hint="the token may be expired or revoked; create a new one with read_api",
                )
            return "anonymous (no token): only public projects are visible; set token_env"

        return await run_probe(self.http, check)
