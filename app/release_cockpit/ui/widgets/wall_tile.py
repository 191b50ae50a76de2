"""A release as a big tile for the war-room wall, and the pure builders of its lines.

Read from across a room: the verdict in words first, the stages, the reason, and how old
the data behind it is ("data 4s old"), because a wall that silently stopped updating is
worse than no wall. The border colour follows the verdict; words carry the meaning.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.domain import Attention, SourceState
from release_cockpit.ui.glyphs import badge
from release_cockpit.ui.textfit import Piece, ago, fit_row, wrap
from release_cockpit.ui.widgets.big_text import big_word, can_draw, width_of
from release_cockpit.ui.widgets.lines import Lines
from release_cockpit.ui.widgets.panel_lines import environment_label, stages_line, version_pieces

if TYPE_CHECKING:
    from release_cockpit.domain import Release
    from release_cockpit.ui.context import UiContext
    from release_cockpit.ui.glyphs import Glyphs

NEEDS_ATTENTION = frozenset(
    {Attention.FAILING, Attention.WAITING, Attention.WARNING, Attention.UNKNOWN}
)

_TILE_CLASS = {
    Attention.FAILING: "-failing",
    Attention.WAITING: "-waiting",
    Attention.WARNING: "-waiting",
    Attention.UNKNOWN: "-unknown",
}


def data_age(release: Release, now: datetime) -> tuple[str, bool]:
    """``("data 4s old", False)`` from the oldest source behind the release; True if stale."""
    sources = release.sources
    if not sources:
        return "no data yet", True
    updated = [s.updated_at for s in sources if s.updated_at is not None]
    stale = any(s.state in (SourceState.STALE, SourceState.DOWN) for s in sources)
    if len(updated) < len(sources):
        return "data missing", True
    oldest = min(updated)
    late = any(s.updated_at is not None and now - s.updated_at > s.stale_after for s in sources)
    word = "STALE: " if stale or late else ""
    return f"{word}data {ago(oldest, now)} old", stale or late


def age_line(release: Release, now: datetime, width: int, glyphs: Glyphs) -> Content:
    text, stale = data_age(release, now)
    style = "bold reverse $source-stale" if stale else "$text-muted"
    return fit_row([Piece(Content.styled(text, style))], width, ellipsis=glyphs.ellipsis)


def tile_title(release: Release, glyphs: Glyphs) -> Content:
    """The border title: ``checkout · PROD``."""
    return Content.assemble(
        glyphs.plain(release.service, "bold"),
        glyphs.sep,
        environment_label(release.environment, glyphs),
    )


def big_verdict(release: Release, glyphs: Glyphs, width: int) -> list[Content]:
    """The verdict word in letters three rows high, when it fits the tile."""
    word, style = badge(release, glyphs)
    text = word.split(" ", 1)[-1]
    if not can_draw(text) or width_of(text) > width:
        return []
    return [
        Content.styled(row, f"bold {style}") for row in big_word(text, ascii_only=glyphs.is_ascii)
    ]


def tile_lines(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    """The verdict in large letters, verdict and version, stages, up to two lines of
    reason, data age."""
    word, style = badge(release, glyphs)
    verdict = Piece(Content.styled(f" {word} ", f"bold reverse {style}"))
    versions = [
        Piece(p.content, p.drop, sep=glyphs.sep if i == 0 else " ")
        for i, p in enumerate(version_pieces(release, glyphs))
    ]
    reason_style = "bold" if release.attention in NEEDS_ATTENTION else ""
    reason = glyphs.plain(release.headline(now) or "no reason given", reason_style)
    return [
        *big_verdict(release, glyphs, width),
        fit_row([verdict, *versions], width, ellipsis=glyphs.ellipsis),
        stages_line(release, now, glyphs, width),
        *wrap(reason, width, 2, glyphs.ellipsis),
        age_line(release, now, width, glyphs),
    ]


class WallTile(Lines):
    """One release on the wall; ``show`` swaps in newer data, repainting changed rows only."""

    DEFAULT_CSS = """
    WallTile {
        border: heavy $foreground-muted;
        border-title-style: bold;
        border-title-color: $foreground;
        padding: 0 1;
        margin: 0 1 1 0;
        height: auto;
    }
    WallTile.-failing { border: heavy $verdict-failing; }
    WallTile.-waiting { border: heavy $verdict-warning; }
    WallTile.-unknown { border: heavy $verdict-unknown; }
    WallTile.-ascii { border: ascii $foreground-muted; }
    WallTile.-ascii.-failing { border: ascii $verdict-failing; }
    WallTile.-ascii.-waiting { border: ascii $verdict-warning; }
    WallTile.-ascii.-unknown { border: ascii $verdict-unknown; }
    """

    def __init__(self, release: Release, ctx: UiContext) -> None:
        super().__init__(self._lines, classes="-ascii" if ctx.glyphs.is_ascii else None)
        self._ctx = ctx
        self.release = release
        self._style_for(release)

    @property
    def key(self) -> str:
        return self.release.key

    def _style_for(self, release: Release) -> None:
        for attention, name in _TILE_CLASS.items():
            self.set_class(release.attention is attention, name)
        self.border_title = tile_title(release, self._ctx.glyphs)

    def show(self, release: Release) -> None:
        if release.attention is not self.release.attention or release.service != (
            self.release.service
        ):
            self._style_for(release)
        self.release = release
        self.recheck()

    def _lines(self, width: int) -> list[Content]:
        return tile_lines(self.release, self._ctx.now(), self._ctx.glyphs, width)
