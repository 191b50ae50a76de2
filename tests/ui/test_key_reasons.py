"""Discoverability: `?` lists every key of the screen (the unavailable ones dimmed, with
why), a refused key says why, `q` leaves a sub-screen, the footer's `p` says what it does,
and the checklist modal follows the data."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.domain.checklist import ChecklistItem, Tick, build_checklist
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.checklist import ChecklistScreen
from release_cockpit.ui.screens.help import HelpScreen
from release_cockpit.ui.screens.sources import SourcesScreen
from tests.support.ui import FixedFeed, build_app, notified, screen_text, until
from tests.support.world import NOW, fixed_clock, make_snapshot

ITEMS = (ChecklistItem("Migration reviewed"), ChecklistItem("Support told"))


async def board_ready(pilot, app) -> BoardScreen:
    await until(pilot, lambda: isinstance(app.screen, BoardScreen) and bool(app.screen.panels))
    await until(pilot, lambda: "? Help" in screen_text(app).splitlines()[-1])
    board = app.screen
    assert isinstance(board, BoardScreen)
    return board


async def test_help_lists_every_key_and_dims_the_unavailable_with_why():
    app = build_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await board_ready(pilot, app)
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        text = " ".join(app.screen.text.split())  # reasons wrap under their description
        assert "Abort - this cockpit is read-only: it has no controls" in text
        assert "Checklist - checkout has no readiness checklist" in text
        assert "Audit log - no audit log or history is open in this session" in text
        # Textual's own focus and text-copy keys mean nothing here.
        assert "Focus Next" not in text
        assert "Copy selected text" not in text
        assert "Command palette" in text


async def test_a_refused_key_says_why():
    app = build_app(read_only=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await board_ready(pilot, app)
        await pilot.press("A")
        await until(pilot, lambda: "A: Abort does nothing now" in notified(app))
        assert "this cockpit is read-only" in notified(app)
        assert isinstance(app.screen, BoardScreen)


async def test_c_on_a_release_without_a_checklist_says_so():
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await board_ready(pilot, app)
        await pilot.press("c")
        await until(pilot, lambda: "checkout has no readiness checklist" in notified(app))
        assert isinstance(app.screen, BoardScreen)


async def test_q_leaves_a_sub_screen():
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        board = await board_ready(pilot, app)
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SourcesScreen))
        await pilot.press("q")
        await until(pilot, lambda: app.screen is board)
        assert app.is_running


async def test_the_footer_says_resume_while_paused():
    app = build_app()
    async with app.run_test(size=(160, 40)) as pilot:
        await board_ready(pilot, app)
        assert "p Pause" in screen_text(app).splitlines()[-1]
        await pilot.press("p")
        await until(pilot, lambda: "p Resume" in screen_text(app).splitlines()[-1])
        assert "p Pause" not in screen_text(app).splitlines()[-1]
        await pilot.press("p")
        await until(pilot, lambda: "p Pause" in screen_text(app).splitlines()[-1])


def with_checklist(ticked: bool):
    snapshot = make_snapshot()
    ticks = {"Migration reviewed": Tick("Migration reviewed", "ana", NOW)} if ticked else {}
    checklist = build_checklist(ITEMS, ticks, {}, NOW)
    releases = tuple(
        replace(r, checklist=checklist) if r.key == "checkout-prod" else r
        for r in snapshot.releases
    )
    return replace(snapshot, releases=releases)


async def test_the_checklist_modal_follows_new_data_and_spaces_its_lines():
    feed = FixedFeed(with_checklist(ticked=False))
    from release_cockpit.ui.cockpit_app import CockpitApp

    app = CockpitApp(feed, clock=fixed_clock(NOW))
    async with app.run_test(size=(120, 40)) as pilot:
        await board_ready(pilot, app)
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        modal = app.screen
        assert isinstance(modal, ChecklistScreen)
        await until(pilot, lambda: "[ ] Migration reviewed - not ticked yet" in modal.text)
        feed.push(with_checklist(ticked=True))
        await until(pilot, lambda: "[x] Migration reviewed - ticked by ana" in modal.text)
        assert app.screen is modal
