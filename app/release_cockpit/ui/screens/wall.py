"""The war-room wall (``--wall``): read-only, big tiles, what needs attention pinned on top.

Releases that are failing, waiting for a person or unknown stay pinned as tiles at the
top. The calm ones take turns below, one at a time in a detailed view, changing every
``rotate_seconds``; ``n`` moves on by hand. A large clock and each tile's data age show
from across the room that the wall is alive.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Grid, Horizontal, Vertical
from textual.content import Content
from textual.widgets import Digits

from release_cockpit.ui.bindings import WALL_BINDINGS
from release_cockpit.ui.screens.live import LiveScreen
from release_cockpit.ui.textfit import clock_time
from release_cockpit.ui.widgets import detail_sections
from release_cockpit.ui.widgets.lines import Lines
from release_cockpit.ui.widgets.title_bar import board_title
from release_cockpit.ui.widgets.wall_tile import (
    NEEDS_ATTENTION,
    WallTile,
    age_line,
    tile_lines,
    tile_title,
)

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot, Release
    from release_cockpit.ui.context import UiContext

TILE_MIN_WIDTH = 64
"""A tile needs this many columns for its stage strip; the grid has as many columns as fit."""
TILE_ROWS = 11
"""A tile's natural height: borders, the verdict in large letters, the lines under it."""


def split(releases: tuple[Release, ...]) -> tuple[list[Release], list[Release]]:
    """(needs attention, calm), each in board order."""
    pinned = [r for r in releases if r.attention in NEEDS_ATTENTION]
    calm = [r for r in releases if r.attention not in NEEDS_ATTENTION]
    return pinned, calm


