"""TOML -> typed, validated config; problems carry file, line, key path and a hint.

The names below are imported from their modules when first used (PEP 562), so reading
one table (``first_frame``) does not import the readers of every other one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from release_cockpit.config.backend_secrets import resolve_secrets, resolve_token
    from release_cockpit.config.config_file import CONFIG_ENV, find_config
    from release_cockpit.config.loader import KINDS, load_config, parse_config
    from release_cockpit.config.schema import (
        AlertLink,
        BackendConfig,
        CILink,
        CockpitSettings,
        Config,
        DeployLink,
        PollingSettings,
        ReleaseLine,
    )

_HOMES = {
    "resolve_secrets": "backend_secrets",
    "resolve_token": "backend_secrets",
    "CONFIG_ENV": "config_file",
    "find_config": "config_file",
    **dict.fromkeys(("KINDS", "load_config", "parse_config"), "loader"),
    **dict.fromkeys(
        (
            "AlertLink",
            "BackendConfig",
            "CILink",
            "CockpitSettings",
            "Config",
            "DeployLink",
            "PollingSettings",
            "ReleaseLine",
        ),
        "schema",
    ),
}

__all__ = [
    "CONFIG_ENV",
    "KINDS",
    "AlertLink",
    "BackendConfig",
    "CILink",
    "CockpitSettings",
    "Config",
    "DeployLink",
    "PollingSettings",
    "ReleaseLine",
    "find_config",
    "load_config",
    "parse_config",
    "resolve_secrets",
    "resolve_token",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
