"""Everything known about one release, following live snapshots; esc returns to the board."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.containers import VerticalScroll
from textual.content import Content

from release_cockpit.domain import Release
from release_cockpit.domain.history import TimelineEvent
from release_cockpit.ui.bindings import DETAIL_BINDINGS
from release_cockpit.ui.glyphs import Glyphs
from release_cockpit.ui.screens.live import ScrollingScreen
from release_cockpit.ui.screens.release_actions import ReleaseActionsScreen
from release_cockpit.ui.stored_rows import StoredRows
from release_cockpit.ui.textfit import wrap
from release_cockpit.ui.widgets import detail_pictures, detail_sections
from release_cockpit.ui.widgets.lines import Lines
from release_cockpit.ui.widgets.panel_lines import environment_label
from release_cockpit.ui.widgets.title_bar import TitleBar, screen_title

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot
    from release_cockpit.ui.context import UiContext

Section = Callable[[Release, datetime, Glyphs, int], list[Content]]

# What needs a decision first: at 80x24 the verdict, the signals and the alerts fill the
# first screen; the facts about the release (metadata) come after the pictures.
FIRST: tuple[Section, ...] = (
    detail_sections.summary,
    detail_sections.signals,
    detail_sections.alerts,
    detail_sections.checklist,  # what a person must do next (empty without a checklist)
    detail_sections.controls,
)
LATER: tuple[Section, ...] = (
    detail_sections.stages,
    detail_sections.rollout,
    detail_sections.flags,
    detail_sections.ci_jobs,
    detail_sections.facts,
    detail_sections.sources,
)
SECTIONS: tuple[Section, ...] = (*FIRST, *LATER)
SHORT_SCREEN = 30
"""Below this many rows a signal's chart is 4 rows high, else 6."""


class DetailBody(VerticalScroll):
    """The scrolling body; it keeps focus so arrows and page keys scroll it."""

    DEFAULT_CSS = """
    DetailBody {
        height: 1fr;
        padding: 0 1;
    }
    """


class ReleaseDetailScreen(ReleaseActionsScreen, ScrollingScreen):
    """One release in full: facts, stages, CI jobs, signals, alerts, rollout, sources."""

    HELP_NAME = "release detail"
    BINDINGS = DETAIL_BINDINGS

    def __init__(self, ctx: UiContext, snapshot: CockpitSnapshot | None, key: str) -> None:
        super().__init__(ctx, snapshot)
        self.key = key
        self.release = snapshot.release(key) if snapshot is not None else None
        self.gone = self.release is None
        self._title = TitleBar(self._build_title)
        pictures = [
            Lines(self._build_signal_charts),
            Lines(self._builder(detail_pictures.canary_spreads)),
            Lines(self._build_release_timeline),
        ]
        timeline = Lines(self._build_timeline)
        self._sections = [
            *(Lines(self._builder(section)) for section in FIRST),
            *pictures,
            *(Lines(self._builder(section)) for section in LATER),
            timeline,
        ]
        self._body = DetailBody(*self._sections)
        self._on_events = (pictures[0], pictures[2], timeline)
        self._events = StoredRows[tuple[TimelineEvent, ...]](
            self, self._read_timeline, (), self._events_arrived, name="timeline"
        )

    def on_mount(self) -> None:
        self._events.reload(self.ctx.now())

    def _events_arrived(self) -> None:
        """The recorded timeline was read: the pictures that mark events redraw."""
        for lines in self._on_events:
            lines.recheck()

    async def _read_timeline(self) -> tuple[TimelineEvent, ...]:
        """The recorded timeline, read off the event loop (on new data, not on ticks)."""
        records, release = self.ctx.records, self.release
        if records is None or release is None or release.version is None:
            return ()
        return await records.timeline(release.key, release.version)

    def _build_signal_charts(self, width: int) -> list[Content]:
        if self.release is None:
            return []
        height = 4 if self.app.size.height < SHORT_SCREEN else 6
        return detail_pictures.signal_charts(
            self.release, self._events.rows, self.ctx.now(), self.ctx.glyphs, width, height
        )

    def _build_release_timeline(self, width: int) -> list[Content]:
        if self.release is None:
            return []
        return detail_pictures.release_timeline(
            self.release, self._events.rows, self.ctx.now(), self.ctx.glyphs, width
        )

    def _build_timeline(self, width: int) -> list[Content]:
        lines = detail_sections.timeline(self._events.rows, self.ctx.glyphs, width)
        if self._events.problem:
            problem = self.ctx.glyphs.plain(self._events.problem, "bold $verdict-warning")
            lines += wrap(problem, width, 4, self.ctx.glyphs.ellipsis)
        return lines

    def selected_key(self) -> str | None:
        return self.key if not self.gone else None

    @property
    def text(self) -> str:
        """Every section's text as last rendered (tests read this)."""
        return "\n".join(s.text for s in self._sections)

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        await super().show_snapshot(snapshot)
        release = snapshot.release(self.key)
        gone = release is None
        if release is not None:
            self.release = release
        if gone != self.gone:
            self.gone = gone
            self._title.recheck()
        self._events.maybe_reload(self.ctx.now())
        for lines in self._sections:
            lines.recheck()

    def tick(self) -> None:
        self._title.recheck()
        for lines in self._sections:
            lines.recheck()

    def _builder(self, section: Section) -> Callable[[int], list[Content]]:
        def build(width: int) -> list[Content]:
            if self.release is None:
                return []
            return section(self.release, self.ctx.now(), self.ctx.glyphs, width)

        return build

    def _build_title(self, width: int) -> list[Content]:
        if self.release is None:
            title = Content(f"{self.ctx.glyphs.flat(self.key)}: not in the latest snapshot")
        else:
            release = self.release
            title = Content.assemble(
                Content.styled(self.ctx.glyphs.flat(release.service), "bold"),
                self.ctx.glyphs.sep,
                environment_label(release.environment, self.ctx.glyphs),
                self.ctx.glyphs.sep,
                self.ctx.glyphs.flat(release.version or "?"),
            )
            if self.gone:
                title = Content.assemble(title, Content.styled("  (no longer reported)", "bold"))
        return screen_title(title, self.ctx, width)
