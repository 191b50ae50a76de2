"""UI test fixtures: the hand-built world, a fixed feed serving it, and an app on that feed.

The helpers these build on (FixedFeed, build_app, screen_text) live in tests/support/ui.py.
"""

from __future__ import annotations

import pytest

from release_cockpit.domain import CockpitSnapshot
from release_cockpit.ui.cockpit_app import CockpitApp
from tests.support.ui import FixedFeed
from tests.support.world import NOW, fixed_clock, make_snapshot


@pytest.fixture(autouse=True)
def isolated_user_config(tmp_path, monkeypatch):
    """No test reads the real user's themes: the XDG config home is a fresh directory."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))


@pytest.fixture
def world() -> CockpitSnapshot:
    return make_snapshot()


@pytest.fixture
def feed(world: CockpitSnapshot) -> FixedFeed:
    return FixedFeed(world)


@pytest.fixture
def cockpit(feed: FixedFeed) -> CockpitApp:
    return CockpitApp(feed, clock=fixed_clock(NOW))
