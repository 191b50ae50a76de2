"""Chart rows (``domain.charts``) as styled lines: each role through a theme variable.

The roles carry meaning in shape and words already (a dashed line with its label, capitals
for the longest stage, ``!`` for an alert); colour adds to that and disappears cleanly
under ``NO_COLOR`` and on 16 colours, because every style here is a theme variable the
theme maps for those terminals.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.ui.textfit import wrap

if TYPE_CHECKING:
    from release_cockpit.domain.charts import Row

ROLE_STYLE: dict[str, str] = {
    "": "",
    "axis": "dim",
    "bar": "$verdict-ok",
    "warn": "bold $verdict-warning",
    "fail": "bold $verdict-failing",
    "mark": "$accent",
    "step": "bold $stage-running",
    "pause": "bold $stage-waiting",
    "action": "bold $accent",
    "alert": "bold $verdict-failing",
    "longest": "bold reverse",
    "stable": "$verdict-ok",
    "stable-median": "bold $verdict-ok",
    "canary": "$stage-running",
    "canary-median": "bold $stage-running",
    "elite": "bold $verdict-ok",
    "high": "$verdict-ok",
    "medium": "$verdict-warning",
    "low": "bold $verdict-failing",
    "hidden": "dim",
}


def style_of(role: str) -> str:
    if role.startswith("stage-"):
        return f"${role}"
    return ROLE_STYLE.get(role, "")


def row_content(row: Row) -> Content:
    return Content.assemble(*(Content.styled(span.text, style_of(span.role)) for span in row))


def chart_lines(
    rows: Sequence[Row], width: int, indent: int = 0, ellipsis: str = "…"
) -> list[Content]:
    """Rows as lines; a one-span row longer than the width (a sentence under a chart)
    wraps instead of being cut."""
    pad = " " * indent
    lines: list[Content] = []
    for row in rows:
        line = row_content(row)
        if len(row) == 1 and line.cell_length > width - indent:
            lines += [
                Content.assemble(pad, part) for part in wrap(line, width - indent, 3, ellipsis)
            ]
        else:
            lines.append(Content.assemble(pad, line))
    return lines
