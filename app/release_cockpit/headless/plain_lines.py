"""Tables for pipes: one line per row, columns aligned with spaces, the last one whole.

A Rich table squeezed into 80 columns (what a console assumes without a terminal) cuts
words (``INCONCLUSI…``), folds the reason one letter per line or drops it. Output that is
piped into ``grep``, a log or a CI job gets lines instead, as ``kubectl get`` and
``docker ps`` print them: every column but the last padded to its widest value, the last
(the reason, the result) never cut, nothing styled, no header, so each release is one
``grep``-able line.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

GAP = "  "


def aligned_lines(rows: Sequence[Sequence[str]]) -> list[str]:
    """``rows`` as text lines: every column but the last padded to its widest cell."""
    if not rows:
        return []
    columns = max(len(row) for row in rows)
    widths = [0] * columns
    for row in rows:
        for index, cell in enumerate(row[:-1]):
            widths[index] = max(widths[index], cell_len(cell))
    lines = []
    for row in rows:
        cells = [
            cell + " " * (widths[index] - cell_len(cell)) if index < len(row) - 1 else cell
            for index, cell in enumerate(row)
        ]
        lines.append(GAP.join(cells).rstrip())
    return lines
