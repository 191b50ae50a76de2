"""Pure Flagger webhooks and load tester gates: how a person steers a Canary.

Flagger has no API verbs. A person steers it through the webhooks the Canary calls, most
often Flagger's load tester: ``POST {"name", "namespace"}`` to ``/gate/open`` or
``/gate/close`` (for confirm hooks pointing at ``/gate/check``) and to ``/rollback/open`` or
``/rollback/close`` (for a rollback hook at ``/rollback/check``), as documented in
https://docs.flagger.app/usage/webhooks#manual-gating and implemented in
``pkg/loadtester/server.go``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from release_cockpit.domain import Action
from release_cockpit.errors import ActionFailed

if TYPE_CHECKING:
    from release_cockpit.adapters.deploy.flagger_parsing import FlaggerCanary


class HookType(Enum):
    """``analysis.webhooks[].type`` (canary.go ``HookType``); absent means ``rollout``."""

    CONFIRM_ROLLOUT = "confirm-rollout"
    PRE_ROLLOUT = "pre-rollout"
    ROLLOUT = "rollout"
    CONFIRM_TRAFFIC_INCREASE = "confirm-traffic-increase"
    CONFIRM_PROMOTION = "confirm-promotion"
    POST_ROLLOUT = "post-rollout"
    ROLLBACK = "rollback"
    EVENT = "event"
    OTHER = "other"

    @classmethod
    def parse(cls, value: object) -> HookType:
        if value is None or value == "":
            return cls.ROLLOUT
        return next((t for t in cls if t.value == value), cls.OTHER)


@dataclass(frozen=True, slots=True)
class Webhook:
    """One analysis webhook; ``url`` is untrusted config text from the cluster."""

    name: str
    type: HookType
    url: str


# -- load tester gates ---------------------------------------------------------------------------


class Gate(Enum):
    """The load tester's gate endpoints (``pkg/loadtester/server.go``)."""

    OPEN = "/gate/open"
    CLOSE = "/gate/close"
    OPEN_ROLLBACK = "/rollback/open"
    CLOSE_ROLLBACK = "/rollback/close"

    @property
    def check_path(self) -> str:
        """The webhook path whose answer this endpoint changes."""
        return "/rollback/check" if "rollback" in self.value else "/gate/check"


@dataclass(frozen=True, slots=True)
class GateRequest:
    """``POST url`` with ``{"name", "namespace"}`` of the Canary; the load tester answers
    202 and keeps the gate in memory (a load tester restart closes every gate)."""

    url: str
    body: dict[str, str]
    effect: str

    @property
    def method(self) -> str:
        return "POST"


def gate_url(webhook_url: str, gate: Gate) -> str | None:
    """The load tester URL that flips the gate a webhook checks, or None when the webhook
    is not a load tester ``/gate/check`` or ``/rollback/check`` (e.g. ``/gate/halt``,
    which only a spec change opens)."""
    try:
        parts = urlsplit(webhook_url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    path = parts.path.rstrip("/")
    if not path.endswith(gate.check_path):
        return None
    new_path = path[: -len(gate.check_path)] + gate.value
    return urlunsplit((parts.scheme, parts.netloc, new_path, "", ""))


# Which webhook a cockpit action needs, and which gate endpoint it calls.
_ACTION_GATES = {
    Action.PROMOTE: (HookType.CONFIRM_PROMOTION, Gate.OPEN),
    Action.RESUME: (HookType.CONFIRM_ROLLOUT, Gate.OPEN),
    Action.PAUSE: (HookType.CONFIRM_ROLLOUT, Gate.CLOSE),
    Action.ABORT: (HookType.ROLLBACK, Gate.OPEN_ROLLBACK),
}
_GATE_EFFECTS = {
    Action.PROMOTE: (
        "opens the load tester gate of canary {who}, so its confirm-promotion webhook "
        "passes and Flagger promotes the canary to primary; the gate stays open for later "
        "releases until it is closed (/gate/close)."
    ),
    Action.RESUME: (
        "opens the load tester gate of canary {who}, so its confirm-rollout webhook passes "
        "and the analysis goes on; the gate stays open until it is closed (/gate/close)."
    ),
    Action.PAUSE: (
        "closes the load tester gate of canary {who}: at its next check Flagger halts the "
        "analysis (phase Waiting) until the gate is opened again; traffic weights stay."
    ),
    Action.ABORT: (
        "opens the load tester rollback gate of canary {who}: at its next check Flagger "
        "routes all traffic back to the primary and fails the canary. The rollback gate "
        "stays open, failing later releases too, until it is closed (/rollback/close)."
    ),
}


def _gate_hook(hooks: Sequence[Webhook], action: Action) -> tuple[Webhook, Gate, str] | None:
    wanted = _ACTION_GATES.get(action)
    if wanted is None:
        return None
    kind, gate = wanted
    for hook in hooks:
        if hook.type is kind and (url := gate_url(hook.url, gate)) is not None:
            return hook, gate, url
    return None


def capabilities(hooks: Sequence[Webhook]) -> frozenset[Action]:
    """The actions a person can take through the load tester gates this Canary checks."""
    return frozenset(a for a in _ACTION_GATES if _gate_hook(hooks, a) is not None)


def gate_request(canary: FlaggerCanary, action: Action) -> GateRequest:
    """The load tester call that performs ``action`` on ``canary``.

    Raises:
        ActionFailed: the Canary has no webhook at a load tester gate for that action.
    """
    found = _gate_hook(canary.webhooks, action)
    who = f"{canary.namespace}/{canary.name}"
    if found is None:
        wanted = _ACTION_GATES.get(action)
        need = (
            f"a {wanted[0].value} webhook at the load tester's {wanted[1].check_path}"
            if wanted
            else ""
        )
        raise ActionFailed(
            f"Flagger canary {who} cannot {action.value} from here",
            hint=f"it needs {need}" if need else "Flagger has no API for this action",
        )
    _, _, url = found
    return GateRequest(
        url,
        {"name": canary.name, "namespace": canary.namespace},
        _GATE_EFFECTS[action].format(who=who),
    )


def close_rollback_request(canary: FlaggerCanary) -> GateRequest:
    """``/rollback/close``: needed after an abort, or the next release fails at once.

    Raises:
        ActionFailed: no rollback webhook at a load tester ``/rollback/check``.
    """
    for hook in canary.webhooks:
        if hook.type is HookType.ROLLBACK and (url := gate_url(hook.url, Gate.CLOSE_ROLLBACK)):
            return GateRequest(
                url,
                {"name": canary.name, "namespace": canary.namespace},
                f"closes the rollback gate of canary {canary.namespace}/{canary.name}, so "
                "its next release is not failed by it.",
            )
    raise ActionFailed(
        f"Flagger canary {canary.namespace}/{canary.name} has no rollback webhook at a "
        "load tester /rollback/check"
    )
