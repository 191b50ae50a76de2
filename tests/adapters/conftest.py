"""Adapter test fixtures: no retry sleeps, fixtures on disk, a scripted backend, a TLS client cert.

The helpers these build on (load, Backend, make_settings, TOKEN) live in
tests/support/adapters.py.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import stamina

from release_cockpit.adapters.base import Adapter
from tests.support.adapters import Backend, load, make_settings, meta_headers


@pytest.fixture(autouse=True)
def _no_retry_sleeps():
    """Retries happen (three attempts) but stamina never sleeps."""
    with stamina.set_testing(True, attempts=3):
        yield


@pytest.fixture
def fixture() -> Callable[[str], Any]:
    return load


@pytest.fixture
def recorded_headers() -> Callable[[str], dict[str, str]]:
    return meta_headers


@pytest.fixture
def backend() -> Backend:
    return Backend()


@pytest.fixture
async def build(backend: Backend):
    """Build adapters on the scripted backend; every one is closed after the test."""
    made: list[Adapter] = []

    def factory(cls: type[Adapter], **kwargs: Any) -> Any:
        adapter = cls(make_settings(cls.TYPE, **kwargs), transport=backend.transport)
        made.append(adapter)
        return adapter

    yield factory
    for adapter in made:
        await adapter.aclose()


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed client certificate and key made with openssl for the test."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed (apt-get install openssl)")
    where = tmp_path_factory.mktemp("pki")
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec"),
            *("-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", "client.key", "-out", "client.crt", "-days", "2"),
            *("-subj", "/CN=release-cockpit test client"),
        ],
        cwd=where,
        check=True,
        capture_output=True,
        timeout=30,
    )
    return where / "client.crt", where / "client.key"
