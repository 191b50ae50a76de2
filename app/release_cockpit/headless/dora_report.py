"""`release-cockpit dora`: the four DORA metrics per group, with tiers, as JSON or a table."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from release_cockpit.domain.dora import DoraFigures, Group, Metric, compute_dora, compute_dora_by
from release_cockpit.domain.dora_tiers import Tier, table_for, tiers_of
from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.history import ReleaseRecord


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
    path: Path | str, figures: Sequence[DoraFigures], year: int, window: timedelta
) -> dict[str, Any]:
    table = table_for(year)
    return {
        "database": str(path),
        "window_days": window.days,
        "tier_table": {"year": table.year, "source": table.source, "caveat": table.caveat},
        "groups": [figures_json(f, year) for f in figures],
    }


def print_dora(figures: Sequence[DoraFigures], year: int, console: Console | None = None) -> None:
    """A row per group: each metric with its tier in words."""
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


def _cell(value: str, tier: Tier | None) -> Text:
    return Text(f"{value} {tier.label}" if tier is not None else value)
