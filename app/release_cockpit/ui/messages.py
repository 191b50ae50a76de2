"""App-wide Textual messages that carry engine output into the UI."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from release_cockpit.domain import Action, CockpitSnapshot


class SnapshotUpdated(Message):
    """A new snapshot was published. A newer one replaces an older one still in the queue,
    so a busy UI skips straight to the latest picture instead of falling behind."""

    def __init__(self, snapshot: CockpitSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, SnapshotUpdated)


class ReleaseSelected(Message):
    """Someone chose a release on the board (enter); the app opens its detail screen."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key


class ActionRequested(Message):
    """Someone asked for a control action on a release (key, menu or palette)."""

    def __init__(self, key: str, action: Action) -> None:
        super().__init__()
        self.key = key
        self.action = action


class ActionsMenuRequested(Message):
    """Someone opened the actions menu (x) for a release."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key


class ChecklistRequested(Message):
    """Someone opened the readiness checklist (c) of a release."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = key


class HelpRequested(Message):
    """The board's own ? key (listed first in its footer) asks the app for the help."""
