"""The DORA metrics screen (M): the four figures per service, their tier, a weekly trend.

Computed from the release history the cockpit records (and backfills), over a window
that 7, 3 and 9 switch between (7, 30, 90 days). Production releases only; the
definitions are in docs/dora.md. Re-read when new data arrives, at most once a minute,
because history moves slowly and the query costs a read of the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from textual.containers import VerticalScroll
from textual.content import Content

from release_cockpit.domain import CockpitSnapshot
from release_cockpit.domain.dora import DoraFigures, Group, Metric, compute_dora, compute_dora_by
from release_cockpit.domain.dora_tiers import DEFAULT_YEAR, Tier, tiers_of
from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.ui.bindings import METRICS_BINDINGS
from release_cockpit.ui.context import UiContext
from release_cockpit.ui.screens.live import ScrollingScreen
from release_cockpit.ui.stored_rows import StoredRows
from release_cockpit.ui.textfit import table, wrap
from release_cockpit.ui.widgets.lines import Lines
from release_cockpit.ui.widgets.sparkline import sparkline
from release_cockpit.ui.widgets.title_bar import TitleBar, screen_title

WINDOWS = {"7": timedelta(days=7), "3": timedelta(days=30), "9": timedelta(days=90)}
REREAD = timedelta(minutes=1)
_TIER_STYLE = {
    Tier.ELITE: "bold $verdict-ok",
    Tier.HIGH: "$verdict-ok",
    Tier.MEDIUM: "$verdict-warning",
    Tier.LOW: "bold $verdict-failing",
}


def _tiered(text: str, tier: Tier | None) -> Content:
    if tier is None:
        return Content(text)
    return Content.assemble(text, " ", Content.styled(tier.label, _TIER_STYLE[tier]))


def metric_rows(figures: list[DoraFigures], ctx: UiContext, width: int) -> list[Content]:
    """One row per group: frequency, lead time, failure rate, restore, each with its tier,
    and the weekly deploy count as a sparkline."""
    levels = ctx.glyphs.spark
    rows = []
    for item in figures:
        tiers = tiers_of(item, DEFAULT_YEAR)
        lead = format_duration(item.lead_time_median) if item.lead_time_median else "-"
        rate = item.change_failure_rate
        failure = f"{rate:.0%} of {item.finished_releases}" if rate is not None else "-"
        restore = format_duration(item.restore_median) if item.restore_median else "-"
        trend = sparkline(item.frequency_trend, width=8, levels=levels)
        rows.append(
            [
                ctx.glyphs.plain(item.key, "bold"),
                _tiered(f"{item.deploys_per_week:.1f}/wk", tiers[Metric.DEPLOYMENT_FREQUENCY]),
                Content(trend),
                _tiered(lead, tiers[Metric.LEAD_TIME]),
                _tiered(failure, tiers[Metric.CHANGE_FAILURE_RATE]),
                _tiered(restore, tiers[Metric.TIME_TO_RESTORE]),
            ]
        )
    header = ("service", "deploys", "weekly", "lead time", "change failure", "restore")
    return table(rows, width, header=header, flex=0, ellipsis=ctx.glyphs.ellipsis)


class MetricsScreen(ScrollingScreen):
    """DORA figures per service and for everything, from the recorded history."""

    HELP_NAME = "DORA metrics"
    BINDINGS = METRICS_BINDINGS

    def __init__(
        self,
        ctx: UiContext,
        snapshot: CockpitSnapshot | None,
        records: Callable[[datetime], Awaitable[list[ReleaseRecord]]],
    ) -> None:
        super().__init__(ctx, snapshot)
        self.window = WINDOWS["3"]
        self._figures: list[DoraFigures] = []
        self._title = TitleBar(self._build_title)
        self._lines = Lines(self._build)
        self._body = VerticalScroll(self._lines)

        async def read() -> list[ReleaseRecord]:
            since = self.ctx.now() - self.window - timedelta(days=1)
            return await records(since)

        self._records = StoredRows[list[ReleaseRecord]](
            self, read, [], self._figure, every=REREAD, name="metrics"
        )

    @property
    def text(self) -> str:
        return self._lines.text

    def on_mount(self) -> None:
        self._records.reload(self.ctx.now())

    def _figure(self) -> None:
        """DORA from the rows just read (production only: a staging line would read Low)."""
        now = self.ctx.now()
        records = [r for r in self._records.rows if r.production]
        everything = compute_dora(records, now, self.window)
        self._figures = [*compute_dora_by(records, now, self.window, Group.SERVICE), everything]
        self._lines.recheck()
        self._title.recheck()

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        await super().show_snapshot(snapshot)
        self._records.maybe_reload(self.ctx.now())

    def _build(self, width: int) -> list[Content]:
        days = self.window.days
        text = (
            f"Last {days} days, production releases; tiers from the {DEFAULT_YEAR} DORA "
            "report. 7/3/9: 7, 30 or 90 days. Definitions: `release-cockpit docs dora`"
        )
        intro_lines = wrap(self.ctx.glyphs.plain(text, "dim"), width, 3, self.ctx.glyphs.ellipsis)
        if self._records.problem:
            problem = self.ctx.glyphs.plain(self._records.problem, "bold $verdict-warning")
            intro_lines += wrap(problem, width, 4, self.ctx.glyphs.ellipsis)
        if not self._records.loaded:
            return [*intro_lines, Content(""), Content.styled("Reading the history...", "dim")]
        everything = self._figures[-1] if self._figures else None
        if everything is None or (everything.deploys == 0 and everything.finished_releases == 0):
            return [
                *intro_lines,
                Content(""),
                Content("No production releases recorded in this window."),
            ]
        notes = [
            line
            for metric in Metric
            if (note := everything.note(metric))
            for line in wrap(self.ctx.glyphs.plain(note, "dim"), width, 2, self.ctx.glyphs.ellipsis)
        ]
        return [
            *intro_lines,
            Content(""),
            *metric_rows(self._figures, self.ctx, width),
            Content(""),
            *notes,
        ]

    def _build_title(self, width: int) -> list[Content]:
        return screen_title(Content.styled("DORA metrics", "bold"), self.ctx, width)

    def action_window(self, key: str) -> None:
        self.window = WINDOWS[key]
        self._records.reload(self.ctx.now())
