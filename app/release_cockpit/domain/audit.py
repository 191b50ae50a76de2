"""Audit records of control actions, as the audit screen and ``audit --json`` show them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any


class Outcome(Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REFUSED = "refused"  # the action path said no (read-only, policy, freeze, double press)
    IN_FLIGHT = "in-flight"  # started by this process, the call has not returned yet
    UNKNOWN = "unknown"  # no answer: the call timed out, or the process died during it


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One action attempt: who, when, on what, with which result."""

    id: int
    started_at: datetime
    user: str
    host: str
    release_key: str
    release_id: str
    service: str
    environment: str
    action: str
    target: str
    outcome: Outcome
    finished_at: datetime | None = None
    duration_ms: float | None = None
    detail: str = ""
    error: str = ""
    parameters: Mapping[str, str] = field(default_factory=dict)
    requests: tuple[str, ...] = ()
    identity: str = ""
    """The person's identity from their environment (an SSO name), "" when not set."""

    @property
    def who(self) -> str:
        """The identity when there is one, else the OS user."""
        return self.identity or self.user

    @property
    def result_text(self) -> str:
        """The outcome in words, for a table cell."""
        if self.outcome is Outcome.UNKNOWN:
            # An end record with an error is a call that got no answer (timed out); none
            # at all is a cockpit that stopped during the call.
            return (
                f"outcome unknown: {self.error}"
                if self.error
                else "outcome unknown (no end record)"
            )
        if self.outcome is Outcome.FAILED:
            return f"failed: {self.error}" if self.error else "failed"
        if self.outcome is Outcome.REFUSED:
            return f"refused: {self.error}" if self.error else "refused"
        if self.detail.startswith("confirmed late"):
            return f"succeeded, {self.detail}"
        return str(self.outcome.value)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration_ms": self.duration_ms,
            "user": self.user,
            "host": self.host,
            "identity": self.identity,
            "release": self.release_key,
            "release_id": self.release_id,
            "service": self.service,
            "environment": self.environment,
            "action": self.action,
            "target": self.target,
            "parameters": dict(self.parameters),
            "outcome": self.outcome.value,
            "detail": self.detail,
            "error": self.error,
            "requests": list(self.requests),
        }
