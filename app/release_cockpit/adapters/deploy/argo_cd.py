"""Argo CD Applications as a deploy target, through Argo CD's REST API.

Reads: one ``GET /api/v1/applications`` (label ``selector`` option, ``projects`` from the
lines) for every line of the backend (https://argo-cd.readthedocs.io/en/stable/developer-guide/api-docs/).
The Deploy stage follows the sync operation and the Monitor stage the health after it, as
``argo_cd_parsing`` maps them. Acts as a person in Argo CD's UI does: sync, rollback to the
previous history entry, terminate the running operation, and, for a line that names the
Argo Rollout inside its application, the Rollout's own actions through Argo CD's
resource-actions API, so people with Argo CD access and no kubectl access can act.
Auth is an Argo CD API token (``token_env``), sent as a bearer token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlencode

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import ActionResult, DeployTarget, Feature, Offer
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.deploy.argo_cd_actions import (
    ApiRequest,
    ResourceRef,
    app_path,
    list_actions_request,
    list_request,
    parse_resource_actions,
    previous_deployment,
    rollback_request,
    rollout_action_name,
    rollout_ref,
    run_action_request,
    sync_request,
    terminate_request,
)
from release_cockpit.adapters.deploy.argo_cd_history import history_records
from release_cockpit.adapters.deploy.argo_cd_parsing import (
    API,
    Application,
    error_message,
    parse_application,
)
from release_cockpit.adapters.deploy.kubernetes_parsing import list_items
from release_cockpit.adapters.deploy.rollout_parsing import image_tag
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, attributed, json_client
from release_cockpit.adapters.payload import as_dict, as_list, as_str, dig
from release_cockpit.domain import (
    Action,
    Release,
    ReleaseLine,
    RolloutPhase,
    RolloutState,
    Target,
    TargetKey,
)
from release_cockpit.domain.actions import TITLES, ActionWords
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.errors import ActionFailed, AdapterError, NotFound

APP_ACTIONS = frozenset({Action.SYNC, Action.ROLLBACK, Action.TERMINATE})
ROLLOUT_ACTIONS = frozenset(
    {
        Action.PROMOTE,
        Action.PROMOTE_FULL,
        Action.ABORT,
        Action.RETRY,
        Action.PAUSE,
        Action.RESUME,
    }
)
# grpc-gateway answers FailedPrecondition/InvalidArgument 400, NotFound 404,
# PermissionDenied 403; the body names the reason (argo_cd_parsing.error_message).
_REFUSALS = frozenset({400, 403, 404, 409, 412, 422})
# Argo CD's Lua health check for a Rollout (resource_customizations/argoproj.io/Rollout/
# health.lua and its health_test.yaml in argoproj/argo-cd) says these words for an
# aborted and a paused Rollout.
ABORTED_MESSAGE = "rollout is aborted"


def with_rollout(state: RolloutState, item: Mapping[str, Any], rollout: str) -> RolloutState:
    """The application's state refined by the health Argo CD reports for its Rollout.

    An aborted Rollout makes the app Degraded, which alone cannot tell an abort (retry
    applies) from a broken manifest. Argo CD 3 stops keeping resource health in the
    Application by default (``controller.resource.health.persist``); without it the app's
    own state stands.
    """
    for resource in as_list(dig(item, "status", "resources")):
        if dig(resource, "kind") != "Rollout" or dig(resource, "name") != rollout:
            continue
        health = as_str(dig(resource, "health", "status"), 40)
        message = as_str(dig(resource, "health", "message"), 300)
        if health == "Degraded" and message.lower().startswith(ABORTED_MESSAGE):
            return replace(
                state, aborted=True, message=f"rollout {rollout}: {message}; {state.message}"
            )
        if health == "Suspended" and message:
            return replace(state, pause_reason=f"rollout {rollout}: {message}")
        return state
    return state


def with_stable_side(state: RolloutState, app: Application, image: str) -> RolloutState:
    """What still serves while a sync rolls out: the revision synced before this one (the
    second newest history entry) and, when Argo CD lists two tags of the line's image (a
    Rollout running both versions), the other tag. A finished app needs neither."""
    if state.fully_promoted or state.stable_revision:
        return state
    history = app.history
    if len(history) < 2 or history[-1].revision != app.revision:
        return state
    other = [
        tag
        for ref in app.images
        if (tag := image_tag(ref)) and tag != state.canary_version and _is_image(ref, tag, image)
    ]
    return replace(
        state,
        stable_revision=history[-2].revision,
        stable_version=other[0] if len(other) == 1 else state.stable_version,
    )


def _is_image(ref: str, tag: str, image: str) -> bool:
    """``registry:5000/shop/cart:1.2`` is image ``shop/cart`` (or the full repository)."""
    repository = ref.split("@", 1)[0].removesuffix(f":{tag}")
    return bool(image) and (repository == image or repository.endswith(f"/{image}"))


def rollout_namespace(item: Mapping[str, Any], rollout: str) -> str:
    """Where the Rollout lives: its resource entry, else the app's destination namespace."""
    for resource in as_list(dig(item, "status", "resources")):
        if dig(resource, "kind") == "Rollout" and dig(resource, "name") == rollout:
            return as_str(dig(resource, "namespace"), 253)
    return as_str(dig(item, "spec", "destination", "namespace"), 253)


