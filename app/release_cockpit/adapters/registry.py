"""Adapter discovery: which backend types exist, their declarations, building one.

Built-in and third-party adapters register the same way, through the entry-point groups
``release_cockpit.ci``, ``.health``, ``.alerts``, ``.deploy`` and ``.flags`` (see
pyproject.toml).
Listing reads entry-point metadata only; an adapter's module is imported when it is
first used (a config names its type, or `release-cockpit adapters` lists everything), so
one broken plugin cannot stop the cockpit from listing the others, and a cockpit that
uses two backends imports two adapter modules.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import httpx

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.base import (
    Adapter,
    AlertSource,
    CISource,
    DeployTarget,
    FlagSource,
    HealthSource,
)
from release_cockpit.domain import TargetKey
from release_cockpit.errors import ConfigError, Problem

GROUPS = {
    "ci": "release_cockpit.ci",
    "health": "release_cockpit.health",
    "alerts": "release_cockpit.alerts",
    "deploy": "release_cockpit.deploy",
    "flags": "release_cockpit.flags",
}
"""Adapter kind -> entry-point group."""

KIND_BASES: dict[str, type] = {
    "ci": CISource,
    "health": HealthSource,
    "alerts": AlertSource,
    "deploy": DeployTarget,
    "flags": FlagSource,
}

# The same targets as pyproject.toml declares, so a source checkout that was never
# installed (no entry-point metadata) still finds the built-in adapters.
_BUILT_IN = {
    "github-actions": ("ci", "release_cockpit.adapters.ci.github_actions:GitHubActions"),
    "buildbot": ("ci", "release_cockpit.adapters.ci.buildbot:Buildbot"),
    "gitlab": ("ci", "release_cockpit.adapters.ci.gitlab:GitLab"),
    "jenkins": ("ci", "release_cockpit.adapters.ci.jenkins:Jenkins"),
    "prometheus": ("health", "release_cockpit.adapters.monitoring.prometheus:Prometheus"),
    "datadog": ("health", "release_cockpit.adapters.monitoring.datadog:Datadog"),
    "loki": ("health", "release_cockpit.adapters.monitoring.loki:Loki"),
    "alertmanager": ("alerts", "release_cockpit.adapters.monitoring.alertmanager:Alertmanager"),
    "datadog-monitors": (
        "alerts",
        "release_cockpit.adapters.monitoring.datadog_alerts:DatadogMonitors",
    ),
    "grafana-alerts": ("alerts", "release_cockpit.adapters.monitoring.grafana:GrafanaAlerts"),
    "argo-rollouts": ("deploy", "release_cockpit.adapters.deploy.argo_rollouts:ArgoRollouts"),
    "kubernetes": ("deploy", "release_cockpit.adapters.deploy.kubernetes:Kubernetes"),
    "argo-cd": ("deploy", "release_cockpit.adapters.deploy.argo_cd:ArgoCD"),
    "flagger": ("deploy", "release_cockpit.adapters.deploy.flagger:Flagger"),
    "ofrep": ("flags", "release_cockpit.adapters.flags.ofrep:Ofrep"),
    "unleash": ("flags", "release_cockpit.adapters.flags.unleash:Unleash"),
    "launchdarkly": ("flags", "release_cockpit.adapters.flags.launchdarkly:LaunchDarkly"),
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


class Catalog(dict[str, str]):
    """Backend type -> kind ("ci", "health", "alerts", "deploy", "flags"), and each type's target
    keys on demand: what config validation needs. Asking for a type's keys imports that
    adapter (only the types a config names are ever asked for)."""

    def target_keys(self, type_name: str) -> tuple[TargetKey, ...] | None:
        """The keys a release line uses to point at this type's backend; None when the
        type is unknown or its adapter cannot be loaded (building it reports why)."""
        try:
            return adapter_class(type_name).TARGET
        except ConfigError:
            return None

    def derived_url(self, type_name: str, options: Mapping[str, Any]) -> str | None:
        """The URL a backend's options imply when ``url`` is left out (Datadog's ``site``);
        None when the type needs ``url`` or cannot be loaded.

        Raises:
            ValueError: the option that names the URL is wrong (the message says why).
        """
        try:
            cls = adapter_class(type_name)
        except ConfigError:
            return None
        return cls.base_url(options)

    def query_problems(self, type_name: str, query: str) -> list[str]:
        """Why a query cannot be sent to this type's backend as written; [] when it can
        or the type cannot be loaded (building it reports why)."""
        try:
            cls = adapter_class(type_name)
        except ConfigError:
            return []
        return cls.query_problems(query)


def adapter_kinds() -> Catalog:
    """Every registered type's kind (and target keys on demand), for config validation."""
    return Catalog({name: info.kind for name, info in available().items()})


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


def declaration(cls: type[Adapter]) -> dict[str, object]:
    """What an adapter class declares, as plain data (`release-cockpit adapters --json`)."""
    return {
        "type": cls.TYPE,
        "kind": cls.KIND,
        "summary": (cls.__doc__ or "").strip().split("\n")[0].replace("``", ""),
        "target": [
            {"key": k.name, "help": k.help, "required": k.required, "example": k.example}
            for k in cls.TARGET
        ],
        "options": [
            {
                "key": name,
                "type": spec.type.__name__,
                "help": spec.help,
                "default": spec.default,
                "required": spec.required,
                "minimum": spec.minimum,
                "maximum": spec.maximum,
            }
            for name, spec in sorted(cls.OPTIONS.items())
        ],
        "secrets": [
            {"keys": list(s.keys), "help": s.help, "required": s.required} for s in cls.SECRETS
        ],
        "capabilities": sorted(a.value for a in cls.CAPABILITIES),
        "features": sorted(f.value for f in cls.FEATURES),
        "versions": cls.VERSIONS,
    }


def declarations() -> tuple[list[dict[str, object]], list[ConfigError]]:
    """Every registered type's declaration (each adapter module imported), and the types
    that could not be loaded (listed, not fatal: one broken plugin hides nothing else)."""
    found: list[dict[str, object]] = []
    broken: list[ConfigError] = []
    for name, info in available().items():
        try:
            cls = adapter_class(name)
        except ConfigError as exc:
            broken.append(exc)
            continue
        found.append({**declaration(cls), "type": name, "entry_point": info.target})
    return found, broken
