"""Verdict levels and the verdict value: a level plus the reason a person reads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum


class VerdictLevel(IntEnum):
    """How healthy something is, ordered so that ``max()`` picks the worst.

    ``UNKNOWN`` (stale or missing data) ranks above ``OK`` so that nothing we cannot
    see is ever rolled up as healthy; it ranks below ``INCONCLUSIVE`` because a signal
    that measured "neither good nor bad" asks a human to decide, which is more
    urgent than a source that is merely late.
    """

    OK = 0
    UNKNOWN = 1
    INCONCLUSIVE = 2
    WARNING = 3
    FAILING = 4

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True, slots=True)
class Verdict:
    """A level and the sentence that explains it ("5xx ratio 7.9% > 5% ...")."""

    level: VerdictLevel
    reason: str

    @classmethod
    def ok(cls, reason: str = "all signals within thresholds") -> Verdict:
        return cls(VerdictLevel.OK, reason)


def worst(verdicts: Iterable[Verdict], default: Verdict | None = None) -> Verdict:
    """The worst verdict; ties keep the first one given, so callers order by importance."""
    result: Verdict | None = None
    for verdict in verdicts:
        if result is None or verdict.level > result.level:
            result = verdict
    if result is not None:
        return result
    return default if default is not None else Verdict(VerdictLevel.UNKNOWN, "nothing measured")
