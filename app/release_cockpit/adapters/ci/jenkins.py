"""Jenkins as a CI source: every job in one request, Pipeline stages, input steps, control.

- **Batching.** One ``GET /api/json?tree=...`` per poll reads every job of the instance,
  through folders and multibranch projects (``jenkins_jobs.jobs_tree``), with each job's
  last build, last completed build and queue item: requests grow with Jenkins instances,
  not jobs. A build's Pipeline stages come from the Pipeline REST API (``wfapi``, from
  the pipeline-stage-view plugin): asked every poll only for builds still running, once
  for a finished build (then kept), never for freestyle jobs.
- **Input steps.** A run paused on an ``input`` step is WAITING; APPROVE answers it
  Proceed and REJECT Abort, at the URLs Jenkins gives (``wfapi/pendingInputActions``).
- **Control.** RETRY_CI queues a new build with the parameters of the finished one (what
  "Rebuild" does: the Jenkinsfile and branch as they are now); CANCEL_CI stops a running
  build or drops a queued one. ``jenkins_actions`` writes each request and its words.
- **Auth and CSRF.** HTTP Basic with the user (``user``) and an API token (``token_env``
  or ``token_file``), as https://www.jenkins.io/doc/book/using/remote-access-api/ says.
  Requests authenticated by an API token need no CSRF crumb; anonymous ones do, and a
  403 that names the crumb is answered by fetching one (``/crumbIssuer/api/json``, bound
  to the client's session cookie) and sending the POST once more
  (https://www.jenkins.io/doc/book/security/csrf-protection/).
"""

from __future__ import annotations

import asyncio
import base64
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import replace
from typing import ClassVar
from urllib.parse import urlencode, urlsplit

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, CISource, Feature
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.ci.ci_parsing import ActionRequest, runs_needing_jobs
from release_cockpit.adapters.ci.jenkins_actions import (
    Crumb,
    action_offer,
    action_words,
    job_path,
    parse_crumb,
    root_relative,
)
from release_cockpit.adapters.ci.jenkins_builds import (
    JenkinsBuild,
    parse_build_single,
)
from release_cockpit.adapters.ci.jenkins_jobs import (
    BUILD_TREE,
    JenkinsInventory,
    JenkinsJob,
    job_runs,
    jobs_tree_params,
    parse_jobs_tree,
)
from release_cockpit.adapters.ci.jenkins_pipeline import (
    PendingInput,
    WfStage,
    parse_pending_inputs,
    parse_stage_nodes,
    parse_wf_run,
    stage_jobs,
    with_stage_nodes,
)
from release_cockpit.adapters.ci.jenkins_status import StageStatus
from release_cockpit.adapters.ci.run_jobs import fill_runs
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, attributed
from release_cockpit.adapters.http_errors import backend_error_text
from release_cockpit.adapters.payload import as_str, dig
from release_cockpit.domain import (
    Action,
    ChangeSet,
    CIJob,
    CIRun,
    Release,
    RunStatus,
    Target,
    TargetKey,
)
from release_cockpit.domain.actions import ActionWords
from release_cockpit.errors import ActionFailed, AdapterError, AuthError, ConfigError, NotFound

FINISHED_KEPT = 2048
"""Stages of finished builds kept per backend (they never change)."""
REFUSALS = frozenset({400, 403, 404, 405, 409, 500})
"""Statuses with which Jenkins refuses a control POST (no permission, gone, bad input)."""
_CRUMB_WORDS = ("crumb",)


