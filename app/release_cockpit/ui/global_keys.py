"""The app's global keys: which screen each opens, when each applies, pause, copy, theme.

A base class of ``CockpitApp``, so the app module itself only wires the feed to the
screens. Everything here uses the running app's public surface and the snapshot; none of
it does I/O (the audit and metrics screens read through ``ctx.records``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import events
from textual.app import SystemCommand
from textual.geometry import Size
from textual.screen import Screen
from textual.theme import Theme

from release_cockpit.errors import CockpitError
from release_cockpit.ui.command_line import HELP as COMMAND_HELP
from release_cockpit.ui.command_runner import run_command, switch_theme, view_commands
from release_cockpit.ui.key_reasons import refused
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.checklist import ChecklistScreen
from release_cockpit.ui.screens.live import LiveScreen
from release_cockpit.ui.screens.prompt import PromptScreen
from release_cockpit.ui.screens.release_actions import ReleaseActionsScreen
from release_cockpit.ui.screens.too_small import TooSmallScreen, too_small
from release_cockpit.ui.terminal_app import TerminalApp

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot, Release
    from release_cockpit.errors import ThemeError
    from release_cockpit.ui.action_flow import ActionFlow
    from release_cockpit.ui.app_options import Options
    from release_cockpit.ui.context import UiContext
    from release_cockpit.ui.notifier import Notifier
    from release_cockpit.ui.questions import Questions


def _kind(screen: Screen[object]) -> str:
    """Which of the screens opened from here ``screen`` is ("" for others). A marker, not
    ``isinstance``: their modules are imported when first opened, not before the first
    frame, and the footer asks about them on every frame."""
    kind = getattr(screen, "KIND", "")
    return kind if isinstance(kind, str) else ""


class GlobalKeys(TerminalApp):
    """Keys that work on every screen (``ui.bindings.APP_BINDINGS``)."""

    ctx: UiContext
    options: Options
    flow: ActionFlow
    snapshot: CockpitSnapshot | None
    stores_working: dict[str, bool]
    clock_said: bool
    theme_errors: list[ThemeError]
    notifier: Notifier
    keymap: dict[str, str]
    questions: Questions

    async def on_event(self, event: events.Event) -> None:
        # Keys typed right after ":" or "/" arrive before the prompt's input has the focus:
        # straight from the terminal, or back from the board, to which the app had already
        # handed them while the ":" was still on its way to its binding. The prompt keeps
        # them (see ``PromptScreen.hold``) rather than Textual dropping them.
        if (
            isinstance(event, events.Key | events.Paste)
            and self.screen_stack
            and isinstance(self.screen, PromptScreen)
            and self.screen.hold(event)
        ):
            return
        if isinstance(event, events.Key) and event.is_forwarded and self._say_refused(event):
            return
        await super().on_event(event)

    def _say_refused(self, event: events.Key) -> bool:
        """A key of a live screen that does nothing now says why (read-only, nothing
        selected, the rollout's state) instead of nothing happening. Checked when the key
        comes back to the app unhandled, where Textual would look its bindings up."""
        screen = self.screen
        if not isinstance(screen, LiveScreen):
            return False
        state = refused(self, screen, event.key)
        if state is None:
            return False
        self.bell()
        self.notify(
            state.reason,
            title=f"{self.get_key_display(state.binding)}: {state.description} does nothing now",
            severity="warning",
            timeout=5,
            markup=False,
        )
        return True

    def live_screens(self) -> list[LiveScreen]:
        return [s for s in self.screen_stack if isinstance(s, LiveScreen)]

    async def show(self, snapshot: CockpitSnapshot) -> None:
        """Hand a snapshot to every screen that renders them."""
        self.snapshot = snapshot
        for screen in self.live_screens():
            await screen.show_snapshot(snapshot)
        for modal in self.screen_stack:
            if isinstance(modal, ChecklistScreen):
                modal.show_snapshot()  # it reads the release from self.snapshot

    def tick(self) -> None:
        for screen in self.live_screens():
            screen.tick()
        self.notifier.tick(self.ctx.now())
        self.questions.tick(self.ctx.now())

    def action_answer(self, key: str) -> None:
        self.questions.press(key)

    def say_session_changes(self, snapshot: CockpitSnapshot) -> None:
        """A store that stops writing (or recovers), and a jump of the system clock, are said
        once, when they happen (paused or not); the sources screen keeps showing them."""
        if snapshot.clock_note and not self.clock_said:
            self.clock_said = True
            self.notify(snapshot.clock_note, title="Clock jumped", severity="warning", markup=False)
        for store in snapshot.stores:
            if self.stores_working.get(store.name, True) == store.working:
                continue
            self.stores_working[store.name] = store.working
            if store.working:
                self.notify(f"{store.name} is writing again.", title="Store recovered")
            else:
                self.notify(
                    f"{store.text}. Live data is unaffected; see the sources screen (s).",
                    title="Store not writing",
                    severity="warning",
                    markup=False,
                )

    def say_startup_problems(self) -> None:
        """Broken themes and stores, said once; the theme choice remembered from now on."""
        for error in [*self.theme_errors, *self.options.startup_warnings]:
            self.notify(str(error), title=error.title, severity="warning", markup=False)
        requested = self.options.theme
        if requested not in self.available_themes:
            self.notify(
                f"Theme '{requested}' not found; using '{self.theme}'.",
                title="Theme not loaded",
                severity="warning",
                markup=False,
            )
        self.theme_changed_signal.subscribe(self, self._remember_theme)
        self._check_size(self.size)

    def _remember_theme(self, theme: Theme) -> None:
        remember = self.options.remember_theme
        if remember is None:
            return
        try:
            remember(theme.name)
        except CockpitError as error:
            self.notify(str(error), title=error.title, severity="warning", markup=False)

    def on_resize(self, event: events.Resize) -> None:
        self._check_size(event.size)

    def _check_size(self, size: Size) -> None:
        """Below the smallest usable size, say so instead of drawing a garbled board."""
        screen = self.screen if self.screen_stack else None
        if too_small(size):
            if isinstance(screen, TooSmallScreen):
                screen.show_size(size)
            else:
                self.push_screen(TooSmallScreen())
        elif isinstance(screen, TooSmallScreen):
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Whether a global key applies on the screen on top (the footer shows only those)."""
        screen = self.screen
        if action == "copy_release":
            return self.selected_release() is not None
        if action == "sources":
            return _kind(screen) not in ("sources", "help")
        if action == "help":
            # The board lists its own ? first, so it fits at 80 columns.
            return not isinstance(screen, BoardScreen) and _kind(screen) != "help"
        if action == "audit":
            return self.ctx.records is not None and _kind(screen) != "audit"
        if action == "metrics":
            return self.ctx.records is not None and _kind(screen) != "metrics"
        if action == "pause_updates":
            return not self.paused
        if action == "resume_updates":
            return self.paused
        if action == "answer":
            return self.questions.wants(str(parameters[0]) if parameters else "")
        return True

    def unavailable_reason(self, action: str, parameters: tuple[object, ...]) -> str:
        """Why a global key does nothing on the screen on top (see ``ui.key_reasons``)."""
        screen = self.screen
        if action == "copy_release":
            return "no release is selected here"
        if action in ("audit", "metrics"):
            if self.ctx.records is None:
                return "no audit log or history is open in this session"
            return "this is that screen"
        if action in ("sources", "help"):
            return "this is that screen" if _kind(screen) in ("sources", "help") else ""
        if action == "resume_updates":
            return "live updates are not paused"
        if action == "pause_updates":
            return "live updates are already paused"
        return ""

    def action_help(self) -> None:
        screen = self.screen
        from release_cockpit.ui.screens.help import HelpScreen, key_help

        name = screen.HELP_NAME if isinstance(screen, LiveScreen) else "cockpit"
        self.push_screen(HelpScreen(name, key_help(self, screen), self.ctx.glyphs))

    def action_sources(self) -> None:
        from release_cockpit.ui.screens.sources import SourcesScreen

        self.push_screen(SourcesScreen(self.ctx, self.snapshot))

    def action_audit(self) -> None:
        records, controls = self.ctx.records, self.ctx.controls
        if records is None or controls is None or controls.database is None:
            self.notify("No audit log is open in this session.", severity="warning")
            return
        location = str(controls.database.path)
        from release_cockpit.ui.screens.audit import AuditScreen

        self.push_screen(AuditScreen(self.ctx, self.snapshot, records.audit_entries, location))

    def action_metrics(self) -> None:
        records = self.ctx.records
        if records is None:
            self.notify("No release history is open in this session.", severity="warning")
            return
        from release_cockpit.ui.screens.metrics import MetricsScreen

        self.push_screen(MetricsScreen(self.ctx, self.snapshot, records.history_bundle))

    @property
    def paused(self) -> bool:
        return self.ctx.view.paused_at is not None

    async def action_toggle_pause(self) -> None:
        """Freeze what the screens show (p); the newest data appears on resume."""
        if self.paused:
            self.ctx.view.paused_at = None
            await self.resume()
            self.notify("Live updates resumed.", timeout=2)
        else:
            self.ctx.view.paused_at = self.ctx.now()
            self.notify("Paused: the screen keeps this data until p is pressed again.", timeout=3)
        self.refresh_bindings()  # the footer's p now says Resume (or Pause again)
        self.tick()

    async def action_pause_updates(self) -> None:
        if not self.paused:
            await self.action_toggle_pause()

    async def action_resume_updates(self) -> None:
        if self.paused:
            await self.action_toggle_pause()

    async def resume(self) -> None:
        """Show what arrived while paused (the app keeps it)."""

    def selected_release(self) -> Release | None:
        """The release the screen on top has selected (board focus, open detail), if any."""
        screen = self.screen
        key = screen.selected_key() if isinstance(screen, ReleaseActionsScreen) else None
        return self.snapshot.release(key) if self.snapshot is not None and key else None

    def action_copy_release(self) -> None:
        """Copy the selected release's id (OSC 52: works over SSH in most terminals)."""
        release = self.selected_release()
        if release is not None:
            self.copy_to_clipboard(release.id)
            self.notify(f"Copied {release.id}", timeout=2, markup=False)

    def action_command_line(self) -> None:
        """``:``: a release, an environment filter, a theme, pause or quit."""

        def done(text: str | None) -> None:
            if text:
                self.run_worker(run_command(self, text), group="command-line")

        prompt = PromptScreen(":", placeholder="release, env, theme...", hint=COMMAND_HELP)
        self.push_screen(prompt, done)

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

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The palette: Textual's own, the view commands, the actions that apply now."""
        yield from super().get_system_commands(screen)
        yield from view_commands(self, screen)
        key = screen.selected_key() if isinstance(screen, ReleaseActionsScreen) else None
        yield from self.flow.commands(key)
