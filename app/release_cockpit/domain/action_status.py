"""The last control action on a release, as its panel shows it until the next one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from release_cockpit.domain.rollout import Action


class ActionPhase(Enum):
    SENT = "sent"  # the backend accepted the call; waiting for a poll to show the effect
    CONFIRMED = "confirmed"
    FAILED = "failed"
    UNCONFIRMED = "unconfirmed"  # accepted, but no poll showed the effect in time


@dataclass(frozen=True, slots=True)
class ActionStatus:
    """The last action on a release, as its panel shows it."""

    action: Action
    phase: ActionPhase
    at: datetime
    text: str
    by: str = ""
