"""Pure builders for a release panel's lines: each takes the release, now and a width.

They are plain functions so the board, the detail screen and the tests share one
rendering of a release, and so the once-a-second tick can rebuild a line cheaply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.domain import (
    PauseKind,
    ReleaseType,
    SourceState,
    StageName,
    StageState,
    VerdictLevel,
)
from release_cockpit.domain.flags import FlagSwitch
from release_cockpit.domain.rollout import pause_text
from release_cockpit.ui.glyphs import (
    ACTION_PHASE_STYLE,
    LEVEL_STYLE,
    LEVEL_WORD,
    SOURCE_STYLE,
    SOURCE_WORD,
    badge,
    is_production,
)
from release_cockpit.ui.textfit import Piece, ago, coarse_ago, coarse_duration, fit_row, flow, wrap
from release_cockpit.ui.widgets.sparkline import Zone, threshold_sparkline
from release_cockpit.ui.widgets.stage_strip import stage_strip

if TYPE_CHECKING:
    from release_cockpit.domain import (
        Alert,
        Release,
        SignalStatus,
        SourceStatus,
    )
    from release_cockpit.domain.flags import FlagState
    from release_cockpit.ui.glyphs import (
        Glyphs,
    )

INDENT = "  "


def environment_label(environment: str, glyphs: Glyphs) -> Content:
    """``PROD`` in words for production (never colour alone); other environments as named."""
    if is_production(environment):
        return Content.styled("PROD", "bold $env-production")
    if environment.strip().lower() in {"staging", "stage", "stg", "preprod", "pre-production"}:
        return Content.styled(glyphs.flat(environment), "$env-staging")
    return glyphs.plain(environment)


def version_pieces(release: Release, glyphs: Glyphs) -> list[Piece]:
    """``minor 2.7.3 → 2.8.0``; when room is short the previous version goes, then the type."""
    parts: list[tuple[Content, int]] = []
    if release.release_type is not ReleaseType.UNKNOWN:
        parts.append((Content(release.release_type.value), 3))
    if release.previous_version and release.version:
        parts.append((glyphs.plain(f"{release.previous_version} {glyphs.arrow}"), 4))
    parts.append((glyphs.plain(release.version or "version ?", "bold"), 0))
    return [
        Piece(content, drop, sep=glyphs.sep if index == 0 else " ")
        for index, (content, drop) in enumerate(parts)
    ]


def changeset_text(release: Release) -> str:
    change = release.changeset
    if change is None:
        return ""
    text = f"{change.commits} commit{'s' if change.commits != 1 else ''}"
    prs = len(change.pull_requests)
    return f"{text}, {prs} PR{'s' if prs != 1 else ''}" if prs else text


def headline(release: Release, now: datetime, glyphs: Glyphs, width: int) -> Content:
    """Service · env · version · change set · who · age, with the verdict badge at the right."""
    sep = glyphs.sep
    pieces = [
        Piece(glyphs.plain(release.service, "bold")),
        Piece(environment_label(release.environment, glyphs), sep=sep),
        *version_pieces(release, glyphs),
    ]
    if text := changeset_text(release):
        pieces.append(Piece(Content(text), drop=6, sep=sep))
    if release.triggered_by:
        pieces.append(Piece(glyphs.plain(f"by {release.triggered_by}"), drop=7, sep=sep))
    if release.started_at is not None:
        age = coarse_ago(release.started_at, now)
        pieces.append(Piece(Content(f"{age} ago"), drop=5, sep=sep))
    word, style = badge(release, glyphs)
    return fit_row(
        pieces, width, right=Content.styled(word, f"bold {style}"), ellipsis=glyphs.ellipsis
    )


def stages_line(release: Release, now: datetime, glyphs: Glyphs, width: int) -> Content:
    strip = stage_strip(
        release.stages,
        now,
        glyphs,
        width - len(INDENT),
        rollout=release.rollout,
        soak_ends_at=release.soak_ends_at,
    )
    return Content.assemble(INDENT, strip)


_MINUTES_SECONDS = re.compile(r"\b(\d+)m\d{2}s\b")


def coarse_text(text: str) -> str:
    """``waiting 4m12s for promote`` as ``waiting 4m for promote``: the board's timers move
    by the minute past the first one (see ``textfit.coarse_duration``)."""
    return _MINUTES_SECONDS.sub(r"\1m", text)


def weight_text(set_weight: int | None, actual_weight: int | None) -> str:
    if set_weight is None:
        return ""
    if actual_weight is None:
        return f"weight {set_weight}% set"
    return f"weight {set_weight}% set / {actual_weight}% actual"


def deploy_line(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    """Step, weights, pause countdown and soak time left, when a rollout is in motion."""
    rollout = release.rollout
    states = {stage.name: stage.state for stage in release.stages}
    pieces: list[Piece] = []
    moving = states.get(StageName.DEPLOY) in (
        StageState.RUNNING,
        StageState.WAITING,
        StageState.FAILED,
    )
    if rollout is not None and moving:
        pieces.append(Piece(Content.styled("Deploy", "bold")))
        if release.cluster:
            # Which cluster (deploy backend) it runs in: several boards' worth in one.
            pieces.append(Piece(glyphs.plain(f"on {release.cluster}"), drop=2))
        if rollout.step_index is not None and rollout.step_count:
            step = min(rollout.step_index + 1, rollout.step_count)
            pieces.append(Piece(Content(f"step {step}/{rollout.step_count}")))
        if text := weight_text(rollout.set_weight, rollout.actual_weight):
            pieces.append(Piece(Content(text), sep=glyphs.sep))
        if rollout.pause_kind is not PauseKind.NONE or rollout.pause_ends_at is not None:
            text = coarse_text(pause_text(rollout, now))
            pieces.append(Piece(glyphs.plain(text), sep=glyphs.sep))
        if (ends := release.eta(now)) is not None:
            eta = coarse_duration(max(ends - now, timedelta(0)))
            pieces.append(Piece(Content(f"ETA {eta}"), sep=glyphs.sep))
        if states.get(StageName.DEPLOY) is StageState.FAILED and rollout.message:
            pieces.append(Piece(glyphs.plain(rollout.message), drop=2, sep=glyphs.sep))
    if states.get(StageName.MONITOR) is StageState.RUNNING and release.soak_ends_at is not None:
        pieces.append(Piece(Content.styled("Monitor", "bold"), sep=glyphs.sep))
        left = coarse_duration(max(release.soak_ends_at - now, timedelta(0)))
        pieces.append(Piece(Content(f"soak {left} left")))
    if release.policy and pieces:
        pieces.append(
            Piece(glyphs.plain(f"policy {release.policy}", "dim"), drop=3, sep=glyphs.sep)
        )
    if not pieces:
        return []
    pieces[0] = Piece(pieces[0].content)
    return [
        Content.assemble(INDENT, fit_row(pieces, width - len(INDENT), ellipsis=glyphs.ellipsis))
    ]


_ZONE_STYLE: dict[Zone | None, str] = {
    Zone.OK: LEVEL_STYLE[VerdictLevel.OK],
    Zone.WARN: LEVEL_STYLE[VerdictLevel.WARNING],
    Zone.FAIL: LEVEL_STYLE[VerdictLevel.FAILING],
}


def signal_sparkline(signal: SignalStatus, glyphs: Glyphs, width: int) -> Content:
    """The signal's recent values against its threshold, each bar coloured by the zone it
    stands in (ok, warn, past the fail line); empty while it has no current value (no
    data draws no bars)."""
    if signal.value is None:
        return Content("")
    bars = threshold_sparkline(signal.series, signal.threshold, width=width, levels=glyphs.spark)
    fallback = LEVEL_STYLE[signal.level]
    return Content.assemble(
        *(Content.styled(char, _ZONE_STYLE.get(zone, fallback)) for char, zone in bars)
    )


FLAG_STYLE: dict[FlagSwitch, str] = {
    FlagSwitch.ON: "",
    FlagSwitch.OFF: "bold",
    FlagSwitch.UNKNOWN: LEVEL_STYLE[VerdictLevel.UNKNOWN],
}
"""On reads plainly, off in bold (the feature is dark), unknown like any unknown; the
words say it too."""


def flag_cell(flag: FlagState, glyphs: Glyphs, environment: str = "") -> Content:
    """``flag checkout-v2: on for 25%``; the flag's environment when it is not the
    release's own (``flag checkout-v2 (staging): off for everyone``)."""
    where = f" ({flag.environment})" if flag.environment and flag.environment != environment else ""
    return Content.assemble(
        "flag ",
        glyphs.plain(f"{flag.key}{where}", "bold"),
        ": ",
        glyphs.plain(flag.summary, FLAG_STYLE[flag.switch]),
    )


