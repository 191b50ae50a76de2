"""The board: one panel per release, needs-attention first, one panel focused at a time."""

from __future__ import annotations

import asyncio

from textual import events
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Footer

from release_cockpit.domain import CockpitSnapshot, Release
from release_cockpit.ui.bindings import BOARD_BINDINGS
from release_cockpit.ui.context import UiContext
from release_cockpit.ui.messages import HelpRequested, ReleaseSelected
from release_cockpit.ui.release_filter import ReleaseFilter
from release_cockpit.ui.screens.prompt import PromptScreen
from release_cockpit.ui.screens.release_actions import ReleaseActionsScreen
from release_cockpit.ui.widgets.lines import Lines
from release_cockpit.ui.widgets.release_panel import ReleasePanel
from release_cockpit.ui.widgets.title_bar import TitleBar, board_title

FILTER_HINT = "service, team, env:NAME, state:failing; ! negates; enter keeps, esc clears"

# Below either bound the panels shrink to headline + stages + reason, so an 80x24 SSH
# session still sees every release at once.
COMPACT_BELOW = Size(100, 36)


def is_compact(size: Size) -> bool:
    return size.width < COMPACT_BELOW.width or size.height < COMPACT_BELOW.height


class ReleaseList(VerticalScroll, can_focus=False, inherit_bindings=False):
    """The scrolling column of panels. It takes no focus and no keys: the board owns j/k."""

    DEFAULT_CSS = """
    ReleaseList {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    """


