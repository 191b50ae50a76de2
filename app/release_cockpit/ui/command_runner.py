"""What the ``:`` command line and the palette's view commands do to the running app.

The parsing is pure (``app.ui.command_line``); this module carries a parsed command out:
open a release, filter the board, switch theme, pause or quit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.screen import Screen

from release_cockpit.ui.command_line import Verb, find_release, parse_command
from release_cockpit.ui.screens.board import BoardScreen

if TYPE_CHECKING:
    from release_cockpit.ui.global_keys import GlobalKeys


async def run_command(app: GlobalKeys, text: str) -> None:
    """Carry out one ``:`` command; a name that matches nothing is reported, not guessed."""
    command = parse_command(text)
    if command.verb is Verb.QUIT:
        app.exit()
    elif command.verb in (Verb.PAUSE, Verb.RESUME):
        if app.paused != (command.verb is Verb.PAUSE):
            await app.action_toggle_pause()
    elif command.verb is Verb.THEME:
        switch_theme(app, command.argument)
    elif command.verb in (Verb.ENV, Verb.FILTER):
        query = f"env:{command.argument}" if command.verb is Verb.ENV else command.argument
        board = next((s for s in app.screen_stack if isinstance(s, BoardScreen)), None)
        if board is None:
            app.notify("The filter applies to the board; this view has none.", timeout=3)
            return
        while app.screen is not board:
            app.pop_screen()
        board.set_filter(query)
    elif command.verb is Verb.RELEASE:
        releases = app.snapshot.releases if app.snapshot is not None else ()
        release = find_release(releases, command.argument)
        if release is None:
            app.notify(
                f"No release matches '{command.argument}'.", severity="warning", markup=False
            )
            return
        from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen

        app.push_screen(ReleaseDetailScreen(app.ctx, app.snapshot, release.key))


def switch_theme(app: GlobalKeys, name: str) -> None:
    if name not in app.available_themes:
        themes = ", ".join(sorted(app.available_themes))
        app.notify(f"No theme '{name}'. Themes: {themes}", severity="warning", markup=False)
        return
    app.theme = name


def view_commands(app: GlobalKeys, screen: Screen[object]) -> Iterable[SystemCommand]:
    """Palette entries for the operator keys, so they can be found without knowing them."""
    word = "Resume" if app.paused else "Pause"
    yield SystemCommand(
        f"{word} live updates",
        "Freeze or unfreeze what the screen shows (p)",
        app.action_toggle_pause,
    )
    yield SystemCommand(
        "Command line", "Jump to a release or environment (:)", app.action_command_line
    )
    if isinstance(screen, BoardScreen):
        yield SystemCommand(
            "Filter releases", "By service, team, env or state (/)", screen.action_filter
        )
    if app.selected_release() is not None:
        yield SystemCommand(
            "Copy release id", "To the clipboard, by OSC 52 (y)", app.action_copy_release
        )
