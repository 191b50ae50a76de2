"""What every screen and widget needs besides the snapshot: the clock, symbols and mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the engine is imported after the first frame (see deferred_feed)
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


@dataclass(slots=True)
class Session:
    """What the engine lends the views once it is running (mutable: the board is drawn
    before the engine is even imported, and these arrive a moment later)."""

    controls: Controls | None = None  # None: a view without controls (tests, the wall)
    records: RecordReader | None = None  # the audit log and history; None: none open


@dataclass(frozen=True, slots=True)
class UiContext:
    """Shared view settings; ``clock`` is injectable for deterministic tests."""

    glyphs: Glyphs
    clock: Callable[[], datetime] = utc_now
    read_only: bool = False
    title: str = "release-cockpit"
    session: Session = field(default_factory=Session)
    view: ViewState = field(default_factory=ViewState)

    def now(self) -> datetime:
        return self.clock()

    @property
    def controls(self) -> Controls | None:
        return self.session.controls

    @property
    def records(self) -> RecordReader | None:
        return self.session.records
