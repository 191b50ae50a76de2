"""The detail screen's pictures: each signal over the release, canary against stable, and
the release as one timeline; pure builders fitted to a width like ``detail_sections``.

The geometry is in ``domain.release_picture`` (shared with ``export --format md``); this
module picks the window, titles each picture and styles the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.domain.delivery import stage_spans
from release_cockpit.domain.release_picture import (
    event_marks,
    live_spans,
    signal_picture,
    spread_picture,
    stepped_end,
    timeline_picture,
    window,
)
from release_cockpit.ui.glyphs import LEVEL_STYLE, LEVEL_WORD
from release_cockpit.ui.textfit import EMPTY, ellipsize
from release_cockpit.ui.widgets.chart_lines import chart_lines

if TYPE_CHECKING:
    from release_cockpit.domain import Release
    from release_cockpit.domain.delivery import StageSpan
    from release_cockpit.domain.history import TimelineEvent
    from release_cockpit.domain.stages import StageName
    from release_cockpit.ui.glyphs import Glyphs


def _heading(title: str) -> list[Content]:
    return [EMPTY, Content.styled(title, "bold $accent")]


def _spans(
    release: Release, events: Sequence[TimelineEvent], now: datetime
) -> dict[StageName, StageSpan]:
    """Live stage times where the backends give them, the recorded timeline otherwise."""
    return {**stage_spans(events), **live_spans(release.stages, now)}


def _bounds(release: Release, now: datetime, width: int) -> tuple[datetime, datetime]:
    """The signals' window: from the deploy (when measuring starts) or the first
    measurement, whichever is earlier, to now; the plan and build before it would only
    squeeze the measurements into the right edge. The end moves in steps of about a
    column (``stepped_end``), so the charts do not redraw whole on every clock tick."""
    starts = [m.at for s in release.signals for m in s.history[:1]]
    rollout = release.rollout
    if rollout is not None and rollout.started_at is not None:
        starts.append(rollout.started_at)
    if not starts and release.started_at is not None:
        starts.append(release.started_at)
    start = min(starts) if starts else now
    return start, stepped_end(start, now, width)


def signal_charts(
    release: Release,
    events: Sequence[TimelineEvent],
    now: datetime,
    glyphs: Glyphs,
    width: int,
    height: int,
) -> list[Content]:
    """Each signal over the release's window with its warn and fail lines; canary steps
    (▲ weight), pauses, actions and alert firings (!) marked under the same time axis."""
    if not release.signals:
        return []
    start, end = _bounds(release, now, width)
    rollout, people = event_marks(events, release.alerts, ascii_only=glyphs.is_ascii)
    marks = rollout + people
    lines = _heading("Signals over the release (UTC)")
    for signal in release.signals:
        style = "dim" if signal.not_compared else LEVEL_STYLE[signal.level]
        word = "NOT COMPARED" if signal.not_compared else LEVEL_WORD[signal.level]
        title = Content.assemble(
            glyphs.plain(signal.name, "bold"),
            "  ",
            Content.styled(word, style),
            "  ",
            Content.styled(glyphs.flat(signal.value_text), f"bold {style}"),
            "  ",
            glyphs.plain(signal.threshold_text, "dim"),
        )
        lines.append(ellipsize(title, width, glyphs.ellipsis))
        rows = signal_picture(
            signal, marks, start, end, width - 2, height, ascii_only=glyphs.is_ascii
        )
        if rows:
            lines += chart_lines(rows, width, 2, glyphs.ellipsis)
        else:
            lines.append(Content.styled("  no measurements yet: nothing to draw", "dim"))
    return lines


def canary_spreads(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    """For comparison signals: both samples of the last comparison on one scale."""
    lines: list[Content] = []
    for signal in release.signals:
        rows = spread_picture(signal, width - 2, ascii_only=glyphs.is_ascii)
        if not rows:
            continue
        if not lines:
            lines = _heading("Canary vs stable (last comparison)")
        lines.append(glyphs.plain(signal.name, "bold"))
        lines += chart_lines(rows, width, 2, glyphs.ellipsis)
    return lines


def release_timeline(
    release: Release, events: Sequence[TimelineEvent], now: datetime, glyphs: Glyphs, width: int
) -> list[Content]:
    """The six stages on one strip with their durations, the longest in capitals; the
    rollout's steps and pauses and the actions taken under it."""
    spans = _spans(release, events, now)
    found = window(spans, events, now)
    # A live axis moves by about a column at a time, not every second (see stepped_end).
    edge = stepped_end(found[0], now, width) if found is not None else None
    rows = timeline_picture(
        spans, events, release.alerts, now, width, ascii_only=glyphs.is_ascii, axis_end=edge
    )
    if not rows:
        return []
    return [*_heading("The release on one axis"), *chart_lines(rows, width, 0, glyphs.ellipsis)]
