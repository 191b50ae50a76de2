"""The ``[cockpit]`` and ``[polling]`` settings (fields documented by their docstrings).

Apart from ``schema`` because the TUI reads ``[cockpit]`` before its first frame
(``first_frame``), and ``schema`` brings the domain's release line with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path


@dataclass(frozen=True, slots=True)
class CockpitSettings:
    read_only: bool = False
    """Remove every control action (issue: controls); the header shows READ-ONLY."""
    theme: str = "cockpit-dark"
    """Name of a bundled or user theme."""
    database: Path | None = None
    """SQLite file for the audit log, history and checklist ticks; default: the user data
    directory. A ``postgresql://`` URL there is kept in ``database_url`` instead."""
    database_url: str = ""
    """A team's PostgreSQL database (``postgresql://user@host/db?sslmode=verify-full``)."""
    database_password_env: str = ""
    """Environment variable holding the PostgreSQL password (never the config text)."""
    database_password_file: Path | None = None
    """File holding the PostgreSQL password."""
    bell: bool = True
    """Ring the terminal bell when a release gets worse or an action ends."""
    desktop_notifications: str = "auto"
    """Desktop notifications by escape sequence: auto, osc9, osc777 or off."""
    action_timeout: timedelta = timedelta(seconds=30)
    """How long a control call may take before it is reported (and audited) as failed."""
    history_retention: timedelta = timedelta(days=365)
    """How long release history is kept (DORA windows reach back 90 days)."""
    wall_rotate: timedelta = timedelta(seconds=15)
    """On the wall (``--wall``), how long each calm release's detail stays before the next."""
    notify_after: timedelta = timedelta(seconds=20)
    """How long a release must stay worse before it notifies (toast, bell, desktop): a
    comparison that is inconclusive for a poll after each canary step does not."""
    ask_confidence: bool = True
    """After a promote, rollback or abort, and when a release you acted on finishes, ask
    once (one optional key, never blocking) how confident you were and how much friction
    it took; answers show per service and team beside DORA, never per person."""


@dataclass(frozen=True, slots=True)
class PollingSettings:
    interval: timedelta = timedelta(seconds=5)
    """Default time between the end of one poll of a backend and the start of the next."""
    timeout: timedelta = timedelta(seconds=10)
    """Default per-request timeout."""
    max_backoff: timedelta = timedelta(minutes=2)
    """Longest wait between polls of a failing backend."""
    stale_after: timedelta = timedelta(seconds=30)
    """Data older than this is "unknown", never "ok". Raised to 3 x interval when lower."""
