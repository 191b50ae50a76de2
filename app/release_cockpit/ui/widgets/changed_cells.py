"""Which cells of a line changed, so a repaint sends only those.

A line's age ("data 3s old") or the clock changes every second; repainting the whole
line sent its every cell and style code again, about 500 bytes a second for the title
alone over an SSH link. Textual repaints only the regions a widget refreshes
(https://textual.textualize.io/guide/widgets/#line-api), so the widgets refresh the runs
of cells that differ (``ui/partial_writes.py`` makes Textual send no more than those).
"""

from __future__ import annotations

from textual.content import Content


def _styles(line: Content) -> list[object]:
    """The style of every character, as the spans lay them on (later spans on top)."""
    styles: list[object] = [None] * len(line.plain)
    for span in line.spans:
        for index in range(max(span.start, 0), min(span.end, len(styles))):
            previous = styles[index]
            styles[index] = span.style if previous is None else (previous, span.style)
    return styles


GAP = 8
"""Unchanged cells between two changed runs that are cheaper to send again than to jump
over (a cursor move is about 8 bytes)."""


def changed_cells(new: Content, old: Content) -> list[tuple[int, int]]:
    """The runs of cells that differ between two lines, as ``(first, end)`` with ``end``
    exclusive; ``[]`` when they are the same. Lines whose characters are not one cell
    each (wide characters) or whose lengths differ count as changed end to end."""
    if new.is_same(old):
        return []
    plain_new, plain_old = new.plain, old.plain
    width = max(new.cell_length, old.cell_length)
    if (
        len(plain_new) != new.cell_length
        or len(plain_old) != old.cell_length
        or len(plain_new) != len(plain_old)
    ):
        return [(0, width)]
    differs = [
        a != b
        for a, b in zip(
            zip(plain_new, _styles(new), strict=True),
            zip(plain_old, _styles(old), strict=True),
            strict=True,
        )
    ]
    if not any(differs):
        return [(0, width)]  # same cells, different Content (a link, a meta): all of it
    runs: list[tuple[int, int]] = []
    for index, changed in enumerate(differs):
        if not changed:
            continue
        if runs and index - runs[-1][1] <= GAP:
            runs[-1] = (runs[-1][0], index + 1)
        else:
            runs.append((index, index + 1))
    return runs