class WallScreen(LiveScreen):
    """Pinned tiles, a rotating detail view of the rest, and a clock."""

    HELP_NAME = "wall"
    BINDINGS = WALL_BINDINGS

    DEFAULT_CSS = """
    WallScreen #wall-head {
        height: 5;
        background: $panel;
        padding: 0 1;
    }
    WallScreen #wall-title {
        width: 1fr;
        padding-top: 1;
    }
    WallScreen #wall-clock {
        width: auto;
        color: $foreground;
    }
    WallScreen #pinned {
        height: auto;
        grid-gutter: 0;
        padding: 1 0 0 1;
    }
    WallScreen #calm-none, WallScreen #pinned-none {
        padding: 1 2;
        text-style: bold;
    }
    WallScreen #rotation {
        height: 1fr;
        border: heavy $foreground-muted;
        border-title-style: bold;
        padding: 0 1;
        margin: 0 1;
    }
    WallScreen #rotation.-ascii {
        border: ascii $foreground-muted;
    }
    /* A few pinned tiles share the room: they grow to fill the screen above the
       rotation, so each verdict is as large as the wall allows. */
    WallScreen #pinned.-fill {
        height: 2fr;
        grid-rows: 1fr;
    }
    WallScreen #pinned.-fill WallTile {
        height: 100%;
    }
    """

    def __init__(
        self, ctx: UiContext, snapshot: CockpitSnapshot | None, *, rotate_seconds: float = 15.0
    ) -> None:
        super().__init__(ctx, snapshot)
        self.rotate_seconds = max(1.0, rotate_seconds)
        self.rotation_index = 0
        # Rotation time comes from the context's clock, not from counted ticks: a busy
        # machine that skips a tick still rotates on time, and a fixed test clock holds it.
        self._rotated_at = ctx.now()
        self._title = Lines(self._build_title, id="wall-title")
        self._clock = Digits(self._clock_text(), id="wall-clock")
        self._pinned = Grid(id="pinned")
        self._pinned_none = Lines(self._build_pinned_none, id="pinned-none")
        self._detail = Lines(self._build_detail, id="rotation-body")
        ascii_only = "-ascii" if ctx.glyphs.is_ascii else None
        self._rotation = Vertical(self._detail, id="rotation", classes=ascii_only)
        # Digits draws with box characters, which a non-UTF-8 terminal cannot show; the
        # title bar's clock is there in every mode.
        self._clock.display = not ctx.glyphs.is_ascii
        self._rotation_title = ""

    def compose(self) -> ComposeResult:
        with Horizontal(id="wall-head"):
            yield self._title
            yield self._clock
        yield self._pinned_none
        yield self._pinned
        yield self._rotation

    async def on_mount(self) -> None:
        self._columns()
        if self.snapshot is not None:
            await self._reconcile(self.snapshot)
        self._sync()

    def on_resize(self) -> None:
        self._columns()

    def _columns(self) -> None:
        columns = max(1, (self.app.size.width - 1) // TILE_MIN_WIDTH)
        self._pinned.styles.grid_size_columns = columns

    @property
    def tiles(self) -> list[WallTile]:
        return list(self._pinned.query_children(WallTile))

    @property
    def calm(self) -> list[Release]:
        return split(self.snapshot.releases)[1] if self.snapshot else []

    @property
    def rotating(self) -> Release | None:
        """The calm release in the detailed view now."""
        calm = self.calm
        return calm[self.rotation_index % len(calm)] if calm else None

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        await super().show_snapshot(snapshot)
        await self._reconcile(snapshot)
        self._sync()

    @property
    def _elapsed(self) -> float:
        return (self.ctx.now() - self._rotated_at).total_seconds()

    def tick(self) -> None:
        if self._elapsed >= self.rotate_seconds:
            self.action_next()
            return
        self._refresh_text()

    def action_next(self) -> None:
        """Rotate to the next calm release now."""
        self._rotated_at = self.ctx.now()
        if self.calm:
            self.rotation_index = (self.rotation_index + 1) % len(self.calm)
        self._sync()

    def _refresh_text(self) -> None:
        self._title.recheck()
        self._clock.update(self._clock_text())
        for tile in self.tiles:
            tile.recheck()
        self._detail.recheck()
        self._sync_rotation_title()

    def _sync(self) -> None:
        tiles = self.tiles
        has_pinned = bool(tiles)
        columns = max(1, (self.app.size.width - 1) // TILE_MIN_WIDTH)
        rows = -(-len(tiles) // columns)
        # Fill only while every tile keeps the height its lines need (about 11 rows).
        self._pinned.set_class(0 < rows * TILE_ROWS <= (self.app.size.height - 8) * 2 // 3, "-fill")
        self._pinned.display = has_pinned
        self._pinned_none.display = not has_pinned
        self._pinned_none.recheck()
        self._refresh_text()

    async def _reconcile(self, snapshot: CockpitSnapshot) -> None:
        pinned, _ = split(snapshot.releases)
        tiles = self.tiles
        if [t.key for t in tiles] == [r.key for r in pinned]:
            for tile, release in zip(tiles, pinned, strict=True):
                tile.show(release)
            return
        with self.app.batch_update():
            await self._pinned.remove_children()
            await self._pinned.mount_all([WallTile(r, self.ctx) for r in pinned])

    def _clock_text(self) -> str:
        return clock_time(self.ctx.now())

    def _build_title(self, width: int) -> list[Content]:
        title = board_title(self.snapshot, self.ctx, width)
        mode = Content.styled("WALL: read-only; n next release, ? help", "dim")
        return [*title, Content(""), mode]

    def _build_pinned_none(self, width: int) -> list[Content]:
        if self.snapshot is None:
            return [Content("Waiting for the first data from the backends...")]
        glyphs = self.ctx.glyphs
        return [Content.styled(f"{glyphs.ok} Nothing needs attention", "bold $verdict-ok")]

    def _sync_rotation_title(self) -> None:
        release, calm = self.rotating, self.calm
        if release is None:
            title = Content("Nothing else in flight")
        else:
            position = f"  {self.rotation_index % len(calm) + 1} of {len(calm)}"
            left = max(0, round(self.rotate_seconds - self._elapsed))
            title = Content.assemble(
                tile_title(release, self.ctx.glyphs), f"{position}, next in {left}s"
            )
        if title.plain != self._rotation_title:
            self._rotation_title = title.plain
            self._rotation.border_title = title

    def _build_detail(self, width: int) -> list[Content]:
        release = self.rotating
        if release is None:
            return []
        now, glyphs = self.ctx.now(), self.ctx.glyphs
        lines = tile_lines(release, now, glyphs, width)[:-1]
        for section in (detail_sections.signals, detail_sections.alerts, detail_sections.rollout):
            lines += section(release, now, glyphs, width)
        lines.append(Content(""))
        lines.append(age_line(release, now, width, glyphs))
        return lines
