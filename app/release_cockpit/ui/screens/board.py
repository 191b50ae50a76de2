"""The board: one panel per release, needs-attention first, one release selected at a time.

Every panel is drawn by one Line-API widget (``ReleaseBoard``); this screen feeds it the
snapshot (and the diff the snapshot carries), the filter and the keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Footer

from release_cockpit.ui.bindings import BOARD_BINDINGS
from release_cockpit.ui.messages import HelpRequested, ReleaseSelected
from release_cockpit.ui.release_filter import ReleaseFilter
from release_cockpit.ui.screens.prompt import PromptScreen
from release_cockpit.ui.screens.release_actions import ReleaseActionsScreen
from release_cockpit.ui.widgets.lines import Lines
from release_cockpit.ui.widgets.release_board import ReleaseBoard
from release_cockpit.ui.widgets.title_bar import TitleBar, board_title

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot, Release
    from release_cockpit.ui.context import UiContext

FILTER_HINT = "service, team, env:NAME, state:failing; ! negates; enter keeps, esc clears"

# Below either bound the panels shrink to headline + stages + reason, so an 80x24 SSH
# session still sees every release at once.
COMPACT_BELOW = Size(100, 36)


def is_compact(size: Size) -> bool:
    return size.width < COMPACT_BELOW.width or size.height < COMPACT_BELOW.height


@dataclass(frozen=True, slots=True)
class PanelView:
    """One release as the board shows it (for tests and scripts reading the board)."""

    key: str
    release: Release
    text: str
    selected: bool


class BoardScreen(ReleaseActionsScreen):
    """Every in-flight release as a panel; enter opens the selected one."""

    HELP_NAME = "board"
    BINDINGS = BOARD_BINDINGS

    DEFAULT_CSS = """
    BoardScreen #empty {
        padding: 1 2;
        color: $text-muted;
    }
    """

    def __init__(self, ctx: UiContext, snapshot: CockpitSnapshot | None) -> None:
        super().__init__(ctx, snapshot)
        # Until someone moves the highlight, it stays on the top (most urgent) release as
        # the order changes; afterwards it follows the chosen release wherever it moves.
        self._pinned = False
        self.filter = ReleaseFilter()
        self._title = TitleBar(self._build_title)
        self._empty = Lines(self._build_empty, id="empty")
        self.board = ReleaseBoard(ctx, id="releases")

    def compose(self) -> ComposeResult:
        yield self._title
        yield self.board
        yield self._empty
        yield Footer(show_command_palette=False, compact=True)

    def on_mount(self) -> None:
        # Whatever came first, the snapshot or this mount, and whatever size the terminal
        # said it had then: the layout follows the size the screen has now.
        self._sync_compact()
        if self.snapshot is not None:
            self._show(self.snapshot, None)
        self._sync_empty()
        self.board.focus()

    def on_resize(self) -> None:
        self._sync_compact()

    def _sync_compact(self) -> None:
        self.board.set_compact(is_compact(self.app.size))

    @property
    def compact(self) -> bool:
        return self.board.compact

    @property
    def panels(self) -> list[PanelView]:
        """The panels shown: every release, or those the filter lets through."""
        selected = self.board.selected
        return [
            PanelView(r.key, r, self.board.panel_text(r.key), r.key == selected)
            for r in self.board.releases
        ]

    @property
    def focused_panel(self) -> PanelView | None:
        """The selected release's panel (the one the action keys act on)."""
        return next((p for p in self.panels if p.selected), None)

    def panel_text(self, key: str) -> str:
        return self.board.panel_text(key)

    def selected_key(self) -> str | None:
        return self.board.selected

    @property
    def selected_release(self) -> Release | None:
        key = self.board.selected
        return self.snapshot.release(key) if self.snapshot is not None and key else None

    def select(self, key: str) -> None:
        """Select release ``key`` as a person would (the highlight then follows it)."""
        self._pinned = True
        self.board.select(key)
        self.sync_bindings()

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        await super().show_snapshot(snapshot)
        self._show(snapshot, snapshot.changed)
        self._sync_empty()
        self._title.recheck()

    def _show(self, snapshot: CockpitSnapshot, changed: frozenset[str] | None) -> None:
        self._sync_compact()
        shown = self.filter.apply(snapshot.releases)
        self.board.show(shown, changed)
        self._follow(shown)

    def _follow(self, shown: list[Release]) -> None:
        """Keep the highlight on the top release until someone moves it, then on theirs
        (on the one in its place if it went away)."""
        if not shown:
            self.board.select(None)
            return
        keys = [r.key for r in shown]
        current = self.board.selected
        if not self._pinned or current is None:
            target = keys[0]
        elif current in keys:
            target = current
        else:
            target = keys[min(self._last_index, len(keys) - 1)]
        if target != current:
            self.board.select(target)
        self._last_index = keys.index(target)
        self.sync_bindings()

    _last_index = 0

    def on_release_board_highlighted(self, _message: ReleaseBoard.Highlighted) -> None:
        index = self.board.selected_index
        if index is not None:
            self._last_index = index
        self.sync_bindings()

    def on_release_board_clicked(self, _message: ReleaseBoard.Clicked) -> None:
        self._pinned = True

    def set_filter(self, query: str) -> None:
        """Show only the releases matching ``query`` (see ``release_filter``); "" shows all."""
        parsed = ReleaseFilter.parse(query)
        if parsed == self.filter:
            return
        self.filter = parsed
        if self.snapshot is not None:
            self._show(self.snapshot, frozenset())
        self._sync_empty()
        self._title.recheck()

    def action_filter(self) -> None:
        def done(query: str | None) -> None:
            self.set_filter(query or "")

        prompt = PromptScreen(
            "/",
            value=self.filter.text,
            placeholder="filter releases",
            hint=FILTER_HINT,
            on_change=self.set_filter,
        )
        self.app.push_screen(prompt, done)

    def tick(self) -> None:
        self._title.recheck()
        self.board.tick()

    def _sync_empty(self) -> None:
        has_panels = bool(self.board.releases)
        self.board.display = has_panels
        self._empty.display = not has_panels
        self._empty.recheck()

    def _build_title(self, width: int) -> list[Content]:
        shown = ""
        snapshot = self.snapshot
        if self.filter.active and snapshot is not None:
            shown = f"/{self.filter.text} ({len(self.board.releases)} of {len(snapshot.releases)})"
        return board_title(snapshot, self.ctx, width, shown=shown)

    def _build_empty(self, width: int) -> list[Content]:
        if self.snapshot is None:
            text = "Waiting for the first data from the backends..."
        elif self.filter.active and self.snapshot.releases:
            text = f"No release matches /{self.filter.text}. Press / then esc to clear the filter."
            return [self.ctx.glyphs.plain(text)]
        else:
            text = "No releases in flight. Press s to see the sources, ? for help."
        return [Content(text)]

    def action_cursor_down(self) -> None:
        self._pinned = True
        self.board.move(1)

    def action_cursor_up(self) -> None:
        self._pinned = True
        self.board.move(-1)

    def action_show_help(self) -> None:
        self.post_message(HelpRequested())

    def action_open(self) -> None:
        key = self.board.selected
        if key is not None:
            self.post_message(ReleaseSelected(key))
