"""Fixtures for the fault tests: healthy peers, the loopback resolver, retries without sleep."""

from __future__ import annotations

import functools
from collections.abc import Iterator

import pytest
import stamina

from release_cockpit.adapters import http_body, registry
from tests.support.fault_backends import default_for_kind
from tests.support.fault_catalogue import HUGE_CAP
from tests.support.fault_server import FaultServer
from tests.support.fault_world import KINDS, Resolver, install_resolver


@pytest.fixture(autouse=True)
def no_retry_sleeps() -> Iterator[None]:
    """One attempt per request and no backoff sleeps: the engine's own backoff is tested."""
    with stamina.set_testing(True):
        yield


_REGISTERED = functools.cache(registry.available)


@pytest.fixture(autouse=True)
def registry_read_once(monkeypatch) -> None:
    """Read the adapter entry points once, not once per adapter built: each read scans
    every installed distribution, and the matrix builds hundreds of adapters."""
    monkeypatch.setattr(registry, "available", _REGISTERED)


@pytest.fixture(autouse=True)
def isolated_user_config(tmp_path, monkeypatch):
    """No test reads the real user's themes or config."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture(scope="module")
def peers() -> Iterator[dict[str, FaultServer]]:
    """One healthy server per kind of source, shared by a module's tests."""
    servers = {kind: FaultServer(default_for_kind(kind).routes).start() for kind in KINDS}
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def resolver(monkeypatch) -> Resolver:
    return install_resolver(monkeypatch)


@pytest.fixture
def small_body_cap(monkeypatch) -> int:
    """A 1 MiB body cap so the huge-body rows stream 2 MiB, not 33."""
    monkeypatch.setattr(http_body, "MAX_BODY_BYTES", HUGE_CAP)
    return HUGE_CAP
