"""Adapters built from config: secrets resolved, options validated, every problem at once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import httpx

from release_cockpit.adapters.backend_settings import BackendSettings
from release_cockpit.adapters.base import Adapter
from release_cockpit.adapters.registry import adapter_class, create
from release_cockpit.config import resolve_secrets, resolve_token
from release_cockpit.config.schema import Config
from release_cockpit.errors import ConfigError, Problem


def backend_settings(
    config: Config,
    name: str,
    token: str | None,
    secrets: Mapping[str, str] | None = None,
) -> BackendSettings:
    """The settings an adapter is built from. The keys that locate its ``secrets``
    (``api_key_env``...) are not options: they are dropped once the secrets are read."""
    backend = config.backends[name]
    timeout = backend.timeout or config.polling.timeout
    located = {f"{s}_{how}" for s in (secrets or {}) for how in ("env", "file")}
    return BackendSettings(
        name=name,
        type=backend.type,
        url=backend.url,
        token=token,
        timeout=timeout.total_seconds(),
        verify_tls=backend.verify_tls,
        ca_file=str(backend.ca_file) if backend.ca_file is not None else None,
        options={k: v for k, v in backend.options.items() if k not in located},
        file=str(config.path) if config.path else "<config>",
        lines=config.lines,
        secrets=dict(secrets or {}),
    )


def settings_for(config: Config, name: str, env: Mapping[str, str]) -> BackendSettings:
    """A backend's settings with its token and its adapter's own secrets resolved.

    Raises:
        ConfigError: a missing secret or an unknown type, every problem at once.
    """
    backend = config.backends[name]
    problems: list[Problem] = []
    token: str | None = None
    secrets: dict[str, str] = {}
    try:
        token = resolve_token(backend, env, config=config)
    except ConfigError as exc:
        problems.extend(exc.problems)
    cls = adapter_class(backend.type, backend_settings(config, name, None))
    names = [spec.name for spec in cls.SECRETS]
    try:
        secrets = resolve_secrets(backend, names, env, config=config)
    except ConfigError as exc:
        problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    # Keys of declared secrets are dropped even when unset, so they never read as options.
    settings = backend_settings(config, name, token, dict.fromkeys(names, ""))
    return replace(settings, secrets=secrets)


def build_adapters(
    config: Config,
    env: Mapping[str, str],
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> dict[str, Adapter]:
    """One adapter per configured backend.

    Raises:
        ConfigError: every missing secret, unknown type and bad adapter option, together.
    """
    problems: list[Problem] = []
    adapters: dict[str, Adapter] = {}
    for name in config.backends:
        try:
            adapters[name] = create(settings_for(config, name, env), transport=transport)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return adapters
