"""`release-cockpit dora`: the four DORA metrics per group, with tiers, as JSON or a table;
then the pictures in plain text (weekly columns with tier limits, lead time and restore
spreads), the answers beside DORA, where the time goes, and batch size against failure."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from release_cockpit.domain.charts import row_text
from release_cockpit.domain.dora import (
    WEEK,
    DoraFigures,
    Group,
    Metric,
    compute_dora,
    compute_dora_by,
)
from release_cockpit.domain.dora_pictures import (
    UNIT_TITLE,
    distribution_rows,
    samples,
    weekly_chart,
)
from release_cockpit.domain.dora_tiers import Tier, table_for, tiers_of
from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.domain.human import MIN_ANSWERS
from release_cockpit.domain.insights import Insights
from release_cockpit.domain.stages import StageName


def dora_figures(
    records: Sequence[ReleaseRecord], now: datetime, window: timedelta, group: Group
) -> list[DoraFigures]:
    """One DoraFigures per group key (or one for everything), sorted by key.

    Only production releases count, so a group with none is left out rather than shown
    with a "Low" tier it never had the chance to earn.
    """
    records = [r for r in records if r.production]
    if group is Group.ALL:
        return [compute_dora(records, now, window)]
    return list(compute_dora_by(records, now, window, group))


def _duration(value: timedelta | None) -> str | None:
    return format_duration(value) if value is not None else None


def _tier(tier: Tier | None) -> str | None:
    return tier.label if tier is not None else None


def figures_json(figures: DoraFigures, year: int) -> dict[str, Any]:
    tiers = tiers_of(figures, year)
    return {
        "group": figures.group.value,
        "key": figures.key,
        "start": figures.start.isoformat(),
        "end": figures.end.isoformat(),
        "deployment_frequency": {
            "deploys": figures.deploys,
            "per_day": round(figures.deploys_per_day, 3),
            "per_week": round(figures.deploys_per_week, 2),
            "tier": _tier(tiers[Metric.DEPLOYMENT_FREQUENCY]),
            "note": figures.frequency_note,
            "weekly": list(figures.frequency_trend),
        },
        "lead_time": {
            "median_seconds": _seconds(figures.lead_time_median),
            "p90_seconds": _seconds(figures.lead_time_p90),
            "median": _duration(figures.lead_time_median),
            "p90": _duration(figures.lead_time_p90),
            "samples": figures.lead_time_samples,
            "tier": _tier(tiers[Metric.LEAD_TIME]),
            "note": figures.lead_time_note,
            "weekly_median_seconds": list(figures.lead_time_trend),
        },
        "change_failure_rate": {
            "rate": figures.change_failure_rate,
            "failed": figures.failed_releases,
            "finished": figures.finished_releases,
            "tier": _tier(tiers[Metric.CHANGE_FAILURE_RATE]),
            "note": figures.failure_note,
            "weekly": list(figures.failure_trend),
        },
        "time_to_restore": {
            "median_seconds": _seconds(figures.restore_median),
            "median": _duration(figures.restore_median),
            "incidents": figures.incidents,
            "tier": _tier(tiers[Metric.TIME_TO_RESTORE]),
            "note": figures.restore_note,
            "weekly_median_seconds": list(figures.restore_trend),
        },
    }


def _seconds(value: timedelta | None) -> float | None:
    return value.total_seconds() if value is not None else None


def dora_document(
    path: Path | str,
    figures: Sequence[DoraFigures],
    year: int,
    window: timedelta,
    found: Insights | None = None,
) -> dict[str, Any]:
    """The JSON document: each group's figures with their weekly series, and (with
    ``found``) confidence and friction per group (hidden below 3 answers), stage durations
    per service and the batch size table."""
    table = table_for(year)
    document: dict[str, Any] = {
        "database": str(path),
        "window_days": window.days,
        "tier_table": {"year": table.year, "source": table.source, "caveat": table.caveat},
        "groups": [figures_json(f, year) for f in figures],
    }
    if found is not None:
        document["weekly_series"] = {
            "weeks_ending": _week_ends(found.everything),
            "all": {metric.value: list(found.everything.trend(metric)) for metric in Metric},
        }
        document["confidence_and_friction"] = {
            "minimum_answers": MIN_ANSWERS,
            "groups": [h.to_json() for h in found.human],
            "all": found.human_all.to_json(),
        }
        document["stage_durations"] = [s.to_json() for s in found.stages]
        document["batch_size"] = {
            "unit": "commits (pull requests where commits are unknown)",
            "unknown_size": found.batch_unknown,
            "groups": [b.to_json() for b in found.batches],
        }
    return document


def _week_ends(figures: DoraFigures) -> list[str]:
    weeks = len(figures.frequency_trend)
    return [(figures.end - (weeks - 1 - i) * WEEK).date().isoformat() for i in range(weeks)]


def charts_text(found: Insights, records: Sequence[ReleaseRecord], year: int, width: int) -> str:
    """The plain-text pictures under the table: DORA over time for everything, lead time
    and restore spreads per group, answers, stage durations and batch sizes."""
    out: list[str] = []
    everything = found.everything
    for metric in Metric:
        rows = weekly_chart(everything, metric, year, width, 5, ascii_only=_ascii())
        out += ["", f"{metric.title}: {UNIT_TITLE[metric]} (all services)"]
        if rows:
            out += [row_text(row).rstrip() for row in rows]
        else:
            out.append(f"  nothing to draw: {everything.note(metric) or 'no data'}")
    now, window = everything.end, everything.window
    keys = [(f.key, f.group) for f in found.figures]
    for title, pick in (("Lead time", 0), ("Time to restore", 1)):
        groups = [(key, samples(records, now, window, group, key)[pick]) for key, group in keys]
        rows = distribution_rows(groups, width, ascii_only=_ascii())
        if rows:
            out += ["", f"{title}, spread per {found.group.value} (box: quartiles, bar: median)"]
            out += [row_text(row).rstrip() for row in rows]
    out += [
        "",
        f"Confidence and friction per {found.group.value} (median of 1-5, hidden below "
        f"{MIN_ANSWERS} answers; never per person)",
    ]
    for human in (*found.human, found.human_all):
        out.append(
            f"  {human.key:<16} confidence {human.confidence.text():<24} friction "
            f"{human.friction.text()}"
        )
    if found.stages:
        out += ["", "Where the time goes: median/p90 per stage, * the slowest (its weekly median)"]
        name = max(len(item.key) for item in found.stages) + 2
        out.append(
            "  " + "".join([" " * name, *(f"{stage.title:<13}" for stage in StageName)]).rstrip()
        )
        for item in found.stages:
            cells = []
            for figure in item.stages:
                text = "-"
                if figure.median_seconds is not None:
                    text = f"{_short(figure.median_seconds)}/{_short(figure.p90_seconds)}"
                    text += "*" if figure.stage is item.slowest else ""
                cells.append(f"{text:<13}")
            trend = " ".join(_short(v) if v is not None else "-" for v in item.slowest_trend)
            out.append(f"  {item.key:<{name}}" + "".join(cells) + f"  weekly {trend}")
    out += ["", "Batch size against failure (commits per release)"]
    out.append(f"  {'size':<8}{'releases':>9}{'failed':>8}{'rate':>7}  restore (median)")
    for group in found.batches:
        rate = f"{group.failure_rate:.0%}" if group.failure_rate is not None else "-"
        restore = _duration(_td(group.restore_median_seconds)) or "-"
        out.append(f"  {group.label:<8}{group.releases:>9}{group.failed:>8}{rate:>7}  {restore}")
    if found.batch_unknown:
        out.append(f"  {found.batch_unknown} finished releases left out: change set unknown")
    return "\n".join(out) + "\n"


def _short(seconds: float | None) -> str:
    """``12m`` or ``1h05``: a stage's duration to the minute, to fit a table cell."""
    if seconds is None:
        return "-"
    minutes = round(seconds / 60)
    return f"{minutes}m" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}"


