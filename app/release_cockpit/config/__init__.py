"""TOML -> typed, validated config; problems carry file, line, key path and a hint."""

from release_cockpit.config.loader import (
    CONFIG_ENV,
    KINDS,
    find_config,
    load_config,
    parse_config,
    resolve_token,
)
from release_cockpit.config.schema import (
    AlertsConfig,
    BackendConfig,
    CIConfig,
    CockpitSettings,
    Config,
    DeployConfig,
    PollingSettings,
    ServiceConfig,
)

__all__ = [
    "CONFIG_ENV",
    "KINDS",
    "AlertsConfig",
    "BackendConfig",
    "CIConfig",
    "CockpitSettings",
    "Config",
    "DeployConfig",
    "PollingSettings",
    "ServiceConfig",
    "find_config",
    "load_config",
    "parse_config",
    "resolve_token",
]
