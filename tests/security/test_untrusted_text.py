"""Hostile backend strings through the real adapters, the real widgets and the CLI output.

The backends (real HTTP on loopback) answer with Rich markup, ANSI CSI/OSC sequences,
C0/C1 controls, bidi overrides and very long lines in every field they control. The
cockpit must show them as plain text: no style or link applied, no escape or control
character on its way to the terminal, and every line within the terminal's width.
"""

from __future__ import annotations

import dataclasses
import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
import tomli_w
from rich.cells import cell_len
from rich.console import Console

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.cli import main
from release_cockpit.config import parse_config
from release_cockpit.domain import CockpitSnapshot
from release_cockpit.domain.serialize import snapshot_document, to_jsonable
from release_cockpit.domain.text import clean_text
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.headless.status_table import print_status
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen
from release_cockpit.ui.screens.sources import SourcesScreen
from tests.support.hostile import (
    BIDI,
    ESCAPES,
    HOSTILE,
    SGR,
    HostileWorld,
    hostile_world,
)
from tests.support.ui import FixedFeed
from tests.support.world import NOW

SIZES = [(80, 24), (132, 43)]


@pytest.fixture(scope="module")
def world() -> Iterator[HostileWorld]:
    with hostile_world() as served:
        yield served


@pytest.fixture
async def snapshot(world: HostileWorld) -> CockpitSnapshot:
    config = parse_config(tomli_w.dumps(world.config), "<hostile>", kinds=adapter_kinds())
    engine = Engine(config, build_adapters(config, {}))
    try:
        return await engine.poll_once()
    finally:
        await engine.stop()


def strings(value: Any) -> Iterator[str]:
    """Every string inside a JSON-like value, keys included."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)


def rendered_screen(app: CockpitApp) -> str:
    """The screen as the terminal would get it, checked segment by segment."""
    width, height = app.size
    strips = app.screen._compositor.render_strips()
    assert len(strips) == height
    for row, strip in enumerate(strips):
        assert strip.cell_length <= width, f"row {row} is {strip.cell_length} cells wide"
        for segment in strip:
            assert not ESCAPES.search(segment.text), f"row {row}: {segment.text!r}"
            assert segment.style is None or segment.style.link is None, f"row {row} has a link"
    return "\n".join(strip.text for strip in strips)


def assert_plain(lines: list[str], width: int) -> None:
    for line in lines:
        assert not ESCAPES.search(line), repr(line)
        assert cell_len(line) <= width, f"{cell_len(line)} cells: {line!r}"


def test_clean_text_strips_bidi_overrides_and_isolates():
    for char in [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]:
        assert clean_text(f"a{char}b") == "ab", hex(ord(char))
    assert clean_text(BIDI) == "evil iso emb"
    # Marks that only hint a direction, and ordinary right-to-left text, stay.
    assert clean_text("\u200fשלום") == "\u200fשלום"


def test_clean_text_strips_escapes_but_keeps_the_visible_words():
    cleaned = clean_text(HOSTILE)
    assert not ESCAPES.search(cleaned)
    assert "[bold red]PWNED[/]" in cleaned
    assert "RED" in cleaned
    assert "owned-title" in cleaned


async def test_the_adapters_clean_every_backend_string(snapshot: CockpitSnapshot):
    release = snapshot.release("checkout")
    assert release is not None
    assert release.ci_run is not None
    assert release.rollout is not None
    assert release.alerts
    assert any("PWNED" in job.name for job in release.ci_run.jobs)
    assert "PWNED" in release.rollout.message
    assert "PWNED" in release.alerts[0].summary
    assert any("PWNED" in s.error for s in snapshot.sources)
    for text in strings(to_jsonable(snapshot)):
        assert not ESCAPES.search(text), repr(text)
    assert all(len(text) <= 2000 for text in strings(to_jsonable(snapshot)))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_board_detail_and_sources_screens_show_hostile_text_plainly(
    snapshot: CockpitSnapshot, size: tuple[int, int]
):
    app = CockpitApp(FixedFeed(snapshot), clock=lambda: NOW)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        board = rendered_screen(app)
        assert "[bold red]PWNED" in board  # the markup is text, not style

        await app.push_screen(ReleaseDetailScreen(app.ctx, app.snapshot, "checkout"))
        await pilot.pause()
        detail = app.screen
        assert isinstance(detail, ReleaseDetailScreen)
        visible = rendered_screen(app)
        assert "PWNED" in visible
        text = detail.text
        assert "[bold red]PWNED[/]" in text
        assert "[link=https://evil.example]click[/link]" in text
        assert_plain(text.splitlines(), size[0])
        await pilot.press("escape")
        await pilot.pause()

        app.action_sources()
        await pilot.pause()
        sources = app.screen
        assert isinstance(sources, SourcesScreen)
        visible = rendered_screen(app)
        assert "PWNED[/]" in visible  # in the error of the backend that answers 500
        assert_plain(sources.text.splitlines(), size[0])


def test_status_table_prints_hostile_text_plainly(snapshot: CockpitSnapshot):
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, force_terminal=True, color_system="truecolor")
    print_status(snapshot, console)
    output = SGR.sub("", buffer.getvalue())
    assert "red]PWNED[/]" in output  # the markup is text (the column folds it)
    assert "[link=https://evil.example" in output
    assert_plain(output.splitlines(), 100)


def test_status_json_is_clean(snapshot: CockpitSnapshot):
    document = json.dumps(snapshot_document(snapshot))
    assert "\\u001b" not in document
    assert "\\u202e" not in document.lower()
    for text in strings(json.loads(document)):
        assert not ESCAPES.search(text), repr(text)


def test_status_through_the_cli_is_clean(world: HostileWorld, tmp_path, capsys):
    config = world.write(tmp_path)
    code = main(["status", "--json", "--config", str(config)])
    captured = capsys.readouterr()
    assert code == 4  # the hostile release fails: a failed test job, an aborted rollout
    assert not ESCAPES.search(captured.out.replace("\n", ""))
    document = json.loads(captured.out)
    assert any("PWNED" in text for text in strings(document))
    for text in strings(document):
        assert not ESCAPES.search(text), repr(text)
    assert captured.err == ""

    assert main(["status", "--config", str(config)]) == 4
    captured = capsys.readouterr()
    # Piped, each release is one line whose reason is whole: the markup is text in it.
    assert "[bold red]PWNED[/]" in captured.out
    assert_plain(captured.out.splitlines(), 10_000)
    assert captured.err == ""


def test_hostile_strings_survive_a_round_trip_as_data(snapshot: CockpitSnapshot):
    """What the JSON carries is the cleaned text itself, not an escaped or mangled form."""
    release = snapshot.release("checkout")
    assert release is not None
    document = to_jsonable(dataclasses.replace(release, sources=()))
    assert any(text.startswith("[bold red]PWNED[/]") for text in strings(document))
