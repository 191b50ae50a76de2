"""One release drawn: its signals over time, canary against stable, its stages on one axis.

Pure functions from domain values to chart rows (``domain.charts``); the detail screen
styles them, ``export --format md`` prints them in a code block. Every picture shares the
time axis of the release (first stage to now or the end), so a canary step, an alert
firing and a signal crossing its fail line line up in one column.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from release_cockpit.domain.alerts import Alert
from release_cockpit.domain.charts import (
    Level,
    Mark,
    Row,
    Segment,
    Span,
    axis_row,
    box_row,
    bucket,
    columns,
    marks_row,
    nice_top,
    strip,
)
from release_cockpit.domain.delivery import StageSpan
from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.history import TimelineEvent, TimelineKind
from release_cockpit.domain.signal_rules import Direction, SignalMode
from release_cockpit.domain.signals import SignalStatus
from release_cockpit.domain.stages import Stage, StageName

LABEL = 8
"""Width of the row titles of the timeline picture ("stages  ", "rollout ")."""


def _clock(moment: datetime) -> str:
    return moment.strftime("%H:%M")


def live_spans(stages: Sequence[Stage], now: datetime) -> dict[StageName, StageSpan]:
    """Spans from a live release's stages (those that started)."""
    return {
        s.name: StageSpan(s.name, s.started_at, s.finished_at, s.state)
        for s in stages
        if s.started_at is not None and s.started_at <= now
    }


def event_marks(
    events: Sequence[TimelineEvent], alerts: Sequence[Alert], *, ascii_only: bool
) -> tuple[list[Mark], list[Mark]]:
    """(rollout marks: weight steps and pauses; people and alerts: actions and firings)."""
    rollout: list[Mark] = []
    people: list[Mark] = []
    seen_alerts: set[str] = set()
    for event in events:
        x = event.at.timestamp()
        if event.cause.startswith("step:"):
            weight = event.title.rsplit(" ", 1)[-1]
            rollout.append(Mark(x, "^" if ascii_only else "▲", weight, "step"))
        elif event.cause.startswith("pause:none"):
            rollout.append(Mark(x, ">" if ascii_only else "▶", "", "step"))
        elif event.cause.startswith("pause:"):
            rollout.append(Mark(x, "=" if ascii_only else "⏸", "pause", "pause"))
        elif event.kind is TimelineKind.ACTION and ":sent:" in event.cause:
            word = event.title.split(" ", 1)[0].lower()
            people.append(Mark(x, "*" if ascii_only else "◆", word, "action"))
        elif event.kind is TimelineKind.ALERT and event.cause.rsplit(":", 2)[-2:-1] == ["firing"]:
            # alert:<name>:firing:<n>; the name may hold colons or spaces.
            name = event.cause.split(":", 1)[1].rsplit(":", 2)[0]
            seen_alerts.add(name)
            people.append(Mark(x, "!", name, "alert"))
    for alert in alerts:
        if alert.starts_at is not None and alert.name not in seen_alerts:
            people.append(Mark(alert.starts_at.timestamp(), "!", alert.name, "alert"))
    return rollout, people


_STEPS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)
"""Seconds an axis' live end moves by: round steps, so it stays put between them."""


