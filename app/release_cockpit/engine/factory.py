"""Adapters built from config: secrets resolved, options validated, every problem at once."""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from release_cockpit.adapters.base import Adapter, BackendSettings
from release_cockpit.adapters.registry import create
from release_cockpit.config import resolve_token
from release_cockpit.config.schema import Config
from release_cockpit.errors import ConfigError, Problem


def backend_settings(config: Config, name: str, token: str | None) -> BackendSettings:
    backend = config.backends[name]
    timeout = backend.timeout or config.polling.timeout
    return BackendSettings(
        name=name,
        type=backend.type,
        url=backend.url,
        token=token,
        timeout=timeout.total_seconds(),
        verify_tls=backend.verify_tls,
        ca_file=str(backend.ca_file) if backend.ca_file is not None else None,
        options=backend.options,
        file=str(config.path) if config.path else "<config>",
        lines=config.lines,
    )


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
    for name, backend in config.backends.items():
        try:
            token = resolve_token(backend, env, config=config)
            adapters[name] = create(backend_settings(config, name, token), transport=transport)
        except ConfigError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ConfigError(problems)
    return adapters
