"""Symbols, words and theme variables for every state, in a Unicode and an ASCII set.

Colour never carries meaning alone: each state pairs a symbol with a word, and the ASCII
set keeps both readable on a bastion host whose locale is not UTF-8.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.content import Content

from release_cockpit.domain import Attention, SourceState, StageState, VerdictLevel
from release_cockpit.domain.action_status import ActionPhase
from release_cockpit.ui.textfit import flat, plain
from release_cockpit.ui.widgets.sparkline import ASCII_LEVELS, UNICODE_LEVELS

if TYPE_CHECKING:
    from release_cockpit.domain import Release


@dataclass(frozen=True, slots=True)
class Glyphs:
    """One symbol set; pick ``UNICODE`` or ``ASCII`` once at start-up."""

    stage: dict[StageState, str]
    ok: str
    failing: str
    waiting: str
    unknown: str
    warning: str
    running: str
    arrow: str
    sep: str
    ellipsis: str
    spark: str
    focus: str
    is_ascii: bool

    @classmethod
    def for_mode(cls, ascii_only: bool) -> Glyphs:
        return ASCII if ascii_only else UNICODE

    def flat(self, value: object) -> str:
        """Backend or domain text on one line, in ASCII when this is the ASCII set."""
        return flat(value, ascii_only=self.is_ascii)

    def plain(self, value: object, style: str = "") -> Content:
        """Backend or domain text as content never parsed as markup (see ``textfit.plain``)."""
        return plain(value, style, ascii_only=self.is_ascii)


UNICODE = Glyphs(
    stage={
        StageState.PASSED: "✓",
        StageState.FAILED: "✗",
        StageState.RUNNING: "⟳",
        StageState.WAITING: "⏸",
        StageState.PENDING: "·",
        StageState.SKIPPED: "–",
        StageState.UNKNOWN: "?",
    },
    ok="✓",
    failing="✗",
    waiting="⏸",
    unknown="?",
    warning="!",
    running="⟳",
    arrow="→",
    sep=" · ",
    ellipsis="…",
    spark=UNICODE_LEVELS,
    focus="▶",
    is_ascii=False,
)

ASCII = Glyphs(
    stage={
        StageState.PASSED: "+",
        StageState.FAILED: "x",
        StageState.RUNNING: ">",
        StageState.WAITING: "=",
        StageState.PENDING: ".",
        StageState.SKIPPED: "-",
        StageState.UNKNOWN: "?",
    },
    ok="+",
    failing="x",
    waiting="=",
    unknown="?",
    warning="!",
    running=">",
    arrow="->",
    sep=" | ",
    ellipsis="...",
    spark=ASCII_LEVELS,
    focus=">",
    is_ascii=True,
)

STAGE_STYLE: dict[StageState, str] = {state: f"$stage-{state.value}" for state in StageState}

LEVEL_STYLE: dict[VerdictLevel, str] = {
    VerdictLevel.OK: "$verdict-ok",
    VerdictLevel.UNKNOWN: "$verdict-unknown",
    VerdictLevel.INCONCLUSIVE: "$verdict-inconclusive",
    VerdictLevel.WARNING: "$verdict-warning",
    VerdictLevel.FAILING: "$verdict-failing",
}

ACTION_PHASE_STYLE: dict[ActionPhase, str] = {
    ActionPhase.SENT: "bold $verdict-inconclusive",
    ActionPhase.CONFIRMED: "$verdict-ok",
    ActionPhase.FAILED: "bold $verdict-failing",
    ActionPhase.UNCONFIRMED: "bold $verdict-warning",
}
"""How an action's status reads on the panel and in the detail: sent is pending, not done."""

LEVEL_WORD: dict[VerdictLevel, str] = {
    VerdictLevel.OK: "OK",
    VerdictLevel.UNKNOWN: "UNKNOWN",
    VerdictLevel.INCONCLUSIVE: "INCONCLUSIVE",
    VerdictLevel.WARNING: "WARNING",
    VerdictLevel.FAILING: "FAILING",
}

SOURCE_WORD: dict[SourceState, str] = {
    SourceState.LOADING: "LOADING",
    SourceState.OK: "ok",
    SourceState.LATE: "LATE",
    SourceState.STALE: "STALE",
    SourceState.DOWN: "DOWN",
}

SOURCE_STYLE: dict[SourceState, str] = {
    SourceState.OK: "$verdict-ok",
    SourceState.LATE: "bold $source-stale",
    SourceState.STALE: "bold $source-stale",
    SourceState.DOWN: "bold $verdict-failing",
    SourceState.LOADING: "$verdict-unknown",
}
"""How each source state reads on every screen (the word says it too: never colour alone)."""


def level_symbol(level: VerdictLevel, glyphs: Glyphs) -> str:
    return {
        VerdictLevel.OK: glyphs.ok,
        VerdictLevel.UNKNOWN: glyphs.unknown,
        VerdictLevel.INCONCLUSIVE: glyphs.waiting,
        VerdictLevel.WARNING: glyphs.warning,
        VerdictLevel.FAILING: glyphs.failing,
    }[level]


def badge(release: Release, glyphs: Glyphs) -> tuple[str, str]:
    """The word a panel shows at its right edge, as (``"✗ FAILING"``, style): the release's
    attention (``Attention.status_word``), the same word `status` prints and exits by.

    Waiting-for-a-human comes from the attention rather than the health level, because a
    paused rollout with healthy signals still needs someone to press a key.
    """
    attention, level = release.attention, release.verdict.level
    if attention is Attention.FAILING:
        return f"{glyphs.failing} FAILING", LEVEL_STYLE[VerdictLevel.FAILING]
    if attention is Attention.WAITING:
        waiting = VerdictLevel.INCONCLUSIVE if level is VerdictLevel.INCONCLUSIVE else None
        return f"{glyphs.waiting} WAITING", LEVEL_STYLE[waiting or VerdictLevel.WARNING]
    if attention is Attention.WARNING:
        return f"{glyphs.warning} WARNING", LEVEL_STYLE[VerdictLevel.WARNING]
    if attention is Attention.UNKNOWN:
        return f"{glyphs.unknown} UNKNOWN", LEVEL_STYLE[VerdictLevel.UNKNOWN]
    return f"{glyphs.ok} OK", LEVEL_STYLE[VerdictLevel.OK]


def is_production(environment: str) -> bool:
    return environment.strip().lower() in {"production", "prod", "prd", "live"}