def flag_line(release: Release, glyphs: Glyphs, width: int) -> list[Content]:
    """The release's flags on one line, the kill switch first; later flags give way first
    when the line is short."""
    if not release.flags:
        return []
    pieces = [
        Piece(flag_cell(flag, glyphs, release.environment), drop=index, sep=glyphs.sep)
        for index, flag in enumerate(release.flags)
    ]
    pieces[0] = Piece(pieces[0].content)
    return [
        Content.assemble(INDENT, fit_row(pieces, width - len(INDENT), ellipsis=glyphs.ellipsis))
    ]


def signal_cell(signal: SignalStatus, glyphs: Glyphs, *, spark_width: int = 10) -> Content:
    """``5xx ratio 7.9% vs > 5.0% ▁▂▅█ FAILING``; ``p99 canary vs stable not compared``."""
    if signal.not_compared:  # neutral: neither passing nor failing, evidence of nothing
        return Content.assemble(
            glyphs.plain(signal.name), " ", Content.styled("not compared", "dim")
        )
    style = LEVEL_STYLE[signal.level]
    parts: list[Content | str] = [
        glyphs.plain(signal.name),
        " ",
        Content.styled(glyphs.flat(signal.value_text), f"bold {style}"),
    ]
    if signal.threshold_text:
        parts += [" vs ", glyphs.plain(signal.threshold_text)]
    spark = signal_sparkline(signal, glyphs, spark_width)
    if spark.cell_length:
        parts += [" ", spark]
    parts += [" ", Content.styled(LEVEL_WORD[signal.level], style)]
    if signal.dry_run:
        parts.append(" (dry run)")
    return Content.assemble(*parts)


