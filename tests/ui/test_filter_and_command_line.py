"""Pilot tests for the / filter and the : command line."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.domain import Attention
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.prompt import PromptScreen
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from tests.support.ui import build_app, screen_text
from tests.support.world import make_snapshot


def services(board: BoardScreen) -> list[str]:
    return [panel.release.service for panel in board.panels]


async def test_slash_filters_as_you_type_and_enter_keeps_it():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        board = app.screen
        assert isinstance(board, BoardScreen)
        await pilot.press("slash")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"env:staging")
        await pilot.pause()
        assert services(board) == ["search", "profile"]
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is board
        assert services(board) == ["search", "profile"]
        assert "/env:staging (2 of 6)" in screen_text(app)


async def test_negated_filter_and_escape_clears_it():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        board = app.screen
        await pilot.press("slash")
        app.screen.input.value = "!env:prod"
        await pilot.press("enter")
        await pilot.pause()
        assert services(board) == ["search", "profile"]
        await pilot.press("slash", "escape")
        await pilot.pause()
        assert len(board.panels) == 6
        assert "of 6" not in screen_text(app)


async def test_filter_matching_nothing_says_how_to_clear_it():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.press("slash")
        app.screen.input.value = "no-such-service"
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert "No release matches /no-such-service" in text
        assert "(0 of 6)" in text


async def test_filter_survives_new_snapshots():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        board = app.screen
        board.set_filter("state:failing")
        await pilot.pause()
        snapshot = make_snapshot()
        worse = tuple(
            replace(r, attention=Attention.FAILING) if r.service == "cart" else r
            for r in snapshot.releases
        )
        app.feed.push(replace(snapshot, releases=worse))
        await pilot.pause()
        assert services(board) == ["checkout", "cart"]


async def test_colon_opens_a_release_by_name():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        await pilot.press("colon", *"cart", "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, ReleaseDetailScreen)
        assert app.screen.key == app.screen.release.key
        assert app.screen.release.service == "cart"


async def test_colon_env_filters_the_board_from_a_detail_screen():
    app = build_app()
    async with app.run_test(size=(100, 36)) as pilot:
        await pilot.pause()
        board = app.screen
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReleaseDetailScreen)
        await pilot.press("colon")
        app.screen.input.value = "env staging"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        assert app.screen is board
        assert services(board) == ["search", "profile"]


async def test_colon_unknown_release_warns_and_stays():
    app = build_app()
    async with app.run_test(size=(100, 36), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("colon", *"zzz", "enter")
        await pilot.pause()
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert any("No release matches 'zzz'" in n.message for n in app._notifications)
