"""Pure builders for the metrics screen's sections, each fitted to a width.

DORA per group with tiers; how it felt (confidence and friction, hidden below three
answers, never per person) beside the change failure rate's weekly trend; DORA over time
with the tier limits; the spread of lead times and times to restore; where the time goes
per service; and batch size against failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.domain.charts import bars_line, hbar
from release_cockpit.domain.dora import Group, Metric
from release_cockpit.domain.dora_pictures import (
    UNIT_TITLE,
    distribution_rows,
    samples,
    weekly_chart,
)
from release_cockpit.domain.dora_tiers import DEFAULT_YEAR, Tier, tiers_of
from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.human import MIN_ANSWERS
from release_cockpit.ui.textfit import EMPTY, table, wrap
from release_cockpit.ui.widgets.chart_lines import chart_lines

if TYPE_CHECKING:
    from release_cockpit.domain.dora import DoraFigures
    from release_cockpit.domain.history import ReleaseRecord
    from release_cockpit.domain.human import Perception
    from release_cockpit.domain.insights import Insights
    from release_cockpit.ui.glyphs import Glyphs

TIER_STYLE = {
    Tier.ELITE: "bold $verdict-ok",
    Tier.HIGH: "$verdict-ok",
    Tier.MEDIUM: "$verdict-warning",
    Tier.LOW: "bold $verdict-failing",
}


def heading(title: str) -> list[Content]:
    return [EMPTY, Content.styled(title, "bold $accent")]


def _tiered(text: str, tier: Tier | None) -> Content:
    if tier is None:
        return Content(text)
    return Content.assemble(text, " ", Content.styled(tier.label, TIER_STYLE[tier]))


def metric_rows(figures: Sequence[DoraFigures], glyphs: Glyphs, width: int) -> list[Content]:
    """One row per group: frequency, lead time, failure rate, restore, each with its tier,
    and the weekly deploy count as bars."""
    rows = []
    for item in figures:
        tiers = tiers_of(item, DEFAULT_YEAR)
        lead = format_duration(item.lead_time_median) if item.lead_time_median else "-"
        rate = item.change_failure_rate
        failure = f"{rate:.0%} of {item.finished_releases}" if rate is not None else "-"
        restore = format_duration(item.restore_median) if item.restore_median else "-"
        trend = bars_line(item.frequency_trend, ascii_only=glyphs.is_ascii)
        rows.append(
            [
                glyphs.plain(item.key, "bold"),
                _tiered(f"{item.deploys_per_week:.1f}/wk", tiers[Metric.DEPLOYMENT_FREQUENCY]),
                Content.styled(trend, "$verdict-ok"),
                _tiered(lead, tiers[Metric.LEAD_TIME]),
                _tiered(failure, tiers[Metric.CHANGE_FAILURE_RATE]),
                _tiered(restore, tiers[Metric.TIME_TO_RESTORE]),
            ]
        )
    header = ("group", "deploys", "weekly", "lead time", "change failure", "restore")
    return table(rows, width, header=header, flex=0, ellipsis=glyphs.ellipsis)


def _perceived(value: Perception, glyphs: Glyphs) -> list[Content]:
    if value.hidden:
        text = f"n={value.count}, hidden" if value.count else "no answers"
        return [Content.styled(text, "dim"), EMPTY]
    assert value.median is not None
    trend = bars_line(value.weekly, 5.0, ascii_only=glyphs.is_ascii)
    return [Content(f"{value.median:g}/5 n={value.count}"), Content.styled(trend, "$accent")]


def human_rows(found: Insights, glyphs: Glyphs, width: int) -> list[Content]:
    """Confidence and friction per group beside the change failure rate's weekly trend."""
    failure = {f.key: f for f in found.figures}
    rows = []
    for human in (*found.human, found.human_all):
        figures = failure.get(human.key) if human.key != "all" else found.everything
        cfr = bars_line(figures.failure_trend, 1.0, ascii_only=glyphs.is_ascii) if figures else ""
        rows.append(
            [
                glyphs.plain(human.key, "bold"),
                Content.styled(cfr, "$verdict-failing"),
                *_perceived(human.confidence, glyphs),
                *_perceived(human.friction, glyphs),
            ]
        )
    header = ("group", "failure/wk", "confidence", "/wk", "friction", "/wk")
    note = (
        f"Answers to 'how confident were you?' and 'how much friction did it take?' (1-5), "
        f"median and count per {found.group.value}; hidden below {MIN_ANSWERS} answers; "
        "never per person."
    )
    return [
        *heading("How it felt, beside the change failure rate"),
        *wrap(glyphs.plain(note, "dim"), width, 3, glyphs.ellipsis),
        *table(rows, width, header=header, flex=0, ellipsis=glyphs.ellipsis),
    ]


