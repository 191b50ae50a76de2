"""The DORA metrics screen (M): the four figures per group with their tier, and pictures.

Computed from the release history the cockpit records (and backfills), over a window
that 7, 3 and 9 switch between (7, 30, 90 days); g groups by service, team or nothing;
[ and ] choose whose DORA is drawn over time. Production releases only; the definitions
are in docs/dora.md. Re-read when new data arrives, at most once a minute, because
history moves slowly and the query costs a read of the database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, ClassVar

from textual.containers import VerticalScroll
from textual.content import Content

from release_cockpit.domain.dora import Group, Metric, compute_dora
from release_cockpit.domain.dora_tiers import DEFAULT_YEAR
from release_cockpit.domain.insights import HistoryBundle, insights
from release_cockpit.ui.bindings import METRICS_BINDINGS
from release_cockpit.ui.screens.live import ScrollingScreen
from release_cockpit.ui.stored_rows import StoredRows
from release_cockpit.ui.textfit import wrap
from release_cockpit.ui.widgets import metrics_sections as sections
from release_cockpit.ui.widgets.lines import Lines
from release_cockpit.ui.widgets.title_bar import TitleBar, screen_title

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot
    from release_cockpit.domain.dora import DoraFigures
    from release_cockpit.domain.insights import Insights
    from release_cockpit.ui.context import UiContext

WINDOWS = {"7": timedelta(days=7), "3": timedelta(days=30), "9": timedelta(days=90)}
GROUPS = (Group.SERVICE, Group.TEAM, Group.ALL)
REREAD = timedelta(minutes=1)
SHORT_SCREEN = 30


class MetricsScreen(ScrollingScreen):
    """DORA figures per group and for everything, from the recorded history, with the
    answers beside them and the pictures under them."""

    KIND: ClassVar[str] = "metrics"
    """Which screen this is, for code that must not import it to ask (``global_keys``)."""

    HELP_NAME = "DORA metrics"
    BINDINGS = METRICS_BINDINGS

    def __init__(
        self,
        ctx: UiContext,
        snapshot: CockpitSnapshot | None,
        bundle: Callable[[datetime], Awaitable[HistoryBundle]],
    ) -> None:
        super().__init__(ctx, snapshot)
        self.window = WINDOWS["3"]
        self.group = Group.SERVICE
        self.subject = 0
        """Whose DORA is drawn over time: 0 everything, then each team, then each service."""
        self._found: Insights | None = None
        self._subjects: list[DoraFigures] = []
        self._title = TitleBar(self._build_title)
        self._lines = Lines(self._build)
        self._body = VerticalScroll(self._lines)

        async def read() -> HistoryBundle:
            since = self.ctx.now() - self.window - timedelta(days=1)
            return await bundle(since)

        self._records = StoredRows[HistoryBundle](
            self, read, HistoryBundle(), self._figure, every=REREAD, name="metrics"
        )

    @property
    def text(self) -> str:
        return self._lines.text

    def on_mount(self) -> None:
        self._records.reload(self.ctx.now())

    def _figure(self) -> None:
        """Everything the screen shows, computed once per read (not on each repaint)."""
        now = self.ctx.now()
        bundle = self._records.rows
        self._found = insights(bundle, now, self.window, self.group)
        production = [r for r in bundle.records if r.production]
        subjects = [self._found.everything]
        for group in (Group.TEAM, Group.SERVICE):
            keys = sorted({group.key_of(r) for r in production if group.key_of(r)})
            subjects += [
                compute_dora(production, now, self.window, group=group, key=k) for k in keys
            ]
        self._subjects = subjects
        self.subject = min(self.subject, len(subjects) - 1)
        self._lines.recheck()
        self._title.recheck()

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        await super().show_snapshot(snapshot)
        self._records.maybe_reload(self.ctx.now())

    def _build(self, width: int) -> list[Content]:
        glyphs = self.ctx.glyphs
        days = self.window.days
        text = (
            f"Last {days} days, production releases, by {self.group.value}; tiers from the "
            f"{DEFAULT_YEAR} DORA report. 7/3/9: 7, 30 or 90 days. g: group by. "
            "Definitions: `release-cockpit docs dora`"
        )
        intro_lines = wrap(glyphs.plain(text, "dim"), width, 3, glyphs.ellipsis)
        if self._records.problem:
            problem = glyphs.plain(self._records.problem, "bold $verdict-warning")
            intro_lines += wrap(problem, width, 4, glyphs.ellipsis)
        if not self._records.loaded:
            return [*intro_lines, Content(""), Content.styled("Reading the history...", "dim")]
        found = self._found
        everything = found.everything if found else None
        if (
            found is None
            or everything is None
            or (everything.deploys == 0 and everything.finished_releases == 0)
        ):
            return [
                *intro_lines,
                Content(""),
                Content("No production releases recorded in this window."),
            ]
        notes = [
            line
            for metric in Metric
            if (note := everything.note(metric))
            for line in wrap(glyphs.plain(note, "dim"), width, 2, glyphs.ellipsis)
        ]
        figures = list(found.figures)
        if found.group is not Group.ALL:
            figures.append(everything)
        height = 3 if self.app.size.height < SHORT_SCREEN else 5
        subject = self._subjects[self.subject] if self._subjects else everything
        records = self._records.rows.records
        return [
            *intro_lines,
            Content(""),
            *sections.metric_rows(figures, glyphs, width),
            *notes,
            *sections.human_rows(found, glyphs, width),
            *sections.over_time(subject, glyphs, width, height),
            *sections.spreads(found, records, glyphs, width),
            *sections.stage_rows(found, glyphs, width),
            *sections.batch_rows(found, glyphs, width),
        ]

    def _build_title(self, width: int) -> list[Content]:
        return screen_title(Content.styled("DORA metrics", "bold"), self.ctx, width)

    def action_window(self, key: str) -> None:
        self.window = WINDOWS[key]
        self._records.reload(self.ctx.now())

    def action_group(self) -> None:
        """Group the table, the answers and the spreads by service, team or nothing."""
        self.group = GROUPS[(GROUPS.index(self.group) + 1) % len(GROUPS)]
        self._figure()

    def action_subject(self, step: int) -> None:
        """Draw the next (or previous) subject's DORA over time."""
        if self._subjects:
            self.subject = (self.subject + step) % len(self._subjects)
            self._lines.recheck()
