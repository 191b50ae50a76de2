"""Notifications: a release got worse, an action ended. Toast, bell, desktop notification.

One notification per state change, never repeated while the state holds: each release's
last notified verdict level is remembered; a worse level notifies, a better one only
lowers the mark (so getting worse again notifies again). Unknown (stale) levels are left
out: a slow backend is shown on the panel, not announced.

Noise is kept down three ways. A level must hold for ``hold`` (``[cockpit]
notify_after``, 20 s by default) before it notifies, or before a better one lowers the
mark: after each canary step a comparison is inconclusive for a poll or two ("not enough
data"), and that flip is not news. At most ``MAX_TOASTS`` toasts of the notifier's are
on screen at once; what does not fit is summarised in one. And no toast covers a modal
(help, a confirmation, the too-small screen) or the wall: the news waits, summarised,
until the board is back; the wall shows it in its tiles. The bell and desktop
notifications still come, once per batch.

Desktop notifications use OSC 9 (iTerm2, WezTerm, kitty, foot, Windows Terminal) or
OSC 777 (VTE terminals, urxvt), escape sequences that reach the local terminal through
SSH. Textual has no public call for a raw escape sequence; the app's driver announces
itself (``CockpitApp.terminal``) and the sequence goes through its ordered writes, as
``App.bell`` does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel
from textual.screen import ModalScreen

from release_cockpit.domain import VerdictLevel
from release_cockpit.domain.text import clean_text
from release_cockpit.ui.screens.too_small import TooSmallScreen

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot, Release
    from release_cockpit.engine.controls import ActionOutcome
    from release_cockpit.ui.global_keys import GlobalKeys

_TERMINALS_OSC9 = ("iterm.app", "wezterm", "ghostty", "kitty", "foot", "windows_terminal")


def desktop_mode(setting: str, env: Mapping[str, str]) -> str:
    """Which escape sequence to use: ``osc9``, ``osc777`` or ``off``."""
    if setting != "auto":
        return setting
    program = env.get("TERM_PROGRAM", "").lower()
    term = env.get("TERM", "").lower()
    if env.get("WT_SESSION") or any(name in program or name in term for name in _TERMINALS_OSC9):
        return "osc9"
    if env.get("VTE_VERSION") or "rxvt" in term:
        return "osc777"
    return "off"


def osc_sequence(mode: str, title: str, body: str) -> str:
    """The escape sequence for one desktop notification (control characters removed)."""
    title = clean_text(title, 80).replace(";", ",")
    body = clean_text(body, 200).replace(";", ",")
    if mode == "osc9":
        return f"\x1b]9;{title}: {body}\x07"
    if mode == "osc777":
        return f"\x1b]777;notify;{title};{body}\x07"
    return ""


MAX_TOASTS = 3
"""The notifier's toasts on screen at once; the rest are summarised in one."""
TOAST_SECONDS = 8.0
SUMMARY_NAMES = 6


@dataclass(frozen=True, slots=True)
class News:
    title: str
    text: str
    severity: SeverityLevel
    short: str  # "payments failing", for a summary


@dataclass(slots=True)
class _Pending:
    worse: bool
    since: datetime


