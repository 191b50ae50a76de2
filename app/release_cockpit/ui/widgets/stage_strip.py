"""The six stages on one line: symbol, word, duration (``✓ Build 1m02s  ⟳ Deploy 2/5 25%``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.domain import StageName, StageState, format_duration
from release_cockpit.ui.glyphs import STAGE_STYLE
from release_cockpit.ui.textfit import Piece, coarse_duration, fit_row

if TYPE_CHECKING:
    from release_cockpit.domain import RolloutState, Stage
    from release_cockpit.ui.glyphs import Glyphs

# When the line is short of room, durations go first, then deploy progress; the stage
# symbols and words always stay.
_DROP_DURATION = 3
_DROP_PROGRESS = 2


def stage_label(stage: Stage, glyphs: Glyphs) -> Content:
    """``✓ Build`` styled with the state's theme variable."""
    return Content.styled(
        f"{glyphs.stage[stage.state]} {stage.name.title}", STAGE_STYLE[stage.state]
    )


def deploy_progress(rollout: RolloutState | None) -> str:
    """``2/5 25%``: the rollout's step and set weight, as far as they are known."""
    if rollout is None:
        return ""
    parts = []
    if rollout.step_index is not None and rollout.step_count:
        parts.append(f"{min(rollout.step_index + 1, rollout.step_count)}/{rollout.step_count}")
    if rollout.set_weight is not None:
        parts.append(f"{rollout.set_weight}%")
    return " ".join(parts)


def stage_extra(
    stage: Stage,
    now: datetime,
    *,
    rollout: RolloutState | None = None,
    soak_ends_at: datetime | None = None,
) -> tuple[str, int]:
    """The short text after a stage's word, and how readily it is dropped."""
    if stage.name is StageName.DEPLOY and stage.state in (StageState.RUNNING, StageState.WAITING):
        progress = deploy_progress(rollout)
        if progress:
            return progress, _DROP_PROGRESS
    if (
        stage.name is StageName.MONITOR
        and stage.state is StageState.RUNNING
        and soak_ends_at is not None
    ):
        return f"{coarse_duration(max(soak_ends_at - now, timedelta(0)))} left", _DROP_PROGRESS
    duration = stage.duration(now)
    if duration is None or duration < timedelta(seconds=1):
        return "", 0
    # A running stage's time grows every second: minutes are enough on the board.
    if stage.state is StageState.RUNNING:
        return coarse_duration(duration), _DROP_DURATION
    return format_duration(duration), _DROP_DURATION


def stage_pieces(
    stages: Sequence[Stage],
    now: datetime,
    glyphs: Glyphs,
    *,
    rollout: RolloutState | None = None,
    soak_ends_at: datetime | None = None,
) -> list[Piece]:
    pieces: list[Piece] = []
    for stage in stages:
        pieces.append(Piece(stage_label(stage, glyphs), sep="  "))
        extra, drop = stage_extra(stage, now, rollout=rollout, soak_ends_at=soak_ends_at)
        if extra:
            pieces.append(Piece(Content.styled(extra, "dim"), drop=drop))
    return pieces


def stage_strip(
    stages: Sequence[Stage],
    now: datetime,
    glyphs: Glyphs,
    width: int,
    *,
    rollout: RolloutState | None = None,
    soak_ends_at: datetime | None = None,
) -> Content:
    """The stage strip fitted to ``width`` cells."""
    pieces = stage_pieces(stages, now, glyphs, rollout=rollout, soak_ends_at=soak_ends_at)
    return fit_row(pieces, width, ellipsis=glyphs.ellipsis)
