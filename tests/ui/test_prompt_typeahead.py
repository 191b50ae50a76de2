"""Nothing typed after `:` or `/` is lost, even when it arrives in one burst.

`tmux send-keys -l ':env staging'`, a paste into the terminal and SSH coalescing all
deliver every key at once: the keys after `:` reach the app before the prompt has
mounted its input. They are posted here the same way, in one go, without waiting.
"""

from __future__ import annotations

from textual import events

from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.prompt import PromptScreen
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from tests.support.ui import build_app, screen_text, until

_NAMES = {":": "colon", "/": "slash", " ": "space", "\r": "enter"}


def burst(app, text: str) -> None:
    """Post one key event per character at once, as a terminal's single read does."""
    for character in text:
        name = _NAMES.get(character, character)
        app.post_message(events.Key(name, None if name == "enter" else character))


async def test_a_burst_after_colon_reaches_the_command_line():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.panels)
        board = app.screen
        burst(app, ":env staging\r")
        await until(pilot, lambda: app.screen is board)
        await until(pilot, lambda: "/env:staging (2 of 6)" in screen_text(app))
        assert [p.release.service for p in board.panels] == ["search", "profile"]


async def test_a_burst_after_slash_reaches_the_filter_and_no_board_key_fires():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.panels)
        # "s" would open the sources screen and "r" refresh if they reached the board.
        burst(app, "/search")
        await until(pilot, lambda: isinstance(app.screen, PromptScreen))
        prompt = app.screen
        assert isinstance(prompt, PromptScreen)
        await until(pilot, lambda: prompt.input.value == "search")
        assert app.feed.refreshes == []
        await pilot.press("enter")
        await until(pilot, lambda: "/search (1 of 6)" in screen_text(app))


async def test_a_pasted_release_name_opens_it():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.panels)
        app.post_message(events.Key("colon", ":"))
        app.post_message(events.Paste("checkout"))
        app.post_message(events.Key("enter", None))
        await until(pilot, lambda: isinstance(app.screen, ReleaseDetailScreen))
