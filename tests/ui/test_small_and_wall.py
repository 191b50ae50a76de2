"""Small terminals (compact board, the too-small screen) and the war-room wall."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain import Attention
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.too_small import MIN_SIZE, TooSmallScreen
from release_cockpit.ui.screens.wall import WallScreen
from release_cockpit.ui.widgets.wall_tile import data_age
from tests.support.ui import build_app, screen_text
from tests.support.world import NOW, make_snapshot


async def test_80x24_shows_every_release_with_verdict_and_stage():
    app = build_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        text = screen_text(app)
        for release in make_snapshot().releases:
            assert release.service in text
        for word in ("FAILING", "WAITING", "UNKNOWN", "OK", "Deploy", "Monitor"):
            assert word in text


async def test_below_the_minimum_a_too_small_screen_names_both_sizes_and_leaves_by_itself():
    app = build_app()
    async with app.run_test(size=(50, 12)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        text = screen_text(app)
        assert "Terminal too small" in text
        assert "have 50x12" in text
        assert f"need {MIN_SIZE.width}x{MIN_SIZE.height}" in text
        await pilot.resize_terminal(55, 14)
        await pilot.pause()
        assert "have 55x14" in screen_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)


async def test_wall_pins_attention_and_rotates_the_rest():
    now = [NOW]
    app = build_app(wall=True, wall_rotate=3, read_only=False, clock=lambda: now[0])
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        wall = app.screen
        assert isinstance(wall, WallScreen)
        assert app.ctx.read_only
        assert [t.release.service for t in wall.tiles] == ["checkout", "payments", "inventory"]
        assert wall.rotating.service == "search"
        text = screen_text(app)
        assert "READ-ONLY" in text
        assert "1 of 3, next in 3s" in text
        for _ in range(3):  # the wall's clock moves: skipped ticks would not delay it
            now[0] += timedelta(seconds=1)
            wall.tick()
        await pilot.pause()
        assert wall.rotating.service == "cart"
        await pilot.press("n")
        await pilot.pause()
        assert wall.rotating.service == "profile"
        assert "profile" in screen_text(app)


async def test_wall_moves_a_release_into_the_pinned_tiles_when_it_fails():
    app = build_app(wall=True)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        snapshot = make_snapshot()
        worse = tuple(
            replace(r, attention=Attention.FAILING) if r.service == "cart" else r
            for r in snapshot.releases
        )
        app.feed.push(replace(snapshot, releases=worse))
        await pilot.pause()
        tiles = [t.release.service for t in app.screen.tiles]
        assert tiles == ["checkout", "payments", "inventory", "cart"]


def test_data_age_marks_stale_sources_in_words():
    releases = {r.service: r for r in make_snapshot().releases}
    text, stale = data_age(releases["checkout"], NOW)
    assert (text, stale) == ("data 4s old", False)
    text, stale = data_age(releases["inventory"], NOW)
    assert stale
    assert text.startswith("STALE: data ")
