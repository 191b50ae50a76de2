"""Charts drawn with characters: pure layout, no colour, no terminal, no Textual.

A chart is a list of rows; a row is a tuple of ``Span`` (text and a *role*: "bar", "fail",
"warn", "axis", "mark"...). The screens style each role through the theme (so the colour
follows the theme, 16 colours and ``NO_COLOR``); ``dora`` and ``export --format md`` print
the text as it is. Meaning never rides on colour alone: a threshold is a dashed line with
its label, a bar over it is taller than the line, the longest stage is in capitals, a
firing alert is ``!`` on the time axis. Each primitive has an ASCII form for terminals
whose locale is not UTF-8.

Why our own drawing and not a plotting widget: measured with ``benchmarks/charts.py``
against textual-plotext (plotext, https://github.com/Textualize/textual-plotext) and
textual-plot (numpy, https://github.com/davidfokkema/textual-plot) showing the same four
charts; the numbers are in docs/pictures.md. Both libraries add import time and memory to
the process, and repaint the whole plot on a change; rows of text repaint only the rows
that changed (``ui.widgets.lines``), print unchanged in ``dora`` and Markdown, and fall back
to ASCII, which neither library does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Span:
    """A run of characters drawn in one role."""

    text: str
    role: str = ""


Row = tuple[Span, ...]

_EIGHTHS = " ▁▂▃▄▅▆▇█"
_HALVES = " .#"


def row_text(row: Row) -> str:
    return "".join(span.text for span in row)


def _merge(cells: Sequence[tuple[str, str]]) -> Row:
    """Adjacent cells of one role become one span (fewer segments to style and send)."""
    spans: list[Span] = []
    for char, role in cells:
        if spans and spans[-1].role == role:
            spans[-1] = Span(spans[-1].text + char, role)
        else:
            spans.append(Span(char, role))
    return tuple(spans)


@dataclass(frozen=True, slots=True)
class Level:
    """A horizontal reference line (a warn or fail threshold, a tier's limit) and its label."""

    value: float
    label: str
    role: str = "axis"


@dataclass(frozen=True, slots=True)
class Mark:
    """Something that happened at ``x`` (a canary step, an alert firing, an action)."""

    x: float
    symbol: str
    label: str = ""
    role: str = "mark"


def bucket(
    points: Sequence[tuple[float, float]],
    start: float,
    end: float,
    count: int,
    pick: Callable[[Sequence[float]], float] = max,
    *,
    hold: bool = False,
) -> list[float | None]:
    """Points (x, y) into ``count`` equal columns over [start, end]; None where none fell.

    ``pick`` chooses a column's value among its points: the worst (max for a value where
    high is bad) so a spike is never averaged away.
    """
    if count <= 0:
        return []
    span = max(end - start, 1e-9)
    columns: list[list[float]] = [[] for _ in range(count)]
    for x, y in points:
        if start <= x <= end and math.isfinite(y):
            columns[min(count - 1, int((x - start) / span * count))].append(y)
    result = [pick(values) if values else None for values in columns]
    if hold:
        # A measurement stands until the next one: columns between two points show the
        # earlier value (none before the first point or after the last).
        filled = [i for i, v in enumerate(result) if v is not None]
        if filled:
            last: float | None = None
            for i in range(filled[0], filled[-1] + 1):
                if result[i] is None:
                    result[i] = last
                last = result[i]
    return result


def nice_top(value: float) -> float:
    """A round number at or above ``value`` (1, 2, 2.5, 5 x 10^n) for the top of an axis."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        if value <= step * power * (1 + 1e-9):
            return step * power
    return 10 * power


def columns(
    values: Sequence[float | None],
    height: int,
    *,
    top: float,
    label: Callable[[float], str],
    levels: Sequence[Level] = (),
    role_of: Callable[[float], str] = lambda _: "bar",
    ascii_only: bool = False,
) -> list[Row]:
    """A column chart: one column per value, ``height`` rows, zero at the bottom.

    Left: the axis labels (top and zero). Right: each level's label on its row. A value
    above ``top`` is drawn full height (the caller chooses a top past its levels).
    A None draws nothing: no data is never drawn as a value.
    """
    height = max(1, height)
    top = top if top > 0 else 1.0
    gutter = max(len(label(top)), len(label(0.0)))
    level_rows: dict[int, Level] = {}
    for line in sorted(levels, key=lambda lv: lv.value):
        if 0 <= line.value <= top:
            level_rows[min(height - 1, int(line.value / top * height + 1e-9))] = line
    tail = max((len(lv.label) for lv in level_rows.values()), default=0)
    rows: list[Row] = []
    blocks = _HALVES if ascii_only else _EIGHTHS
    steps = len(blocks) - 1
    for r in range(height - 1, -1, -1):
        level: Level | None = level_rows.get(r)
        cells: list[tuple[str, str]] = []
        for value in values:
            fill = 0.0 if value is None else max(0.0, min(1.0, value / top)) * height - r
            amount = round(max(0.0, min(1.0, fill)) * steps)
            if amount and value is not None:
                cells.append((blocks[amount], role_of(value)))
            elif level is not None:
                cells.append(("-" if ascii_only else "┄", level.role))
            else:
                cells.append((" ", ""))
        axis_label = label(top) if r == height - 1 else label(0.0) if r == 0 else ""
        spans = [Span(axis_label.rjust(gutter) + ("|" if ascii_only else "│"), "axis")]
        spans += _merge(cells)
        if tail:
            spans.append(
                Span(" " + (level.label if level else "").ljust(tail), level.role if level else "")
            )
        rows.append(tuple(spans))
    return rows


def marks_row(marks: Sequence[Mark], start: float, end: float, width: int, indent: int) -> Row:
    """Events on the time axis: each mark's symbol at its column, its label after it
    while there is room before the next mark. A mark outside the window is left out, not
    piled on the edge, where it would read as happening at the window's first moment."""
    cells: list[tuple[str, str]] = [(" ", "")] * width
    span = max(end - start, 1e-9)
    placed = sorted(
        (
            (min(width - 1, int((m.x - start) / span * width)), m)
            for m in marks
            if start <= m.x <= end
        ),
        key=lambda pair: (pair[0], pair[1].x),
    )
    taken = [False] * width
    for index, (col, mark) in enumerate(placed):
        while col < width - 1 and taken[col]:
            col += 1
        if taken[col]:
            continue
        cells[col] = (mark.symbol[:1], mark.role)
        taken[col] = True
        limit = min(placed[index + 1][0] if index + 1 < len(placed) else width, width)
        label = mark.label
        left = col - len(label)
        if col + 1 + len(label) > limit and left >= 0 and not any(taken[left:col]):
            # No room after it (the right edge, the next mark): the label goes before.
            for offset, char in enumerate(label):
                cells[left + offset] = (char, mark.role)
                taken[left + offset] = True
            continue
        for offset, char in enumerate(label):
            at = col + 1 + offset
            if at >= limit or taken[at]:
                break
            cells[at] = (char, mark.role)
            taken[at] = True
    return (Span(" " * indent, ""), *_merge(cells))


def axis_row(left: str, right: str, width: int, indent: int, middle: str = "") -> Row:
    """The labels under a time axis: start at the left, end at the right."""
    room = width - len(left) - len(right)
    if room < 1:
        return (Span(" " * indent + left[:width], "axis"),)
    centre = ""
    if middle and room >= len(middle) + 2:
        pad = room - len(middle)
        centre = " " * (pad // 2) + middle + " " * (pad - pad // 2)
    else:
        centre = " " * room
    return (Span(" " * indent + left + centre + right, "axis"),)


@dataclass(frozen=True, slots=True)
class FiveNumbers:
    """A sample's minimum, quartiles and maximum (what a box plot draws), and its size."""

    low: float
    q1: float
    median: float
    q3: float
    high: float
    count: int

    @classmethod
    def of(cls, values: Sequence[float]) -> FiveNumbers | None:
        """None for an empty sample. Quartiles by linear interpolation between ranks
        (R's type 7, NumPy's default), so a reader can check a number by hand."""
        ordered = sorted(v for v in values if math.isfinite(v))
        if not ordered:
            return None

        def quantile(q: float) -> float:
            pos = q * (len(ordered) - 1)
            low = math.floor(pos)
            high = min(low + 1, len(ordered) - 1)
            return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)

        return cls(
            ordered[0], quantile(0.25), quantile(0.5), quantile(0.75), ordered[-1], len(ordered)
        )


def box_row(
    numbers: FiveNumbers, low: float, high: float, width: int, *, ascii_only: bool, role: str
) -> Row:
    """One horizontal box plot on the scale [low, high]: whiskers to min and max, the
    box from q1 to q3, the median as a bar across it."""
    span = max(high - low, 1e-12)

    def col(value: float) -> int:
        return max(0, min(width - 1, round((value - low) / span * (width - 1))))

    cells: list[tuple[str, str]] = [(" ", "")] * width
    whisker, box, median, end_l, end_r = (
        ("-", "=", "#", "|", "|") if ascii_only else ("─", "▒", "┃", "├", "┤")
    )
    a, b, c, d, e = (
        col(v) for v in (numbers.low, numbers.q1, numbers.median, numbers.q3, numbers.high)
    )
    for x in range(a, e + 1):
        cells[x] = (whisker, role)
    for x in range(b, d + 1):
        cells[x] = (box, role)
    cells[a] = (end_l, role)
    cells[e] = (end_r, role)
    cells[c] = (median, f"{role}-median")
    return _merge(cells)


@dataclass(frozen=True, slots=True)
class Segment:
    """One stretch of a strip (a stage), from ``start`` to ``end`` (seconds)."""

    label: str
    start: float
    end: float
    role: str


def strip(
    segments: Sequence[Segment], start: float, end: float, width: int, *, ascii_only: bool
) -> Row:
    """Segments side by side on one time axis, each at least one cell wide so none
    vanishes: ``│Build 4m──│Test 2m│DEPLOY 12m─────``; a gap (nothing recorded) stays blank."""
    if width <= 0 or not segments:
        return ()
    span = max(end - start, 1e-9)
    edge, fill = ("|", "-") if ascii_only else ("│", "─")
    cells: list[tuple[str, str]] = [(" ", "")] * width
    cursor = 0
    for segment in sorted(segments, key=lambda s: s.start):
        first = max(cursor, min(width - 1, int((segment.start - start) / span * width)))
        last = max(first + 1, min(width, round((segment.end - start) / span * width)))
        if first >= width:
            break
        room = last - first - 1
        label = segment.label
        if len(label) > room:  # "Build 4m12s", then "Build", then "B"
            label = label.split(" ", 1)[0]
            label = label if len(label) <= room else label[:1]
        text = (edge + label)[: last - first]
        text = text + fill * (last - first - len(text))
        for offset, char in enumerate(text):
            cells[first + offset] = (char, segment.role)
        cursor = last
    return _merge(cells)


def bars_line(
    values: Sequence[float | None], top: float | None = None, *, ascii_only: bool = False
) -> str:
    """One row of bars (a week per character), scaled to ``top`` (default: the largest
    value); a missing value is a gap, never a zero bar. The trend beside a table cell."""
    known = [v for v in values if v is not None]
    top = top if top is not None and top > 0 else max(known, default=0.0)
    blocks = " _.-=#" if ascii_only else _EIGHTHS
    steps = len(blocks) - 1
    out = []
    for value in values:
        if value is None:
            out.append(" ")
        elif top <= 0:
            out.append(blocks[1])
        else:
            out.append(blocks[max(1, round(max(0.0, min(1.0, value / top)) * steps))])
    return "".join(out)


def hbar(fraction: float, width: int, *, ascii_only: bool = False) -> str:
    """A horizontal bar of ``fraction`` (0 to 1) of ``width`` cells, in eighths of a cell
    (whole cells in ASCII): a rate next to its number."""
    fraction = max(0.0, min(1.0, fraction))
    if ascii_only:
        return "#" * round(fraction * width)
    eighths = round(fraction * width * 8)
    return "█" * (eighths // 8) + ("" if eighths % 8 == 0 else " ▏▎▍▌▋▊▉"[eighths % 8])
