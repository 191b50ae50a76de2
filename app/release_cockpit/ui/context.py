"""What every screen and widget needs besides the snapshot: the clock, symbols and mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from release_cockpit.engine.controls import Controls
from release_cockpit.engine.feed import RecordReader
from release_cockpit.ui.glyphs import Glyphs


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class ViewState:
    """What the operator changed at run time and every title bar shows (mutable, UI-only)."""

    paused_at: datetime | None = None
    """When live updates were paused (``p``); None while they flow."""


@dataclass(frozen=True, slots=True)
class UiContext:
    """Shared, immutable view settings; ``clock`` is injectable for deterministic tests."""

    glyphs: Glyphs
    clock: Callable[[], datetime] = utc_now
    read_only: bool = False
    title: str = "release-cockpit"
    controls: Controls | None = None  # None: a view without controls (tests, the wall)
    records: RecordReader | None = None  # the audit log and history; None: none open
    view: ViewState = field(default_factory=ViewState)

    def now(self) -> datetime:
        return self.clock()
