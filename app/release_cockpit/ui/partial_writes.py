"""Send only the changed cells of a line to the terminal, not the line up to them.

Textual repaints the regions a widget refreshes, but when it writes a partial update it
starts each piece at the left edge of the widget it belongs to and crops only the right
end (``ChopsUpdate.render_segments`` in textual/_compositor.py, 8.2.8; its
``__rich_console__`` twin carries "TODO: crop to x extents"). A clock or an age at the
right of a 120-cell line then re-sent the whole line every second: about 400 bytes a
second for the title alone, more than htop writes in all, over a bastion's SSH link.

``install`` replaces that one method with the same loop that also crops the left end:
at the first changed cell when the text before it is one cell per character, else at
the start of the segment that holds it (a wide character is never cut in half). Only for
the Textual release it was written against (the project pins it); any other release
keeps its own method.
"""

from __future__ import annotations

from typing import Any

import textual
from rich.cells import cell_len
from rich.console import Console
from rich.control import Control
from textual._compositor import ChopsUpdate
from textual.strip import Strip

FOR_TEXTUAL = "8.2.8"


def left_edge(strip: Strip, start: int) -> int:
    """The cell to start writing ``strip`` at, at or before ``start``: ``start`` itself
    unless a segment with wide characters holds it (then that segment's first cell)."""
    position = 0
    for segment in strip:
        width = cell_len(segment.text)
        if position + width > start:
            return start if width == len(segment.text) else position
        position += width
    return start


def render_segments(self: ChopsUpdate, console: Console) -> str:
    """``ChopsUpdate.render_segments`` cropping both ends of each changed span."""
    sequences: list[str] = []
    append = sequences.append
    move_to = Control.move_to
    chops = self.chops
    chop_ends = self.chop_ends
    last_y = self.spans[-1][0]
    for y, x1, x2 in self.spans:
        line = chops[y]
        ends = chop_ends[y]
        for end, (x, strip) in zip(ends, line.items(), strict=False):
            if strip is None or x > x2 or end <= x1:
                continue
            start = left_edge(strip, x1 - x) if x1 > x else 0
            piece = strip.crop(start, min(end, x2) - x)
            append(move_to(x + start, y).segment.text)
            append(piece.render(console))
        if y != last_y:
            append("\n")
    return "".join(sequences)


def install() -> bool:
    """Use ``render_segments`` for partial updates; False (nothing changed) on a Textual
    release other than ``FOR_TEXTUAL``."""
    if textual.__version__ != FOR_TEXTUAL:
        return False
    patched: Any = render_segments
    ChopsUpdate.render_segments = patched  # type: ignore[method-assign]
    return True