class Jenkins(CISource):
    """Builds of Jenkins jobs and Pipeline runs (folders and multibranch included)."""

    TYPE: ClassVar[str] = "jenkins"
    http: HttpClient
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **HTTP_OPTIONS,
        "user": OptionSpec(
            str,
            "the Jenkins user the API token belongs to (HTTP Basic); the token itself comes "
            "from token_env or token_file, and may also be written there as user:token",
            "",
        ),
        "version_parameter": OptionSpec(
            str,
            "the build parameter that holds the version; '' to read it from the branch or "
            "the display name only",
            "VERSION",
        ),
        "depth": OptionSpec(
            int, "folder levels read in the one /api/json request per poll", 4, False, 1, 8
        ),
    }
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset(
        {Action.APPROVE, Action.REJECT, Action.RETRY_CI, Action.CANCEL_CI}
    )
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey(
            "job",
            "the job's full name with its folders; a multibranch branch as folder/project/branch",
            True,
            "shop/release",
        ),
    )
    FEATURES: ClassVar[frozenset[Feature]] = frozenset({Feature.BATCHING})
    VERSIONS: ClassVar[str] = (
        "from the build parameter named by version_parameter (default VERSION), else the "
        "branch of a multibranch job (release/1.2.3, v1.2.3), else the build's display name; "
        "a build with none of them has no version, and the run says which were looked at"
    )

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        self.version_parameter: str = self.options["version_parameter"].strip()
        self.depth: int = self.options["depth"]
        user: str = self.options["user"].strip()
        token = settings.token or ""
        if token and not user and ":" in token:
            user, token = token.split(":", 1)
        if token and not user:
            raise ConfigError(
                [
                    settings.problem(
                        "user",
                        "a Jenkins API token needs the name of its user",
                        'set user = "<your Jenkins user id>", or store the secret as user:token',
                    )
                ]
            )
        headers = {"Accept": "application/json"}
        pair = base64.b64encode(f"{user}:{token}".encode()).decode()
        if token:
            headers["Authorization"] = f"Basic {pair}"
        self.authenticated = bool(token)
        # An echoed Authorization header carries the token base64-encoded: scrub that too.
        self.http = HttpClient(
            settings, headers=headers, transport=transport, secrets=(token, pair) if token else ()
        )
        self.root_path = urlsplit(settings.url).path.rstrip("/")
        self._inventory = JenkinsInventory(())
        self._finished: OrderedDict[tuple[str, int], tuple[CIJob, ...]] = OrderedDict()
        self._inputs: dict[tuple[str, int], PendingInput] = {}
        self._crumb: Crumb | None = None

    # -- reading -----------------------------------------------------------------------

    async def runs(self, target: Target) -> tuple[CIRun, ...]:
        """The job's queued build, last build and last completed build, newest first.

        Raises:
            AdapterError: any backend failure (NotFound for a job Jenkins does not list).
        """
        answer = (await self.runs_for([target]))[target]
        if isinstance(answer, AdapterError):
            raise answer
        return answer

    async def runs_for(
        self, targets: Sequence[Target]
    ) -> dict[Target, tuple[CIRun, ...] | AdapterError]:
        """Every target from ONE ``/api/json?tree=`` answer, plus wfapi for running builds.

        Raises:
            AdapterError: the tree request failed (every target shares it, so it is
                everyone's failure and is raised).
        """
        with attributed(self.name):
            answer = await self.http.get_json("/api/json", params=jobs_tree_params(self.depth))
            self._inventory = parse_jobs_tree(answer.data)
            found: dict[Target, tuple[CIRun, ...] | AdapterError] = {}
            jobs: dict[Target, JenkinsJob] = {}
            for target in targets:
                job = self._inventory.find(target.get("job").strip().strip("/"))
                if job is None:
                    found[target] = self._missing(target.get("job"))
                else:
                    jobs[target] = job
            read = await asyncio.gather(
                *(self._job_runs(job) for job in jobs.values()), return_exceptions=True
            )
            for target, runs in zip(jobs, read, strict=True):
                if isinstance(runs, BaseException) and not isinstance(runs, AdapterError):
                    raise runs
                if isinstance(runs, AdapterError) and not runs.backend:
                    runs.backend = self.name
                found[target] = runs
            return found

    def _missing(self, name: str) -> NotFound:
        deeper = [f for f in self._inventory.unread if name.startswith(f + "/")]
        hint = (
            f"{deeper[0]} lies deeper than {self.depth} folder levels: raise "
            f"backends.{self.name}.depth"
            if deeper
            else f"set the service's ci.job to a job's full name as Jenkins lists it at "
            f"{self.settings.url.rstrip('/')}/ (folders joined by /)"
        )
        return NotFound(f"Jenkins has no job '{name}'", backend=self.name, hint=hint)

    async def _job_runs(self, job: JenkinsJob) -> tuple[CIRun, ...]:
        """The job's runs; Pipeline stages as jobs for the newest build of each version.

        Raises:
            AdapterError: a wfapi request failed (other than a missing plugin).
        """
        runs = tuple(job_runs(job, version_parameter=self.version_parameter or None))
        pipeline = job.class_name.endswith("WorkflowJob")

        async def with_stages(run: CIRun) -> CIRun:
            if not pipeline:
                return replace(run, jobs=(self._whole_build(job, run),))
            return await self._stages(job, run) or run

        # Queued items have no build yet; one build's stages failing marks that build only.
        wanted = runs_needing_jobs(runs, lambda run: run.number is not None)
        return await fill_runs(runs, wanted, with_stages)

    @staticmethod
    def _whole_build(job: JenkinsJob, run: CIRun) -> CIJob:
        """A freestyle build has no stages: it is one job named after the job."""
        name = job.path[-1] if job.path else job.display
        ended = run.updated_at if run.status.finished else None
        return CIJob(run.id, name, run.status, run.started_at, ended, run.url)

    async def _stages(self, job: JenkinsJob, run: CIRun) -> CIRun | None:
        """The run with its stages (wfapi describe), WAITING while an input step waits.

        A finished build's stages are read once; a running one's every poll. None when
        the Pipeline REST API is not installed (404): the run is shown without stages.

        Raises:
            AdapterError: any other backend failure.
        """
        assert run.number is not None
        key = (job.full_name, run.number)
        kept = self._finished.get(key)
        if kept is not None:
            self._finished.move_to_end(key)
            return replace(run, jobs=kept)
        build = f"{job_path(job.path)}/{run.number}"
        try:
            described = parse_wf_run((await self.http.get_json(f"{build}/wfapi/describe")).data)
        except NotFound:
            return None
        failed = [s for s in described.stages if s.status is StageStatus.FAILED]
        if run.status.finished and failed:
            nodes = await asyncio.gather(
                *(self._nodes(s.describe_href) for s in failed if s.describe_href)
            )
            described = with_stage_nodes(described, nodes)
        jobs = stage_jobs(described, build_url=run.url)
        if run.status.finished:
            self._finished[key] = jobs
            while len(self._finished) > FINISHED_KEPT:
                self._finished.popitem(last=False)
            self._inputs.pop(key, None)
            return replace(run, jobs=jobs)
        if described.status is StageStatus.PAUSED_PENDING_INPUT:
            if key not in self._inputs:
                pending = await self._pending(job, run.number)
                if pending is not None:
                    self._inputs[key] = pending
            return replace(run, jobs=jobs, status=RunStatus.WAITING)
        self._inputs.pop(key, None)
        return replace(run, jobs=jobs)

    async def _nodes(self, href: str) -> WfStage:
        """A failed stage's steps, with the error of the one that failed."""
        answer = await self.http.get_json(root_relative(href, self.root_path))
        return parse_stage_nodes(answer.data)

    async def _pending(self, job: JenkinsJob, number: int) -> PendingInput | None:
        """The first input the build waits for (``wfapi/pendingInputActions``)."""
        answer = await self.http.get_json(
            f"{job_path(job.path)}/{number}/wfapi/pendingInputActions"
        )
        found = parse_pending_inputs(answer.data)
        return found[0] if found else None

    async def changes(self, target: Target, base: str, head: str) -> ChangeSet | None:
        """Always None: Jenkins keeps a build's own changes, not the range between versions.

        Raises:
            AdapterError: never.
        """
        return None

    # -- control -----------------------------------------------------------------------

    def _build_of(self, job: JenkinsJob, run: CIRun) -> JenkinsBuild | None:
        for build in (job.last_build, job.last_completed):
            if build is not None and str(build.number) == run.id:
                return build
        return None

    def describe(self, action: Action, release: Release) -> ActionWords:
        run = release.ci_run
        job = self._inventory.find(run.name) if run is not None else None
        if run is None or job is None or action not in self.CAPABILITIES:
            return super().describe(action, release)
        pending = self._inputs.get((job.full_name, run.number or 0))
        build = self._build_of(job, run)
        offer = action_offer(action, job, run, build, pending, root_path=self.root_path)
        return action_words(action, job, run, offer, pending)

    async def act(self, action: Action, target: Target, run: CIRun) -> ActionResult:
        """Proceed or abort an input, rebuild, stop or drop a queued build.

        Raises:
            ActionFailed: nothing to do now, or Jenkins refused.
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            job = self._inventory.find(target.get("job").strip().strip("/"))
            if action not in self.CAPABILITIES or job is None:
                raise self.unable(action, f"run {run.id}")
            build = pending = None
            if run.number is not None:
                path = f"{job_path(job.path)}/{run.number}"
                answer = await self.http.get_json(f"{path}/api/json", params={"tree": BUILD_TREE})
                build = parse_build_single(answer.data)
                if action in (Action.APPROVE, Action.REJECT):
                    pending = await self._pending(job, run.number)
            offer = action_offer(action, job, run, build, pending, root_path=self.root_path)
            if offer is None or not offer.applies:
                why = offer.unavailable if offer else f"{job.display} #{run.id} waits for no input"
                raise ActionFailed(
                    f"Jenkins would do nothing: {why}",
                    backend=self.name,
                    hint="refresh (r): the build has moved on since the last poll",
                )
            response = await self._post(offer.request)
            where = response.headers.get("location", "")
            queued = f"; queued as {urlsplit(where).path}" if "/queue/item/" in where else ""
            return ActionResult(
                action,
                True,
                f"Jenkins accepted: {offer.request.title}{queued}",
                (f"POST {offer.request.path}",),
            )

    async def _post(self, request: ActionRequest) -> httpx.Response:
        """Send a control POST, with a CSRF crumb when Jenkins wants one.

        Raises:
            ActionFailed: Jenkins refused (no permission, unknown build, bad input).
            AdapterError: any other backend failure.
        """
        if request.needs_crumb and not self.authenticated and self._crumb is None:
            self._crumb = await self._fetch_crumb()
        response = await self._send(request)
        if response.status_code == 403 and request.needs_crumb and _names_crumb(response):
            self._crumb = await self._fetch_crumb()  # expired, or the session changed
            if self._crumb is not None:
                response = await self._send(request)
        if response.status_code >= 400:
            said = backend_error_text(response) or "no explanation"
            raise ActionFailed(
                f"Jenkins refused to {request.title[0].lower()}{request.title[1:]} "
                f"(HTTP {response.status_code}): {said}",
                backend=self.name,
                hint="the user needs Job/Build and Job/Cancel (and, for an input, to be one of "
                "its submitters); check the API token of this backend",
            )
        return response

    async def _send(self, request: ActionRequest) -> httpx.Response:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if self._crumb is not None and request.needs_crumb:
            headers[self._crumb.field] = self._crumb.value
        return await self.http.send(
            request.method,
            request.path,
            params=dict(request.params),
            content=urlencode(request.form).encode(),
            headers=headers,
            allow=REFUSALS,
        )

    async def _fetch_crumb(self) -> Crumb | None:
        """A crumb for this session; None when CSRF protection is off (no crumb issuer).

        Raises:
            AdapterError: any other backend failure.
        """
        try:
            answer = await self.http.get_json("/crumbIssuer/api/json")
        except NotFound:
            return None
        return parse_crumb(answer.data)

    async def probe(self) -> ProbeResult:
        """``GET /whoAmI/api/json``: reachable, who the token is, and Jenkins' version.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json("/whoAmI/api/json")
            version = as_str(answer.headers.get("x-jenkins"), 40)
            who = as_str(dig(answer.data, "name"), 100)
            anonymous = dig(answer.data, "anonymous") is True or who in ("", "anonymous")
            text = f"Jenkins {version}" if version else "Jenkins (version not sent)"
            if anonymous and self.authenticated:
                raise AuthError(
                    "Jenkins took the API token as anonymous",
                    backend=self.name,
                    hint="check user and the token; create a new API token in Jenkins",
                )
            if anonymous:
                return f"{text}, anonymous (no token): actions need a crumb and permission"
            return f"{text}, signed in as {who}"

        return await run_probe(self.http, check)


def _names_crumb(response: httpx.Response) -> bool:
    """Jenkins' crumb refusal: 403 "No valid crumb was included in the request"."""
    text = response.text.lower()
    return any(word in text for word in _CRUMB_WORDS)
