"""The typed configuration the loader produces. Every field's docstring is its documentation.

A ``[services.KEY]`` table becomes the domain's ``ReleaseLine`` (``domain/release_line.py``):
the one model of a release line, which this module only re-exports.

The TOML shape (see ``config.example.toml`` for every key)::

    [cockpit]            read_only, theme, database, bell, desktop_notifications,
                         action_timeout, history_retention, wall_rotate, notify_after
    [keymap]             binding id = keys
    [environments.NAME]  read_only, type_to_confirm
    [[freezes]]          name, start, end, environments, actions, reason
    [polling]            interval, timeout, max_backoff, stale_after
    [backends.NAME]      type, url, token_env | token_file, interval, timeout, verify_tls,
                         ca_file, plus the adapter's own options (validated by the adapter)
    [services.KEY]       service, environment, team, runbook, soak, hotfix_pattern,
                         window_start, window_end
    [services.KEY.ci]    backend, project, workflow, build, test, pre_release
    [services.KEY.deploy] backend, namespace, rollout
    [[services.KEY.signals]] name, backend, query, format, unit, fail_above | fail_below,
                         warn_above | warn_below, failure_limit, inconclusive_limit,
                         consecutive_error_limit, consecutive_success_limit, count,
                         interval, initial_delay, dry_run
    [services.KEY.alerts] backend, matchers, failing_severities
    [[services.KEY.checklist]] name, and query + backend + pass_below | pass_above, or
                         url + expect_status, or neither (a manual item)
    [[services.KEY.flags]] backend, flag, environment, project (the first is the kill switch)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from release_cockpit.config.settings import CockpitSettings as CockpitSettings
from release_cockpit.config.settings import PollingSettings as PollingSettings
from release_cockpit.domain.release_line import (
    AlertLink,
    CILink,
    DeployLink,
    FlagLink,
    ReleaseLine,
)

if TYPE_CHECKING:
    from release_cockpit.domain.action_policy import EnvironmentRules, Freeze
    from release_cockpit.domain.policy import Policy


@dataclass(frozen=True, slots=True)
class BackendConfig:
    name: str
    """The table name: ``[backends.NAME]``; services refer to backends by it."""
    type: str
    """Adapter type: github-actions, prometheus, alertmanager, argo-rollouts, ..."""
    url: str
    """Base URL of the backend's API; "" for a Kubernetes backend that names a kubeconfig
    ``context`` instead (an option of its adapter)."""
    token_env: str | None = None
    """Name of an environment variable holding the token (never the token itself)."""
    token_file: Path | None = None
    """Path of a file holding the token (e.g. a Kubernetes service-account token)."""
    interval: timedelta | None = None
    """Poll interval for this backend; defaults to [polling].interval."""
    timeout: timedelta | None = None
    """Request timeout for this backend; defaults to [polling].timeout."""
    verify_tls: bool = True
    """Verify the server's TLS certificate."""
    options: Mapping[str, Any] = field(default_factory=dict)
    """Every other key of the table, validated by the adapter itself."""
    ca_file: Path | None = None
    """PEM file of the CA certificates to trust for this backend (an internal CA); must exist."""


@dataclass(frozen=True, slots=True)
class Config:
    path: Path | None
    """The file this came from (None for a config built in code, e.g. the demo)."""
    cockpit: CockpitSettings
    polling: PollingSettings
    backends: Mapping[str, BackendConfig]
    services: Mapping[str, ReleaseLine]
    """The release lines (``[services.KEY]``), built once here and used by every layer."""
    lines: Mapping[str, int] = field(default_factory=dict)
    """Key path -> line number, so later checks (adapter options) can point at the line."""
    policies: tuple[Policy, ...] = ()
    """Release-type/environment policies, first match wins (``[[policies]]``)."""
    environments: Mapping[str, EnvironmentRules] = field(default_factory=dict)
    """Per-environment control settings (``[environments.NAME]``)."""
    freezes: tuple[Freeze, ...] = ()
    """Windows in which promotion is blocked (``[[freezes]]``)."""
    keymap: Mapping[str, str] = field(default_factory=dict)
    """Binding id -> keys (``[keymap]``), e.g. ``"board.down" = "n,down"``."""


__all__ = [
    "AlertLink",
    "BackendConfig",
    "CILink",
    "CockpitSettings",
    "Config",
    "DeployLink",
    "FlagLink",
    "PollingSettings",
    "ReleaseLine",
]
