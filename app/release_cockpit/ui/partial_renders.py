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

Only for the Textual release this was written against (the project pins it); any other
release keeps its own method.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import textual
from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip

FOR_TEXTUAL = "8.2.8"

_whole_frame = Compositor._get_renders


def get_renders(
    self: Compositor, crop: Region | None = None
) -> Iterable[tuple[Region, Region, list[Strip]]]:
    """``Compositor._get_renders``: for a crop, only what meets it, only its rows."""
    if not crop:
        yield from _whole_frame(self, crop)
        return
    top, bottom = crop.y, crop.bottom
    for widget, (region, clip) in self.visible_widgets.items():
        shown = region.intersection(clip)
        if not shown.overlaps(crop):
            continue
        # The rows of the crop across the whole visible width: the caller cuts each row
        # at the widgets' edges, and those cuts must not move.
        first, last = max(shown.y, top), min(shown.bottom, bottom)
        rows = Region(shown.x, first, shown.width, last - first)
        lines = Region(rows.x - region.x, rows.y - region.y, rows.width, rows.height)
        yield region, rows, widget.render_lines(lines)


def install() -> bool:
    """Use ``get_renders``; False (nothing changed) on a Textual release other than
    ``FOR_TEXTUAL``."""
    if textual.__version__ != FOR_TEXTUAL:
        return False
    method: Any = get_renders
    Compositor._get_renders = method  # type: ignore[method-assign]
    return True
