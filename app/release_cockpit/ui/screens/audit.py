"""The audit log (L): every action attempt, newest first, with who, result and duration.

"Outcome unknown" is an action that got no answer: the call timed out (a poll that later
shows its effect turns it into "succeeded, confirmed late"), or the cockpit that sent it
stopped during the call. Either way nobody knows yet whether the backend applied it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar

from textual.containers import VerticalScroll
from textual.content import Content

from release_cockpit.domain.audit import AuditEntry, Outcome
from release_cockpit.ui.bindings import SCROLL_BINDINGS
from release_cockpit.ui.screens.live import ScrollingScreen
from release_cockpit.ui.stored_rows import StoredRows
from release_cockpit.ui.textfit import table, wrap
from release_cockpit.ui.widgets.lines import Lines
from release_cockpit.ui.widgets.title_bar import TitleBar, screen_title

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot
    from release_cockpit.ui.context import UiContext

_OUTCOME_STYLE = {
    Outcome.SUCCEEDED: "$verdict-ok",
    Outcome.FAILED: "bold $verdict-failing",
    Outcome.REFUSED: "$verdict-warning",
    Outcome.IN_FLIGHT: "$verdict-inconclusive",
    Outcome.UNKNOWN: "bold $verdict-warning",
}


def audit_rows(entries: list[AuditEntry], ctx: UiContext, width: int) -> list[Content]:
    flat = ctx.glyphs.flat
    rows = []
    for entry in entries:
        duration = f"{entry.duration_ms / 1000:.1f}s" if entry.duration_ms is not None else "-"
        rows.append(
            [
                Content(entry.started_at.strftime("%m-%d %H:%M:%SZ")),
                Content(flat(entry.who)),
                Content(flat(f"{entry.action} {entry.service}/{entry.environment}")),
                Content.styled(flat(entry.result_text), _OUTCOME_STYLE[entry.outcome]),
                Content(duration),
            ]
        )
    header = ("when (UTC)", "who", "action", "result", "took")
    return table(rows, width, header=header, flex=3, ellipsis=ctx.glyphs.ellipsis)


class AuditScreen(ScrollingScreen):
    """The audit log, re-read whenever new data arrives (an action may have ended)."""

    KIND: ClassVar[str] = "audit"
    """Which screen this is, for code that must not import it to ask (``global_keys``)."""

    HELP_NAME = "audit log"
    BINDINGS = SCROLL_BINDINGS

    def __init__(
        self,
        ctx: UiContext,
        snapshot: CockpitSnapshot | None,
        entries: Callable[[], Awaitable[list[AuditEntry]]],
        location: str,
    ) -> None:
        super().__init__(ctx, snapshot)
        self._location = location
        self._title = TitleBar(self._build_title)
        self._lines = Lines(self._build)
        self._body = VerticalScroll(self._lines)
        self._entries = StoredRows[list[AuditEntry]](
            self, entries, [], self._lines.recheck, name="audit"
        )

    @property
    def text(self) -> str:
        return self._lines.text

    def on_mount(self) -> None:
        self._entries.reload(self.ctx.now())

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        await super().show_snapshot(snapshot)
        self._entries.maybe_reload(self.ctx.now())

    def _build(self, width: int) -> list[Content]:
        glyphs = self.ctx.glyphs
        lines = [Content.styled(glyphs.flat(f"Stored in {self._location}"), "dim")]
        if self._entries.problem:
            problem = glyphs.plain(self._entries.problem, "bold $verdict-warning")
            lines += wrap(problem, width, 4, glyphs.ellipsis)
        entries = self._entries.rows
        if not self._entries.loaded:
            return [*lines, Content.styled("Reading the audit log...", "dim")]
        if not entries:
            return [*lines, Content("No actions recorded yet.")]
        return [*lines, *audit_rows(entries, self.ctx, width)]

    def _build_title(self, width: int) -> list[Content]:
        return screen_title(Content.styled("Audit log", "bold"), self.ctx, width)
