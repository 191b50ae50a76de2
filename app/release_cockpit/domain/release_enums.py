"""The two words a release is sorted and styled by: its type and the attention it needs.

Apart from ``release`` so the board's glyphs and filters can use them before the first
frame without building the release model's dataclasses (see ``domain/__init__``).
"""

from __future__ import annotations

from enum import Enum, IntEnum


class ReleaseType(Enum):
    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"
    HOTFIX = "hotfix"
    UNKNOWN = "unknown"


class Attention(IntEnum):
    """Board order, and the one word every view uses for a release: the panel's badge, the
    header's counts, `status`'s table, its JSON and its exit code all come from this."""

    FAILING = 0
    WAITING = 1  # waiting for a human (a gate, a manual step, an inconclusive analysis)
    WARNING = 2  # healthy enough to go on, but something warns: a human should look
    UNKNOWN = 3  # we cannot see it: stale or missing data
    RUNNING = 4
    SOAKING = 5
    DONE = 6

    @property
    def label(self) -> str:
        return self.name.lower()

    @property
    def needs_a_human(self) -> bool:
        return self in (Attention.FAILING, Attention.WAITING, Attention.WARNING)

    @property
    def status_word(self) -> str:
        """``FAILING`` ``WAITING`` ``WARNING`` ``UNKNOWN`` or ``OK`` (running, soaking, done)."""
        return self.name if self <= Attention.UNKNOWN else "OK"
