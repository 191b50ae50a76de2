"""Fitting text to a width: nothing cut mid-word without an ellipsis, markup never parsed."""

from __future__ import annotations

from datetime import timedelta

from textual.content import Content

from release_cockpit.ui.textfit import (
    Piece,
    ago,
    clock_time,
    ellipsize,
    fit_row,
    flat,
    flow,
    plain,
    table,
    to_ascii,
    until,
    wrap,
)
from tests.support.world import NOW


def test_plain_keeps_markup_literal_and_strips_control_sequences():
    content = plain("[bold red]x[/] \x1b[31mred\x1b[0m\nnext\tline")
    assert content.plain == "[bold red]x[/] [31mred[0m next line"
    assert content.spans == []


def test_ellipsize_prefers_a_word_boundary_and_always_marks_the_cut():
    text = Content("the quick brown fox jumps")
    assert ellipsize(text, 30).plain == "the quick brown fox jumps"
    assert ellipsize(text, 18).plain == "the quick brown…"
    assert ellipsize(Content("abcdefghijklmnop"), 8).plain == "abcdefg…"
    assert ellipsize(text, 12, "...").plain == "the quick..."
    assert ellipsize(text, 0).plain == ""


def test_fit_row_drops_least_important_pieces_first_and_keeps_right_flush():
    pieces = [
        Piece(Content("checkout")),
        Piece(Content("PROD"), sep=" · "),
        Piece(Content("14 commits"), drop=2, sep=" · "),
        Piece(Content("by alice"), drop=3, sep=" · "),
    ]
    right = Content("✗ FAILING")
    wide = fit_row(pieces, 60, right=right)
    assert wide.cell_length == 60
    assert wide.plain.startswith("checkout · PROD · 14 commits · by alice")
    assert wide.plain.endswith(" ✗ FAILING")
    assert fit_row(pieces, 40, right=right).plain.startswith("checkout · PROD · 14 commits ")
    assert fit_row(pieces, 30, right=right).plain == "checkout · PROD      ✗ FAILING"
    tight = fit_row(pieces, 20, right=right)
    assert tight.plain == "checkout…  ✗ FAILING"


def test_a_dropped_piece_hands_its_separator_on():
    pieces = [
        Piece(Content("PROD")),
        Piece(Content("minor"), drop=1, sep=" · "),
        Piece(Content("2.8.0"), sep=" "),
    ]
    assert fit_row(pieces, 20).plain == "PROD · minor 2.8.0"
    assert fit_row(pieces, 13).plain == "PROD · 2.8.0"


def test_wrap_limits_lines_and_ends_with_an_ellipsis():
    text = Content("one two three four five six seven eight nine ten")
    assert [line.plain for line in wrap(text, 20, 5)] == [
        "one two three four",
        "five six seven eight",
        "nine ten",
    ]
    lines = wrap(text, 20, 2)
    assert [line.plain for line in lines] == ["one two three four", "five six seven eigh…"]
    assert wrap(Content(""), 20, 2) == []


def test_flow_packs_cells_into_as_few_lines_as_fit():
    cells = [Content("aaaa"), Content("bbbb"), Content("cccc")]
    assert [line.plain for line in flow(cells, 20, gap=2)] == ["aaaa  bbbb  cccc"]
    assert [line.plain for line in flow(cells, 11, gap=2)] == ["aaaa  bbbb", "cccc"]


def test_table_aligns_columns_and_shrinks_the_flex_column():
    rows = [[Content("github"), Content("ok"), Content("a long error message here")]]
    lines = table(rows, 40, header=("Source", "State", "Error"))
    assert [line.plain for line in lines] == [
        "Source  State  Error",
        "github  ok     a long error message here",
    ]
    narrow = table(rows, 25, header=("Source", "State", "Error"))
    assert narrow[1].plain == "github  ok     a long…"
    assert all(line.cell_length <= 25 for line in narrow)


def test_ascii_spelling_of_symbols_and_accents():
    assert to_ascii("7.9% ≤ 5% — 2.7.3 → 2.8.0 · café…") == "7.9% <= 5% - 2.7.3 -> 2.8.0 - cafe..."
    assert to_ascii("日本") == "??"
    assert flat("a  ≥ b", ascii_only=True) == "a >= b"


def test_time_helpers():
    assert ago(NOW - timedelta(seconds=75), NOW) == "1m15s"
    assert ago(None, NOW) == "never"
    assert until(NOW + timedelta(minutes=6), NOW) == "6m00s"
    assert until(NOW - timedelta(minutes=1), NOW) == "0s"
    assert clock_time(NOW) == "10:00:00"
