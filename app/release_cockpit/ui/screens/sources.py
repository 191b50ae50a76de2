"""Every backend the engine polls (state, age, latency, failures, next poll, rate limit,
error) and the session's stores (history, audit log): whether they are writing, and why not."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from textual.containers import VerticalScroll
from textual.content import Content

from release_cockpit.ui.bindings import SCROLL_BINDINGS
from release_cockpit.ui.glyphs import SOURCE_STYLE, SOURCE_WORD
from release_cockpit.ui.screens.live import ScrollingScreen
from release_cockpit.ui.textfit import ago, table, until, wrap
from release_cockpit.ui.widgets.lines import Lines
from release_cockpit.ui.widgets.title_bar import TitleBar, screen_title

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot, SourceStatus
    from release_cockpit.domain.store_status import StoreStatus
    from release_cockpit.ui.context import UiContext
    from release_cockpit.ui.glyphs import Glyphs

HEADER = ("Source", "State", "Updated", "Kind", "Latency", "Fails", "Next", "Rate left")


def source_row(source: SourceStatus, now: datetime, glyphs: Glyphs) -> list[Content]:
    latency = "-" if source.latency_ms is None else f"{source.latency_ms:.0f}ms"
    rate = "-" if source.rate_limit_remaining is None else str(source.rate_limit_remaining)
    next_poll = "-" if source.next_poll_at is None else f"in {until(source.next_poll_at, now)}"
    updated = "never" if source.updated_at is None else f"{ago(source.updated_at, now)} ago"
    return [
        glyphs.plain(source.name, "bold"),
        Content.styled(SOURCE_WORD[source.state], SOURCE_STYLE[source.state]),
        Content(updated),
        glyphs.plain(source.kind),
        Content(latency),
        Content(str(source.consecutive_failures)),
        Content(next_poll),
        Content(rate),
    ]


def sources_table(
    sources: Sequence[SourceStatus], now: datetime, glyphs: Glyphs, width: int
) -> list[Content]:
    """The sources as a table; each one with an error gets its title and message below it,
    and in a team, who polls it ("polled by alice@bastion-1, 2s ago")."""
    if not sources:
        return [Content.styled("No sources configured.", "dim")]
    body = table(
        [source_row(s, now, glyphs) for s in sources],
        width,
        header=HEADER,
        flex=None,
        ellipsis=glyphs.ellipsis,
    )
    lines = body[:1]
    for source, line in zip(sources, body[1:], strict=False):
        lines.append(line)
        if source.note:
            # How the backend is read (GitHub's GraphQL points, or why it polls over REST).
            note = glyphs.plain(source.note, "dim")
            lines += [
                Content.assemble("    ", row) for row in wrap(note, width - 4, 2, glyphs.ellipsis)
            ]
        team = source.team_text(now)
        if team:
            lines.append(Content.assemble("    ", glyphs.plain(team, "dim")))
        if source.error or source.error_title:
            title = glyphs.flat(source.error_title or "error")
            text = Content.assemble(
                Content.styled(f"{title}: ", "bold $verdict-failing"), glyphs.plain(source.error)
            )
            lines += [
                Content.assemble("    ", row) for row in wrap(text, width - 4, 3, glyphs.ellipsis)
            ]
    return lines


def stores_lines(stores: Sequence[StoreStatus], glyphs: Glyphs) -> list[Content]:
    """One line per store: "history ok", or "history not recording: disk full (12 changes
    kept in memory)" in the failing style, so a store that stopped writing is never silent."""
    if not stores:
        return []
    lines = [Content(""), Content.styled("Stores", "bold")]
    for store in stores:
        style = "" if store.working else "bold $verdict-failing"
        lines.append(Content.assemble("  ", Content.styled(glyphs.flat(store.text), style)))
    return lines


class SourcesScreen(ScrollingScreen):
    """The table of ``snapshot.sources``; r polls them all now, esc goes back."""

    KIND: ClassVar[str] = "sources"
    """Which screen this is, for code that must not import it to ask (``global_keys``)."""

    HELP_NAME = "sources"
    BINDINGS = SCROLL_BINDINGS

    DEFAULT_CSS = """
    SourcesScreen VerticalScroll {
        height: 1fr;
        padding: 1 1 0 1;
    }
    """

    def __init__(self, ctx: UiContext, snapshot: CockpitSnapshot | None) -> None:
        super().__init__(ctx, snapshot)
        self._title = TitleBar(self._build_title)
        self._table = Lines(self._build_table)
        self._body = VerticalScroll(self._table)

    @property
    def text(self) -> str:
        return self._table.text

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        await super().show_snapshot(snapshot)
        self.tick()

    def tick(self) -> None:
        self._title.recheck()
        self._table.recheck()

    def _build_title(self, width: int) -> list[Content]:
        return screen_title(Content("Sources"), self.ctx, width)

    def _build_table(self, width: int) -> list[Content]:
        snapshot = self.snapshot
        sources = snapshot.sources if snapshot is not None else ()
        stores = snapshot.stores if snapshot is not None else ()
        note = snapshot.clock_note if snapshot is not None else ""
        clock = [Content(""), Content.styled(note, "bold $verdict-warning")] if note else []
        return [
            *sources_table(sources, self.ctx.now(), self.ctx.glyphs, width),
            *stores_lines(stores, self.ctx.glyphs),
            *clock,
        ]
