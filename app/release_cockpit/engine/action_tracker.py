"""What happened to the last action on each release, until a poll shows its effect.

A backend accepting a call is not the same as the call taking effect: an abort is only
done once the rollout reports it aborted. The tracker keeps each accepted action as
"sent" and compares every later release built from data polled *after* the call with the
release as it was when the call went out; when the difference shows the action's effect
it turns "confirmed", and if nothing shows within ``CONFIRM_WITHIN`` it turns "unconfirmed"
so nobody waits on it forever.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from release_cockpit.domain import Action, Release
from release_cockpit.domain.action_status import ActionPhase, ActionStatus
from release_cockpit.domain.actions import TITLES, took_effect
from release_cockpit.domain.formatting import format_duration

CONFIRM_WITHIN = timedelta(minutes=2)
SHOW_FOR = timedelta(minutes=10)  # how long a settled status stays on the panel


@dataclass(frozen=True, slots=True)
class _Sent:
    action: Action
    before: Release
    backend: str
    by: str
    at: datetime


class ActionTracker:
    """Statuses of the last action per release key."""

    def __init__(self) -> None:
        self._sent: dict[str, _Sent] = {}
        # Each status belongs to the version it acted on: a new version of the line
        # starts without the last one's abort on its panel (and in its history).
        self._status: dict[str, tuple[str | None, ActionStatus]] = {}

    def keys(self) -> set[str]:
        """Release keys with a status to show or an action to settle (their panels change
        with time: "sent 3s ago", then confirmed or unconfirmed, then gone)."""
        return set(self._sent) | set(self._status)

    def awaiting(self, key: str) -> Action | None:
        """The action sent on ``key`` whose effect has not shown yet, if any."""
        sent = self._sent.get(key)
        return sent.action if sent is not None else None

    def phase(self, key: str) -> ActionPhase | None:
        """The phase of the last action on ``key`` (None: none is shown)."""
        entry = self._status.get(key)
        return entry[1].phase if entry is not None else None

    def sent(self, before: Release, action: Action, backend: str, by: str, now: datetime) -> None:
        self._sent[before.key] = _Sent(action, before, backend, by, now)
        name = TITLES[action].lower()
        text = f"{name} sent by {by}: waiting for {backend} to show it"
        status = ActionStatus(action, ActionPhase.SENT, now, text, by)
        self._status[before.key] = (before.version, status)

    def failed(self, release: Release, action: Action, reason: str, by: str, now: datetime) -> None:
        self._sent.pop(release.key, None)
        text = f"{TITLES[action].lower()} failed: {reason}"
        status = ActionStatus(action, ActionPhase.FAILED, now, text, by)
        self._status[release.key] = (release.version, status)

    def apply(self, release: Release, now: datetime) -> Release:
        """``release`` with its action status, settling a sent action when a poll shows it."""
        key = release.key
        sent = self._sent.get(key)
        if sent is not None:
            self._settle(sent, release, now)
        entry = self._status.get(key)
        if entry is None:
            return release
        version, status = entry
        expired = status.phase is not ActionPhase.SENT and now - status.at > SHOW_FOR
        if expired or version != release.version:
            if expired:
                del self._status[key]
            return release
        return replace(release, action=status)

    def _settle(self, sent: _Sent, release: Release, now: datetime) -> None:
        name = TITLES[sent.action].lower()
        source = next((s for s in release.sources if s.name == sent.backend), None)
        updated = source.updated_at if source is not None else None
        if (
            updated is not None
            and updated >= sent.at
            and took_effect(sent.action, sent.before, release)
        ):
            del self._sent[release.key]
            text = f"{name} confirmed by {sent.backend} (sent by {sent.by})"
            status = ActionStatus(sent.action, ActionPhase.CONFIRMED, now, text, sent.by)
            self._status[release.key] = (sent.before.version, status)
        elif now - sent.at > CONFIRM_WITHIN:
            del self._sent[release.key]
            waited = format_duration(now - sent.at)
            text = (
                f"{name} accepted by {sent.backend} but its effect has not shown after "
                f"{waited}; check the backend before acting again"
            )
            status = ActionStatus(sent.action, ActionPhase.UNCONFIRMED, now, text, sent.by)
            self._status[release.key] = (sent.before.version, status)
