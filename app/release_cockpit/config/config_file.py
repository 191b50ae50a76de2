"""Which config file a command runs with: ``--config``, the environment, the user's.

Apart from the loader because finding the file comes first on the way to the TUI's first
frame, and the loader imports the reader of every table (and the domain behind them).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from release_cockpit.errors import ConfigError, Problem
from release_cockpit.paths import user_config_dir

CONFIG_ENV = "RELEASE_COCKPIT_CONFIG"
"""Environment variable naming the config file when ``--config`` is not given."""


def find_config(
    explicit: Path | None, env: Mapping[str, str], *, config_dir: Path | None = None
) -> Path | None:
    """Which config file to use: ``--config``, else ``$RELEASE_COCKPIT_CONFIG``, else
    ``config.toml`` in the user config directory if it exists, else None.

    ``config_dir`` replaces the user config directory (tests).
    """
    if explicit is not None:
        return _expanded(explicit, "--config")
    named = env.get(CONFIG_ENV, "").strip()
    if named:
        return _expanded(Path(named), CONFIG_ENV)
    candidate = (config_dir or user_config_dir()) / "config.toml"
    return candidate if candidate.is_file() else None


def _expanded(path: Path, where: str) -> Path:
    """``~`` expanded; a ``~user`` that does not exist is a config problem, not a crash.

    Raises:
        ConfigError: the home directory named does not exist.
    """
    try:
        return path.expanduser()
    except RuntimeError as exc:
        raise ConfigError(
            [
                Problem(
                    str(path),
                    None,
                    "",
                    f"{where} names a home directory that does not exist ({exc})",
                    "write the path out in full",
                )
            ]
        ) from None
