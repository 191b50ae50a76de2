"""Notifications: a release got worse, an action ended. Toast, bell, desktop notification.

One notification per state change, never repeated while the state holds: each release's
last notified verdict level is remembered; a worse level notifies, a better one only
lowers the mark (so getting worse again notifies again). Unknown (stale) levels are left
out: a slow backend is shown on the panel, not announced.

Desktop notifications use OSC 9 (iTerm2, WezTerm, kitty, foot, Windows Terminal) or
OSC 777 (VTE terminals, urxvt), escape sequences that reach the local terminal through
SSH. Textual has no public call for a raw escape sequence; the app's driver announces
itself (``CockpitApp.terminal``) and the sequence goes through its ordered writes, as
``App.bell`` does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from textual.notifications import SeverityLevel

from release_cockpit.domain import CockpitSnapshot, VerdictLevel
from release_cockpit.domain.text import clean_text

if TYPE_CHECKING:
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


class Notifier:
    """Decides what is worth a notification and sends it every configured way."""

    def __init__(self, app: GlobalKeys, *, bell: bool, desktop: str) -> None:
        self.app = app
        self.bell = bell
        self.desktop = desktop
        self._levels: dict[str, VerdictLevel] = {}
        self.sent: list[str] = []  # what was announced, newest last (tests read this)

    def snapshot(self, snapshot: CockpitSnapshot) -> None:
        for release in snapshot.releases:
            level = release.verdict.level
            if level is VerdictLevel.UNKNOWN:
                continue
            last = self._levels.get(release.key)
            self._levels[release.key] = level
            # Seen for the first time: only a failing release is news worth a notification.
            worse = level is VerdictLevel.FAILING if last is None else level > last
            if worse:
                word = level.name.lower()
                self._emit(
                    f"{release.service} {word}",
                    f"{release.id}: {release.verdict.reason}",
                    "error" if level is VerdictLevel.FAILING else "warning",
                )

    def action_done(self, outcome: ActionOutcome) -> None:
        title = "Action done" if outcome.ok else "Action failed"
        self._emit(title, outcome.text, "information" if outcome.ok else "error")

    def _emit(self, title: str, text: str, severity: SeverityLevel) -> None:
        self.sent.append(f"{title}: {text}")
        self.app.notify(text, title=title, severity=severity, markup=False)
        if self.bell:
            self.app.bell()
        sequence = osc_sequence(self.desktop, title, text)
        terminal = self.app.terminal
        if sequence and terminal is not None and not self.app.is_headless:
            terminal.write(sequence)
