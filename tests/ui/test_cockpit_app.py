"""Pilot tests of the app: keys that open screens, the feed lifecycle, themes and ASCII mode."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.messages import SnapshotUpdated
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.help import HelpScreen
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from release_cockpit.ui.screens.sources import SourcesScreen
from tests.support.ui import FixedFeed, screen_text, until
from tests.support.world import NOW, make_snapshot

ORDER = [
    "checkout-prod",
    "payments-prod",
    "inventory-prod",
    "search-staging",
    "cart-prod",
    "profile-staging",
]


def focused_key(app: CockpitApp) -> str | None:
    screen = app.screen
    return screen.selected_key() if isinstance(screen, BoardScreen) else None


async def test_enter_opens_detail_of_focused_release_and_escape_returns(cockpit):
    async with cockpit.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await pilot.press("j", "j", "enter")
        await pilot.pause()
        detail = cockpit.screen
        assert isinstance(detail, ReleaseDetailScreen)
        assert detail.key == "inventory-prod"
        assert "prometheus-eu data 2m00s old" in detail.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(cockpit.screen, BoardScreen)
        assert focused_key(cockpit) == "inventory-prod"


async def test_question_mark_and_f1_open_help_for_the_board(cockpit):
    async with cockpit.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("question_mark")
        await pilot.pause()
        help_screen = cockpit.screen
        assert isinstance(help_screen, HelpScreen)
        assert "Keys: board" in screen_text(cockpit)
        for line in ("j/↓", "Down", "⏎", "Open", "Sources", "Refresh", "Quit"):
            assert line in help_screen.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(cockpit.screen, BoardScreen)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(cockpit.screen, HelpScreen)


async def test_s_opens_sources_and_escape_returns(cockpit):
    async with cockpit.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        sources = cockpit.screen
        assert isinstance(sources, SourcesScreen)
        assert "prometheus-eu" in sources.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(cockpit.screen, BoardScreen)


async def test_r_asks_the_feed_to_refresh_every_source(cockpit, feed):
    async with cockpit.run_test() as pilot:
        await pilot.pause()
        await pilot.press("r")
        assert feed.refreshes == [None]


async def test_q_quits_and_the_feed_is_stopped(cockpit, feed):
    async with cockpit.run_test() as pilot:
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert not cockpit.is_running
    assert feed.stopped
    assert feed.subscriber_count == 0


async def test_newer_snapshot_message_replaces_a_queued_older_one(world):
    older = SnapshotUpdated(world)
    newer = SnapshotUpdated(replace(world, generation=2))
    assert older.can_replace(newer)


async def test_empty_feed_shows_a_waiting_message():
    app = CockpitApp(FixedFeed(None), clock=lambda: NOW)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert "Waiting for the first data" in screen_text(app)
        app.feed.push(make_snapshot())  # type: ignore[attr-defined]
        await pilot.pause()
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert len(board.panels) == 6
        assert "Waiting for the first data" not in screen_text(app)


async def test_ascii_read_only_mode_shows_a_badge_and_ascii_keys():
    app = CockpitApp(FixedFeed(make_snapshot()), ascii=True, read_only=True, clock=lambda: NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        # The footer is drawn after the panels: on a loaded machine one pause is not enough.
        await until(pilot, lambda: "j/down Down" in screen_text(app))
        text = screen_text(app)
        assert "READ-ONLY" in text
        assert "x FAILING" in text
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert all(panel.text.isascii() for panel in board.panels)


async def test_keymap_rebinds_by_binding_id(feed):
    app = CockpitApp(feed, keymap={"app.refresh": "R"}, clock=lambda: NOW)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("r")
        assert feed.refreshes == []
        await pilot.press("R")
        assert feed.refreshes == [None]
