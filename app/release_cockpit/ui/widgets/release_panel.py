"""One release on the board: headline, stages, deploy, signals, alerts, reason, freshness.

In compact mode (small terminals) only the headline, the stage strip and one line of
the verdict reason remain, so every release fits on an 80x24 screen. ``panel`` lists a
release's lines from the pure builders in ``panel_lines``; the board (``release_board``)
draws them, and asks ``next_change`` when the clock will next change what they read.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.domain import SourceState, StageName, StageState
from release_cockpit.ui.widgets import panel_lines

if TYPE_CHECKING:
    from release_cockpit.domain import Release
    from release_cockpit.ui.glyphs import Glyphs


def panel(
    release: Release, now: datetime, glyphs: Glyphs, width: int, *, compact: bool = False
) -> list[Content]:
    """A release's panel lines, each fitted to ``width`` cells."""
    lines = [
        panel_lines.headline(release, now, glyphs, width),
        panel_lines.stages_line(release, now, glyphs, width),
    ]
    action = panel_lines.action_line(release, now, glyphs, width)
    if compact:
        # Small screens keep the action's state (it is what someone is waiting for).
        action = action if release.action is not None else []
        return [*lines, *action, *panel_lines.reason_lines(release, now, glyphs, width, 1)]
    return [
        *lines,
        *action,
        *panel_lines.deploy_line(release, now, glyphs, width),
        *panel_lines.flag_line(release, glyphs, width),
        *panel_lines.signal_lines(release, glyphs, width),
        *panel_lines.alert_lines(release, glyphs, width),
        *panel_lines.reason_lines(release, now, glyphs, width, 2),
        *panel_lines.freshness_line(release.sources, now, glyphs, width),
    ]


def estimated_height(release: Release, *, compact: bool = False) -> int:
    """How many lines ``panel`` gives, without building them: exact when compact, a close
    guess otherwise (signals sharing a line, a reason wrapping); the board corrects it
    when the panel is first drawn."""
    action = release.action is not None
    if compact:
        return 3 + action
    checklist = release.checklist is not None and not release.checklist.complete
    states = {stage.name: stage.state for stage in release.stages}
    moving = release.rollout is not None and states.get(StageName.DEPLOY) in (
        StageState.RUNNING,
        StageState.WAITING,
        StageState.FAILED,
    )
    soaking = states.get(StageName.MONITOR) is StageState.RUNNING and release.soak_ends_at
    alerts = min(len(release.alerts), 3) + (len(release.alerts) > 3)
    return (
        2
        + (action or checklist)
        + bool(moving or soaking)
        + bool(release.flags)
        + len(release.signals)
        + alerts
        + 1
        + bool(release.sources)
    )


_MINUTE = timedelta(minutes=1)
_SECOND = timedelta(seconds=1)


def _next_tick(anchor: datetime, now: datetime, *, seconds: bool = False) -> datetime:
    """When a duration counted from (or down to) ``anchor`` next reads differently on the
    board: every second under a minute (or always, for ``seconds``), else at the next
    whole minute counted from the anchor (see ``textfit.coarse_duration``)."""
    span = abs(now - anchor)
    step = _SECOND if seconds or span < _MINUTE else _MINUTE
    whole = span // step
    if now >= anchor:
        return anchor + (whole + 1) * step
    moment = anchor - whole * step
    return moment if moment > now else anchor - (whole - 1) * step


def next_change(release: Release, now: datetime) -> datetime | None:
    """The soonest moment the clock alone changes what the release's panel reads (an age,
    a stage's running time, a countdown, an action's "3s ago"); None when nothing on it
    follows the clock. Only a hint for when to look again: the lines are compared before
    anything is repainted."""
    anchors: list[tuple[datetime, bool]] = []
    if release.started_at is not None:
        anchors.append((release.started_at, False))
    for stage in release.stages:
        if stage.state is StageState.RUNNING and stage.started_at is not None:
            anchors.append((stage.started_at, False))
    for moment in (release.soak_ends_at, release.eta(now)):
        if moment is not None:
            anchors.append((moment, False))
    for stage in release.stages:
        if stage.timed is not None:
            anchors.extend((moment, False) for moment in stage.timed.moments)
    rollout = release.rollout
    if rollout is not None:
        for moment in (rollout.pause_ends_at, rollout.pause_started_at):
            if moment is not None:
                anchors.append((moment, False))
    if release.action is not None:
        anchors.append((release.action.at, True))
    for source in release.sources:
        if source.state is not SourceState.OK:
            moment = source.polling_since or source.updated_at
            if moment is not None:
                anchors.append((moment, False))
    if not anchors:
        return None
    return min(_next_tick(anchor, now, seconds=seconds) for anchor, seconds in anchors)
