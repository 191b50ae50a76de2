"""The Textual app: wires the snapshot feed to the screens, registers themes, holds global keys.

It stays thin. The feed (the engine, or a test double) runs as tasks on this app's
event loop and calls back with each snapshot; the callback only posts a replaceable
message, so the UI always renders the latest picture and never queues a backlog.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer

from app.domain import CockpitSnapshot
from app.engine.feed import SnapshotFeed, Unsubscribe
from app.ui.bindings import APP_BINDINGS
from app.ui.context import UiContext, utc_now
from app.ui.glyphs import Glyphs
from app.ui.messages import ReleaseSelected, SnapshotUpdated
from app.ui.screens.board import BoardScreen
from app.ui.screens.help import HelpScreen, key_help
from app.ui.screens.live import LiveScreen
from app.ui.screens.release_detail import ReleaseDetailScreen
from app.ui.screens.sources import SourcesScreen
from app.ui.themes import DEFAULT_THEME, load_themes, semantic_defaults

TICK_SECONDS = 1.0

# Footer key names in ASCII mode, for terminals whose locale cannot show arrows.
_ASCII_KEYS = {"↓": "down", "↑": "up", "⏎": "enter"}


class CockpitApp(App[None]):
    """The release cockpit. Widgets render snapshots; the only intent so far is refresh."""

    BINDINGS = APP_BINDINGS
    # Scrollbars are drawn with Unicode block characters; a non-UTF-8 terminal would show
    # them as garbage, so the ASCII mode goes without (the footer names the scroll keys).
    CSS = """
    App.-ascii Widget {
        scrollbar-size: 0 0;
    }
    """

    def __init__(
        self,
        feed: SnapshotFeed,
        *,
        title: str = "release-cockpit",
        theme: str = DEFAULT_THEME,
        read_only: bool = False,
        ascii: bool = False,
        clock: Callable[[], datetime] = utc_now,
        user_themes_dir: Path | None = None,
        bundled_themes_dir: Path | None = None,
        keymap: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__()
        # Every animation frame is another screenful over a slow SSH link; jump instead.
        self.animation_level = "none"
        self.feed = feed
        self.ctx = UiContext(
            glyphs=Glyphs.for_mode(ascii), clock=clock, read_only=read_only, title=title
        )
        self.title = title
        self.set_class(ascii, "-ascii")
        self.snapshot: CockpitSnapshot | None = feed.snapshot
        themes, self.theme_errors = load_themes(bundled_themes_dir, user_themes_dir)
        for loaded in themes:
            self.register_theme(loaded)
        self.requested_theme = theme
        if theme in self.available_themes:
            self.theme = theme
        elif DEFAULT_THEME in self.available_themes:
            self.theme = DEFAULT_THEME
        if keymap:
            self.set_keymap(dict(keymap))
        self._unsubscribe: Unsubscribe | None = None
        self._ticker: Timer | None = None

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Textual's built-in themes do not define the cockpit's semantic variables; derive
        # them from the theme's own colours so widget CSS parses under any theme.
        colours = self.current_theme.to_color_system().generate()
        return {**super().get_theme_variable_defaults(), **semantic_defaults(colours)}

    def get_default_screen(self) -> Screen[None]:
        return BoardScreen(self.ctx, self.snapshot)

    def get_key_display(self, binding: Binding) -> str:
        display = super().get_key_display(binding)
        if self.ctx.glyphs.is_ascii:
            for symbol, word in _ASCII_KEYS.items():
                display = display.replace(symbol, word)
        return display

    async def on_mount(self) -> None:
        for error in self.theme_errors:
            self.notify(str(error), title=error.title, severity="warning", markup=False)
        if self.requested_theme not in self.available_themes:
            self.notify(
                f"Theme '{self.requested_theme}' not found; using '{self.theme}'.",
                title="Theme not loaded",
                severity="warning",
                markup=False,
            )
        self._unsubscribe = self.feed.subscribe(self._snapshot_published)
        await self.feed.start()
        latest = self.feed.snapshot
        if latest is not None and latest is not self.snapshot:
            self.post_message(SnapshotUpdated(latest))
        self._ticker = self.set_interval(TICK_SECONDS, self._tick)

    async def on_unmount(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.feed.stop()

    def _snapshot_published(self, snapshot: CockpitSnapshot) -> None:
        self.post_message(SnapshotUpdated(snapshot))

    def _live_screens(self) -> list[LiveScreen]:
        return [s for s in self.screen_stack if isinstance(s, LiveScreen)]

    async def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        self.snapshot = message.snapshot
        for screen in self._live_screens():
            await screen.show_snapshot(message.snapshot)

    def _tick(self) -> None:
        for screen in self._live_screens():
            screen.tick()

    def on_release_selected(self, message: ReleaseSelected) -> None:
        self.push_screen(ReleaseDetailScreen(self.ctx, self.snapshot, message.key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "sources" and isinstance(self.screen, SourcesScreen | HelpScreen):
            return False
        return not (action == "help" and isinstance(self.screen, HelpScreen))

    def action_help(self) -> None:
        screen = self.screen
        name = screen.HELP_NAME if isinstance(screen, LiveScreen) else "cockpit"
        self.push_screen(HelpScreen(name, key_help(self, screen), self.ctx.glyphs))

    def action_sources(self) -> None:
        self.push_screen(SourcesScreen(self.ctx, self.snapshot))

    def action_refresh(self) -> None:
        self.feed.refresh()
        self.notify("Polling every source now.", timeout=2)