def stepped_end(start: datetime, now: datetime, columns: int) -> datetime:
    """A live axis' end: ``now`` rounded up to a round step of about one column's worth
    of time from ``start``. An axis ending exactly at ``now`` moves every column's
    boundaries every second, so most of a chart's rows change on every clock tick; a
    stepped end moves about once per column (in the detail's signal charts of a
    10-minute window at 118 columns: 6.9 of 29 rows rebuilt per tick before, 1.5 after)."""
    span = max((now - start).total_seconds(), 0.0)
    wanted = span / max(columns, 1)
    step = next((s for s in _STEPS if s >= wanted), _STEPS[-1] * (1 + int(wanted // _STEPS[-1])))
    steps = -(-span // step)  # ceiling
    return start + timedelta(seconds=max(steps, 1) * step)


def window(
    spans: Mapping[StageName, StageSpan], events: Sequence[TimelineEvent], now: datetime
) -> tuple[datetime, datetime] | None:
    """The release's time axis: its first stage (or event) to its last, or now."""
    starts = [s.start for s in spans.values()] + [e.at for e in events]
    if not starts:
        return None
    start = min(starts)
    open_ = any(s.end is None for s in spans.values())
    ends = [s.end for s in spans.values() if s.end is not None] + [e.at for e in events]
    end = now if open_ or not ends else max(ends)
    return start, max(end, start)


def timeline_picture(
    spans: Mapping[StageName, StageSpan],
    events: Sequence[TimelineEvent],
    alerts: Sequence[Alert],
    now: datetime,
    width: int,
    *,
    ascii_only: bool,
    live: bool = True,
    axis_end: datetime | None = None,
) -> list[Row]:
    """The six stages as one strip with their durations (the longest in capitals), the
    rollout's steps and pauses under it, then actions and alert firings, on one axis.
    ``axis_end`` (a ``stepped_end``) keeps a live axis still between steps while the
    durations stay exact."""
    bounds = window(spans, events, now)
    plot = width - LABEL
    if bounds is None or plot < 20 or not spans:
        return []
    start, end = bounds
    edge = axis_end if axis_end is not None and end >= now else end
    t0, t1 = start.timestamp(), max(edge.timestamp(), end.timestamp(), start.timestamp() + 1)
    durations = {
        stage: ((span.end or now) - span.start).total_seconds() for stage, span in spans.items()
    }
    longest = max(durations, key=lambda stage: durations[stage])
    segments = []
    for stage, span in spans.items():
        title = stage.title
        role = f"stage-{span.state.value}"
        if stage is longest and len(spans) > 1:
            title, role = title.upper(), "longest"
        label = f"{title} {format_duration(durations[stage])}"
        span_end = (span.end or now).timestamp()
        segments.append(Segment(label, span.start.timestamp(), span_end, role))
    rollout, people = event_marks(events, alerts, ascii_only=ascii_only)
    rows: list[Row] = [
        (Span("stages".ljust(LABEL), "axis"), *strip(segments, t0, t1, plot, ascii_only=ascii_only))
    ]
    if rollout:
        rows.append((Span("rollout".ljust(LABEL), "axis"), *marks_row(rollout, t0, t1, plot, 0)))
    if people:
        rows.append((Span("actions".ljust(LABEL), "axis"), *marks_row(people, t0, t1, plot, 0)))
    total = format_duration(end - start)
    end_label = "now" if live and end >= now else _clock(end)
    rows.append(axis_row(_clock(start), end_label, plot, LABEL, middle=f"{total} (UTC)"))
    return rows


def _threshold_levels(signal: SignalStatus) -> tuple[list[Level], float]:
    th = signal.threshold
    if th is None:
        return [], 0.0
    levels = [Level(th.fail, f"fail {signal.show(th.fail)}", "fail")]
    if th.warn is not None:
        levels.append(Level(th.warn, f"warn {signal.show(th.warn)}", "warn"))
    return levels, max(th.fail, th.warn or 0.0)


def signal_picture(
    signal: SignalStatus,
    marks: Sequence[Mark],
    start: datetime,
    end: datetime,
    width: int,
    height: int,
    *,
    ascii_only: bool,
) -> list[Row]:
    """One signal's measurements over the release's window, as columns, with its warn
    and fail lines labelled at the right and the window's marks under the axis.
    Nothing is drawn without data (a no-data signal is not a flat line at zero)."""
    points = [
        (m.at.timestamp(), m.value)
        for m in signal.history
        if m.value is not None and start <= m.at <= end
    ]
    if not points or width < 30:
        return []
    comparison = signal.mode is SignalMode.CANARY_VS_BASELINE  # its series are ratios
    levels, limit = _threshold_levels(signal)
    if comparison:
        th = signal.threshold  # the ratio the tolerance allows (chart_threshold)
        levels, limit = [Level(1.0, "1x stable", "axis")], 1.0
        if th is not None:
            levels.insert(0, Level(th.fail, f"limit {th.fail:g}x", "fail"))
            limit = max(limit, th.fail)
    tail = max((len(lv.label) for lv in levels), default=0) + 1 if levels else 0
    high = max(v for _, v in points)
    top = nice_top(max(high, limit * 1.25, 1e-9))

    def label(value: float) -> str:
        return f"{value:g}x" if comparison else signal.show(value)

    gutter = max(len(label(top)), len(label(0.0))) + 1
    plot = width - gutter - tail
    if plot < 10:
        return []
    t0, t1 = start.timestamp(), max(end.timestamp(), start.timestamp() + 1)
    pick = max
    th = signal.threshold
    if th is not None and th.direction is Direction.BELOW:
        pick = min
    values = bucket(points, t0, t1, plot, pick=pick, hold=True)

    def role_of(value: float) -> str:
        if th is None:
            return "bar"
        if th.breached(value, th.fail):
            return "fail"
        if th.warn is not None and th.breached(value, th.warn):
            return "warn"
        return "bar"

    rows = columns(
        values, height, top=top, label=label, levels=levels, role_of=role_of, ascii_only=ascii_only
    )
    if marks:
        rows.append(marks_row(marks, t0, t1, plot, gutter))
    rows.append(
        axis_row(_clock(start), "now" if end.timestamp() >= t1 else _clock(end), plot, gutter)
    )
    return rows


def spread_picture(signal: SignalStatus, width: int, *, ascii_only: bool) -> list[Row]:
    """Canary against stable: the two samples of the last comparison as box plots on one
    scale, then the shift and its interval against the allowed band."""
    spread = signal.spread
    if spread is None or spread.canary is None or spread.baseline is None or width < 30:
        return []
    low = min(spread.canary.low, spread.baseline.low)
    high = max(spread.canary.high, spread.baseline.high)
    if high <= low:
        high = low + max(abs(low) * 0.1, 1e-9)
    name = 7
    plot = width - name
    rows: list[Row] = []
    for title, numbers, role in (
        ("stable", spread.baseline, "stable"),
        ("canary", spread.canary, "canary"),
    ):
        rows.append(
            (
                Span(title.ljust(name), "axis"),
                *box_row(numbers, low, high, plot, ascii_only=ascii_only, role=role),
            )
        )
    rows.append(axis_row(signal.show(low), signal.show(high), plot, name))
    sign = "+" if spread.estimate >= 0 else ""
    plus_minus = "+/-" if ascii_only else "±"
    text = (
        f"canary median {signal.show(spread.canary.median)} (n={spread.canary.count}), stable "
        f"{signal.show(spread.baseline.median)} (n={spread.baseline.count}); shift "
        f"{sign}{signal.show(spread.estimate)}, {spread.confidence * 100:g}% CI "
        f"{signal.show(spread.lower)}..{signal.show(spread.upper)}, allowed "
        f"{plus_minus}{signal.show(spread.allowed)}: {spread.classification.value}"
    )
    rows.append((Span(text, "fail" if spread.classification.value in ("high", "low") else "axis"),))
    return rows