class ArgoCD(DeployTarget):
    """Argo CD Applications: sync, health, history, and the Rollouts they manage."""

    TYPE: ClassVar[str] = "argo-cd"
    http: HttpClient
    TARGET: ClassVar[tuple[TargetKey, ...]] = (
        TargetKey("application", "the Argo CD Application's name", True, "checkout"),
        TargetKey(
            "project",
            "its Argo CD project; when every line names one, the list asks for those only",
            False,
            "shop",
        ),
        TargetKey(
            "image",
            "the image whose tag is the version (needed when the app runs several images)",
            False,
            "registry.example.com/shop/checkout",
        ),
        TargetKey(
            "rollout",
            "the Argo Rollout inside the application: promote, abort, pause, resume and "
            "retry run on it through Argo CD's resource actions",
            False,
            "checkout",
        ),
    )
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **HTTP_OPTIONS,
        "selector": OptionSpec(
            str, "a label selector for the application list, e.g. team=shop", ""
        ),
    }
    CAPABILITIES: ClassVar[frozenset[Action]] = APP_ACTIONS | ROLLOUT_ACTIONS
    FEATURES: ClassVar[frozenset[Feature]] = frozenset({Feature.BATCHING, Feature.HISTORY})
    VERSIONS: ClassVar[str] = (
        "from the tag of the image named by the deploy key 'image' among the application's "
        "status.summary.images (or of its only image); Argo CD's history keeps git "
        "revisions, so the version before is not known"
    )

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        self.http = json_client(settings, transport=transport)
        # What a person saw: the application (and its raw item) as last listed, by name.
        self._apps: dict[str, tuple[Application, dict[str, Any]]] = {}

    # -- reading ---------------------------------------------------------------------------

    @staticmethod
    def _path(request: ApiRequest) -> str:
        return request.path + (f"?{urlencode(request.params)}" if request.params else "")

    async def rollouts(
        self, targets: Sequence[Target]
    ) -> dict[Target, RolloutState | AdapterError]:
        """One application list for every target; a missing app fails only its own line."""
        projects = sorted({t.get("project") for t in targets})
        if "" in projects:
            projects = []  # a line without a project: ask for every project
        request = list_request(self.options["selector"] or "", projects=projects)
        try:
            with attributed(self.name):
                answer = await self.http.get_json(self._path(request))
                items = [i for i in list_items(answer.data, "Argo CD ApplicationList") if i]
        except AdapterError as exc:
            return dict.fromkeys(targets, exc)
        by_name = {as_str(dig(i, "metadata", "name"), 253): i for i in items if isinstance(i, dict)}
        found: dict[Target, RolloutState | AdapterError] = {}
        for target in targets:
            found[target] = self._state(target, by_name.get(target.get("application")))
        return found

    def _state(self, target: Target, item: dict[str, Any] | None) -> RolloutState | AdapterError:
        name = target.get("application")
        if item is None:
            self._apps.pop(name, None)
            return NotFound(
                f"Argo CD application {name} not found",
                backend=self.name,
                hint="check the service's deploy.application (and the backend's selector); "
                "the token's project roles must allow get on it",
            )
        app = parse_application(item, image=target.get("image") or None)
        project = target.get("project")
        if project and app.project != project:
            return NotFound(
                f"Argo CD application {name} is in project {app.project}, not {project}",
                backend=self.name,
                hint="fix the service's deploy.project",
            )
        self._apps[name] = (app, item)
        state = with_stable_side(app.rollout, app, target.get("image"))
        if target.get("rollout"):
            state = with_rollout(state, item, target.get("rollout"))
        return state

    # -- acting ----------------------------------------------------------------------------

    def offer(self, target: Target) -> Offer:
        actions = set(APP_ACTIONS)
        notes = []
        if target.get("rollout"):
            actions |= ROLLOUT_ACTIONS
        else:
            notes.append(
                "promote, abort, pause, resume and retry need the line's deploy.rollout key "
                "(the Argo Rollout the application manages)"
            )
        seen = self._apps.get(target.get("application"))
        operation = seen[0].operation if seen is not None else None
        if seen is not None and (operation is None or not operation.phase.in_flight):
            # Only a running sync can be terminated: the health alone cannot tell.
            actions.discard(Action.TERMINATE)
        if seen is not None and seen[0].auto_sync:
            actions.discard(Action.ROLLBACK)
            notes.append(
                "Argo CD refuses a rollback while the application's automated sync is on "
                "(it would sync git back at once): revert in git instead"
            )
        return Offer(frozenset(actions), "; ".join(notes))

    def _rollout_ref(self, item: Mapping[str, Any], rollout: str) -> ResourceRef:
        return rollout_ref(rollout_namespace(item, rollout), rollout)

    def describe(self, action: Action, release: Release) -> ActionWords:
        rollout = release.rollout or RolloutState(name=release.service)
        seen = self._apps.get(rollout.name)
        target = f"application {rollout.name}"
        revision = (rollout.canary_revision or "?")[:12]
        current = f"{rollout.canary_version or 'unknown version'} (git {revision})"
        if seen is None:
            return ActionWords(
                target, current, TITLES[action].lower(), f"cannot {action.value} yet: not read"
            )
        app, item = seen
        try:
            if action in ROLLOUT_ACTIONS:
                name = self._resource_action(action, rollout)
                ref = self._rollout_ref(item, self._rollout_name(item, rollout))
                request = run_action_request(app, ref, name)
                where = f"rollout {ref.namespace}/{ref.name} (application {app.name})"
                return ActionWords(where, current, f"{name} run", request.effect)
            request, goal = self._app_request(action, app)
        except ActionFailed as exc:
            return ActionWords(target, current, "nothing", f"cannot {action.value}: {exc.message}")
        return ActionWords(target, current, goal, request.effect)

    @staticmethod
    def _rollout_name(item: Mapping[str, Any], rollout: RolloutState) -> str:
        """The Rollout of the line: the one resource of that kind, for describe()."""
        names = [
            as_str(dig(r, "name"), 253)
            for r in as_list(dig(item, "status", "resources"))
            if dig(r, "kind") == "Rollout"
        ]
        return names[0] if len(names) == 1 else rollout.name

    @staticmethod
    def _resource_action(action: Action, state: RolloutState) -> str:
        name = rollout_action_name(action, paused=state.phase is RolloutPhase.PAUSED)
        if name is None:
            raise ActionFailed(f"Argo CD has no resource action for {action.value}")
        return name

    @staticmethod
    def _app_request(action: Action, app: Application) -> tuple[ApiRequest, str]:
        if action is Action.SYNC:
            return sync_request(app), "the target revision in git"
        if action is Action.ROLLBACK:
            previous = previous_deployment(app)
            goal = f"history id {previous.id} (git {previous.revision[:12] or '?'})"
            return rollback_request(app), goal
        if action is Action.TERMINATE:
            return terminate_request(app), "no operation running"
        raise ActionFailed(f"Argo CD cannot {action.value} an application")

    async def act(self, action: Action, target: Target) -> ActionResult:
        """Send what Argo CD's UI sends for ``action``.

        Raises:
            ActionFailed: the action does not apply, or Argo CD refused it (its message).
            AdapterError: any other backend failure.
        """
        if action not in self.offer(target).actions:
            raise self.unable(action, f"application {target.get('application')}")
        sent: list[str] = []
        with attributed(self.name):
            app, item = await self._looked_at(target.get("application"), sent)
            if action in ROLLOUT_ACTIONS:
                return await self._rollout_action(action, app, item, target, sent)
            request, _ = self._app_request(action, app)
            await self._call(request, sent)
        return ActionResult(action, True, request.effect, tuple(sent))

    async def _rollout_action(
        self,
        action: Action,
        app: Application,
        item: dict[str, Any],
        target: Target,
        sent: list[str],
    ) -> ActionResult:
        ref = self._rollout_ref(item, target.get("rollout"))
        state = with_rollout(app.rollout, item, ref.name)
        listed = await self._call(list_actions_request(app, ref), sent)
        available = parse_resource_actions(self.http.decode(listed))
        name = self._resource_action(action, state)
        request = run_action_request(app, ref, name, available)
        response = await self._call(request, sent, allow_missing=True)
        if response.status_code == 404:
            # Argo CD before 3.1 has only the v1 endpoint (the argocd CLI falls back too).
            legacy = run_action_request(app, ref, name, available, legacy=True)
            await self._call(legacy, sent)
        return ActionResult(action, True, request.effect, tuple(sent))

    async def _looked_at(self, name: str, sent: list[str]) -> tuple[Application, dict[str, Any]]:
        """The application as last listed; read now when it never was."""
        seen = self._apps.get(name)
        if seen is not None:
            return seen
        request = ApiRequest("GET", app_path(name))
        item = as_dict(self.http.decode(await self._call(request, sent)))
        app = parse_application(item)
        self._apps[name] = (app, item)
        return app, item

    async def _call(
        self, request: ApiRequest, sent: list[str], *, allow_missing: bool = False
    ) -> httpx.Response:
        path = self._path(request)
        response = await self.http.send(request.method, path, json=request.body, allow=_REFUSALS)
        sent.append(f"{request.method} {request.path}")
        if response.status_code == 404 and allow_missing:
            return response
        if response.status_code >= 400:
            try:
                text = error_message(self.http.decode(response))
            except AdapterError:
                text = ""
            raise ActionFailed(
                f"Argo CD refused {request.method} {request.path} (HTTP "
                f"{response.status_code}): {text or 'no message'}",
                backend=self.name,
                hint="check the token's project role (applications, sync/action/*) and the "
                "application's state in Argo CD",
            )
        return response

    # -- history ---------------------------------------------------------------------------

    async def history(
        self, line: ReleaseLine, target: Target, since: datetime
    ) -> list[ReleaseRecord]:
        """The application's ``status.history`` since ``since`` (``argo_cd_history``).

        Raises:
            AdapterError: the application is missing, or any backend failure.
        """
        with attributed(self.name):
            answer = await self.http.get_json(app_path(target.get("application")))
        app = parse_application(as_dict(answer.data))
        return history_records(app, line, since)

    async def probe(self) -> ProbeResult:
        """GET /api/version, then one application list limited to nothing: reachable,
        and the token may list applications.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            version = await self.http.get_json("/api/version")
            await self.http.get_json(f"{API}?{urlencode({'selector': 'release-cockpit/probe'})}")
            text = as_str(dig(version.data, "Version"), 80)
            return f"Argo CD {text or '(version not reported)'}: applications readable"

        return await run_probe(self.http, check)
