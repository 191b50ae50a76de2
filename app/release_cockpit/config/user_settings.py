"""Choices the cockpit remembers for the user (the theme picked at run time), in TOML.

They live in ``settings.toml`` beside the user's ``config.toml``, not in it: tomli-w cannot
keep comments, and a hand-written, commented config must never be rewritten by a key
press. Writing reads the file first and changes only the one key, so every other setting
in it survives; the new file replaces the old one atomically.
"""

from __future__ import annotations

import os
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from release_cockpit.errors import ConfigError, Problem
from release_cockpit.paths import user_config_dir

SETTINGS_NAME = "settings.toml"


def settings_file(config_dir: Path | None = None) -> Path:
    """Where remembered choices live: ``<user config dir>/settings.toml``."""
    return (config_dir or user_config_dir()) / SETTINGS_NAME


def read_settings(path: Path) -> dict[str, Any]:
    """The remembered settings; an absent file holds none.

    Raises:
        ConfigError: the file exists but cannot be read or is not TOML.
    """
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except OSError as exc:
        hint = "check the file's permissions, or delete it to forget remembered choices"
        raise ConfigError(
            [Problem(str(path), None, "", f"cannot read: {exc.strerror}", hint)]
        ) from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        hint = "fix the syntax, or delete the file to forget remembered choices"
        raise ConfigError([Problem(str(path), None, "", f"not valid TOML: {exc}", hint)]) from exc


def remembered_theme(path: Path) -> str | None:
    """The theme chosen last time, or None (nothing remembered, or the file is unusable)."""
    try:
        settings = read_settings(path)
    except ConfigError:
        return None
    cockpit = settings.get("cockpit")
    theme = cockpit.get("theme") if isinstance(cockpit, dict) else None
    return theme.strip() if isinstance(theme, str) and theme.strip() else None


def remember(path: Path, table: str, key: str, value: str | int | bool) -> None:
    """Set ``[table] key = value`` in the settings file, keeping everything else in it.

    Raises:
        ConfigError: the existing file is unreadable or not TOML (it is left untouched),
            or the new file cannot be written.
    """
    settings = read_settings(path)
    section = settings.get(table)
    if not isinstance(section, dict):
        section = {}
        settings[table] = section
    section[key] = value
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                tomli_w.dump(settings, handle)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        hint = "check that the user config directory is writable"
        raise ConfigError(
            [Problem(str(path), None, f"{table}.{key}", f"cannot save: {exc.strerror}", hint)]
        ) from exc
