"""Pilot tests of the board following the feed: new snapshots, reordering, the 1 s tick."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from release_cockpit.domain import VerdictLevel
from release_cockpit.domain.verdict import Verdict
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.widgets import release_board
from tests.support.ui import FixedFeed, screen_text
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


async def test_a_pushed_snapshot_updates_the_panel_text(cockpit, feed, world):
    async with cockpit.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        board = cockpit.screen
        assert isinstance(board, BoardScreen)
        panel = board.panels[3]
        assert panel.key == "search-staging"
        assert "no health signals configured" in panel.text
        search = world.release("search-staging")
        assert search is not None
        changed = replace(search, verdict=Verdict(VerdictLevel.OK, "tests are green so far"))
        releases = tuple(changed if r.key == changed.key else r for r in world.releases)
        feed.push(replace(world, releases=releases, generation=2))
        await pilot.pause()
        assert board.panels[3].key == "search-staging"
        assert "tests are green so far" in board.panel_text("search-staging")
        assert "tests are green so far" in screen_text(cockpit)


async def test_only_the_releases_a_snapshot_changed_are_built_again(
    cockpit, feed, world, monkeypatch
):
    """The engine's diff (``changed``) decides what is rebuilt: an unchanged release, or
    one whose only news is younger source times, keeps its lines."""
    built: list[str] = []
    real = release_board.panel

    def counting(release, *args, **kwargs):
        built.append(release.key)
        return real(release, *args, **kwargs)

    monkeypatch.setattr(release_board, "panel", counting)
    async with cockpit.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        search = world.release("search-staging")
        cart = world.release("cart-prod")
        assert search is not None
        assert cart is not None
        changed = replace(search, verdict=Verdict(VerdictLevel.OK, "tests are green so far"))
        younger = replace(cart, sources=tuple(reversed(cart.sources)))  # freshness only
        swap = {changed.key: changed, younger.key: younger}
        releases = tuple(swap.get(r.key, r) for r in world.releases)
        built.clear()
        feed.push(replace(world, releases=releases, generation=2, changed=frozenset({changed.key})))
        await pilot.pause()
        assert built == ["search-staging"]
        assert "tests are green so far" in screen_text(cockpit)


async def test_reordered_snapshot_keeps_focus_on_the_same_release(cockpit, feed, world):
    async with cockpit.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("j")
        assert focused_key(cockpit) == "payments-prod"
        feed.push(replace(world, releases=tuple(reversed(world.releases)), generation=2))
        await pilot.pause()
        board = cockpit.screen
        assert isinstance(board, BoardScreen)
        assert [p.key for p in board.panels] == list(reversed(ORDER))
        assert focused_key(cockpit) == "payments-prod"


async def test_tick_moves_ages_on_without_a_new_snapshot_at_minute_resolution():
    now = [NOW]
    app = CockpitApp(FixedFeed(make_snapshot()), clock=lambda: now[0])
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        board = app.screen
        assert isinstance(board, BoardScreen)
        assert "25m ago" in board.panel_text(board.panels[0].key)
        now[0] = NOW + timedelta(seconds=5)
        board.tick()
        await pilot.pause()
        # The board's ages move by the minute (bytes over SSH); the clock by the second.
        assert "25m ago" in board.panel_text(board.panels[0].key)
        assert "10:00:05Z" in screen_text(app)
        now[0] = NOW + timedelta(seconds=60)
        board.tick()
        await pilot.pause()
        assert "26m ago" in board.panel_text(board.panels[0].key)


async def test_until_someone_moves_the_highlight_it_stays_on_the_top_release(cockpit, feed, world):
    async with cockpit.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert focused_key(cockpit) == "checkout-prod"
        feed.push(replace(world, releases=tuple(reversed(world.releases)), generation=2))
        await pilot.pause()
        assert focused_key(cockpit) == "profile-staging"


async def test_reordering_moves_the_built_panels_without_building_them_again(
    cockpit, feed, world, monkeypatch
):
    """A new order moves the lines already built; a panel scrolled out of view shows its
    new place when it is selected."""
    built: list[str] = []
    real = release_board.panel

    def counting(release, *args, **kwargs):
        built.append(release.key)
        return real(release, *args, **kwargs)

    monkeypatch.setattr(release_board, "panel", counting)
    async with cockpit.run_test(size=(80, 16)) as pilot:
        await pilot.pause()
        board = cockpit.screen
        assert isinstance(board, BoardScreen)
        shown = set(built)
        built.clear()
        feed.push(replace(world, releases=tuple(reversed(world.releases)), generation=2))
        await pilot.pause()
        assert [p.key for p in board.panels] == list(reversed(ORDER))
        assert shown.isdisjoint(built)  # those drawn before were not built again
        assert "checkout · PROD" not in screen_text(cockpit)  # scrolled out of view
        board.select(ORDER[0])
        await pilot.pause()
        assert "checkout · PROD" in screen_text(cockpit)
