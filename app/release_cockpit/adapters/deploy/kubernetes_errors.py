"""Kubernetes ``Status`` error bodies turned into typed errors a person can act on.

The API server answers a failed call with a ``Status`` object (API conventions, "Response
Status Kind",
https://github.com/kubernetes/community/blob/master/contributors/devel/sig-architecture/api-conventions.md#response-status-kind):
a reason, a message and details. Each becomes one short sentence and the cockpit's error
type (401/403 auth, 404 not found, 429 rate limited), and a write refused because the
object changed since it was read (409 Conflict, or a failed JSON-patch ``test``,
https://github.com/kubernetes/kubernetes/issues/68202) says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from release_cockpit.adapters.payload import as_dict, as_int, as_list, as_str
from release_cockpit.errors import (
    ActionFailed,
    AdapterError,
    AuthError,
    BadResponse,
    NotFound,
    RateLimited,
)


@dataclass(frozen=True, slots=True)
class KubeStatus:
    """A Kubernetes ``Status`` failure (api-conventions.md "Response Status Kind").

    ``kind`` is ``details.kind``, which is the resource *plural* ("pods"), not the Kind.
    """

    code: int | None
    reason: str
    message: str
    kind: str = ""
    name: str = ""
    group: str = ""
    causes: tuple[str, ...] = ()
    retry_after: int | None = None


def parse_status(payload: object, http_status: int | None = None) -> KubeStatus | None:
    """A ``Status`` object from an error body, or None when the body is not one.

    Recognised by ``status: "Failure"`` (some servers omit ``kind``/``apiVersion``) or by
    ``kind: "Status"``; ``code`` falls back to the HTTP status.
    """
    if not isinstance(payload, dict):
        return None
    if payload.get("status") != "Failure" and payload.get("kind") != "Status":
        return None
    details = as_dict(payload.get("details"))
    causes = []
    for cause in as_list(details.get("causes")):
        cause = as_dict(cause)
        text = as_str(cause.get("message"), 300)
        field = as_str(cause.get("field"), 200)
        if text or field:
            causes.append(f"{field}: {text}" if field and text else text or field)
    code = as_int(payload.get("code"))
    return KubeStatus(
        code=code if code is not None else http_status,
        reason=as_str(payload.get("reason"), 63),
        message=as_str(payload.get("message"), 500),
        kind=as_str(details.get("kind"), 63),
        name=as_str(details.get("name"), 253),
        group=as_str(details.get("group"), 253),
        causes=tuple(causes[:5]),
        retry_after=as_int(details.get("retryAfterSeconds")),
    )


def _stale_write(status: KubeStatus) -> bool:
    """A write refused because the object changed since it was read."""
    if status.reason == "Conflict":
        return True
    # A failed JSON-patch ``test`` op (kubernetes/kubernetes#68202) means the same.
    return status.code in (422, 500) and "testing value" in status.message.lower()


def status_summary(status: KubeStatus, target: str = "") -> str:
    """One short sentence for a person, by reason (404, 409, 410, 403, 401, 422 ...)."""
    what = target or " ".join(p for p in (status.kind, status.name) if p) or "the object"
    if _stale_write(status):
        return (
            f"{what} was changed by someone else after it was read; nothing was applied "
            "(409 Conflict)"
        )
    if status.reason == "NotFound" or status.code == 404:
        return f"{what} not found: {status.message or 'it may have been deleted or renamed'}"
    if status.reason == "AlreadyExists":
        return f"{what} already exists: {status.message}"
    if status.reason == "Expired" or status.code == 410:
        return (
            "the resourceVersion asked for is too old (410 Expired): list again, then watch "
            "from the new list's resourceVersion"
        )
    if status.reason == "Forbidden" or status.code == 403:
        return f"forbidden: {status.message or 'RBAC does not allow this'}"
    if status.reason == "Unauthorized" or status.code == 401:
        return "the API server did not accept the credentials (401 Unauthorized)"
    if status.reason == "Invalid" or status.code == 422:
        detail = "; ".join(status.causes) or status.message
        return f"the API server rejected the change as invalid: {detail}"
    reason = status.reason or (f"HTTP {status.code}" if status.code else "failure")
    return f"{reason}: {status.message}" if status.message else reason


def status_error(
    payload: object, http_status: int, *, target: str = "", mutating: bool = False
) -> AdapterError:
    """The error to raise for a failed Kubernetes call, with a title and a next step.

    401/403 -> AuthError, 404 -> NotFound, 429 -> RateLimited; anything else is
    ActionFailed for a write (409 names the concurrent change) and BadResponse for a read.
    """
    status = parse_status(payload, http_status) or KubeStatus(http_status, "", "")
    text = status_summary(status, target)
    if status.code in (401, 403) or status.reason in ("Unauthorized", "Forbidden"):
        return AuthError(
            text,
            hint="check the kubeconfig user and its RBAC (kubectl auth can-i patch "
            "deployments -n NAMESPACE)",
        )
    if status.code == 404 or status.reason == "NotFound":
        return NotFound(text, hint="check the name and namespace in the config")
    if status.code == 429 or status.reason == "TooManyRequests":
        return RateLimited(text, retry_after=status.retry_after)
    if mutating:
        hint = (
            "reload: the panel shows the new state; decide again"
            if _stale_write(status)
            else "nothing was changed; see the message above"
        )
        return ActionFailed(text, hint=hint)
    hint = "list again" if status.code == 410 else "check that the URL is the Kubernetes API"
    return BadResponse(text, hint=hint)
