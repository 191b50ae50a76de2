"""Whether the cockpit's own stores are working: the history being recorded, the audit log.

Shown on the sources screen, in `status --json` and as a toast when it changes, because a
store that stopped silently is worse than one that never started: people rely on the
history for DORA figures and on the audit log for "who did what".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class StoreStatus:
    """One store as the session sees it now."""

    name: str
    """``history`` or ``audit log``."""
    working: bool
    problem: str = ""
    """Why it is not working (the store's error), "" while it works."""
    since: datetime | None = None
    """When it stopped working."""
    waiting: int = 0
    """Changes kept in memory until the store works again (written then)."""
    lost: int = 0
    """Changes dropped because the memory bound was reached while it did not work."""

    @property
    def text(self) -> str:
        """``history not recording: disk full (12 changes kept in memory)``."""
        if self.working:
            return f"{self.name} ok"
        verb = "not recording" if self.name == "history" else "not writable"
        text = f"{self.name} {verb}: {self.problem}"
        kept = []
        if self.waiting:
            kept.append(f"{self.waiting} changes kept in memory")
        if self.lost:
            kept.append(f"{self.lost} dropped")
        return f"{text} ({', '.join(kept)})" if kept else text
