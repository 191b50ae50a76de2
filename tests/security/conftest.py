"""Fixtures for the security tests: retries without sleeps, no real user config."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import stamina


@pytest.fixture(autouse=True)
def no_retry_sleeps() -> Iterator[None]:
    with stamina.set_testing(True):
        yield


@pytest.fixture(autouse=True)
def isolated_user_config(tmp_path, monkeypatch):
    """No test reads the real user's themes or config."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
