"""The I/O edge: adapter contracts, the shared HTTP layer, the registry and built-in adapters.

The engine builds adapters with ``create(settings)`` and talks to them only through the
contracts (``CISource``, ``HealthSource``, ``AlertSource``, ``DeployTarget``).
"""

from app.adapters.base import (
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
from app.adapters.ci.github_actions import GitHubActions
from app.adapters.deploy.argo_rollouts import ArgoRollouts
from app.adapters.http import HttpClient, JsonResponse
from app.adapters.monitoring.alertmanager import Alertmanager
from app.adapters.monitoring.prometheus import Prometheus
from app.adapters.registry import AdapterInfo, adapter_class, adapter_kinds, available, create

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
