"""Pure Argo CD request building: list, sync, rollback, terminate and resource actions.

The requests are the ones Argo CD's own web UI sends (its ``applications-service.ts``, in
the argoproj/argo-cd repository under ``ui/src/app``), so the cockpit acts exactly as a
person in the Argo CD UI would; the paths and bodies follow
``server/application/application.proto`` and its swagger
(https://github.com/argoproj/argo-cd/blob/master/assets/swagger.json). Resource actions
steer an Argo Rollouts ``Rollout`` through Argo CD (``…/resource/actions``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from release_cockpit.adapters.deploy.argo_cd_parsing import API, Application, PastDeployment
from release_cockpit.adapters.payload import as_list, as_str, dig
from release_cockpit.domain import Action
from release_cockpit.errors import ActionFailed, BadResponse

# -- requests ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """One Argo CD REST call: method, path (escaped), query parameters and JSON body."""

    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    body: object = None
    effect: str = ""


def app_path(name: str, suffix: str = "") -> str:
    return f"{API}/{quote(name, safe='')}{suffix}"


def _scope(app_namespace: str, project: str) -> dict[str, str]:
    """The optional fields that pick an app outside Argo CD's own namespace."""
    scope = {}
    if app_namespace:
        scope["appNamespace"] = app_namespace
    if project:
        scope["project"] = project
    return scope


def list_request(selector: str = "", *, projects: Sequence[str] = ()) -> ApiRequest:
    """``GET /api/v1/applications?selector=...`` (labels, as ``kubectl -l``)."""
    params = [("selector", selector)] if selector else []
    params += [("projects", p) for p in projects]
    return ApiRequest("GET", API, tuple(params))


def sync_request(
    app: Application, *, revision: str = "", prune: bool = False, dry_run: bool = False
) -> ApiRequest:
    """``POST /api/v1/applications/{name}/sync`` as the UI sends it (``ApplicationSyncRequest``).

    Without ``revision`` Argo CD resolves the app's ``targetRevision``.
    """
    body: dict[str, Any] = {**_scope(app.app_namespace, ""), "prune": prune, "dryRun": dry_run}
    if revision:
        body["revision"] = revision
    target = revision or "the app's target revision"
    effect = (
        f"asks Argo CD to sync application {app.name} to {target}"
        + (", deleting resources no longer in git (prune)" if prune else "")
        + "; the sync shows as a running operation until it finishes."
    )
    return ApiRequest("POST", app_path(app.name, "/sync"), body=body, effect=effect)


def previous_deployment(app: Application) -> PastDeployment:
    """What ``argocd app rollback APP`` picks without an id: the second newest history entry
    (``findRevisionHistory`` in ``cmd/argocd/commands/app.go``).

    Raises:
        ActionFailed: fewer than two successful deployments are in history.
    """
    if len(app.history) < 2:
        raise ActionFailed(
            f"application {app.name} should have at least two successful deployments to roll back",
            hint="older entries are dropped beyond spec.revisionHistoryLimit",
        )
    return app.history[-2]


def rollback_request(
    app: Application, history_id: int | None = None, *, prune: bool = False
) -> ApiRequest:
    """``POST /api/v1/applications/{name}/rollback`` with ``{"id": <history id>}``.

    The server re-syncs the app to that entry's revision and source with the apply
    strategy; it leaves the app OutOfSync against git on purpose.

    Raises:
        ActionFailed: automated sync is on (Argo CD refuses: FailedPrecondition), the id
            is not in history, or there is no previous deployment.
    """
    if app.auto_sync:
        raise ActionFailed(
            f"Argo CD refuses to roll back application {app.name} while automated sync is on",
            hint="turn automated sync off for the app first (it would sync git back at once)",
        )
    if history_id is None:
        target = previous_deployment(app)
    else:
        found = next((h for h in app.history if h.id == history_id), None)
        if found is None:
            raise ActionFailed(
                f"application {app.name} does not have deployment with id {history_id}"
            )
        target = found
    body = {"id": target.id, **_scope(app.app_namespace, ""), "prune": prune, "dryRun": False}
    when = f" deployed {target.deployed_at.isoformat()}" if target.deployed_at else ""
    effect = (
        f"re-syncs application {app.name} to history id {target.id} (revision "
        f"{target.revision[:12] or '?'}{when}) as `argocd app rollback` does; the app then "
        "shows OutOfSync against git until git is reverted too."
    )
    return ApiRequest("POST", app_path(app.name, "/rollback"), body=body, effect=effect)


def terminate_request(app: Application) -> ApiRequest:
    """``DELETE /api/v1/applications/{name}/operation``: stop the running sync.

    Raises:
        ActionFailed: no operation is in progress (the server says the same, 400).
    """
    if app.operation is None or not app.operation.phase.in_flight:
        raise ActionFailed(f"application {app.name} has no operation in progress to terminate")
    params = tuple(_scope(app.app_namespace, "").items())
    return ApiRequest(
        "DELETE",
        app_path(app.name, "/operation"),
        params,
        effect=(
            f"terminates the running sync of application {app.name}: resources already "
            "applied stay as they are; nothing is rolled back."
        ),
    )


# -- resource actions (Argo Rollouts through Argo CD) ------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """A live resource of an app, as the resource-action endpoints address it."""

    group: str
    version: str
    kind: str
    namespace: str
    name: str

    def params(self) -> tuple[tuple[str, str], ...]:
        return (
            ("namespace", self.namespace),
            ("resourceName", self.name),
            ("version", self.version),
            ("kind", self.kind),
            # The UI sends group even when empty (core resources): the server needs it.
            ("group", self.group),
        )


