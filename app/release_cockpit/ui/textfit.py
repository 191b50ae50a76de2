"""Pure text layout for the UI: untrusted text as plain content, and lines fitted to a width.

Everything here returns Textual ``Content`` built from plain strings (never from markup),
so a backend string such as ``[bold red]x[/]`` is shown as typed. Lines are fitted by
dropping the least important pieces first and then ending with an ellipsis, so nothing
is ever cut mid-word without one.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from rich.cells import cell_len
from textual.content import Content

from release_cockpit.domain import format_duration
from release_cockpit.domain.text import clean_text

EMPTY = Content("")

# Symbols that domain reasons and backends use, spelled out for terminals without UTF-8.
_ASCII_SPELLING = str.maketrans(
    {
        "≤": "<=",
        "≥": ">=",
        "≠": "!=",
        "—": "-",
        "–": "-",
        "→": "->",
        "←": "<-",
        "…": "...",
        "·": "-",
        "×": "x",
        "✓": "+",
        "✗": "x",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
        "\u00a0": " ",
    }
)


def to_ascii(text: str) -> str:
    """``text`` in plain ASCII: known symbols spelled out, accents dropped, the rest as ``?``."""
    spelled = unicodedata.normalize("NFKD", text.translate(_ASCII_SPELLING))
    return "".join(
        char if char.isascii() else ("" if unicodedata.combining(char) else "?") for char in spelled
    )


def flat(value: object, *, ascii_only: bool = False) -> str:
    """Untrusted text on one line: control characters removed, whitespace runs folded."""
    text = " ".join(clean_text(value).split())
    return to_ascii(text) if ascii_only else text


def plain(value: object, style: str = "", *, ascii_only: bool = False) -> Content:
    """Untrusted text as content that is never parsed as markup."""
    text = flat(value, ascii_only=ascii_only)
    return Content.styled(text, style) if style else Content(text)


def ellipsize(content: Content, width: int, ellipsis: str = "…") -> Content:
    """Fit ``content`` in ``width`` cells, ending with ``ellipsis`` when something was cut.

    The cut prefers a word boundary when that keeps at least two thirds of the room.
    """
    if width <= 0:
        return EMPTY
    if content.cell_length <= width:
        return content
    room = width - cell_len(ellipsis)
    if room <= 0:
        return Content(ellipsis[:width])
    cut = content.truncate(room)
    space = cut.plain.rfind(" ")
    if space >= room * 2 // 3:
        cut = cut[:space]
    return cut.rstrip() + ellipsis


@dataclass(frozen=True, slots=True)
class Piece:
    """Part of a line. ``drop`` 0 is kept; higher numbers are dropped first when short of room."""

    content: Content
    drop: int = 0
    sep: str = " "


def _join(pieces: Sequence[Piece]) -> Content:
    parts: list[Content | str] = []
    for index, piece in enumerate(pieces):
        if index:
            parts.append(piece.sep)
        parts.append(piece.content)
    return Content.assemble(*parts)


def fit_row(
    pieces: Sequence[Piece],
    width: int,
    *,
    right: Content | None = None,
    ellipsis: str = "…",
) -> Content:
    """One line of ``width`` cells: pieces at the left, ``right`` flush at the right edge."""
    if width <= 0:
        return EMPTY
    avail = width
    if right is not None and right.cell_length:
        avail = width - right.cell_length - 1
        if avail < 1:
            return ellipsize(right, width, ellipsis)
    active = [p for p in pieces if p.content.cell_length]
    line = _join(active)
    while line.cell_length > avail:
        droppable = [(p.drop, i) for i, p in enumerate(active) if p.drop]
        if not droppable:
            break
        index = max(droppable)[1]
        dropped = active.pop(index)
        # A dropped piece hands a visible separator (" · ") to the piece after it, so
        # groups stay marked; plain spacing between a word and its detail is not handed on.
        if index < len(active) and dropped.sep.strip() and not active[index].sep.strip():
            follower = active[index]
            active[index] = Piece(follower.content, follower.drop, dropped.sep)
        line = _join(active)
    line = ellipsize(line, avail, ellipsis)
    if right is None or not right.cell_length:
        return line
    gap = width - line.cell_length - right.cell_length
    return Content.assemble(line, " " * gap, right)


def wrap(content: Content, width: int, max_lines: int, ellipsis: str = "…") -> list[Content]:
    """Word-wrap to at most ``max_lines`` lines; the last one ends in an ellipsis if cut."""
    if width <= 0 or max_lines <= 0 or not content.cell_length:
        return []
    lines = [line.rstrip() for line in content.wrap(width)]
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    if last.cell_length + cell_len(ellipsis) > width:
        last = last.truncate(width - cell_len(ellipsis)).rstrip()
    return [*lines[: max_lines - 1], last + ellipsis]


def flow(
    cells: Sequence[Content], width: int, *, gap: int = 3, ellipsis: str = "…"
) -> list[Content]:
    """Pack cells left to right into as few lines as the width allows."""
    lines: list[Content] = []
    current: Content | None = None
    for cell in cells:
        cell = ellipsize(cell, width, ellipsis)
        if current is None:
            current = cell
        elif current.cell_length + gap + cell.cell_length <= width:
            current = Content.assemble(current, " " * gap, cell)
        else:
            lines.append(current)
            current = cell
    if current is not None:
        lines.append(current)
    return lines


def table(
    rows: Sequence[Sequence[Content]],
    width: int,
    *,
    header: Sequence[str] = (),
    flex: int | None = -1,
    gap: int = 2,
    ellipsis: str = "…",
) -> list[Content]:
    """Rows aligned in columns, fitted to ``width``.

    When short of room the ``flex`` column (if any) shrinks first, to 8 cells at least,
    then columns are left out from the right, so callers put the least important last.
    """
    all_rows: list[Sequence[Content]] = list(rows)
    if header:
        all_rows.insert(0, [Content.styled(h, "bold") for h in header])
    if not all_rows or width <= 0:
        return []
    columns = max(len(r) for r in all_rows)
    widths = [0] * columns
    for row in all_rows:
        for index, cell in enumerate(row):
            widths[index] = max(widths[index], cell.cell_length)
    flex = None if flex is None else flex % columns
    shown = list(range(columns))

    def total() -> int:
        return sum(widths[i] for i in shown) + gap * (len(shown) - 1)

    natural = widths[flex] if flex is not None else 0
    if flex is not None and total() > width:
        widths[flex] = max(min(widths[flex], 8), widths[flex] - (total() - width))
    while total() > width and len(shown) > 1:
        shown.remove(next(i for i in reversed(shown) if i != flex))
    if flex is not None and flex in shown and total() < width:
        # Columns left out gave back room: the flex column takes it before anything is cut
        # (a signal name was cut to 8 cells at 120 columns with 40 of them unused).
        widths[flex] = min(natural, widths[flex] + width - total())
    lines = []
    for row in all_rows:
        cells: list[Content] = []
        for index in shown:
            cell = row[index] if index < len(row) else EMPTY
            cell = ellipsize(cell, widths[index], ellipsis)
            last = index == shown[-1]
            cells.append(cell if last else cell.pad_right(widths[index] - cell.cell_length))
        lines.append(ellipsize(Content(" " * gap).join(cells).rstrip(), width, ellipsis))
    return lines


def ago(moment: datetime | None, now: datetime) -> str:
    """How long ago ``moment`` was, compactly (``3s``, ``4m12s``), or ``never``."""
    return "never" if moment is None else format_duration(now - moment)


def coarse_duration(span: timedelta) -> str:
    """A duration that changes at most once a minute past the first minute (``42s``,
    ``25m``, ``2h05m``), for the board: a once-a-second repaint of every panel's age is
    bytes over a slow SSH link for a digit nobody reads. Detail screens keep seconds."""
    seconds = max(0, int(span.total_seconds()))
    if 60 <= seconds < 3600:
        return f"{seconds // 60}m"
    return format_duration(span)


def coarse_ago(moment: datetime | None, now: datetime) -> str:
    """``ago`` at board resolution (see ``coarse_duration``)."""
    return "never" if moment is None else coarse_duration(now - moment)


def until(moment: datetime | None, now: datetime) -> str:
    """Time left until ``moment`` (``0s`` once it has passed), or ``-``."""
    return "-" if moment is None else format_duration(moment - now)


def clock_time(moment: datetime | None) -> str:
    """A timestamp as ``HH:MM:SS`` in UTC, the one zone every on-call engineer shares."""
    return "-" if moment is None else moment.astimezone(UTC).strftime("%H:%M:%S")


def date_time(moment: datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