class BoardScreen(ReleaseActionsScreen):
    """Every in-flight release as a panel; enter opens the focused one."""

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
        self._compact = False
        # Until someone moves the highlight, it stays on the top (most urgent) release as
        # the order changes; afterwards it follows the chosen release wherever it moves.
        self._pinned = False
        self.filter = ReleaseFilter()
        self._title = TitleBar(self._build_title)
        self._empty = Lines(self._build_empty, id="empty")
        self._list = ReleaseList(id="releases")
        # Mounting panels awaits; a snapshot arriving meanwhile (the first one, while
        # on_mount still fills the board) must wait its turn, not count half-mounted slots.
        self._reconciling = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield self._title
        yield self._list
        yield self._empty
        yield Footer(show_command_palette=False, compact=True)

    async def on_mount(self) -> None:
        self._compact = is_compact(self.app.size)
        if self.snapshot is not None:
            await self._reconcile(self.snapshot)
        self._sync_empty()

    def on_resize(self, event: events.Resize) -> None:
        compact = is_compact(event.size)
        if compact != self._compact:
            self._compact = compact
            for panel in self._all_panels:
                panel.set_compact(compact)

    @property
    def panels(self) -> list[ReleasePanel]:
        """The panels shown: every release, or those the filter lets through."""
        return [panel for panel in self._all_panels if panel.display]

    @property
    def _all_panels(self) -> list[ReleasePanel]:
        return list(self._list.query_children(ReleasePanel))

    @property
    def compact(self) -> bool:
        return self._compact

    def selected_key(self) -> str | None:
        panel = self.focused_panel
        return panel.key if panel is not None else None

    @property
    def focused_panel(self) -> ReleasePanel | None:
        focused = self.focused
        return focused if isinstance(focused, ReleasePanel) else None

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        await super().show_snapshot(snapshot)
        await self._reconcile(snapshot)
        self._sync_empty()
        self._title.recheck()

    def set_filter(self, query: str) -> None:
        """Show only the releases matching ``query`` (see ``release_filter``); "" shows all."""
        parsed = ReleaseFilter.parse(query)
        if parsed == self.filter:
            return
        self.filter = parsed
        self.run_worker(self._refilter(), exclusive=True, group="filter")

    async def _refilter(self) -> None:
        # Hiding panels instead of remounting them keeps typing in the filter cheap.
        focused = self.focused_panel
        for panel in self._all_panels:
            panel.display = self.filter.matches(panel.release)
        shown = self.panels
        if shown and (focused is None or not focused.display):
            shown[0].focus()
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

    def _shown(self, snapshot: CockpitSnapshot) -> list[Release]:
        return self.filter.apply(snapshot.releases)

    def tick(self) -> None:
        self._title.recheck()
        for panel in self.panels:
            panel.tick()

    async def _reconcile(self, snapshot: CockpitSnapshot) -> None:
        async with self._reconciling:
            await self._reconcile_now(snapshot)

    async def _reconcile_now(self, snapshot: CockpitSnapshot) -> None:
        """Show the snapshot in the panels already mounted, used as slots in board order.

        The i-th panel shows the i-th release; only a change in the number of releases
        mounts or removes panels. Reordering (a release getting worse moves up) costs a
        rebuild of the slots whose release changed, never a remount of the board, which
        took seconds with hundreds of releases. Every release has a panel; the filter
        only hides the ones it does not match.
        """
        releases = snapshot.releases
        focused = self.focused_panel
        focused_key = focused.key if focused is not None else None
        shown_before = self.panels
        focused_index = shown_before.index(focused) if focused in shown_before else 0
        slots = self._all_panels
        if len(releases) > len(slots):
            fresh = [
                ReleasePanel(release, self.ctx, compact=self._compact)
                for release in releases[len(slots) :]
            ]
            await self._list.mount_all(fresh)
        elif len(releases) < len(slots):
            await self._list.remove_children(slots[len(releases) :])
        slots = self._all_panels
        if len(slots) != len(releases):
            # Mounting was cut short (the app is closing while a snapshot arrives); nothing
            # to show into, and the next snapshot, if any, reconciles again.
            return
        moved = False
        with self.app.batch_update():
            for panel, release in zip(slots, releases, strict=True):
                moved = moved or panel.key != release.key
                panel.show(release)
                panel.display = self.filter.matches(release)
        shown = self.panels
        if not shown:
            return
        target = next((p for p in shown if p.key == focused_key), None)
        if not self._pinned:
            target = shown[0]
        elif target is None:
            target = shown[min(focused_index, len(shown) - 1)]
        if target is not self.focused or moved:
            target.focus()

    def _sync_empty(self) -> None:
        has_panels = bool(self.snapshot and self._shown(self.snapshot))
        self._list.display = has_panels
        self._empty.display = not has_panels
        self._empty.recheck()

    def _build_title(self, width: int) -> list[Content]:
        shown = ""
        if self.filter.active and self.snapshot is not None:
            count, total = len(self._shown(self.snapshot)), len(self.snapshot.releases)
            shown = f"/{self.filter.text} ({count} of {total})"
        return board_title(self.snapshot, self.ctx, width, shown=shown)

    def _build_empty(self, width: int) -> list[Content]:
        if self.snapshot is None:
            text = "Waiting for the first data from the backends..."
        elif self.filter.active and self.snapshot.releases:
            text = f"No release matches /{self.filter.text}. Press / then esc to clear the filter."
            return [self.ctx.glyphs.plain(text)]
        else:
            text = "No releases in flight. Press s to see the sources, ? for help."
        return [Content(text)]

    def on_click(self, event: events.Click) -> None:
        if isinstance(event.widget, ReleasePanel):
            self._pinned = True

    def _move(self, step: int) -> None:
        self._pinned = True
        panels = self.panels
        if not panels:
            return
        focused = self.focused_panel
        index = panels.index(focused) + step if focused is not None else 0
        panels[max(0, min(len(panels) - 1, index))].focus()

    def action_cursor_down(self) -> None:
        self._move(1)

    def action_cursor_up(self) -> None:
        self._move(-1)

    def action_show_help(self) -> None:
        self.post_message(HelpRequested())

    def action_open(self) -> None:
        panel = self.focused_panel
        if panel is not None:
            self.post_message(ReleaseSelected(panel.key))
