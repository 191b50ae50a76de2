"""Pilot tests of the board: order, focus movement, compact layout and scrolling."""

from __future__ import annotations

import pytest

from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.screens.board import BoardScreen
from tests.support.ui import FixedFeed, screen_text, until
from tests.support.world import NOW, fixed_clock, make_snapshot

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


async def test_board_shows_releases_in_snapshot_order_with_first_focused(cockpit, feed):
    async with cockpit.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        board = cockpit.screen
        assert isinstance(board, BoardScreen)
        assert [p.key for p in board.panels] == ORDER
        assert focused_key(cockpit) == "checkout-prod"
        assert feed.started
        assert feed.subscriber_count == 1


async def test_j_k_and_arrows_move_focus_and_stop_at_the_ends(cockpit):
    async with cockpit.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("j")
        assert focused_key(cockpit) == "payments-prod"
        await pilot.press("down")
        assert focused_key(cockpit) == "inventory-prod"
        await pilot.press("k")
        assert focused_key(cockpit) == "payments-prod"
        await pilot.press("up", "up")
        assert focused_key(cockpit) == "checkout-prod"
        board = cockpit.screen
        assert isinstance(board, BoardScreen)
        board.select(board.panels[-1].key)
        await pilot.press("j")
        assert focused_key(cockpit) == "profile-staging"


async def test_selected_panel_is_scrolled_into_view(cockpit):
    # 160x36 is the full layout (not compact) and too short for six panels.
    async with cockpit.run_test(size=(160, 36)) as pilot:
        await pilot.pause()
        board = cockpit.screen
        assert isinstance(board, BoardScreen)
        assert not board.compact
        assert "profile" not in screen_text(cockpit)
        for _ in range(4):
            await pilot.press("j")
        await pilot.press("j")
        await pilot.pause()
        assert board.panels[-1].selected
        assert "profile · staging" in screen_text(cockpit)
        assert "checkout · PROD" not in screen_text(cockpit)


async def test_compact_board_at_80x24_shows_every_release(cockpit):
    async with cockpit.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        board = cockpit.screen
        assert isinstance(board, BoardScreen)
        assert board.compact
        text = screen_text(cockpit)
        for service in ("checkout", "payments", "inventory", "search", "cart", "profile"):
            assert f" {service} " in text or f"{service} ·" in text
        assert "✗ FAILING" in text
        assert "⏸ WAITING" in text
        assert "? UNKNOWN" in text
        # The compact layout hides signal and freshness lines.
        assert "github ok" not in text


async def test_resizing_switches_between_compact_and_full(cockpit):
    async with cockpit.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        board = cockpit.screen
        assert isinstance(board, BoardScreen)
        await pilot.resize_terminal(160, 50)
        await pilot.pause()
        assert not board.compact
        assert "github ok · prometheus ok" in screen_text(cockpit)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert board.compact
        assert "github ok" not in screen_text(cockpit)


class StartingFeed(FixedFeed):
    """Starts the way the engine does: no snapshot until started, then one at once (the
    board's first data can be handled before or after the board itself has mounted)."""

    def __init__(self, snapshot, *, late: bool = False):
        super().__init__(None)
        self.first = snapshot
        self.late = late

    async def start(self) -> None:
        self.started = True
        if not self.late:
            self.push(self.first)


@pytest.mark.parametrize("late", [False, True], ids=["published-on-start", "published-later"])
async def test_80x24_is_compact_from_the_start_in_a_real_terminal_order(late):
    """Issue: at 80x24 the board came up full-size (2 of 7 releases visible, the footer cut)
    because the first snapshot was drawn before the board's mount set the compact flag,
    and a resize to the same size changes nothing."""
    feed = StartingFeed(make_snapshot(), late=late)
    app = CockpitApp(feed, clock=fixed_clock(NOW))
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: feed.started)
        if late:
            feed.push(feed.first)
        board = app.screen
        assert isinstance(board, BoardScreen)
        await until(pilot, lambda: "profile" in screen_text(app))
        assert board.compact
        text = screen_text(app)
        for service in ("checkout", "payments", "inventory", "search", "cart", "profile"):
            assert service in text
        assert "github ok" not in text  # no freshness lines when compact
