"""TOML -> typed, validated config; problems carry file, line, key path and a hint."""

from release_cockpit.config.backend_secrets import resolve_secrets, resolve_token
from release_cockpit.config.loader import (
    CONFIG_ENV,
    KINDS,
    find_config,
    load_config,
    parse_config,
)
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
