"""Release-type and environment policy: which soak and limits apply to a release.

A hotfix takes the fast lane (short soak); a major release in production gets a longer
soak and stricter limits. Policies are an ordered list; the first one that matches the
release's type and environment applies, so specific rules go first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.release_enums import ReleaseType
from release_cockpit.domain.rollout import Action
from release_cockpit.domain.signal_rules import SignalRule, with_limits


@dataclass(frozen=True, slots=True)
class Policy:
    """Overrides for releases of some types in some environments (empty set = any)."""

    name: str
    release_types: frozenset[ReleaseType] = field(default_factory=frozenset)
    environments: frozenset[str] = field(default_factory=frozenset)
    soak: timedelta | None = None
    failure_limit: int | None = None
    inconclusive_limit: int | None = None
    consecutive_error_limit: int | None = None
    require_checklist: frozenset[Action] = field(default_factory=frozenset)
    """Actions refused until the release's readiness checklist is complete."""

    def matches(self, release_type: ReleaseType, environment: str) -> bool:
        type_ok = not self.release_types or release_type in self.release_types
        env_ok = not self.environments or environment in self.environments
        return type_ok and env_ok

    def apply(self, rule: SignalRule) -> SignalRule:
        return with_limits(
            rule,
            failure_limit=self.failure_limit,
            inconclusive_limit=self.inconclusive_limit,
            consecutive_error_limit=self.consecutive_error_limit,
        )

    @property
    def summary(self) -> str:
        """``major release: soak 15m00s, failure limit 0`` — what the panel shows."""
        parts = []
        if self.soak is not None:
            parts.append(f"soak {format_duration(self.soak)}")
        if self.failure_limit is not None:
            parts.append(f"failure limit {self.failure_limit}")
        if self.inconclusive_limit is not None:
            parts.append(f"inconclusive limit {self.inconclusive_limit}")
        if self.consecutive_error_limit is not None:
            parts.append(f"error limit {self.consecutive_error_limit}")
        if self.require_checklist:
            names = "/".join(sorted(a.value for a in self.require_checklist))
            parts.append(f"checklist before {names}")
        return f"{self.name}: {', '.join(parts)}" if parts else self.name


def choose_policy(
    policies: tuple[Policy, ...], release_type: ReleaseType, environment: str
) -> Policy | None:
    """The first policy matching the release, or None for the service's own settings."""
    return next((p for p in policies if p.matches(release_type, environment)), None)
