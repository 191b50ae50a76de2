"""The sources screen: every backend with state, age, latency, failures, next poll, errors."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.domain import SourceState
from release_cockpit.domain.store_status import StoreStatus
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.glyphs import UNICODE
from release_cockpit.ui.screens.sources import SourcesScreen, sources_table, stores_lines
from tests.support.ui import FixedFeed, screen_text, until
from tests.support.world import NOW, SOURCES, make_snapshot


def test_table_rows_and_error_lines():
    lines = [line.plain for line in sources_table(tuple(SOURCES.values()), NOW, UNICODE, 100)]
    assert lines[0] == (
        "Source           State  Updated    Kind    Latency  Fails  Next    Rate left"
    )
    assert lines[1] == "github           ok     3s ago     ci      180ms    0      in 13s  4870"
    assert "prometheus-eu    STALE  2m00s ago  health  120ms    8      in 13s  -" in lines
    assert "    Backend timed out: no answer within 10s from https://prom-eu.example.com" in lines
    assert "buildkite        DOWN   never      ci      -        3      in 54s  -" in lines
    assert (
        lines[-1] == "    Not authorised: 401 from https://api.buildkite.com: set BUILDKITE_TOKEN"
    )


def test_no_sources():
    assert [line.plain for line in sources_table((), NOW, UNICODE, 80)] == [
        "No sources configured."
    ]


async def test_sources_screen_follows_snapshots_and_hides_its_own_key():
    feed = FixedFeed(make_snapshot())
    app = CockpitApp(feed, clock=lambda: NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SourcesScreen)
        assert "s Sources" not in screen_text(app)
        assert "esc Back" in screen_text(app)
        world = make_snapshot()
        github = replace(
            SOURCES["github"],
            state=SourceState.DOWN,
            error_title="Rate limited",
            error="quota spent; retrying in 60s",
        )
        sources = tuple(github if s.name == "github" else s for s in world.sources)
        feed.push(replace(world, sources=sources, generation=2))
        await pilot.pause()
        assert "Rate limited: quota spent; retrying in 60s" in screen.text
        assert "github           DOWN   3s ago" in screen_text(app)


def test_narrow_table_keeps_name_state_and_age():
    lines = [line.plain for line in sources_table(tuple(SOURCES.values()), NOW, UNICODE, 40)]
    assert lines[0] == "Source           State  Updated"
    assert lines[3] == "prometheus-eu    STALE  2m00s ago"


def test_stores_are_listed_and_one_that_stopped_writing_says_why():
    ok = StoreStatus("audit log", True)
    broken = StoreStatus("history", False, problem="database or disk is full", waiting=12)
    lines = [line.plain for line in stores_lines((ok, broken), UNICODE)]
    assert lines[1:] == [
        "Stores",
        "  audit log ok",
        "  history not recording: database or disk is full (12 changes kept in memory)",
    ]
    assert stores_lines((), UNICODE) == []


async def test_a_store_that_stops_writing_is_said_once_and_shown_on_the_sources_screen():
    feed = FixedFeed(make_snapshot())
    app = CockpitApp(feed, clock=lambda: NOW)

    def store_toasts() -> list[str]:
        return [n.title for n in app._notifications if n.title.startswith("Store")]

    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        broken = StoreStatus("history", False, problem="database is locked", since=NOW)
        feed.push(replace(make_snapshot(), stores=(broken,), generation=2))
        await until(pilot, lambda: store_toasts() == ["Store not writing"])
        feed.push(replace(make_snapshot(), stores=(broken,), generation=3))
        await pilot.pause()
        assert store_toasts() == ["Store not writing"]
        message = next(n.message for n in app._notifications if n.title == "Store not writing")
        assert "history not recording: database is locked" in message
        await pilot.press("s")
        await until(pilot, lambda: isinstance(app.screen, SourcesScreen))
        assert "history not recording: database is locked" in app.screen.text
        feed.push(replace(make_snapshot(), stores=(replace(broken, working=True),), generation=4))
        await until(pilot, lambda: store_toasts() == ["Store not writing", "Store recovered"])


def test_a_team_member_sees_who_polls_each_backend():
    from datetime import timedelta

    github, prometheus = tuple(SOURCES.values())[:2]
    shared = replace(github, polled_by="alice@bastion-1", polled_at=NOW - timedelta(seconds=2))
    alone = replace(prometheus, team_note="polling alone: team database unreachable (refused)")
    lines = [line.plain for line in sources_table((shared, alone), NOW, UNICODE, 100)]
    assert "    polled by alice@bastion-1, 2s ago" in lines
    assert "    polling alone: team database unreachable (refused)" in lines
