"""The one-line bar at the top of each screen, and the board's summary line built for it."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.domain import Attention, SourceState
from release_cockpit.domain.freshness import oldest_data
from release_cockpit.ui.textfit import Piece, ago, clock_time, fit_row
from release_cockpit.ui.widgets.lines import Lines

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot
    from release_cockpit.ui.context import UiContext

# The snapshot itself is late when the engine has not published for this long; the
# per-source markers say why.

_ATTENTION_STYLE: dict[Attention, str] = {
    Attention.FAILING: "bold $verdict-failing",
    Attention.WAITING: "bold $verdict-warning",
    Attention.WARNING: "bold $verdict-warning",
    Attention.UNKNOWN: "bold $verdict-unknown",
    Attention.RUNNING: "$stage-running",
    Attention.SOAKING: "$stage-running",
    Attention.DONE: "$verdict-ok",
}

# Counts that need a person stay on a narrow bar; the calm ones give up their room first.
_ATTENTION_DROP: dict[Attention, int] = {
    Attention.FAILING: 0,
    Attention.WAITING: 0,
    Attention.WARNING: 0,
    Attention.UNKNOWN: 0,
    Attention.RUNNING: 2,
    Attention.SOAKING: 3,
    Attention.DONE: 4,
}


class TitleBar(Lines):
    """Docked at the top; its builder decides the text."""

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        background: $panel;
        color: $foreground;
    }
    """


def right_side(ctx: UiContext, now: datetime) -> Content:
    """``PAUSED 10:03:58Z  READ-ONLY  10:04:05Z``: the modes in words and a UTC clock."""
    parts: list[Content | str] = []
    paused_at = ctx.view.paused_at
    if paused_at is not None:
        text = f"PAUSED {clock_time(paused_at)}Z (p resumes)"
        parts += [Content.styled(text, "bold reverse $verdict-warning"), "  "]
    if ctx.read_only:
        parts += [Content.styled("READ-ONLY", "bold reverse"), "  "]
    parts.append(Content(f"{clock_time(now)}Z"))
    return Content.assemble(*parts)


def data_age(snapshot: CockpitSnapshot, now: datetime) -> Content:
    """``data 4s old``: the age of the oldest source's last completed poll (a source that
    hangs ages here, however fresh the other sources are), in words when it is stale."""
    if not snapshot.sources:
        return Content.styled(f"data {ago(snapshot.taken_at, now)} old", "dim")
    oldest = oldest_data(snapshot.sources)
    if oldest is None:
        waiting = next(s.name for s in snapshot.sources if s.updated_at is None)
        return Content.styled(f"no data yet from {waiting}", "bold $source-stale")
    stale = any(
        s.state in (SourceState.STALE, SourceState.DOWN, SourceState.LATE) for s in snapshot.sources
    )
    text = f"data {ago(oldest, now)} old"
    return Content.styled(text, "bold $source-stale" if stale else "dim")


def board_title(
    snapshot: CockpitSnapshot | None, ctx: UiContext, width: int, *, shown: str = ""
) -> list[Content]:
    """Title, release counts by attention ("2 failing · 1 waiting"), data age, mode, clock.

    ``shown`` names an active filter ("filter env:prod: 3 of 7"); it stays on a narrow bar.
    """
    now = ctx.now()
    pieces = [Piece(ctx.glyphs.plain(ctx.title, "bold"), drop=8)]
    if shown:
        pieces.append(Piece(ctx.glyphs.plain(shown, "bold reverse"), sep="  "))
    if snapshot is None:
        pieces.append(Piece(Content("waiting for the first data"), sep="  "))
    else:
        counts = Counter(r.attention for r in snapshot.releases)
        first = True
        for attention in Attention:
            if counts[attention]:
                sep = "  " if first else ctx.glyphs.sep
                text = f"{counts[attention]} {attention.label}"
                style = _ATTENTION_STYLE[attention]
                pieces.append(
                    Piece(Content.styled(text, style), drop=_ATTENTION_DROP[attention], sep=sep)
                )
                first = False
        if not snapshot.releases:
            pieces.append(Piece(Content("no releases in flight"), sep="  "))
        pieces.append(Piece(data_age(snapshot, now), drop=6, sep="  "))
    return [fit_row(pieces, width, right=right_side(ctx, now), ellipsis=ctx.glyphs.ellipsis)]


def screen_title(title: Content, ctx: UiContext, width: int) -> list[Content]:
    """A plain title bar for the other screens: their title, then mode and clock."""
    pieces = [Piece(ctx.glyphs.plain(ctx.title, "bold"), drop=5), Piece(title, sep="  ")]
    return [fit_row(pieces, width, right=right_side(ctx, ctx.now()), ellipsis=ctx.glyphs.ellipsis)]
