"""Buildbot as a CI source: a builder's builds, their steps as jobs, rebuild and stop.

REST data API v2 under ``{url}/api/v2`` (https://docs.buildbot.net/latest/developer/rest.html);
parsing lives in
``buildbot_parsing.py``. A release line follows one builder (``ci.project`` is its name
or id), a run is a build, and a build's steps are its jobs, so the job-name patterns of
the Build/Test/Pre-release stages match step names (``compile``, ``test*``). Control is
JSON-RPC 2.0 POSTed to the resource (``rebuild``, ``stop``, ``cancel``, ``force``).
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Awaitable, Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, CISource
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.ci.buildbot_parsing import (
    REQUEST_PREFIX,
    RUN_PROPERTIES,
    describe_buildset,
    parse_builder,
    parse_builds,
    parse_requests,
    parse_rpc_reply,
    parse_sourcestamps,
    parse_steps,
    request_buildset,
    request_ids,
    with_sourcestamp,
)
from release_cockpit.adapters.ci.ci_parsing import runs_needing_jobs
from release_cockpit.adapters.ci.run_jobs import fill_runs
from release_cockpit.adapters.http import (
    HTTP_OPTIONS,
    HttpClient,
    attributed,
    backend_error_text,
    json_client,
)
from release_cockpit.adapters.payload import as_list
from release_cockpit.domain import Action, ChangeSet, CIRun, Release, Target, TargetKey
from release_cockpit.domain.actions import ActionWords
from release_cockpit.domain.release_type import RELEASE_REFS, VersionPatterns
from release_cockpit.errors import ActionFailed, BadResponse, ConfigError, NotFound

API = "/api/v2"
# Buildbot answers a refused JSON-RPC call with its error object under these statuses
# (400 invalid params, 404 unknown path, 500 an exception in the action, 501 an unknown
# method); they become ActionFailed with Buildbot's own message, not a generic HTTP error.
RPC_ERROR_STATUSES = frozenset({400, 404, 409, 500, 501})


async def _all(*calls: Awaitable[Any]) -> list[Any]:
    """Await every call concurrently, then raise the first failure (as ``asyncio.gather``
    would) only once all have finished, so no request is left running unobserved.

    Raises:
        AdapterError: the first call that failed.
    """
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results


def _path(path: str, query: Sequence[tuple[str, str | int]] = ()) -> str:
    """A path with a query string; Buildbot repeats keys (``property=a&property=b``)."""
    return f"{path}?{urlencode(query)}" if query else path


class Buildbot(CISource):
    """Builds of one Buildbot builder (Buildbot 3.x/4.x, REST API v2)."""

    TYPE: ClassVar[str] = "buildbot"
    http: HttpClient
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **HTTP_OPTIONS,
        "version_property": OptionSpec(
            str,
            "the build property holding the release version; without it the version comes "
            "from the branch (release/2.4.0)",
            "version",
        ),
        "runs_per_poll": OptionSpec(
            int, "how many recent builds to read per poll; a release needs a few", 10, False, 1, 100
        ),
        "release_branches": OptionSpec(
            list,
            "branch or tag patterns a release build runs on, each with {version}, read when "
            "the build has no version property; the whole branch must match, so a bot's "
            "branch holding a version is never a release",
            list(RELEASE_REFS.patterns),
        ),
    }
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset({Action.RETRY_CI})
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey("builder", "the builder's name or id", True, "shop-release"),
    )
    VERSIONS: ClassVar[str] = (
        "from the build property named by version_property (default 'version'), else the "
        "branch read whole through release_branches (release/1.2.3, v1.2.3); a build with "
        "neither is shown as 'version unknown', never taken for a release"
    )

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        self.version_property: str = self.options["version_property"]
        self.runs_per_poll: int = self.options["runs_per_poll"]
        problems = []
        if not self.version_property.strip():
            problems.append(
                settings.problem(
                    "version_property", "must not be empty", "the default is 'version'"
                )
            )
        self.branches = RELEASE_REFS
        try:
            self.branches = VersionPatterns(tuple(str(p) for p in self.options["release_branches"]))
        except ValueError as exc:
            problems.append(
                settings.problem(
                    "release_branches", str(exc), "use {version} once, e.g. ['release/{version}']"
                )
            )
        if problems:
            raise ConfigError(problems)
        # Buildbot itself authenticates with a session cookie; a bearer token is for a
        # proxy in front of it (https://docs.buildbot.net/latest/manual/configuration/www.html#authentication-plugins).
        self.http = json_client(settings, transport=transport)
        self._builders: dict[str, tuple[int, str]] = {}
        self._rpc_ids = itertools.count(1)

    # -- reading -----------------------------------------------------------------------

    async def _builder(self, target: Target) -> tuple[int, str]:
        """The (id, name) of the target's builder, looked up once.

        Raises:
            NotFound: no such builder.
            AdapterError: any other backend failure.
        """
        project = target.get("builder").strip()
        known = self._builders.get(project)
        if known is not None:
            return known
        if not project:
            raise NotFound(
                "the service names no Buildbot builder",
                backend=self.name,
                hint="set the service's ci.builder to a builder name or id",
            )
        path = _path(
            f"{API}/builders/{quote(project, safe='')}",
            [("field", "builderid"), ("field", "name")],
        )
        try:
            answer = await self.http.get_json(path)
        except NotFound:
            raise NotFound(
                f"Buildbot has no builder '{project}'",
                backend=self.name,
                hint=f"set the service's ci.builder to a builder name or id listed at "
                f"{self.settings.url.rstrip('/')}/#/builders",
            ) from None
        found = parse_builder(answer.data, project)
        self._builders[project] = found
        return found

    def _properties(self) -> list[tuple[str, str | int]]:
        names = dict.fromkeys((*RUN_PROPERTIES, self.version_property))
        return [("property", name) for name in names]

    async def runs(self, target: Target) -> tuple[CIRun, ...]:
        """Queued build requests, then recent builds, newest first; steps as jobs for the
        newest build of the newest versions.

        Raises:
            NotFound: the builder does not exist.
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            builderid, builder = await self._builder(target)
            # The build list and the queue are independent, and so are the step lists:
            # asking concurrently keeps a poll to two round trips after the first.
            answer, queued = await _all(
                self.http.get_json(
                    _path(
                        f"{API}/builders/{builderid}/builds",
                        [("order", "-number"), ("limit", self.runs_per_poll), *self._properties()],
                    )
                ),
                self._queued(builderid, builder),
            )
            builds = parse_builds(
                answer.data,
                base_url=self.settings.url,
                version_property=self.version_property,
                builder=builder,
                branches=self.branches,
            )

            async def with_steps(run: CIRun) -> CIRun:
                answered = await self.http.get_json(f"{API}/builds/{quote(run.id, safe='')}/steps")
                return replace(run, jobs=parse_steps(answered.data, url=run.url))

            # One build's steps failing to read marks that build only (``run_jobs``).
            return (*queued, *await fill_runs(builds, runs_needing_jobs(builds), with_steps))

    async def _queued(self, builderid: int, builder: str) -> tuple[CIRun, ...]:
        """Build requests no build has claimed yet, with their buildset's branch.

        Raises:
            AdapterError: any backend failure.
        """
        answer = await self.http.get_json(
            _path(
                f"{API}/builders/{builderid}/buildrequests",
                [
                    ("claimed", "false"),
                    ("complete", "false"),
                    ("order", "-buildrequestid"),
                    ("limit", self.runs_per_poll),
                    *self._properties(),
                ],
            )
        )
        runs = parse_requests(answer.data, version_property=self.version_property, builder=builder)
        if not runs:
            return ()
        buildsets = request_buildset(answer.data)
        wanted = sorted({buildsets[r.id] for r in runs if r.id in buildsets})
        stamps = parse_sourcestamps(
            (
                await self.http.get_json(
                    _path(f"{API}/buildsets", [("bsid__eq", bsid) for bsid in wanted])
                )
            ).data
        )
        return tuple(
            with_sourcestamp(
                run, *stamps.get(buildsets.get(run.id, -1), ("", "")), branches=self.branches
            )
            for run in runs
        )

    async def changes(self, target: Target, base: str, head: str) -> ChangeSet | None:
        """Always None: Buildbot does not know which commits lie between two versions.

        Raises:
            AdapterError: never.
        """
        return None

    # -- control -----------------------------------------------------------------------

    async def _rpc(self, path: str, method: str, params: Mapping[str, Any], what: str) -> Any:
        """POST one JSON-RPC 2.0 call and return its ``result``.

        Raises:
            ActionFailed: Buildbot answered with a JSON-RPC error or refused the call.
            AdapterError: any other backend failure.
        """
        request_id = next(self._rpc_ids)
        body = {"jsonrpc": "2.0", "method": method, "params": dict(params), "id": request_id}
        response = await self.http.send("POST", path, json=body, allow=RPC_ERROR_STATUSES)
        try:
            payload = self.http.decode(response)
        except BadResponse:
            if response.status_code < 400:
                raise
            payload = None
        if response.status_code >= 400 and not (
            isinstance(payload, dict) and isinstance(payload.get("error"), dict)
        ):
            raise ActionFailed(
                f"Buildbot refused {what} (HTTP {response.status_code}): "
                f"{backend_error_text(response) or 'no explanation'}",
                backend=self.name,
                hint="check that the build or scheduler exists and that the Buildbot user "
                "may control it",
            )
        return parse_rpc_reply(payload, request_id, what)

    @staticmethod
    def _build_id(run: CIRun, doing: str) -> str:
        if run.id.startswith(REQUEST_PREFIX) or not run.id.isdigit():
            raise ActionFailed(
                f"cannot {doing} {run.id}: it is a queued build request, not a build",
                hint="wait for the build to start, or cancel the request with stop",
            )
        return run.id

    def describe(self, action: Action, release: Release) -> ActionWords:
        """Buildbot's rebuild starts a *new* build of the same source stamps and properties
        that runs every step again (https://docs.buildbot.net/latest/developer/rest.html,
        the ``rebuild`` action on builds): not a re-run of the failed steps."""
        run = release.ci_run
        if action is not Action.RETRY_CI or run is None:
            return super().describe(action, release)
        label = f"build #{run.number}" if run.number is not None else f"build {run.id}"
        return ActionWords(
            label,
            f"{label} {run.status.value}",
            "a new build",
            f"starts a new build of {label}'s source and properties that runs every step "
            "again; the failed build stays as it is",
        )

    async def act(self, action: Action, target: Target, run: CIRun) -> ActionResult:
        if action is not Action.RETRY_CI:
            raise self.unable(action, f"run {run.id}")
        return await self.retry(target, run)

    async def retry(self, target: Target, run: CIRun) -> ActionResult:
        """Rebuild a build: a new build of the same builder, source stamps and properties.

        Raises:
            ActionFailed: the run is only queued, or Buildbot refused (JSON-RPC error).
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            buildid = self._build_id(run, "rebuild")
            path = f"{API}/builds/{buildid}"
            label = f"build #{run.number}" if run.number is not None else f"build {buildid}"
            result = await self._rpc(path, "rebuild", {}, f"to rebuild {label}")
            return ActionResult(
                Action.RETRY_CI,
                True,
                f"rebuilding {label}: {describe_buildset(result)}",
                (f"POST {path} rebuild",),
            )

    async def stop(self, run: CIRun, reason: str = "stopped from release-cockpit") -> ActionResult:
        """Stop a running build, or cancel a queued build request (not offered in the UI).

        Raises:
            ActionFailed: Buildbot refused (JSON-RPC error).
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            if run.id.startswith(REQUEST_PREFIX):
                request = run.id.removeprefix(REQUEST_PREFIX)
                path, method = f"{API}/buildrequests/{quote(request, safe='')}", "cancel"
                label = f"build request {request}"
            else:
                path, method = f"{API}/builds/{quote(run.id, safe='')}", "stop"
                label = f"build #{run.number}" if run.number is not None else f"build {run.id}"
            await self._rpc(path, method, {"reason": reason}, f"to {method} {label}")
            done = "cancelled" if method == "cancel" else "stopping"
            return ActionResult(Action.ABORT, True, f"{done} {label}", (f"POST {path} {method}",))

    async def force(
        self,
        scheduler: str,
        builder: str,
        *,
        reason: str = "forced from release-cockpit",
        fields: Mapping[str, str] | None = None,
    ) -> tuple[int, ...]:
        """Start a build through a force scheduler; returns the new build request ids.

        Args:
            scheduler: the ForceScheduler's name.
            builder: the builder's name or id (one of the scheduler's builders).
            reason: shown on the build.
            fields: the scheduler's fields: ``branch``, ``revision``, custom properties.

        Raises:
            ActionFailed: Buildbot refused (unknown scheduler, invalid field values).
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            params: dict[str, Any] = {"reason": reason, **(fields or {})}
            if builder.isdigit():
                params["builderid"] = int(builder)
            else:
                params["builderNames"] = [builder]
            path = f"{API}/forceschedulers/{quote(scheduler, safe='')}"
            result = await self._rpc(path, "force", params, f"to force a build of {builder}")
            return request_ids(result)

    async def probe(self) -> ProbeResult:
        """GET the builder list: reachability, authorisation and how many builders exist.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            answer = await self.http.get_json(_path(f"{API}/builders", [("field", "name")]))
            if not isinstance(answer.data, dict) or "builders" not in answer.data:
                raise BadResponse(
                    f"{self.name}: {API}/builders answered without a builder list",
                    backend=self.name,
                    hint="check that the backend URL is the Buildbot root",
                )
            count = len(as_list(answer.data.get("builders")))
            return f"{count} builder" + ("" if count == 1 else "s")

        return await run_probe(self.http, check, api_path="/api/v2")
