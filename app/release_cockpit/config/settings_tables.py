"""The ``[cockpit]`` and ``[polling]`` tables: the cockpit's own settings, each with its
default when left out."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from release_cockpit.config.database_url import (
    BadDatabaseUrl,
    check_database_url,
    is_database_url,
)
from release_cockpit.config.settings import CockpitSettings, PollingSettings
from release_cockpit.config.validate import (
    Invalid,
    boolean,
    choice,
    duration,
    env_name,
    non_empty,
    positive_duration,
)

if TYPE_CHECKING:
    from release_cockpit.config.validate import (
        Reader,
    )

_COCKPIT = (
    *("read_only", "theme", "database", "bell", "desktop_notifications", "action_timeout"),
    "history_retention",
    "wall_rotate",
    "notify_after",
    "ask_confidence",
    *("database_password_env", "database_password_file"),
)
_POLLING = ("interval", "timeout", "max_backoff", "stale_after")
NOTIFY_MODES = ("auto", "osc9", "osc777", "off")


def _path(value: object) -> Path:
    return Path(non_empty(value)).expanduser()


def _password_env(value: object) -> str:
    try:
        return env_name(value)
    except Invalid as exc:
        raise Invalid(
            "database_password_env must be the NAME of an environment variable",
            'e.g. database_password_env = "COCKPIT_DB_PASSWORD"; the password goes in it',
        ) from exc


def _database(value: object) -> Path | str:
    """A SQLite file's path, or a PostgreSQL URL (checked, never holding a password)."""
    text = non_empty(value)
    if not is_database_url(text):
        return _path(text)
    try:
        return check_database_url(text)
    except BadDatabaseUrl as exc:
        raise Invalid(f"the PostgreSQL URL {exc.message}", exc.hint) from exc


def cockpit(r: Reader | None) -> CockpitSettings:
    if r is None:
        return CockpitSettings()
    r.unknown(_COCKPIT)
    default = CockpitSettings()
    database = r.optional("database", _database, None)
    return CockpitSettings(
        read_only=r.optional("read_only", boolean, default.read_only),
        theme=r.optional("theme", non_empty, default.theme),
        database=database if isinstance(database, Path) else None,
        database_url=database if isinstance(database, str) else "",
        database_password_env=r.optional("database_password_env", _password_env, ""),
        database_password_file=r.optional("database_password_file", _path, None),
        bell=r.optional("bell", boolean, default.bell),
        desktop_notifications=r.optional(
            "desktop_notifications", choice(NOTIFY_MODES), default.desktop_notifications
        ),
        action_timeout=r.optional("action_timeout", positive_duration, default.action_timeout),
        history_retention=r.optional(
            "history_retention", positive_duration, default.history_retention
        ),
        wall_rotate=r.optional("wall_rotate", positive_duration, default.wall_rotate),
        notify_after=r.optional("notify_after", duration, default.notify_after),
        ask_confidence=r.optional("ask_confidence", boolean, default.ask_confidence),
    )


def polling(r: Reader | None) -> PollingSettings:
    if r is None:
        return PollingSettings()
    r.unknown(_POLLING)
    d = PollingSettings()
    return PollingSettings(
        interval=r.optional("interval", positive_duration, d.interval),
        timeout=r.optional("timeout", positive_duration, d.timeout),
        max_backoff=r.optional("max_backoff", positive_duration, d.max_backoff),
        stale_after=r.optional("stale_after", positive_duration, d.stale_after),
    )
