"""The sources screen: every backend with state, age, latency, failures, next poll, errors."""

from __future__ import annotations

from dataclasses import replace

from release_cockpit.domain import SourceState
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.glyphs import UNICODE
from release_cockpit.ui.screens.sources import SourcesScreen, sources_table
from tests.support.ui import FixedFeed, screen_text
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


def test_a_note_says_how_a_backend_is_read_under_its_row():
    note = "GraphQL: 4,870/5,000 points left, resets in 42m; last poll 11 queries, 15 points"
    github = replace(SOURCES["github"], note=note)
    lines = [line.plain for line in sources_table((github,), NOW, UNICODE, 100)]
    assert lines[1].startswith("github  ok")
    assert lines[2] == f"    {note}"
    narrow = [line.plain for line in sources_table((github,), NOW, UNICODE, 60)]
    assert narrow[2:] == [
        "    GraphQL: 4,870/5,000 points left, resets in 42m; last",
        "    poll 11 queries, 15 points",
    ]


def test_a_fallback_to_rest_is_said_under_the_row_at_80_columns():
    refused = (
        "GraphQL refused (Not authorised: Resource not accessible by personal access token);"
        " polling over REST, one runs list per repository"
    )
    failed = "GraphQL failed: 50 repositories polled over REST (github answered HTTP 502)"
    for note in (refused, failed):
        github = replace(SOURCES["github"], note=note)
        lines = [line.plain for line in sources_table((github,), NOW, UNICODE, 80)]
        said = " ".join(line.strip() for line in lines[2:])
        assert said == note
        assert all(len(line) <= 80 for line in lines)


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
