"""Pilot tests for p pause, y copy, theme switching (remembered through a callback) and
keymap overrides by binding id."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.ui.command_runner import run_command
from release_cockpit.ui.screens.prompt import PromptScreen
from tests.support.ui import FixedFeed, build_app, screen_text
from tests.support.world import make_snapshot


async def test_p_pauses_updates_with_a_banner_and_resume_shows_the_latest():
    feed = FixedFeed(make_snapshot())
    app = build_app(feed.snapshot)
    app.feed = feed
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        board = app.screen
        feed.subscribe(app._snapshot_published)
        await pilot.press("p")
        await pilot.pause()
        assert app.paused
        assert "PAUSED 10:00:00Z (p resumes)" in screen_text(app)
        snapshot = make_snapshot()
        feed.push(replace(snapshot, releases=snapshot.releases[:2]))
        await pilot.pause()
        assert len(board.panels) == 6
        await pilot.press("p")
        await pilot.pause()
        assert not app.paused
        assert len(board.panels) == 2
        assert "PAUSED" not in screen_text(app)


async def test_y_copies_the_focused_release_id():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.press("j", "y")
        await pilot.pause()
        assert app.clipboard == "payments/production@5.1.0"
        await pilot.press("enter", "y")
        await pilot.pause()
        assert app.clipboard == "payments/production@5.1.0"


async def test_theme_switch_by_command_is_remembered():
    remembered: list[str] = []
    app = build_app(remember_theme=remembered.append)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.press("colon")
        app.screen.input.value = "theme okabe-ito"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.theme == "okabe-ito"
        assert remembered == ["okabe-ito"]


async def test_ctrl_t_opens_the_theme_picker():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        await pilot.press(*"okabe", "enter")
        await pilot.pause()
        await pilot.pause()
        assert app.theme == "okabe-ito"


async def test_unknown_theme_is_refused():
    app = build_app()
    async with app.run_test(size=(100, 36), notifications=True) as pilot:
        await pilot.pause()
        await run_command(app, "theme nope")
        await pilot.pause()
        assert app.theme == "cockpit-dark"
        assert any("No theme 'nope'" in n.message for n in app._notifications)


async def test_keymap_override_by_binding_id():
    app = build_app(keymap={"board.down": "n", "board.filter": "f"})
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        board = app.screen
        await pilot.press("n")
        await pilot.pause()
        assert board.focused_panel.release.service == "payments"
        await pilot.press("j")
        await pilot.pause()
        assert board.focused_panel.release.service == "payments"
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)


async def test_palette_offers_pause_filter_copy_and_command_line():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Pause live updates", "Command line", "Filter releases", "Copy release id"} <= (
            titles
        )
        assert "Theme" in titles
        await pilot.press("p")
        await pilot.pause()
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Resume live updates" in titles


async def test_ctrl_t_in_ascii_mode_asks_in_a_plain_prompt():
    app = build_app(ascii=True)
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        app.screen.input.value = "high-contrast"
        await pilot.press("enter")
        await pilot.pause()
        assert app.theme == "high-contrast"
        assert screen_text(app).isascii()
