"""The Textual app: wires the snapshot feed to the screens, registers themes, holds global keys.

It stays thin. The feed (the engine, or a test double) runs as tasks on this app's
event loop and calls back with each snapshot; the callback only posts a replaceable
message, so the UI always renders the latest picture and never queues a backlog.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.geometry import Size
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.theme import Theme
from textual.timer import Timer

from release_cockpit.domain import Action, CockpitSnapshot, Release
from release_cockpit.domain.actions import ActionPlan
from release_cockpit.engine.controls import Controls
from release_cockpit.engine.feed import SnapshotFeed, Unsubscribe
from release_cockpit.errors import ActionRefused, CockpitError
from release_cockpit.ui.bindings import ACTION_KEYS, APP_BINDINGS
from release_cockpit.ui.command_line import HELP as COMMAND_HELP
from release_cockpit.ui.command_runner import run_command, switch_theme, view_commands
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
from release_cockpit.ui.screens.actions_menu import ActionsMenuScreen
from release_cockpit.ui.screens.audit import AuditScreen
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.checklist import ChecklistScreen
from release_cockpit.ui.screens.confirm import ConfirmActionScreen
from release_cockpit.ui.screens.help import HelpScreen, key_help
from release_cockpit.ui.screens.live import LiveScreen
from release_cockpit.ui.screens.metrics import MetricsScreen
from release_cockpit.ui.screens.prompt import PromptScreen
from release_cockpit.ui.screens.release_actions import ReleaseActionsScreen, action_available
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from release_cockpit.ui.screens.sources import SourcesScreen
from release_cockpit.ui.screens.too_small import TooSmallScreen, too_small
from release_cockpit.ui.screens.wall import WallScreen
from release_cockpit.ui.textfit import to_ascii
from release_cockpit.ui.themes import DEFAULT_THEME, load_themes, semantic_defaults

WALL_THEME = "high-contrast"

TICK_SECONDS = 1.0

# Footer key names in ASCII mode, for terminals whose locale cannot show arrows.
_ASCII_KEYS = {"↓": "down", "↑": "up", "⏎": "enter"}


class CockpitApp(App[None]):
    """The release cockpit. Widgets render snapshots; intents go to the feed (refresh) and
    to the controls (actions, checklist ticks), never straight to a backend."""

    BINDINGS = APP_BINDINGS
    # Scrollbars are drawn with Unicode block characters; a non-UTF-8 terminal would show
    # them as garbage, so the ASCII mode goes without (the footer names the scroll keys).
    CSS = """
    App.-ascii Widget {
        scrollbar-size: 0 0;
    }
    App.-ascii Toast, App.-ascii Toast.-information {
        border-left: ascii $success;
    }
    App.-ascii Toast.-warning {
        border-left: ascii $warning;
    }
    App.-ascii Toast.-error {
        border-left: ascii $error;
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
        controls: Controls | None = None,
        bell: bool = True,
        desktop_notifications: str = "off",
        startup_warnings: Sequence[CockpitError] = (),
        wall: bool = False,
        wall_rotate: float = 15.0,
        remember_theme: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        # Every animation frame is another screenful over a slow SSH link; jump instead.
        self.animation_level = "none"
        self.feed = feed
        # The wall is a display: no controls at all, whatever the config allows.
        self.wall = wall
        self.wall_rotate = wall_rotate
        if wall:
            controls, read_only = None, True
        read_only = read_only or (controls is not None and controls.read_only)
        self.ctx = UiContext(
            glyphs=Glyphs.for_mode(ascii),
            clock=clock,
            read_only=read_only,
            title=title,
            controls=controls,
        )
        self.notifier = Notifier(self, bell=bell, desktop=desktop_notifications)
        self.startup_warnings = list(startup_warnings)
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
        self._remember_theme = remember_theme
        # While paused (p), the newest snapshot waits here instead of reaching the screens.
        self._held: CockpitSnapshot | None = None

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
        # Textual's built-in themes do not define the cockpit's semantic variables; derive
        # them from the theme's own colours so widget CSS parses under any theme.
        colours = self.current_theme.to_color_system().generate()
        return {**super().get_theme_variable_defaults(), **semantic_defaults(colours)}

    def get_default_screen(self) -> Screen[None]:
        if self.wall:
            return WallScreen(self.ctx, self.snapshot, rotate_seconds=self.wall_rotate)
        return BoardScreen(self.ctx, self.snapshot)

    def get_key_display(self, binding: Binding) -> str:
        display = super().get_key_display(binding)
        if self.ctx.glyphs.is_ascii:
            for symbol, word in _ASCII_KEYS.items():
                display = display.replace(symbol, word)
        return display

    async def on_mount(self) -> None:
        for error in [*self.theme_errors, *self.startup_warnings]:
            self.notify(str(error), title=error.title, severity="warning", markup=False)
        if self.requested_theme not in self.available_themes:
            self.notify(
                f"Theme '{self.requested_theme}' not found; using '{self.theme}'.",
                title="Theme not loaded",
                severity="warning",
                markup=False,
            )
        self.theme_changed_signal.subscribe(self, self._theme_changed)
        self._check_size(self.size)
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
        # The bell and notifications still come while paused: pausing is for reading, not
        # for missing that a release started failing.
        self.notifier.snapshot(message.snapshot)
        if self.paused:
            self._held = message.snapshot
            return
        self.snapshot = message.snapshot
        for screen in self._live_screens():
            await screen.show_snapshot(message.snapshot)

    def _tick(self) -> None:
        for screen in self._live_screens():
            screen.tick()

    def on_release_selected(self, message: ReleaseSelected) -> None:
        self.push_screen(ReleaseDetailScreen(self.ctx, self.snapshot, message.key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "copy_release":
            return self.selected_release() is not None
        if action == "sources" and isinstance(self.screen, SourcesScreen | HelpScreen):
            return False
        if action == "help" and isinstance(self.screen, BoardScreen):
            return False  # the board lists its own ? first, so it fits at 80 columns
        if action == "audit":
            return self.ctx.controls is not None and not isinstance(self.screen, AuditScreen)
        if action == "metrics":
            return self.ctx.controls is not None and not isinstance(self.screen, MetricsScreen)
        return not (action == "help" and isinstance(self.screen, HelpScreen))

    def on_help_requested(self, message: HelpRequested) -> None:
        self.action_help()

    def action_help(self) -> None:
        screen = self.screen
        name = screen.HELP_NAME if isinstance(screen, LiveScreen) else "cockpit"
        self.push_screen(HelpScreen(name, key_help(self, screen), self.ctx.glyphs))

    def action_sources(self) -> None:
        self.push_screen(SourcesScreen(self.ctx, self.snapshot))

    def action_audit(self) -> None:
        controls = self.ctx.controls
        if controls is None or controls.audit is None:
            self.notify("No audit log is open in this session.", severity="warning")
            return
        location = str(controls.audit.path)
        self.push_screen(AuditScreen(self.ctx, self.snapshot, controls.entries, location))

    def action_metrics(self) -> None:
        controls = self.ctx.controls
        if controls is None or controls.history is None:
            self.notify("No release history is open in this session.", severity="warning")
            return
        self.push_screen(MetricsScreen(self.ctx, self.snapshot, controls.records))

    def on_action_requested(self, message: ActionRequested) -> None:
        controls = self.ctx.controls
        if controls is None:
            return
        try:
            plan = controls.check(message.key, message.action)
        except ActionRefused as refused:
            self._refused(refused)
            return

        def confirmed(typed: str | None) -> None:
            if typed is None:
                self.notify("Cancelled: nothing was sent.", timeout=3)
                return
            self.run_worker(self._send(plan, typed), group="actions")

        self.push_screen(ConfirmActionScreen(plan, self.ctx.glyphs), confirmed)

    async def _send(self, plan: ActionPlan, typed: str) -> None:
        controls = self.ctx.controls
        if controls is None:
            return
        self.notify(f"{plan.title}: sending...", timeout=3, markup=False)
        try:
            outcome = await controls.run(plan, typed)
        except ActionRefused as refused:
            self._refused(refused)
            return
        self.notifier.action_done(outcome)

    def _refused(self, refused: ActionRefused) -> None:
        self.bell()
        self.notify(str(refused), title=refused.title, severity="warning", markup=False)

    def on_actions_menu_requested(self, message: ActionsMenuRequested) -> None:
        controls = self.ctx.controls
        release = self.snapshot.release(message.key) if self.snapshot else None
        if controls is None or release is None:
            return
        choices: dict[Action, str | None] = {}
        for action in controls.offered(message.key):
            try:
                controls.check(message.key, action)
                choices[action] = None
            except ActionRefused as refused:
                choices[action] = refused.message

        def chosen(action: Action | None) -> None:
            if action is not None:
                self.post_message(ActionRequested(message.key, action))

        keys = {action: self._key_for(action) for action in choices}
        screen = ActionsMenuScreen(release.service, choices, keys, self.ctx.glyphs)
        self.push_screen(screen, chosen)

    def _key_for(self, action: Action) -> str:
        """The key bound to an action now (a keymap may have changed it)."""
        binding_id = f"release.{action.value.replace('-', '_')}"
        return self._keymap.get(binding_id, ACTION_KEYS[action]).split(",")[0]

    def on_checklist_requested(self, message: ChecklistRequested) -> None:
        controls = self.ctx.controls
        key = message.key

        def current() -> Release | None:
            return self.snapshot.release(key) if self.snapshot else None

        def toggle(item: str, ticked: bool) -> None:
            if controls is None:
                self.notify("Checklist ticks need the controls.", severity="warning")
                return
            try:
                controls.tick(key, item, ticked)
            except ActionRefused as refused:
                self._refused(refused)
                return
            word = "ticked" if ticked else "unticked"
            self.notify(f"'{item}' {word}.", timeout=3, markup=False)

        self.push_screen(ChecklistScreen(current, toggle, self.ctx.glyphs))

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield from view_commands(self, screen)
        controls = self.ctx.controls
        key = screen.selected_key() if isinstance(screen, ReleaseActionsScreen) else None
        if controls is None or key is None:
            return
        for action in sorted(controls.offered(key), key=lambda a: a.value):
            if not action_available(self.ctx, key, action):
                continue
            plan = controls.check(key, action)
            yield SystemCommand(
                plan.title,
                f"{plan.effect} (asks for confirmation)",
                partial(self.post_message, ActionRequested(key, action)),
            )

    def action_refresh(self) -> None:
        self.feed.refresh()
        self.notify("Polling every source now.", timeout=2)

    @property
    def paused(self) -> bool:
        return self.ctx.view.paused_at is not None

    async def action_toggle_pause(self) -> None:
        """Freeze what the screens show (p); the newest data appears on resume."""
        if self.paused:
            self.ctx.view.paused_at = None
            held, self._held = self._held, None
            if held is not None:
                self.snapshot = held
                for screen in self._live_screens():
                    await screen.show_snapshot(held)
            self.notify("Live updates resumed.", timeout=2)
        else:
            self.ctx.view.paused_at = self.ctx.now()
            self.notify("Paused: the screen keeps this data until p is pressed again.", timeout=3)
        self._tick()

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size)

    def _check_size(self, size: Size) -> None:
        screen = self.screen if self.screen_stack else None
        if too_small(size):
            if isinstance(screen, TooSmallScreen):
                screen.show_size(size)
            else:
                self.push_screen(TooSmallScreen())
        elif isinstance(screen, TooSmallScreen):
            self.pop_screen()

    def _theme_changed(self, theme: Theme) -> None:
        if self._remember_theme is None:
            return
        try:
            self._remember_theme(theme.name)
        except CockpitError as error:
            self.notify(str(error), title=error.title, severity="warning", markup=False)

    def selected_release(self) -> Release | None:
        """The release the screen on top has selected (board focus, open detail), if any."""
        screen = self.screen
        key = screen.selected_key() if isinstance(screen, ReleaseActionsScreen) else None
        return self.snapshot.release(key) if self.snapshot is not None and key else None

    def action_copy_release(self) -> None:
        """Copy the selected release's id (OSC 52: works over SSH in most terminals)."""
        release = self.selected_release()
        if release is None:
            return
        self.copy_to_clipboard(release.id)
        self.notify(f"Copied {release.id}", timeout=2, markup=False)

    def action_command_line(self) -> None:
        def done(text: str | None) -> None:
            if text:
                self.run_worker(self.run_command(text), group="command-line")

        self.push_screen(
            PromptScreen(":", placeholder="release, env, theme...", hint=COMMAND_HELP), done
        )

    def action_change_theme(self) -> None:
        """ctrl+t: Textual's searchable theme list; in ASCII mode a prompt, because the
        list draws with Unicode (a search icon, block borders) a non-UTF-8 terminal lacks."""
        if not self.ctx.glyphs.is_ascii:
            super().action_change_theme()
            return

        def chosen(name: str | None) -> None:
            if name:
                switch_theme(self, name.strip())

        names = " ".join(sorted(n for n in self.available_themes if n != "textual-ansi"))
        self.push_screen(PromptScreen("theme", value=self.theme, hint=names), chosen)

    async def run_command(self, text: str) -> None:
        """Carry out one ``:`` command (see ``app.ui.command_line``)."""
        await run_command(self, text)
