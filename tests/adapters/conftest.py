"""Adapter test fixtures: no retry sleeps, fixtures on disk, a scripted backend.

The helpers these build on (load, Backend, make_settings, TOKEN) live in
tests/support/adapters.py.
"""

from __future__ import annotations

from collections.abc import Callable
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
