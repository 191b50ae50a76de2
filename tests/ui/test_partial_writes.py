"""A repaint writes the cells that differ from what the terminal shows, nothing else."""

from __future__ import annotations

import textual
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.geometry import Region
from textual.strip import Strip

from release_cockpit.ui import partial_writes


def console() -> Console:
    return Console(color_system=None, width=80)


def written(strip: Strip, x1: int, x2: int, to: Console | None = None, y: int = 0) -> str:
    nothing: dict[int, Strip | None] = {0: None}
    chops = [nothing] * y + [{0: strip}]
    ends = [[strip.cell_length] for _ in range(y + 1)]
    update = ChopsUpdate(chops, [(y, x1, x2)], ends)
    return partial_writes.render_segments(update, to or console())


def test_the_pinned_textual_gets_the_cell_diff() -> None:
    """Fails when Textual is upgraded: check whether the new release still writes whole
    refreshed regions from the widget's left edge (textual/_compositor.py,
    ChopsUpdate.render_segments)."""
    assert textual.__version__ == partial_writes.FOR_TEXTUAL
    assert partial_writes.install()


def test_a_piece_the_copy_does_not_know_is_written_from_the_refreshed_cell() -> None:
    strip = Strip([Segment("data 8s old"), Segment("      10:00:01Z")])
    assert written(strip, 5, 6) == "\x1b[1;6H8"


def test_a_wide_character_is_never_cut_in_half() -> None:
    strip = Strip([Segment("ab"), Segment("日本語x")])
    out = written(strip, 5, 9)  # cell 5 is the second half of 本
    assert out == "\x1b[1;3H日本語x"


def test_the_same_cells_again_write_nothing() -> None:
    term = console()
    strip = Strip([Segment("svc-001  deploy  waiting for promote")])
    assert written(strip, 0, strip.cell_length, term) != ""
    assert written(strip, 0, strip.cell_length, term) == ""


def test_only_the_changed_cells_of_a_refreshed_region_are_written() -> None:
    term = console()
    before = Strip([Segment("svc-001 · 1m ago" + " " * 40 + "FAILING")])
    after = Strip([Segment("svc-001 · 2m ago" + " " * 40 + "FAILING")])
    written(before, 0, before.cell_length, term)
    assert written(after, 0, after.cell_length, term) == "\x1b[1;11H2"


def test_a_style_change_alone_is_written() -> None:
    term = console()
    written(Strip([Segment("OK", Style(bold=False))]), 0, 2, term)
    out = written(Strip([Segment("OK", Style(bold=True))]), 0, 2, term)
    assert out.startswith("\x1b[1;1H")
    assert "OK" in out


def test_runs_far_apart_are_two_writes_and_close_ones_one() -> None:
    term = console()
    written(Strip([Segment("a" * 40)]), 0, 40, term)
    far = written(Strip([Segment("b" + "a" * 38 + "b")]), 0, 40, term)
    assert far == "\x1b[1;1Hb\x1b[1;40Hb"
    near = written(Strip([Segment("c" + "b" + "a" * 3 + "c" + "a" * 33 + "b")]), 0, 40, term)
    assert near == "\x1b[1;1Hcbaaac"


def test_a_wide_character_on_screen_is_overwritten_whole() -> None:
    term = console()
    written(Strip([Segment("ab日x")]), 0, 5, term)
    # The new line changes only column 3, the right half of 日 on screen.
    assert written(Strip([Segment("ab  x")]), 0, 5, term) == "\x1b[1;3H  "


def test_a_full_frame_is_recorded() -> None:
    term = console()
    row = Strip([Segment("release-cockpit  12:00:01Z")])
    full = LayoutUpdate([[row], [Strip([Segment("x" * 26)])]], Region(0, 0, 26, 2))
    assert "release-cockpit" in partial_writes.render_layout(full, term)
    tick = Strip([Segment("release-cockpit  12:00:02Z")])
    assert written(tick, 0, tick.cell_length, term) == "\x1b[1;25H2"


def test_a_full_frame_forgets_what_it_did_not_write() -> None:
    term = console()
    written(Strip([Segment("old")]), 0, 3, term, y=5)
    partial_writes.render_layout(
        LayoutUpdate([[Strip([Segment("top")])]], Region(0, 0, 3, 1)), term
    )
    assert written(Strip([Segment("old")]), 0, 3, term, y=5) == "\x1b[6;1Hold"


def test_each_console_has_its_own_copy() -> None:
    strip = Strip([Segment("same")])
    first, second = console(), console()
    written(strip, 0, 4, first)
    assert written(strip, 0, 4, second) == "\x1b[1;1Hsame"


def test_the_upstream_method_wrote_from_the_left_edge() -> None:
    """Why the module exists: the same update through Textual's own method."""
    strip = Strip([Segment("data 8s old"), Segment("      10:00:01Z")])
    update = ChopsUpdate([{0: strip}], [(0, 5, 6)], [[strip.cell_length]])
    original = ChopsUpdate.__dict__["render_segments"]
    if original is partial_writes.render_segments:
        return  # installed by an app in this process; the other tests cover it
    assert original(update, console()).startswith("\x1b[1;1H")
