"""How one cockpit session looks and behaves: the app's settings from flags and config."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from release_cockpit.ui.context import utc_now
from release_cockpit.ui.themes import DEFAULT_THEME

if TYPE_CHECKING:
    from release_cockpit.errors import CockpitError


@dataclass(frozen=True, slots=True)
class Options:
    """How this session looks and behaves, from flags and config (all optional)."""

    title: str = "release-cockpit"
    theme: str = DEFAULT_THEME
    read_only: bool = False
    ascii: bool = False
    clock: Callable[[], datetime] = utc_now
    user_themes_dir: Path | None = None
    bundled_themes_dir: Path | None = None
    keymap: Mapping[str, str] = field(default_factory=dict)
    bell: bool = True
    ask_confidence: bool = True
    """Ask how confident / how much friction after acting (``[cockpit] ask_confidence``)."""
    desktop_notifications: str = "off"
    startup_warnings: Sequence[CockpitError] = ()
    wall: bool = False
    wall_rotate: float = 15.0
    notify_after: float = 0.0
    """Seconds a release must stay worse before it notifies (``[cockpit] notify_after``;
    the config's default is 20 s, tests built in code notify at once)."""
    remember_theme: Callable[[str], None] | None = None
