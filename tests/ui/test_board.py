"""Pilot tests of the board: order, focus movement, compact layout and scrolling."""

from __future__ import annotations

from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.widgets.release_panel import ReleasePanel
from tests.support.ui import screen_text

ORDER = [
    "checkout-prod",
    "payments-prod",
    "inventory-prod",
    "search-staging",
    "cart-prod",
    "profile-staging",
]


def focused_key(app: CockpitApp) -> str | None:
    focused = app.focused
    return focused.key if isinstance(focused, ReleasePanel) else None


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
        board.panels[-1].focus()
        await pilot.press("j")
        assert focused_key(cockpit) == "profile-staging"


async def test_focused_panel_is_scrolled_into_view(cockpit):
    # 160x36 is the full layout (not compact) and too short for six panels.
    async with cockpit.run_test(size=(160, 36)) as pilot:
        await pilot.pause()
        board = cockpit.screen
        assert isinstance(board, BoardScreen)
        assert not board.compact
        assert "profile" not in screen_text(cockpit)
        board.panels[-2].focus(scroll_visible=False)
        await pilot.press("j")
        await pilot.pause()
        assert board.panels[-1].has_focus
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
