"""The actions menu (x) on its own: the letters it shows act, Enter acts on the highlight."""

from __future__ import annotations

from textual.app import App

from release_cockpit.domain import Action
from release_cockpit.ui.glyphs import ASCII, UNICODE, Glyphs
from release_cockpit.ui.screens.actions_menu import ActionsMenuScreen
from tests.support.ui import screen_text, until

CHOICES: dict[Action, str | None] = {
    Action.ABORT: None,
    Action.ROLLBACK: None,
    Action.PAUSE: "pause does nothing now: the rollout is already paused",
    Action.PROMOTE: None,
    Action.RESTART: None,
}
KEYS = {Action.ABORT: "A", Action.ROLLBACK: "U", Action.PAUSE: "Z", Action.PROMOTE: "P"}


class MenuApp(App[None]):
    def __init__(self, glyphs: Glyphs = UNICODE) -> None:
        super().__init__()
        self.glyphs = glyphs
        self.chosen: list[Action | None] = []

    def on_mount(self) -> None:
        menu = ActionsMenuScreen("payments", dict(CHOICES), dict(KEYS), self.glyphs)
        self.push_screen(menu, self.chosen.append)


async def test_a_letter_shown_in_the_menu_chooses_its_action():
    app = MenuApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ActionsMenuScreen))
        await pilot.press("U")
        await until(pilot, lambda: app.chosen == [Action.ROLLBACK])


async def test_enter_acts_on_the_highlighted_line_only():
    app = MenuApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ActionsMenuScreen))
        await pilot.press("down", "enter")
        await until(pilot, lambda: app.chosen == [Action.ROLLBACK])


async def test_a_refused_letter_says_why_and_keeps_the_menu_open():
    app = MenuApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ActionsMenuScreen))
        menu = app.screen
        assert isinstance(menu, ActionsMenuScreen)
        await pilot.press("Z")
        await until(pilot, lambda: "already paused" in menu.why)
        assert "Pause:" in menu.why
        assert app.screen is menu
        assert app.chosen == []


async def test_a_letter_no_action_shows_does_nothing():
    app = MenuApp()
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, ActionsMenuScreen))
        await pilot.press("w", "G")
        await pilot.pause()
        assert isinstance(app.screen, ActionsMenuScreen)
        assert app.chosen == []


async def test_on_an_ascii_terminal_the_menu_draws_nothing_but_ascii():
    """The list's own border (block characters) would show as garbage without UTF-8."""
    app = MenuApp(ASCII)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "Actions: payments" in screen_text(app))
        text = screen_text(app)
        assert text.isascii(), [c for c in text if not c.isascii()][:5]
        assert "Roll back" in text
