"""An action someone has started on a target: what a second person is told instead.

Two people must never promote and abort one rollout in the same second. Before an action
the cockpit records an *intent* for its target (the rollout, the CI run) in the shared
store; while it lives, anyone else's action on that target is refused with who is doing
what, and since when: "alice is promoting payments (started 12s ago)".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.rollout import Action

DOING: dict[Action, str] = {
    Action.ROLLBACK: "rolling back",
    Action.ABORT: "aborting",
    Action.PROMOTE: "promoting",
    Action.PROMOTE_FULL: "fully promoting",
    Action.PAUSE: "pausing",
    Action.RESUME: "resuming",
    Action.RETRY: "retrying",
    Action.RESTART: "restarting",
    Action.SYNC: "syncing",
    Action.TERMINATE: "stopping the sync of",
    Action.RETRY_CI: "retrying CI of",
    Action.CANCEL_CI: "cancelling CI of",
    Action.APPROVE: "approving",
    Action.REJECT: "rejecting",
    Action.FLAG_OFF: "turning off the flag of",
    Action.FLAG_ON: "turning on the flag of",
}


def intent_target(backend: str, target: str) -> str:
    """The key two cockpits agree on for one thing acted on: backend and object."""
    return f"{backend}: {target}"


@dataclass(frozen=True, slots=True)
class Intent:
    """A live claim on a target, until its action ends (or ``expires_at``)."""

    target: str
    action: str
    service: str
    who: str
    """The person as others know them: identity, else OS user."""
    host: str
    started_at: datetime
    expires_at: datetime
    token: str = ""

    def doing(self) -> str:
        try:
            return DOING[Action(self.action)]
        except ValueError:
            return f"running {self.action} on"

    def sentence(self, now: datetime) -> str:
        """``alice is promoting payments (started 12s ago)``."""
        age = max((now - self.started_at).total_seconds(), 0.0)
        return f"{self.who} is {self.doing()} {self.service} (started {format_duration(age)} ago)"
