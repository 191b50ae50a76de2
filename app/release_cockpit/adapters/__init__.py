"""The I/O edge: adapter contracts, the shared HTTP layer, the registry and built-in adapters.

The engine builds adapters with ``create(settings)`` and talks to them only through the
contracts (``CISource``, ``HealthSource``, ``AlertSource``, ``DeployTarget``).
"""

from release_cockpit.adapters.base import (
    ActionResult,
    Adapter,
    AlertSource,
    BackendSettings,
    CISource,
    CITarget,
    DeployRef,
    DeployTarget,
    HealthSource,
    OptionSpec,
    ProbeResult,
    QueryResult,
    Sample,
    Series,
    validate_options,
)
from release_cockpit.adapters.ci.github_actions import GitHubActions
from release_cockpit.adapters.deploy.argo_rollouts import ArgoRollouts
from release_cockpit.adapters.http import HttpClient, JsonResponse
from release_cockpit.adapters.monitoring.alertmanager import Alertmanager
from release_cockpit.adapters.monitoring.prometheus import Prometheus
from release_cockpit.adapters.registry import (
    AdapterInfo,
    adapter_class,
    adapter_kinds,
    available,
    create,
)

__all__ = [
    "ActionResult",
    "Adapter",
    "AdapterInfo",
    "AlertSource",
    "Alertmanager",
    "ArgoRollouts",
    "BackendSettings",
    "CISource",
    "CITarget",
    "DeployRef",
    "DeployTarget",
    "GitHubActions",
    "HealthSource",
    "HttpClient",
    "JsonResponse",
    "OptionSpec",
    "ProbeResult",
    "Prometheus",
    "QueryResult",
    "Sample",
    "Series",
    "adapter_class",
    "adapter_kinds",
    "available",
    "create",
    "validate_options",
]
