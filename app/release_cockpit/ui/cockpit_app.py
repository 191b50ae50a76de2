"""The Textual app: wires the snapshot feed to the screens, registers themes, holds global keys.

It stays thin. The feed (the engine, or a test double) runs as tasks on this app's event
loop and calls back with each snapshot; the callback only posts a replaceable message, so
the UI renders the latest picture and never queues a backlog. The action path lives in
``action_flow``, the ``:`` commands in ``command_runner``, themes in ``themes``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import SeverityLevel
from textual.screen import Screen

from release_cockpit.domain import CockpitSnapshot, Release
from release_cockpit.engine.controls import Controls
from release_cockpit.engine.feed import RecordReader, SnapshotFeed, Unsubscribe
from release_cockpit.errors import CockpitError
from release_cockpit.ui import app_views
from release_cockpit.ui.action_flow import ActionFlow
from release_cockpit.ui.bindings import APP_BINDINGS
from release_cockpit.ui.context import UiContext, utc_now
from release_cockpit.ui.glyphs import Glyphs
from release_cockpit.ui.messages import (
    ActionRequested,
    ActionsMenuRequested,
    ChecklistRequested,
    HelpRequested,
    ReleaseSelected,
    SnapshotUpdated,
)
from release_cockpit.ui.notifier import Notifier
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.live import LiveScreen
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from release_cockpit.ui.screens.wall import WallScreen
from release_cockpit.ui.textfit import to_ascii
from release_cockpit.ui.themes import DEFAULT_THEME, install_themes, semantic_defaults

WALL_THEME = "high-contrast"
TICK_SECONDS = 1.0
_ASCII_KEYS = {"↓": "down", "↑": "up", "⏎": "enter"}  # footer key names without Unicode


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
    desktop_notifications: str = "off"
    startup_warnings: Sequence[CockpitError] = ()
    wall: bool = False
    wall_rotate: float = 15.0
    remember_theme: Callable[[str], None] | None = None


class CockpitApp(App[None]):
    """The release cockpit. Widgets render snapshots; intents go to the feed (refresh) and
    to the controls (actions, checklist ticks), never straight to a backend."""

    BINDINGS = APP_BINDINGS
    # Scrollbars are drawn with Unicode block characters; a non-UTF-8 terminal would show
    # them as garbage, so the ASCII mode goes without (the footer names the scroll keys).
    CSS = """
    App.-ascii Widget { scrollbar-size: 0 0; }
    App.-ascii Toast, App.-ascii Toast.-information { border-left: ascii $success; }
    App.-ascii Toast.-warning { border-left: ascii $warning; }
    App.-ascii Toast.-error { border-left: ascii $error; }
    """

    def __init__(
        self,
        feed: SnapshotFeed,
        options: Options | None = None,
        *,
        controls: Controls | None = None,
        records: RecordReader | None = None,
        **settings: Any,
    ) -> None:
        """``settings`` are ``Options`` fields given one by one (tests use that form)."""
        opts = options or Options(**settings)
        self.terminal: Driver | None = None  # set by the driver when the app runs
        super().__init__()
        self.animation_level = "none"  # every animation frame is a screenful over SSH
        self.feed = feed
        self.options = opts
        self.wall = opts.wall
        if opts.wall:  # the wall is a display: no controls at all, whatever the config says
            controls, records = None, None
        self.keymap = dict(opts.keymap)
        self.ctx = UiContext(
            glyphs=Glyphs.for_mode(opts.ascii),
            clock=opts.clock,
            read_only=opts.wall or opts.read_only or bool(controls and controls.read_only),
            title=opts.title,
            controls=controls,
            records=records,
        )
        self.flow = ActionFlow(self, controls)
        self.notifier = Notifier(self, bell=opts.bell, desktop=opts.desktop_notifications)
        self.title = opts.title
        self.set_class(opts.ascii, "-ascii")
        self.snapshot: CockpitSnapshot | None = feed.snapshot
        self.theme_errors = install_themes(
            self, opts.theme, opts.bundled_themes_dir, opts.user_themes_dir
        )
        if self.keymap:
            self.set_keymap(self.keymap)
        self._unsubscribe: Unsubscribe | None = None
        self._held: CockpitSnapshot | None = None  # the newest snapshot while paused (p)

    def get_driver_class(self) -> type[Driver]:
        """The platform's driver, made to hand itself to the app: desktop notifications
        (OSC 9/777) must go through the driver's ordered output, and Textual offers no
        public way to reach it."""
        return app_views.announcing_driver(super().get_driver_class(), self)

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # Toasts carry domain and backend text too; a non-UTF-8 terminal gets it spelled out.
        if self.ctx.glyphs.is_ascii:
            message, title = to_ascii(message), to_ascii(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Textual's built-in themes lack the cockpit's semantic variables; derive them.
        colours = self.current_theme.to_color_system().generate()
        return {**super().get_theme_variable_defaults(), **semantic_defaults(colours)}

    def get_default_screen(self) -> Screen[None]:
        if self.wall:
            return WallScreen(self.ctx, self.snapshot, rotate_seconds=self.options.wall_rotate)
        return BoardScreen(self.ctx, self.snapshot)

    def get_key_display(self, binding: Binding) -> str:
        display = super().get_key_display(binding)
        if self.ctx.glyphs.is_ascii:
            for symbol, word in _ASCII_KEYS.items():
                display = display.replace(symbol, word)
        return display

    async def on_mount(self) -> None:
        app_views.startup_notices(self)
        self._unsubscribe = self.feed.subscribe(self._snapshot_published)
        await self.feed.start()
        latest = self.feed.snapshot
        if latest is not None and latest is not self.snapshot:
            self.post_message(SnapshotUpdated(latest))
        self.set_interval(TICK_SECONDS, self._tick)

    async def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.feed.stop()

    def _snapshot_published(self, snapshot: CockpitSnapshot) -> None:
        self.post_message(SnapshotUpdated(snapshot))

    def live_screens(self) -> list[LiveScreen]:
        return [s for s in self.screen_stack if isinstance(s, LiveScreen)]

    async def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        # Notifications still come while paused: pausing is for reading, not for missing
        # that a release started failing.
        self.notifier.snapshot(message.snapshot)
        if self.paused:
            self._held = message.snapshot
            return
        await self.show(message.snapshot)

    async def show(self, snapshot: CockpitSnapshot) -> None:
        self.snapshot = snapshot
        for screen in self.live_screens():
            await screen.show_snapshot(snapshot)

    def _tick(self) -> None:
        for screen in self.live_screens():
            screen.tick()

    @property
    def paused(self) -> bool:
        return self.ctx.view.paused_at is not None

    async def action_toggle_pause(self) -> None:
        """Freeze what the screens show (p); the newest data appears on resume."""
        if self.paused:
            self.ctx.view.paused_at = None
            held, self._held = self._held, None
            if held is not None:
                await self.show(held)
            self.notify("Live updates resumed.", timeout=2)
        else:
            self.ctx.view.paused_at = self.ctx.now()
            self.notify("Paused: the screen keeps this data until p is pressed again.", timeout=3)
        self._tick()

    def on_release_selected(self, message: ReleaseSelected) -> None:
        self.push_screen(ReleaseDetailScreen(self.ctx, self.snapshot, message.key))

    def on_help_requested(self, _message: HelpRequested) -> None:
        self.action_help()

    def on_action_requested(self, message: ActionRequested) -> None:
        self.flow.request(message.key, message.action)

    def on_actions_menu_requested(self, message: ActionsMenuRequested) -> None:
        self.flow.menu(message.key)

    def on_checklist_requested(self, message: ChecklistRequested) -> None:
        self.flow.checklist(message.key)

    def on_resize(self, event: events.Resize) -> None:
        app_views.check_size(self, event.size)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return app_views.check_action(self, action)

    def action_help(self) -> None:
        app_views.show_help(self)

    def action_sources(self) -> None:
        app_views.show_sources(self)

    def action_audit(self) -> None:
        app_views.show_audit(self)

    def action_metrics(self) -> None:
        app_views.show_metrics(self)

    def action_refresh(self) -> None:
        self.feed.refresh()
        self.notify("Polling every source now.", timeout=2)

    def selected_release(self) -> Release | None:
        """The release the screen on top has selected (board focus, open detail), if any."""
        return app_views.selected_release(self)

    def action_copy_release(self) -> None:
        """Copy the selected release's id (OSC 52: works over SSH in most terminals)."""
        release = self.selected_release()
        if release is not None:
            self.copy_to_clipboard(release.id)
            self.notify(f"Copied {release.id}", timeout=2, markup=False)

    def action_command_line(self) -> None:
        app_views.command_line(self)

    def action_change_theme(self) -> None:
        if not app_views.theme_prompt(self):  # ASCII terminals get a prompt instead
            super().action_change_theme()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from app_views.system_commands(self, screen)
