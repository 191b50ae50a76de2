"""DORA over time, drawn: weekly columns with the tier limits behind them, and the spread
of lead times and times to restore. Pure rows (``domain.charts``) for the metrics screen
and the plain-text charts of ``release-cockpit dora``.

The weekly values are the ones ``DoraFigures`` carries (``frequency_trend`` and friends),
so a picture never disagrees with the JSON. Tier limits come from the chosen report
year's table; a limit a worse tier cannot reach (2024's Medium change failure rate) is
not drawn, and each line is labelled with the tier it bounds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from release_cockpit.domain.charts import (
    FiveNumbers,
    Level,
    Row,
    Span,
    axis_row,
    box_row,
    columns,
    nice_top,
)
from release_cockpit.domain.dora import (
    WEEK,
    DoraFigures,
    Group,
    Metric,
    incidents,
)
from release_cockpit.domain.dora_tiers import Tier, table_for, tier_for
from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.history import ReleaseRecord

UNIT_TITLE = {
    Metric.DEPLOYMENT_FREQUENCY: "deploys per week",
    Metric.LEAD_TIME: "median lead time per week",
    Metric.CHANGE_FAILURE_RATE: "change failure rate per week",
    Metric.TIME_TO_RESTORE: "median time to restore per week",
}


_DURATIONS = (Metric.LEAD_TIME, Metric.TIME_TO_RESTORE)
_ROUND_SECONDS = (
    *(60 * m for m in (1, 2, 5, 10, 15, 30)),
    *(3600 * h for h in (1, 2, 3, 4, 6, 8, 12)),
    *(86400 * d for d in (1, 2, 3, 7, 14, 30, 60, 90, 182, 365)),
)


def nice_duration(seconds: float) -> float:
    """A round duration at or above ``seconds`` (15m, 2h, 1d...), for a time axis."""
    return float(next((r for r in _ROUND_SECONDS if r >= seconds), nice_top(seconds)))


def _label(metric: Metric) -> Callable[[float], str]:
    if metric is Metric.DEPLOYMENT_FREQUENCY:
        return lambda v: f"{v:g}"
    if metric is Metric.CHANGE_FAILURE_RATE:
        return lambda v: f"{v:.0%}"
    return lambda v: format_duration(v) if v else "0"


def _base(metric: Metric, value: float) -> float | timedelta:
    """A weekly chart value in the units ``tier_for`` reads."""
    if metric is Metric.DEPLOYMENT_FREQUENCY:
        return value / 7
    if metric in (Metric.LEAD_TIME, Metric.TIME_TO_RESTORE):
        return timedelta(seconds=value)
    return value


def tier_levels(metric: Metric, year: int) -> list[Level]:
    """The limit of each tier but the worst, in the weekly chart's units."""
    levels: list[Level] = []
    seen: set[float] = set()
    higher_is_better = metric is Metric.DEPLOYMENT_FREQUENCY
    best: float | None = None
    for band in table_for(year).bands[metric]:
        limit = band.limit
        if limit is None:
            continue
        value = limit.total_seconds() if isinstance(limit, timedelta) else float(limit)
        if metric is Metric.DEPLOYMENT_FREQUENCY:
            value *= 7
        # A worse tier whose limit is no worse than a better one's cannot be reached.
        if best is not None and (value >= best if higher_is_better else value <= best):
            continue
        best = value
        if value in seen:
            continue
        seen.add(value)
        levels.append(Level(value, band.tier.value, band.tier.value))
    return levels


def weekly_chart(
    figures: DoraFigures,
    metric: Metric,
    year: int,
    width: int,
    height: int,
    *,
    ascii_only: bool,
) -> list[Row]:
    """One metric's weekly values as columns (a few cells per week), tier limits behind."""
    weekly = figures.trend(metric)
    label = _label(metric)
    levels = tier_levels(metric, year)
    known = [v for v in weekly if v is not None]
    if not known:
        return []  # nothing measured: the caller says why (the figures' note)
    high = max(known, default=0.0)
    # Tier limits near the values are drawn; one far above them (an elite lead time of a
    # day over hours of data) would flatten every column into the bottom row.
    near = [lv.value * 1.1 for lv in levels if lv.value <= max(high, 1e-9) * 3]
    if high <= 0:
        near = [min((lv.value for lv in levels), default=1.0) * 1.25]
    top = max([high * 1.2, *near, 1e-9])
    top = nice_duration(top) if metric in _DURATIONS else nice_top(top)
    levels = [lv for lv in levels if lv.value <= top]
    tail = max((len(lv.label) for lv in levels), default=0) + 1
    gutter = max(len(label(top)), len(label(0.0))) + 1
    plot = width - gutter - tail
    if plot < len(weekly):
        return []
    cell = max(1, plot // len(weekly))
    values: list[float | None] = []
    for value in weekly:
        values += [value] * max(1, cell - 1) + ([None] if cell > 1 else [])

    def role_of(value: float) -> str:
        tier = tier_for(metric, _base(metric, value), year)
        return tier.value if tier is not None else "bar"

    rows = columns(
        values, height, top=top, label=label, levels=levels, role_of=role_of, ascii_only=ascii_only
    )
    first = figures.end - len(weekly) * WEEK
    rows.append(
        axis_row(f"{first:%m-%d}", f"{figures.end:%m-%d}", len(values), gutter, middle="weeks")
    )
    return rows


def samples(
    records: Iterable[ReleaseRecord], now: datetime, window: timedelta, group: Group, key: str
) -> tuple[list[float], list[float]]:
    """Lead times and times to restore (seconds) of one group's production releases in the
    window, by the same rules as ``compute_dora`` (merged incidents, no negative spans)."""
    start = now - window
    chosen = [r for r in records if r.production and (group is Group.ALL or group.key_of(r) == key)]
    leads = [
        lead.total_seconds()
        for r in chosen
        if r.deployed_at is not None
        and start < r.deployed_at <= now
        and (lead := r.lead_time) is not None
        and lead >= timedelta(0)
    ]
    restores = [
        (i.end - i.start).total_seconds()
        for i in incidents(chosen)[0]
        if i.end is not None and start < i.end <= now
    ]
    return leads, restores


def distribution_rows(
    groups: Sequence[tuple[str, Sequence[float]]], width: int, *, ascii_only: bool
) -> list[Row]:
    """One box plot per group on a shared scale, with its median and count at the right;
    a group without samples says so instead of drawing."""
    summaries = [(key, FiveNumbers.of(values)) for key, values in groups]
    present = [s for _, s in summaries if s is not None]
    if not present:
        return []
    low = 0.0
    high = max(s.high for s in present) or 1.0
    name = max(len(key) for key, _ in summaries) + 1
    tail = 22
    plot = width - name - tail
    if plot < 10:
        return []
    rows: list[Row] = []
    for key, numbers in summaries:
        head = Span(key.ljust(name), "")
        if numbers is None:
            rows.append((head, Span("no samples", "axis")))
            continue
        box = box_row(numbers, low, high, plot, ascii_only=ascii_only, role="bar")
        note = f" median {format_duration(numbers.median)} n={numbers.count}"
        rows.append((head, *box, Span(note, "axis")))
    rows.append(axis_row("0", format_duration(high), plot, name))
    return rows


def tier_of_role(tier: Tier | None) -> str:
    return tier.value if tier is not None else ""
