"""The base of every screen that renders snapshots: it is told of new data and of each tick."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual.app import ComposeResult
from textual.containers import ScrollableContainer
from textual.screen import Screen
from textual.widgets import Footer

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot
    from release_cockpit.ui.context import UiContext
    from release_cockpit.ui.widgets.title_bar import TitleBar


class LiveScreen(Screen[None]):
    """A screen fed by the app: ``show_snapshot`` on new data, ``tick`` once a second."""

    HELP_NAME: ClassVar[str] = "cockpit"

    def __init__(self, ctx: UiContext, snapshot: CockpitSnapshot | None) -> None:
        super().__init__()
        self.ctx = ctx
        self.snapshot = snapshot

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        """Render a newer snapshot; screens override this and call it first."""
        self.snapshot = snapshot

    def tick(self) -> None:
        """Ages and countdowns moved on by a second; repaint only what shows them."""

    def unavailable_reason(self, action: str, parameters: tuple[object, ...]) -> str:
        """Why a key of this screen does nothing now (see ``ui.key_reasons``)."""
        return ""


class ScrollingScreen(LiveScreen):
    """A live screen of a title bar, one scrolling body and the footer: j/k scroll the
    body, which has the focus; esc closes the screen. Subclasses set ``_title`` and
    ``_body`` in ``__init__``."""

    _title: TitleBar
    _body: ScrollableContainer

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._body
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        # Textual calls every class's on_mount, so subclasses add theirs without super().
        self._body.focus()

    def tick(self) -> None:
        # The title bar carries the clock: without this it froze on the audit and metrics
        # screens. Lines repaints only when the text changed (the clock's seconds).
        self._title.recheck()

    def action_back(self) -> None:
        self.dismiss()

    def action_scroll_body(self, direction: int) -> None:
        if direction > 0:
            self._body.scroll_down()
        else:
            self._body.scroll_up()