def rollout_ref(namespace: str, name: str) -> ResourceRef:
    """An Argo Rollouts ``Rollout`` (``argoproj.io/v1alpha1``)."""
    return ResourceRef("argoproj.io", "v1alpha1", "Rollout", namespace, name)


@dataclass(frozen=True, slots=True)
class ResourceAction:
    """One entry of ``GET …/resource/actions``; ``disabled`` is omitted when false."""

    name: str
    disabled: bool
    display_name: str


def parse_resource_actions(payload: object) -> dict[str, ResourceAction]:
    """``{"actions": [...]}`` -> actions by name (the server's order is random: a Go map).

    Raises:
        BadResponse: not an object.
    """
    if not isinstance(payload, dict):
        raise BadResponse(
            f"Argo CD resource actions: expected a JSON object, got {type(payload).__name__}"
        )
    found = {}
    for item in as_list(payload.get("actions")):
        name = as_str(dig(item, "name"), 100)
        if name:
            found[name] = ResourceAction(
                name, dig(item, "disabled") is True, as_str(dig(item, "displayName"), 100)
            )
    return found


# Argo CD's Lua actions for Rollouts (resource_customizations/argoproj.io/Rollout/actions):
# "resume" clears pauseConditions and spec.paused (what the plugin's promote does to a
# paused rollout), "skip-current-step" moves on when it is not paused.
ROLLOUT_ACTION_NAMES = {
    Action.ABORT: "abort",
    Action.RETRY: "retry",
    Action.PAUSE: "pause",
    Action.RESUME: "resume",
    Action.PROMOTE_FULL: "promote-full",
}


def rollout_action_name(action: Action, *, paused: bool) -> str | None:
    """The Argo CD resource action that performs ``action`` on a Rollout, or None."""
    if action is Action.PROMOTE:
        return "resume" if paused else "skip-current-step"
    return ROLLOUT_ACTION_NAMES.get(action)


def rollout_capabilities(actions: Mapping[str, ResourceAction]) -> frozenset[Action]:
    """The domain actions Argo CD offers for a Rollout right now (enabled ones only)."""
    enabled = {name for name, a in actions.items() if not a.disabled}
    found = {action for action, name in ROLLOUT_ACTION_NAMES.items() if name in enabled}
    if enabled & {"resume", "skip-current-step"}:
        found.add(Action.PROMOTE)
    return frozenset(found)


def list_actions_request(app: Application, ref: ResourceRef) -> ApiRequest:
    """``GET /api/v1/applications/{name}/resource/actions?namespace=&resourceName=&...``."""
    scope = tuple(_scope(app.app_namespace, "").items())
    return ApiRequest("GET", app_path(app.name, "/resource/actions"), scope + ref.params())


_ACTION_EFFECTS = {
    "abort": "traffic goes back to the stable version and the canary scales down",
    "retry": "the aborted rollout starts again from its first step",
    "pause": "the rollout holds where it is until resumed",
    "resume": "the rollout leaves its pause and goes on to the next step",
    "skip-current-step": "the rollout skips its current step",
    "promote-full": "the new version takes all traffic now, skipping remaining steps and analysis",
    "restart": "every pod of the rollout is replaced, one by one",
}


def run_action_request(
    app: Application,
    ref: ResourceRef,
    action: str,
    available: Mapping[str, ResourceAction] | None = None,
    *,
    legacy: bool = False,
) -> ApiRequest:
    """Run a resource action, e.g. ``promote-full`` on a Rollout the app manages.

    v2 (the UI's call): ``POST …/resource/actions/v2`` with ``{appNamespace, namespace,
    resourceName, version, kind, group, action, resourceActionParameters}``. ``legacy``
    builds the v1 call instead, deprecated since Argo CD 3.1
    (https://argo-cd.readthedocs.io/en/stable/operator-manual/upgrading/3.0-3.1/):
    ``POST …/resource/actions?namespace=&resourceName=&version=&group=&kind=`` whose body
    is the action name as a JSON string. Like the argocd CLI, an adapter should send v2
    and fall back to v1 when the server does not know v2 (404). ``available`` (from
    ``parse_resource_actions``) lets a disabled or unknown action be refused before sending.

    Raises:
        ActionFailed: the action is listed as disabled or not offered.
    """
    who = f"{ref.kind.lower()} {ref.namespace}/{ref.name}"
    if available is not None:
        found = available.get(action)
        if found is None:
            offered = ", ".join(sorted(available)) or "none"
            raise ActionFailed(f"Argo CD offers no {action!r} action for {who} (offers: {offered})")
        if found.disabled:
            raise ActionFailed(f"Argo CD has the {action!r} action disabled for {who} right now")
    what = _ACTION_EFFECTS.get(action, "Argo CD runs the action's script on the live object")
    effect = (
        f"runs Argo CD's {action!r} resource action on {who} of application {app.name}: {what}."
    )
    if legacy:
        scope = tuple(_scope(app.app_namespace, "").items())
        return ApiRequest(
            "POST", app_path(app.name, "/resource/actions"), scope + ref.params(), action, effect
        )
    body = {
        **_scope(app.app_namespace, ""),
        "namespace": ref.namespace,
        "resourceName": ref.name,
        "version": ref.version,
        "kind": ref.kind,
        "group": ref.group,
        "resourceActionParameters": [],
        "action": action,
    }
    return ApiRequest("POST", app_path(app.name, "/resource/actions/v2"), body=body, effect=effect)
