"""Adapter discovery: which backend types exist, and building one from its settings.

Built-in and third-party adapters register the same way, through the entry-point groups
``release_cockpit.ci``, ``.health``, ``.alerts`` and ``.deploy`` (see pyproject.toml).
Listing reads entry-point metadata only; an adapter's module is imported when it is
first used, so one broken plugin cannot stop the cockpit from listing the others.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points

import httpx

from release_cockpit.adapters.base import (
    Adapter,
    AlertSource,
    BackendSettings,
    CISource,
    DeployTarget,
    HealthSource,
)
from release_cockpit.errors import ConfigError, Problem

GROUPS = {
    "ci": "release_cockpit.ci",
    "health": "release_cockpit.health",
    "alerts": "release_cockpit.alerts",
    "deploy": "release_cockpit.deploy",
}
"""Adapter kind -> entry-point group."""

KIND_BASES: dict[str, type] = {
    "ci": CISource,
    "health": HealthSource,
    "alerts": AlertSource,
    "deploy": DeployTarget,
}

# The same targets as pyproject.toml declares, so a source checkout that was never
# installed (no entry-point metadata) still finds the built-in adapters.
_BUILT_IN = {
    "github-actions": ("ci", "release_cockpit.adapters.ci.github_actions:GitHubActions"),
    "buildbot": ("ci", "release_cockpit.adapters.ci.buildbot:Buildbot"),
    "prometheus": ("health", "release_cockpit.adapters.monitoring.prometheus:Prometheus"),
    "alertmanager": ("alerts", "release_cockpit.adapters.monitoring.alertmanager:Alertmanager"),
    "argo-rollouts": ("deploy", "release_cockpit.adapters.deploy.argo_rollouts:ArgoRollouts"),
}


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    """One registered backend type, known without importing its module."""

    type: str
    kind: str
    target: str  # "module:Class"


@cache
def _plugins() -> tuple[AdapterInfo, ...]:
    """One scan of the installed packages' entry points for every group.

    Scanning package metadata costs tens of milliseconds per call; start-up asked for it
    a dozen times (config validation, then each adapter), so it is read once per process.
    """
    points = entry_points()
    return tuple(
        AdapterInfo(point.name, kind, point.value)
        for kind, group in GROUPS.items()
        for point in points.select(group=group)
    )


def available() -> dict[str, AdapterInfo]:
    """Every registered backend type by name (entry points win over the built-in list)."""
    found = {name: AdapterInfo(name, kind, target) for name, (kind, target) in _BUILT_IN.items()}
    for info in _plugins():
        found[info.type] = info
    return dict(sorted(found.items()))


def adapter_kinds() -> dict[str, str]:
    """Backend type -> kind ("ci", "health", "alerts", "deploy"), for config validation."""
    return {name: info.kind for name, info in available().items()}


def _problem(settings: BackendSettings | None, message: str, hint: str) -> ConfigError:
    if settings is not None:
        return ConfigError([settings.problem("type", message, hint)])
    return ConfigError([Problem("<config>", None, "type", message, hint)])


def adapter_class(type_name: str, settings: BackendSettings | None = None) -> type[Adapter]:
    """Import and return the adapter class registered as ``type_name``.

    Args:
        type_name: the backend ``type`` from the config.
        settings: when given, errors point at ``backends.NAME.type`` in the config file.

    Raises:
        ConfigError: unknown type (with "did you mean"), a plugin that fails to import,
            or a class that does not implement its kind's contract.
    """
    known = available()
    info = known.get(type_name)
    if info is None:
        close = difflib.get_close_matches(type_name, list(known), n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known types: {', '.join(known)}"
        raise _problem(settings, f"unknown backend type '{type_name}'", hint)
    try:
        loaded = EntryPoint(info.type, info.target, GROUPS[info.kind]).load()
    except Exception as exc:  # any import-time failure of a plugin is a config problem
        raise _problem(
            settings,
            f"the '{type_name}' adapter ({info.target}) failed to load: {exc}",
            "reinstall the package that provides it",
        ) from exc
    base = KIND_BASES[info.kind]
    if not (isinstance(loaded, type) and issubclass(loaded, Adapter) and issubclass(loaded, base)):
        raise _problem(
            settings,
            f"'{info.target}' is not a {base.__name__}",
            "the plugin registers the wrong object for its entry-point group",
        )
    return loaded


def create(
    settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
) -> Adapter:
    """Build the adapter for ``settings.type`` (its options are validated on the way).

    Raises:
        ConfigError: unknown type, unloadable plugin, or invalid options.
    """
    cls = adapter_class(settings.type, settings)
    return cls(settings, transport=transport)