def over_time(subject: DoraFigures, glyphs: Glyphs, width: int, height: int) -> list[Content]:
    """Each metric's weekly values with the tier limits behind them."""
    label = "everything" if subject.group is Group.ALL else f"{subject.group.value} {subject.key}"
    lines = heading(f"DORA over time: {label} ([ and ] change)")
    for metric in Metric:
        lines.append(Content.styled(f"{metric.title}: {UNIT_TITLE[metric]}", "bold"))
        rows = weekly_chart(
            subject, metric, DEFAULT_YEAR, width - 2, height, ascii_only=glyphs.is_ascii
        )
        if rows:
            lines += chart_lines(rows, width, 2, glyphs.ellipsis)
        else:
            why = subject.note(metric) or "no data in this window"
            lines.append(glyphs.plain(f"  nothing to draw: {why}", "dim"))
    return lines


def spreads(
    found: Insights, records: Sequence[ReleaseRecord], glyphs: Glyphs, width: int
) -> list[Content]:
    """Lead times and times to restore per group as box plots on a shared scale."""
    now, window = found.everything.end, found.window
    keys = [(f.key, f.group) for f in found.figures]
    lines: list[Content] = []
    for title, pick in (("Lead time", 0), ("Time to restore", 1)):
        groups = [(key, samples(records, now, window, group, key)[pick]) for key, group in keys]
        rows = distribution_rows(groups, width - 2, ascii_only=glyphs.is_ascii)
        if rows:
            lines += heading(f"{title}: spread per {found.group.value} (box quartiles, bar median)")
            lines += chart_lines(rows, width, 2, glyphs.ellipsis)
    return lines


def _short(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes}m" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}"


def stage_rows(found: Insights, glyphs: Glyphs, width: int) -> list[Content]:
    """Per service, each stage's median/p90; the slowest reversed, with its weekly trend."""
    if not found.stages:
        return [
            *heading("Where the time goes"),
            Content.styled(
                "No stage times recorded in this window (backfilled history has none).", "dim"
            ),
        ]
    rows = []
    for item in found.stages:
        cells = []
        for figure in item.stages:
            text = "-"
            style = ""
            if figure.median_seconds is not None:
                text = f"{_short(figure.median_seconds)}/{_short(figure.p90_seconds)}"
            if figure.stage is item.slowest:
                text, style = f"{text}*", "bold reverse"
            cells.append(Content.styled(text, style))
        bars = bars_line(item.slowest_trend, ascii_only=glyphs.is_ascii)
        rows.append([glyphs.plain(item.key, "bold"), *cells, Content.styled(bars, "$accent")])
    header = ("service", "plan", "build", "test", "pre-rel", "deploy", "monitor", "slowest/wk")
    intro = "median/p90 of each stage; * the slowest stage, its weekly median at the right"
    return [
        *heading("Where the time goes"),
        *wrap(glyphs.plain(intro, "dim"), width, 2, glyphs.ellipsis),
        *table(rows, width, header=header, flex=0, ellipsis=glyphs.ellipsis),
    ]


def batch_rows(found: Insights, glyphs: Glyphs, width: int) -> list[Content]:
    """Releases by change-set size against their failure rate and time to restore."""
    rows = []
    for group in found.batches:
        rate = group.failure_rate
        bar = hbar(rate, 10, ascii_only=glyphs.is_ascii) if rate is not None else ""
        restore = (
            format_duration(timedelta(seconds=group.restore_median_seconds))
            if group.restore_median_seconds is not None
            else "-"
        )
        rows.append(
            [
                Content(group.label),
                Content(str(group.releases)),
                Content(str(group.failed)),
                Content.assemble(
                    f"{rate:.0%} ".rjust(5) if rate is not None else "-",
                    Content.styled(bar, "$verdict-failing"),
                ),
                Content(restore),
            ]
        )
    header = ("commits", "releases", "failed", "failure rate", "restore (median)")
    lines = [
        *heading("Batch size against failure"),
        *table(rows, width, header=header, ellipsis=glyphs.ellipsis),
    ]
    if found.batch_unknown:
        note = f"{found.batch_unknown} finished releases left out: change set unknown"
        lines.append(Content.styled(note, "dim"))
    return lines
