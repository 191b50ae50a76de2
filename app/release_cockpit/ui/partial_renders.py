"""Render, for a partial update, only the widgets and rows the update covers.

Textual (8.2.8) answers a refresh of one cell (the clock's seconds) by asking every
visible widget for all of its lines: ``Compositor._get_renders`` keeps the widgets whose
*clip* (the container they are drawn in, for most widgets the whole screen) overlaps the
updated region, not those whose own region does, and each renders its whole visible
area. The cockpit's title bar ticking once a second thus had the board (38 rows), its
scroll bar, the footer and the screen's background rendered each second: about 1 ms of
the 2 ms a tick cost, at every second of an idle day.

``install`` replaces that method of the pinned release: with a crop (a partial update)
it yields only the widgets whose visible area meets the crop, each rendered for the rows
of the crop alone. Nothing else changes. ``_render_chops`` fills only the cells of the
rows it was asked for, and the first widget to cover a cell, in Textual's order, still
wins: a widget that does not meet the crop covers no cell inside it. Without a crop (a
full frame) the original method runs.

An update of cells far apart (the clock in the title bar and an age on the board's 31st
row, in the same frame) has one crop around both: ``render_partial_update`` is replaced
too, to note which rows hold updated cells, and each widget renders only those of its
rows, in runs, instead of every row between the two.

Only for the Textual release this was written against (the project pins it); any other
release keeps its own methods.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import textual
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.strip import Strip

FOR_TEXTUAL = "8.2.8"

_whole_frame = Compositor._get_renders
_textual_partial_update = Compositor.render_partial_update
_updated_rows: frozenset[int] | None = None
"""The screen rows of the partial update being rendered (None: every row of the crop)."""


def get_renders(
    self: Compositor, crop: Region | None = None
) -> Iterable[tuple[Region, Region, list[Strip]]]:
    """``Compositor._get_renders``: for a crop, only what meets it, only its updated rows."""
    if not crop:
        yield from _whole_frame(self, crop)
        return
    top, bottom = crop.y, crop.bottom
    for widget, (region, clip) in self.visible_widgets.items():
        shown = region.intersection(clip)
        if not shown.overlaps(crop):
            continue
        # The rows across the whole visible width: the caller cuts each row at the
        # widgets' edges, and those cuts must not move.
        for first, last in _runs(max(shown.y, top), min(shown.bottom, bottom)):
            rows = Region(shown.x, first, shown.width, last - first)
            lines = Region(rows.x - region.x, rows.y - region.y, rows.width, rows.height)
            yield region, rows, widget.render_lines(lines)


def _runs(first: int, last: int) -> Iterator[tuple[int, int]]:
    """The runs of consecutive updated rows in [first, last), as (start, end) pairs."""
    if _updated_rows is None:
        if first < last:
            yield first, last
        return
    start = end = -1
    for y in sorted(y for y in _updated_rows if first <= y < last):
        if y != end:
            if start >= 0:
                yield start, end
            start = y
        end = y + 1
    if start >= 0:
        yield start, end


def render_partial_update(self: Compositor) -> ChopsUpdate | None:
    """``Compositor.render_partial_update``, noting its updated rows for ``get_renders``."""
    global _updated_rows
    _updated_rows = frozenset(y for region in self._dirty_regions for y in region.line_range)
    try:
        return _textual_partial_update(self)
    finally:
        _updated_rows = None


def install() -> bool:
    """Use ``get_renders`` and ``render_partial_update``; False (nothing changed) on a
    Textual release other than ``FOR_TEXTUAL``."""
    if textual.__version__ != FOR_TEXTUAL:
        return False
    method: Any = get_renders
    Compositor._get_renders = method  # type: ignore[method-assign]
    partial: Any = render_partial_update
    Compositor.render_partial_update = partial  # type: ignore[method-assign]
    return True
