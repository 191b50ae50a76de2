"""Send the terminal only the cells that differ from what it already shows.

Textual repaints the regions a widget refreshes, and writes every cell of them: a card
that refreshes because its age went from "1m" to "2m" re-sends its blank lines and
unchanged words too, and each partial write starts at the left edge of the widget it
belongs to (``ChopsUpdate.render_segments`` in textual/_compositor.py, 8.2.8; its
``__rich_console__`` twin carries "TODO: crop to x extents"). Over a bastion's SSH link
that was more than htop writes in all.

``install`` keeps a copy of what the terminal shows (``Screen``: each written row as
cells of character and style, the way curses keeps its "current screen") and replaces
two methods of the pinned Textual release:

- ``LayoutUpdate.render_segments`` (a full frame: first paint, a screen switch, a
  resize) records every cell it writes, then writes as before;
- ``ChopsUpdate.render_segments`` (a partial update) compares each refreshed piece with
  the copy and writes only the runs of cells that differ, never cutting a wide character
  in half. A piece the copy does not know is written whole.

Only for the Textual release this was written against (the project pins it); any other
release keeps its own methods.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterable
from typing import Any

import textual
from rich.cells import cell_len
from rich.console import Console
from rich.control import Control
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.strip import Strip

FOR_TEXTUAL = "8.2.8"

Cell = tuple[str, Style | None]
"""One terminal cell: its character ("" for the right half of a wide one) and style."""

GAP = 8
"""Unchanged cells between two changed runs that are cheaper to send again than to jump
over (a cursor move is about 8 bytes)."""


def cells_of(strip: Strip) -> list[Cell]:
    """The cells ``strip`` covers, one entry per terminal column."""
    cells: list[Cell] = []
    for text, style, _control in strip:
        if cell_len(text) == len(text):
            cells.extend((character, style) for character in text)
            continue
        for character in text:
            width = cell_len(character)
            if width == 0 and cells:  # a combining mark joins the cell before it
                cells[-1] = (cells[-1][0] + character, cells[-1][1])
            elif width:
                cells.append((character, style))
                if width == 2:
                    cells.append(("", style))
    return cells


def changed_runs(new: list[Cell], old: list[Cell | None]) -> list[tuple[int, int]]:
    """Runs ``(first, end)`` of ``new`` that differ from ``old`` (the same columns), with
    ``end`` exclusive. Runs closer than ``GAP`` are merged; no run starts or ends inside
    a wide character, old or new (a terminal overwriting half of one clears it all)."""
    runs: list[tuple[int, int]] = []
    known = len(old)
    for index, cell in enumerate(new):
        if index < known and old[index] == cell:
            continue
        if runs and index - runs[-1][1] <= GAP:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    widened: list[tuple[int, int]] = []
    for first, end in runs:
        while first > 0 and (new[first][0] == "" or _half(old, first)):
            first -= 1
        while end < len(new) and (new[end][0] == "" or _half(old, end)):
            end += 1
        if widened and first <= widened[-1][1]:
            first = widened.pop()[0]
        widened.append((first, end))
    return widened


def _half(cells: list[Cell | None], index: int) -> bool:
    cell = cells[index] if index < len(cells) else None
    return cell is not None and cell[0] == ""


class Screen:
    """What the terminal shows, row by row, as far as this module wrote it."""

    def __init__(self) -> None:
        self.rows: dict[int, list[Cell | None]] = {}

    def clear(self) -> None:
        self.rows.clear()

    def known(self, y: int, x: int, width: int) -> list[Cell | None]:
        row = self.rows.get(y)
        if row is None:
            return []
        return row[x : x + width]

    def record(self, y: int, x: int, cells: list[Cell]) -> None:
        row = self.rows.setdefault(y, [])
        if len(row) < x + len(cells):
            row.extend([None] * (x + len(cells) - len(row)))
        row[x : x + len(cells)] = cells


_screens: weakref.WeakKeyDictionary[Console, Screen] = weakref.WeakKeyDictionary()


def screen_of(console: Console) -> Screen:
    """The copy of the terminal that ``console`` writes to."""
    screen = _screens.get(console)
    if screen is None:
        screen = _screens[console] = Screen()
    return screen


def render_segments(self: ChopsUpdate, console: Console) -> str:
    """``ChopsUpdate.render_segments`` writing only the cells that differ from the copy."""
    screen = screen_of(console)
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops = self.chops
    chop_ends = self.chop_ends
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            start = _start(strip, x1 - x) if x1 > x else 0
            piece = strip.crop(start, min(end, x2) - x)
            left = x + start
            cells = cells_of(piece)
            runs = changed_runs(cells, screen.known(y, left, len(cells)))
            screen.record(y, left, cells)
            for first, stop in runs:
                append(move_to(left + first, y).segment.text)
                append(piece.crop(first, stop).render(console))
    return "".join(sequences)


def _start(strip: Strip, start: int) -> int:
    """The cell to start a piece of ``strip`` at, at or before ``start``: ``start`` itself
    unless a segment with wide characters holds it (then that segment's first cell)."""
    position = 0
    for segment in strip:
        width = cell_len(segment.text)
        if position + width > start:
            return start if width == len(segment.text) else position
        position += width
    return start


_layout_render = LayoutUpdate.render_segments


def render_layout(self: LayoutUpdate, console: Console) -> str:
    """``LayoutUpdate.render_segments``, recording the full frame it writes."""
    screen = screen_of(console)
    screen.clear()
    strips: list[Iterable[Strip]] = [list(line) for line in self.strips]
    self.strips = strips
    for y, line in enumerate(strips, self.region.y):
        screen.record(y, self.region.x, cells_of(Strip.join(line)))
    return _layout_render(self, console)


def install() -> bool:
    """Use ``render_segments`` and ``render_layout``; False (nothing changed) on a Textual
    release other than ``FOR_TEXTUAL``."""
    if textual.__version__ != FOR_TEXTUAL:
        return False
    partial: Any = render_segments
    layout: Any = render_layout
    ChopsUpdate.render_segments = partial  # type: ignore[method-assign]
    LayoutUpdate.render_segments = layout  # type: ignore[method-assign]
    return True