def _td(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


def _ascii() -> bool:
    """Plain ASCII charts unless the output can carry UTF-8 (a C locale, a pipe to a
    tool that expects ASCII)."""
    encoding = (sys.stdout.encoding or "").lower().replace("-", "")
    return encoding not in ("utf8", "utf16", "utf32")


def print_dora(
    figures: Sequence[DoraFigures],
    year: int,
    console: Console | None = None,
    found: Insights | None = None,
    records: Sequence[ReleaseRecord] = (),
) -> None:
    """A row per group: each metric with its tier in words; then the pictures."""
    console = console or Console()
    if not figures:
        console.print(
            Text("No release history yet: run the cockpit, or `release-cockpit backfill`.")
        )
        return
    first = figures[0]
    table = Table(
        title=f"DORA metrics, {first.window.days} days to {first.end:%Y-%m-%d} "
        f"(tiers: {year} report)",
        caption="production releases; definitions: `release-cockpit docs dora`",
    )
    for column in (
        "group",
        "deploy frequency",
        "lead time (median/p90)",
        "change failure",
        "time to restore",
    ):
        table.add_column(column)
    for item in figures:
        tiers = tiers_of(item, year)
        lead = "-"
        if item.lead_time_median is not None:
            lead = f"{format_duration(item.lead_time_median)} / {_duration(item.lead_time_p90)}"
        rate = item.change_failure_rate
        failure = (
            f"{rate:.0%} ({item.failed_releases}/{item.finished_releases})"
            if rate is not None
            else "-"
        )
        restore = _duration(item.restore_median) or "-"
        table.add_row(
            Text(item.key),
            _cell(f"{item.deploys_per_week:.1f}/week", tiers[Metric.DEPLOYMENT_FREQUENCY]),
            _cell(lead, tiers[Metric.LEAD_TIME]),
            _cell(failure, tiers[Metric.CHANGE_FAILURE_RATE]),
            _cell(restore, tiers[Metric.TIME_TO_RESTORE]),
        )
    console.print(table)
    if found is not None:
        width = min(console.width, 100)
        console.print(Text(charts_text(found, records, year, width).rstrip("\n")), soft_wrap=True)


def _cell(value: str, tier: Tier | None) -> Text:
    return Text(f"{value} {tier.label}" if tier is not None else value)
