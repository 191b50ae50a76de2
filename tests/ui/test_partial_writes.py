"""A partial update writes the changed cells, not the line from its left edge."""

from __future__ import annotations

import textual
from rich.console import Console
from rich.segment import Segment
from textual._compositor import ChopsUpdate
from textual.strip import Strip

from release_cockpit.ui import partial_writes


def written(strip: Strip, x1: int, x2: int) -> str:
    update = ChopsUpdate([{0: strip}], [(0, x1, x2)], [[strip.cell_length]])
    return partial_writes.render_segments(update, Console(color_system=None, width=80))


def test_the_pinned_textual_gets_the_left_crop() -> None:
    """Fails when Textual is upgraded: check whether the new release still writes from
    the widget's left edge (textual/_compositor.py, ChopsUpdate.render_segments)."""
    assert textual.__version__ == partial_writes.FOR_TEXTUAL
    assert partial_writes.install()


def test_only_the_changed_cells_are_written() -> None:
    strip = Strip([Segment("data 8s old"), Segment("      10:00:01Z")])
    out = written(strip, 5, 6)
    assert out == "\x1b[1;6H8"


def test_a_wide_character_is_never_cut_in_half() -> None:
    strip = Strip([Segment("ab"), Segment("日本語x")])
    out = written(strip, 5, 9)  # cell 5 is the second half of 本
    assert out == "\x1b[1;3H日本語x"


def test_the_upstream_method_wrote_from_the_left_edge() -> None:
    """Why the module exists: the same update through Textual's own method."""
    strip = Strip([Segment("data 8s old"), Segment("      10:00:01Z")])
    update = ChopsUpdate([{0: strip}], [(0, 5, 6)], [[strip.cell_length]])
    original = ChopsUpdate.__dict__["render_segments"]
    if original is partial_writes.render_segments:
        return  # installed by an app in this process; the other tests cover it
    assert original(update, Console(color_system=None, width=80)).startswith("\x1b[1;1H")
