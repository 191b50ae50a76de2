"""Feature flags that guard a release: one flag's state in one environment.

A flag is the other half of a release: the code can be deployed while the feature stays
dark, and turning the flag off is often a faster, smaller rollback than a redeploy. So
the cockpit shows the flags a release names next to its rollout, and offers on/off as
actions where the flag backend allows it (Unleash, LaunchDarkly; OFREP is read-only).

The one rule this module exists for: **not knowing is not "off"**. A backend that did
not answer, a flag it does not know, a non-boolean flag, or a field of the wrong type
gives ``on=None``, which reads as ``FlagSwitch.UNKNOWN`` and never as on or off, so a
flag that failed to load cannot look like a feature that is safely dark.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum


class FlagSwitch(Enum):
    """On, off, or unknown: what the board shows next to a flag's key."""

    ON = "on"
    OFF = "off"
    UNKNOWN = "unknown"

    @classmethod
    def of(cls, on: bool | None) -> FlagSwitch:
        """``True``/``False`` -> ON/OFF; anything else (``None``) -> UNKNOWN."""
        if on is True:
            return cls.ON
        if on is False:
            return cls.OFF
        return cls.UNKNOWN


class FlagSource(Enum):
    """Which kind of backend a state came from (its wording of "reason" differs)."""

    OFREP = "ofrep"
    UNLEASH = "unleash"
    LAUNCHDARKLY = "launchdarkly"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class FlagState:
    """One flag in one environment, as a flag backend reported it.

    Attributes:
        key: the flag's key or name (``checkout-v2``).
        environment: the environment it was read for (``production``); "" when the
            backend has no environments (an OFREP evaluation is for one context).
        on: ``True``/``False`` only when the backend said so unambiguously; ``None``
            when it did not (not found, an error, a non-boolean value, a missing field).
        value: the served value or variation as short text (``"true"``, ``"blue"``,
            ``'{"a": 1}'``), "" when none was served.
        variant: the backend's name for the served variation, "" when none.
        rollout: who gets it, in words: ``"on for everyone"``, ``"on for 25%"``,
            ``"off for everyone"``; "" when the backend does not say.
        reason: why it has this state, in the backend's words (``TARGETING_MATCH``,
            ``DISABLED``); "" when not given.
        error: what went wrong reading it (``FLAG_NOT_FOUND: ...``), "" when nothing did.
        updated_at: when the flag's configuration last changed, if the backend says.
        source: the kind of backend it came from.
    """

    key: str
    environment: str = ""
    on: bool | None = None
    value: str = ""
    variant: str = ""
    rollout: str = ""
    reason: str = ""
    error: str = ""
    updated_at: datetime | None = None
    source: FlagSource = FlagSource.OTHER

    @property
    def switch(self) -> FlagSwitch:
        return FlagSwitch.of(self.on)

    @property
    def is_on(self) -> bool:
        """True only when the backend said on; unknown is not on."""
        return self.on is True

    @property
    def is_off(self) -> bool:
        """True only when the backend said off; unknown is not off."""
        return self.on is False

    @property
    def summary(self) -> str:
        """What the flag does now, in words, for ``flag checkout-v2: <summary>``.

        ``on for 25%`` and ``off for everyone`` from a backend that says who gets it;
        ``on, same for everyone`` from an evaluation; ``serves "blue"`` for a flag that is
        not a switch; ``unknown (why)`` when it could not be read: never on or off.
        """
        if self.on is None:
            if self.value and not self.error:
                return f"serves {self.value}" + (f", {self.rollout}" if self.rollout else "")
            why = self.error or "not read yet"
            return f"unknown ({why})"
        word = self.switch.value
        if self.rollout.startswith(word):
            return self.rollout
        return f"{word}, {self.rollout}" if self.rollout else word

    def describe(self) -> str:
        """One line for a panel: ``checkout-v2 on in production (on for 25%)``."""
        where = f" in {self.environment}" if self.environment else ""
        detail = self.rollout or self.error or self.reason
        tail = f" ({detail})" if detail else ""
        return f"{self.key} {self.switch.value}{where}{tail}"


def not_read(key: str, environment: str = "", why: str = "not read yet") -> FlagState:
    """A configured flag the cockpit has no answer for (yet, or any more): unknown."""
    return FlagState(key, environment, error=why)
