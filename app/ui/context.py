"""What every screen and widget needs besides the snapshot: the clock, symbols and mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from app.ui.glyphs import Glyphs


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class UiContext:
    """Shared, immutable view settings; ``clock`` is injectable for deterministic tests."""

    glyphs: Glyphs
    clock: Callable[[], datetime] = utc_now
    read_only: bool = False
    title: str = "release-cockpit"

    def now(self) -> datetime:
        return self.clock()
