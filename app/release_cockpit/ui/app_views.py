"""The app's global keys and start-up: which screen each key opens, and when a key applies.

Kept apart from ``CockpitApp`` so the app itself only wires the feed to the screens; every
function here takes the running app and uses only its public surface.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual.app import SystemCommand
from textual.driver import Driver
from textual.geometry import Size
from textual.screen import Screen
from textual.theme import Theme

from release_cockpit.domain import Release
from release_cockpit.errors import CockpitError
from release_cockpit.ui.command_line import HELP as COMMAND_HELP
from release_cockpit.ui.command_runner import run_command, switch_theme, view_commands
from release_cockpit.ui.screens.audit import AuditScreen
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.help import HelpScreen, key_help
from release_cockpit.ui.screens.live import LiveScreen
from release_cockpit.ui.screens.metrics import MetricsScreen
from release_cockpit.ui.screens.prompt import PromptScreen
from release_cockpit.ui.screens.release_actions import ReleaseActionsScreen
from release_cockpit.ui.screens.sources import SourcesScreen
from release_cockpit.ui.screens.too_small import TooSmallScreen, too_small

if TYPE_CHECKING:
    from release_cockpit.ui.cockpit_app import CockpitApp


def announcing_driver(base: type[Driver], app: CockpitApp) -> type[Driver]:
    """``base`` (the platform's driver), handing itself to ``app.terminal`` when built."""

    class Announcing(base):  # type: ignore[valid-type,misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            app.terminal = self

    Announcing.__name__ = f"Announcing{base.__name__}"
    return Announcing


def startup_notices(app: CockpitApp) -> None:
    """Broken themes and stores, said once; the theme choice remembered from now on."""
    for error in [*app.theme_errors, *app.options.startup_warnings]:
        app.notify(str(error), title=error.title, severity="warning", markup=False)
    requested = app.options.theme
    if requested not in app.available_themes:
        app.notify(
            f"Theme '{requested}' not found; using '{app.theme}'.",
            title="Theme not loaded",
            severity="warning",
            markup=False,
        )
    app.theme_changed_signal.subscribe(app, lambda theme: _remember(app, theme))
    check_size(app, app.size)


def _remember(app: CockpitApp, theme: Theme) -> None:
    remember = app.options.remember_theme
    if remember is None:
        return
    try:
        remember(theme.name)
    except CockpitError as error:
        app.notify(str(error), title=error.title, severity="warning", markup=False)


def check_size(app: CockpitApp, size: Size) -> None:
    """Below the smallest usable size, say so instead of drawing a garbled board."""
    screen = app.screen if app.screen_stack else None
    if too_small(size):
        if isinstance(screen, TooSmallScreen):
            screen.show_size(size)
        else:
            app.push_screen(TooSmallScreen())
    elif isinstance(screen, TooSmallScreen):
        app.pop_screen()


def check_action(app: CockpitApp, action: str) -> bool:
    """Whether a global key applies on the screen on top (the footer shows only those)."""
    screen = app.screen
    if action == "copy_release":
        return selected_release(app) is not None
    if action == "sources":
        return not isinstance(screen, SourcesScreen | HelpScreen)
    if action == "help":
        # The board lists its own ? first, so it fits at 80 columns.
        return not isinstance(screen, BoardScreen | HelpScreen)
    if action == "audit":
        return app.ctx.records is not None and not isinstance(screen, AuditScreen)
    if action == "metrics":
        return app.ctx.records is not None and not isinstance(screen, MetricsScreen)
    return True


def show_help(app: CockpitApp) -> None:
    screen = app.screen
    name = screen.HELP_NAME if isinstance(screen, LiveScreen) else "cockpit"
    app.push_screen(HelpScreen(name, key_help(app, screen), app.ctx.glyphs))


def show_sources(app: CockpitApp) -> None:
    app.push_screen(SourcesScreen(app.ctx, app.snapshot))


def show_audit(app: CockpitApp) -> None:
    records, controls = app.ctx.records, app.ctx.controls
    if records is None or controls is None or controls.database is None:
        app.notify("No audit log is open in this session.", severity="warning")
        return
    location = str(controls.database.path)
    app.push_screen(AuditScreen(app.ctx, app.snapshot, records.audit_entries, location))


def show_metrics(app: CockpitApp) -> None:
    records = app.ctx.records
    if records is None:
        app.notify("No release history is open in this session.", severity="warning")
        return
    app.push_screen(MetricsScreen(app.ctx, app.snapshot, records.history_records))


def selected_release(app: CockpitApp) -> Release | None:
    """The release the screen on top has selected (board focus, open detail), if any."""
    screen = app.screen
    key = screen.selected_key() if isinstance(screen, ReleaseActionsScreen) else None
    return app.snapshot.release(key) if app.snapshot is not None and key else None


def command_line(app: CockpitApp) -> None:
    """``:``: a release, an environment filter, a theme, pause or quit."""

    def done(text: str | None) -> None:
        if text:
            app.run_worker(run_command(app, text), group="command-line")

    prompt = PromptScreen(":", placeholder="release, env, theme...", hint=COMMAND_HELP)
    app.push_screen(prompt, done)


def theme_prompt(app: CockpitApp) -> bool:
    """ctrl+t in ASCII mode: a prompt, because Textual's theme list draws with Unicode (a
    search icon, block borders) a non-UTF-8 terminal lacks. False: use Textual's list."""
    if not app.ctx.glyphs.is_ascii:
        return False

    def chosen(name: str | None) -> None:
        if name:
            switch_theme(app, name.strip())

    names = " ".join(sorted(n for n in app.available_themes if n != "textual-ansi"))
    app.push_screen(PromptScreen("theme", value=app.theme, hint=names), chosen)
    return True


def system_commands(app: CockpitApp, screen: Screen[object]) -> Iterable[SystemCommand]:
    """The palette's view commands, and the actions that apply to the selected release."""
    yield from view_commands(app, screen)
    key = screen.selected_key() if isinstance(screen, ReleaseActionsScreen) else None
    yield from app.flow.commands(key)
