"""Pure Argo CD parsing: ``Application`` -> ``RolloutState``, and its error bodies.

Argo CD's REST API is grpc-gateway over its gRPC services; the shapes here follow
``server/application/application.proto`` and the swagger it generates
(https://github.com/argoproj/argo-cd/blob/master/assets/swagger.json). The requests the
cockpit sends are built in ``argo_cd_actions``.

The server drops false and empty fields (Go ``omitempty``), so an absent key means
"false" or "none" for flags, and "unknown" for states: nothing absent reads as healthy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from release_cockpit.adapters.deploy.kubernetes_parsing import list_items
from release_cockpit.adapters.deploy.kubernetes_revisions import VersionReading
from release_cockpit.adapters.deploy.rollout_parsing import image_tag
from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str, dig, parse_time
from release_cockpit.domain import Action, PauseKind, RolloutPhase, RolloutState

API = "/api/v1/applications"


class SyncStatus(Enum):
    """``status.sync.status`` (gitops-engine ``SyncStatusCode``)."""

    SYNCED = "Synced"
    OUT_OF_SYNC = "OutOfSync"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, value: object) -> SyncStatus:
        return next((s for s in cls if s.value == value), cls.UNKNOWN)


class HealthStatus(Enum):
    """``status.health.status`` (gitops-engine ``pkg/health/health.go``)."""

    HEALTHY = "Healthy"
    PROGRESSING = "Progressing"
    SUSPENDED = "Suspended"
    DEGRADED = "Degraded"
    MISSING = "Missing"
    UNKNOWN = "Unknown"

    @classmethod
    def parse(cls, value: object) -> HealthStatus:
        return next((h for h in cls if h.value == value), cls.UNKNOWN)


class OperationPhase(Enum):
    """``status.operationState.phase`` (gitops-engine ``pkg/sync/common/types.go``)."""

    RUNNING = "Running"
    TERMINATING = "Terminating"
    FAILED = "Failed"
    ERROR = "Error"
    SUCCEEDED = "Succeeded"
    UNKNOWN = "Unknown"  # a phase newer than this code

    @classmethod
    def parse(cls, value: object) -> OperationPhase:
        return next((p for p in cls if p.value == value), cls.UNKNOWN)

    @property
    def in_flight(self) -> bool:
        return self in (OperationPhase.RUNNING, OperationPhase.TERMINATING)

    @property
    def failed(self) -> bool:
        return self in (OperationPhase.FAILED, OperationPhase.ERROR)


@dataclass(frozen=True, slots=True)
class Operation:
    """The in-flight or last sync/rollback (``status.operationState``)."""

    phase: OperationPhase
    message: str
    started_at: datetime | None
    finished_at: datetime | None
    revision: str  # syncResult.revision: what was (or is being) applied
    initiated_by: str
    automated: bool
    retry_count: int


@dataclass(frozen=True, slots=True)
class PastDeployment:
    """One ``status.history`` entry: a successful sync, for DORA backfill.

    ``id`` is what rollback takes. ``redeploy`` is True when the entry before it deployed
    the same revision (a re-sync, not a new change). Entries come oldest first and are
    bounded by ``spec.revisionHistoryLimit`` (default 10).
    """

    id: int
    revision: str
    started_at: datetime | None  # deployStartedAt
    deployed_at: datetime | None  # deployedAt
    initiated_by: str
    automated: bool
    redeploy: bool


@dataclass(frozen=True, slots=True)
class Application:
    """What the cockpit knows about one Argo CD Application."""

    name: str
    app_namespace: str  # where the Application object lives ("argocd" by default)
    project: str
    sync: SyncStatus
    health: HealthStatus
    health_message: str
    revision: str  # status.sync.revision: the git revision compared against
    auto_sync: bool
    operation: Operation | None
    history: tuple[PastDeployment, ...]
    images: tuple[str, ...]
    conditions: tuple[str, ...]  # "Type: message" of status.conditions
    rollout: RolloutState


# -- reading ------------------------------------------------------------------------------------


def _who(initiated: object) -> tuple[str, bool]:
    return as_str(dig(initiated, "username"), 200), dig(initiated, "automated") is True


def parse_operation(status: Mapping[str, Any]) -> Operation | None:
    """``status.operationState``, or None when the app has never had an operation."""
    state = status.get("operationState")
    if not isinstance(state, dict):
        return None
    who, automated = _who(dig(state, "operation", "initiatedBy"))
    revision = dig(state, "syncResult", "revision") or dig(state, "operation", "sync", "revision")
    return Operation(
        phase=OperationPhase.parse(state.get("phase")),
        message=as_str(state.get("message"), 1000),
        started_at=parse_time(state.get("startedAt")),
        finished_at=parse_time(state.get("finishedAt")),
        revision=as_str(revision, 200),
        initiated_by=who,
        automated=automated,
        retry_count=as_int(state.get("retryCount")) or 0,
    )


def parse_history(status: Mapping[str, Any]) -> tuple[PastDeployment, ...]:
    """``status.history`` oldest first; entries without an integer id are dropped (rollback
    could not name them). Multi-source apps list ``revisions``; they are joined with ","."""
    entries = []
    previous = None
    for item in as_list(status.get("history")):
        entry_id = as_int(dig(item, "id"))
        if entry_id is None:
            continue
        revision = as_str(dig(item, "revision"), 200) or ",".join(
            as_str(r, 200) for r in as_list(dig(item, "revisions"))
        )
        who, automated = _who(dig(item, "initiatedBy"))
        entries.append(
            PastDeployment(
                id=entry_id,
                revision=revision,
                started_at=parse_time(dig(item, "deployStartedAt")),
                deployed_at=parse_time(dig(item, "deployedAt")),
                initiated_by=who,
                automated=automated,
                redeploy=previous is not None and bool(revision) and revision == previous,
            )
        )
        previous = revision
    return tuple(entries)


def app_version(app: Mapping[str, Any], image: str | None = None) -> VersionReading:
    """The version in the tag of an image the app runs (``status.summary.images``).

    ``image`` names the repository to look for (``shop/cart`` matches
    ``registry.example.com/shop/cart:1.12.3``); without it an app running exactly one
    image gives that image's tag, and several images give no version (which one would be
    a guess).
    """
    images = [as_str(i, 1000) for i in as_list(dig(app, "status", "summary", "images")) if i]
    if not images:
        return VersionReading(None, problem="Argo CD reports no images for this app")
    if image:
        matching = [
            i for i in images if _repository(i) == image or _repository(i).endswith(f"/{image}")
        ]
        if not matching:
            return VersionReading(
                None, problem=f"no image {image!r} among the app's images ({', '.join(images)})"
            )
        chosen = matching[0]
    elif len(images) == 1:
        chosen = images[0]
    else:
        return VersionReading(
            None,
            problem=f"the app runs {len(images)} images; name the one that carries the version",
        )
    tag = image_tag(chosen)
    if tag is None or tag == "latest":
        return VersionReading(None, image=chosen, problem=f"image {chosen} names no version")
    return VersionReading(tag, image=chosen)


def _repository(image: str) -> str:
    """``registry:5000/shop/cart:1.2@sha256:..`` -> ``registry:5000/shop/cart``."""
    base = image.split("@", 1)[0]
    head, _, last = base.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else last.split(":", 1)[0]


def _phase(
    sync: SyncStatus, health: HealthStatus, operation: Operation | None, auto_sync: bool
) -> tuple[RolloutPhase, PauseKind, str]:
    """(phase, pause kind, message) from the operation first, then health, then sync."""
    if operation is not None and operation.phase.in_flight:
        verb = "sync running" if operation.phase is OperationPhase.RUNNING else "terminating"
        return RolloutPhase.PROGRESSING, PauseKind.NONE, f"{verb}: {operation.message}".rstrip(": ")
    if operation is not None and operation.phase is OperationPhase.UNKNOWN:
        # A phase newer than this code: whatever it means, it is not evidence of health.
        return RolloutPhase.UNKNOWN, PauseKind.NONE, "operation in a phase not understood"
    if operation is not None and operation.phase.failed:
        return (
            RolloutPhase.DEGRADED,
            PauseKind.NONE,
            f"sync {operation.phase.value.lower()}: {operation.message}",
        )
    waiting = (
        (RolloutPhase.PROGRESSING, PauseKind.NONE, "OutOfSync: automated sync will apply it")
        if auto_sync
        else (
            RolloutPhase.PAUSED,
            PauseKind.INDEFINITE_STEP,
            "OutOfSync: automated sync is off, a person must sync",
        )
    )
    if health is HealthStatus.DEGRADED:
        return RolloutPhase.DEGRADED, PauseKind.NONE, "health Degraded"
    if health is HealthStatus.MISSING:
        if sync is SyncStatus.OUT_OF_SYNC:
            return waiting
        return RolloutPhase.DEGRADED, PauseKind.NONE, "health Missing: its resources do not exist"
    if health is HealthStatus.SUSPENDED:
        # Argo CD reports a paused Argo Rollout (timed or not) and a paused Deployment as
        # Suspended without saying which: a person should look.
        return RolloutPhase.PAUSED, PauseKind.INDEFINITE_STEP, "health Suspended"
    if health is HealthStatus.PROGRESSING:
        return RolloutPhase.PROGRESSING, PauseKind.NONE, "health Progressing"
    if health is HealthStatus.HEALTHY:
        if sync is SyncStatus.SYNCED:
            return RolloutPhase.HEALTHY, PauseKind.NONE, "Synced, Healthy"
        if sync is SyncStatus.OUT_OF_SYNC:
            return waiting
    return RolloutPhase.UNKNOWN, PauseKind.NONE, f"sync {sync.value}, health {health.value}"


APP_ACTIONS = frozenset({Action.ROLLBACK})
"""Domain actions an Application supports by itself (rollback to the previous history id);
sync and terminate have request builders but no domain Action yet."""


def parse_application(obj: Mapping[str, Any], *, image: str | None = None) -> Application:
    """One Application (``GET /api/v1/applications/{name}`` or a list item) -> ``Application``.

    In the ``RolloutState``: ``canary_revision`` is the git revision Argo CD compares
    against, ``stable_revision`` the one last deployed (newest history entry), equal only
    when the app is Synced and Healthy with no operation running or failed. Rollback is a
    capability only while automated sync is off: Argo CD refuses it otherwise
    (``server/application/application.go``, "rollback cannot be initiated when auto-sync
    is enabled").
    """
    meta, spec, status = (as_dict(obj.get(k)) for k in ("metadata", "spec", "status"))
    sync = SyncStatus.parse(dig(status, "sync", "status"))
    health = HealthStatus.parse(dig(status, "health", "status"))
    health_message = as_str(dig(status, "health", "message"), 500)
    operation = parse_operation(status)
    history = parse_history(status)
    automated = dig(spec, "syncPolicy", "automated")
    # Argo CD 3.x can keep the block but switch it off with enabled: false.
    auto_sync = isinstance(automated, dict) and automated.get("enabled") is not False
    phase, pause_kind, message = _phase(sync, health, operation, auto_sync)
    if health_message and phase is not RolloutPhase.HEALTHY:
        message = f"{message}: {health_message}"
    conditions = tuple(
        f"{as_str(dig(c, 'type'), 63)}: {as_str(dig(c, 'message'), 300)}"
        for c in as_list(status.get("conditions"))
        if isinstance(c, dict)
    )
    errors = [c for c in conditions if "Error" in c.split(":", 1)[0]]
    if errors:
        message = f"{message}; {errors[0]}"
    revision = as_str(dig(status, "sync", "revision"), 200) or ",".join(
        as_str(r, 200) for r in as_list(dig(status, "sync", "revisions"))
    )
    deployed = history[-1].revision if history else ""
    done = phase is RolloutPhase.HEALTHY
    if done:
        stable_revision = canary_revision = revision or deployed
    else:
        canary_revision = revision
        # A drifted app at its last deployed revision has no revision fully deployed.
        stable_revision = deployed if deployed != revision else ""
    # History keeps git revisions, not images: the version before is not known here.
    version = app_version(obj, image).version
    name = as_str(meta.get("name"), 253)
    state = RolloutState(
        name=name,
        namespace=as_str(meta.get("namespace"), 253),
        kind="Application",
        strategy="sync",
        phase=phase,
        message=message,
        pause_kind=pause_kind,
        pause_reason=message if pause_kind is not PauseKind.NONE else "",
        stable_revision=stable_revision,
        canary_revision=canary_revision,
        stable_version=version if done else None,
        canary_version=version,
        started_at=operation.started_at if operation else None,
        finished_at=(operation.finished_at if operation else None) if done else None,
        capabilities=frozenset() if auto_sync else APP_ACTIONS,
    )
    return Application(
        name=name,
        app_namespace=as_str(meta.get("namespace"), 253),
        project=as_str(spec.get("project"), 253),
        sync=sync,
        health=health,
        health_message=health_message,
        revision=revision,
        auto_sync=auto_sync,
        operation=operation,
        history=history,
        images=tuple(as_str(i, 1000) for i in as_list(dig(status, "summary", "images")) if i),
        conditions=conditions,
        rollout=state,
    )


def parse_applications(payload: object, *, image: str | None = None) -> dict[str, Application]:
    """``GET /api/v1/applications?selector=...`` (an ApplicationList) -> apps by name.

    Raises:
        BadResponse: not a list object (``items`` may be null for no match).
    """
    items = list_items(payload, "Argo CD ApplicationList")
    apps: dict[str, Application] = {}
    for item in items:
        if isinstance(item, dict):
            app = parse_application(item, image=image)
            if app.name:
                apps[app.name] = app
    return apps


# -- errors ---------------------------------------------------------------------------------------


def error_message(payload: object) -> str:
    """Argo CD's grpc-gateway error body ``{"error", "code", "message"}`` as one line.

    ``code`` is the gRPC code (9 FailedPrecondition, 3 InvalidArgument, 5 NotFound,
    7 PermissionDenied), not the HTTP status.
    """
    body = as_dict(payload)
    message = as_str(body.get("message") or body.get("error"), 500)
    code = as_int(body.get("code"))
    names = {
        3: "InvalidArgument",
        5: "NotFound",
        7: "PermissionDenied",
        9: "FailedPrecondition",
        16: "Unauthenticated",
    }
    label = names.get(code) if code is not None else None
    return f"{label}: {message}" if label and message else message or (label or "")