def signal_lines(release: Release, glyphs: Glyphs, width: int) -> list[Content]:
    cells = [signal_cell(s, glyphs) for s in release.signals]
    return [
        Content.assemble(INDENT, line)
        for line in flow(cells, width - len(INDENT), gap=4, ellipsis=glyphs.ellipsis)
    ]


def alert_line(release: Release, alert: Alert, glyphs: Glyphs, width: int) -> Content:
    """``! critical HighErrorRate: summary  runbook`` fitted to the width, coloured by how
    the release's verdict weighs the alert."""
    style = LEVEL_STYLE[release.alert_level(alert)]
    pieces = [
        Piece(
            Content.styled(
                f"{glyphs.warning} {glyphs.flat(alert.word) or 'alert'}", f"bold {style}"
            )
        ),
        Piece(glyphs.plain(alert.name, "bold")),
    ]
    if release.alerts_as_of:  # from a source that is down: said first, never cut
        pieces.append(Piece(glyphs.plain(f"({release.alerts_as_of})", "bold $source-stale")))
    if alert.summary:
        pieces.append(Piece(glyphs.plain(alert.summary), sep=": "))
    right = Content.styled("runbook", "underline") if alert.runbook_url else None
    return fit_row(pieces, width, right=right, ellipsis=glyphs.ellipsis)


def alert_lines(release: Release, glyphs: Glyphs, width: int, *, limit: int = 3) -> list[Content]:
    inner = width - len(INDENT)
    lines = [
        Content.assemble(INDENT, alert_line(release, a, glyphs, inner))
        for a in release.alerts[:limit]
    ]
    hidden = len(release.alerts) - limit
    if hidden > 0:
        lines.append(Content.assemble(INDENT, Content.styled(f"+{hidden} more alerts", "dim")))
    return lines


def reason_lines(
    release: Release, now: datetime, glyphs: Glyphs, width: int, max_lines: int
) -> list[Content]:
    style = LEVEL_STYLE[release.verdict.level]
    text = glyphs.plain(coarse_text(release.headline(now)) or "no reason given", style)
    return [
        Content.assemble(INDENT, line)
        for line in wrap(text, width - len(INDENT), max_lines, glyphs.ellipsis)
    ]


def source_cell(source: SourceStatus, now: datetime, glyphs: Glyphs) -> Content:
    """``github ok``; ``prometheus STALE 2m`` and ``cluster DOWN`` in words, not colour alone."""
    name = glyphs.plain(source.name)
    if source.state is SourceState.OK:
        # A healthy source's age resets with every poll; in seconds it would repaint every
        # panel every second. "ok" is what it says; ages are on the detail and sources.
        return Content.assemble(name, " ", Content.styled(SOURCE_WORD[source.state], "dim"))
    word = SOURCE_WORD[source.state]
    if source.state is SourceState.LATE and source.polling_since is not None:
        tail = f" {coarse_ago(source.polling_since, now)}"  # how long the answer has taken
    else:
        tail = "" if source.updated_at is None else f" {coarse_ago(source.updated_at, now)}"
    return Content.assemble(name, " ", Content.styled(f"{word}{tail}", SOURCE_STYLE[source.state]))


def freshness_line(
    sources: Sequence[SourceStatus], now: datetime, glyphs: Glyphs, width: int
) -> list[Content]:
    if not sources:
        return []
    pieces = [Piece(source_cell(s, now, glyphs), sep=glyphs.sep) for s in sources]
    line = fit_row(pieces, width - len(INDENT), ellipsis=glyphs.ellipsis)
    return [Content.assemble(INDENT, line)]


def action_line(release: Release, now: datetime, glyphs: Glyphs, width: int) -> list[Content]:
    """``checklist 2/4 · abort sent by ana: waiting for cluster to show it (3s ago)``."""
    pieces: list[Piece] = []
    checklist = release.checklist
    if checklist is not None and not checklist.complete:
        pieces.append(Piece(Content.styled(checklist.summary, "bold")))
    status = release.action
    if status is not None:
        text = f"{status.text} ({ago(status.at, now)} ago)"
        pieces.append(Piece(glyphs.plain(text, ACTION_PHASE_STYLE[status.phase]), sep=glyphs.sep))
    if not pieces:
        return []
    pieces[0] = Piece(pieces[0].content)
    return [
        Content.assemble(INDENT, fit_row(pieces, width - len(INDENT), ellipsis=glyphs.ellipsis))
    ]