class Notifier:
    """Decides what is worth a notification and sends it every configured way."""

    def __init__(
        self,
        app: GlobalKeys,
        *,
        bell: bool,
        desktop: str,
        hold: timedelta = timedelta(0),
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.bell = bell
        self.desktop = desktop
        self.hold = hold
        self._monotonic = monotonic
        self._levels: dict[str, VerdictLevel] = {}
        self._pending: dict[str, _Pending] = {}
        self._last: dict[str, Release] = {}
        self._toasts: list[float] = []  # when each toast of ours goes away (monotonic)
        self._waiting: list[News] = []  # news no toast could show yet
        self.sent: list[str] = []  # what was announced, newest last (tests read this)
        self.toasted: list[str] = []  # the toasts raised, newest last (tests read this)

    def snapshot(self, snapshot: CockpitSnapshot) -> None:
        """New data: note each release's level; announce what has held long enough."""
        now = snapshot.taken_at
        for release in snapshot.releases:
            self._last[release.key] = release
            self._observe(release, now)
        self._announce(now)

    def tick(self, now: datetime) -> None:
        """Once a second: a level may have held long enough, a toast slot may be free."""
        self._announce(now)
        self._flush()

    def _observe(self, release: Release, now: datetime) -> None:
        level = release.verdict.level
        if level is VerdictLevel.UNKNOWN:
            return
        mark = self._levels.get(release.key)
        if mark is None and level is not VerdictLevel.FAILING:
            # Seen for the first time: only a failing release is news worth a notification.
            self._levels[release.key] = level
            return
        if level == mark:
            self._pending.pop(release.key, None)
            return
        worse = mark is None or level > mark
        pending = self._pending.get(release.key)
        if pending is None or pending.worse != worse:
            self._pending[release.key] = _Pending(worse, now)

    def _announce(self, now: datetime) -> None:
        news: list[News] = []
        for key, pending in list(self._pending.items()):
            if now - pending.since < self.hold:
                continue
            del self._pending[key]
            release = self._last[key]
            level = release.verdict.level
            if level is VerdictLevel.UNKNOWN:
                continue
            self._levels[key] = level
            if pending.worse:
                news.append(_release_news(release, level))
        if news:
            news.sort(key=lambda item: item.severity != "error")  # failing first
            self._deliver(news)

    def action_done(self, outcome: ActionOutcome) -> None:
        title = "Action done" if outcome.ok else "Action failed"
        severity: SeverityLevel = "information" if outcome.ok else "error"
        self._deliver([News(title, outcome.text, severity, title.lower())])

    def _deliver(self, news: list[News]) -> None:
        for item in news:
            self.sent.append(f"{item.title}: {item.text}")
        if self.bell:
            self.app.bell()
        if len(news) == 1:
            self._desktop(news[0].title, news[0].text)
        else:
            self._desktop(f"{len(news)} releases", summary_text(news))
        self._waiting += news
        self._flush()

    def _toasts_allowed(self) -> bool:
        if self.app.options.wall or not self.app.screen_stack:
            return False
        return not isinstance(self.app.screen, ModalScreen | TooSmallScreen)

    def _flush(self) -> None:
        """Show what waits, in the toast slots that are free; one summary for the rest."""
        if not self._waiting or not self._toasts_allowed():
            return
        clock = self._monotonic()
        self._toasts = [ends for ends in self._toasts if ends > clock]
        free = MAX_TOASTS - len(self._toasts)
        if free <= 0:
            return
        waiting, self._waiting = self._waiting, []
        if len(waiting) > free:
            shown, rest = waiting[: free - 1], waiting[free - 1 :]
            failing = any(n.severity == "error" for n in rest)
            worst: SeverityLevel = "error" if failing else "warning"
            summary = News(f"{len(rest)} more need attention", summary_text(rest), worst, "")
            waiting = [*shown, summary]
        for item in waiting:
            self._toast(item, clock)

    def _toast(self, item: News, clock: float) -> None:
        self._toasts.append(clock + TOAST_SECONDS)
        self.toasted.append(f"{item.title}: {item.text}")
        self.app.notify(
            item.text,
            title=item.title,
            severity=item.severity,
            timeout=TOAST_SECONDS,
            markup=False,
        )

    def _desktop(self, title: str, text: str) -> None:
        sequence = osc_sequence(self.desktop, title, text)
        terminal = self.app.terminal
        if sequence and terminal is not None and not self.app.is_headless:
            terminal.write(sequence)


def _release_news(release: Release, level: VerdictLevel) -> News:
    word = level.name.lower()
    severity: SeverityLevel = "error" if level is VerdictLevel.FAILING else "warning"
    return News(
        f"{release.service} {word}",
        f"{release.id}: {release.verdict.reason}",
        severity,
        f"{release.service} {word}",
    )


def summary_text(news: list[News]) -> str:
    """``payments failing, auth inconclusive ... (+3 more); see the board``."""
    names = [n.short for n in news if n.short][:SUMMARY_NAMES]
    more = len(news) - len(names)
    text = ", ".join(names) + (f" (+{more} more)" if more > 0 else "")
    return f"{text}; see the board"
