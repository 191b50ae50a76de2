"""UI test fixtures: a fixed snapshot feed, a deterministic app factory and a screen reader."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.app import App

from release_cockpit.domain import CockpitSnapshot
from release_cockpit.ui.cockpit_app import CockpitApp
from tests.ui.world import NOW, fixed_clock, make_snapshot


class FixedFeed:
    """A SnapshotFeed test double: serves a hand-built snapshot, records every intent."""

    def __init__(self, snapshot: CockpitSnapshot | None) -> None:
        self._snapshot = snapshot
        self._subscribers: list[Callable[[CockpitSnapshot], None]] = []
        self.refreshes: list[str | None] = []
        self.started = False
        self.stopped = False

    @property
    def snapshot(self) -> CockpitSnapshot | None:
        return self._snapshot

    def subscribe(self, callback: Callable[[CockpitSnapshot], None]) -> Callable[[], None]:
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def refresh(self, source: str | None = None) -> None:
        self.refreshes.append(source)

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    @property
    def subscriber_count(self) -> int:
        return len(self._subscribers)

    def push(self, snapshot: CockpitSnapshot) -> None:
        """Publish a snapshot as the engine would: to every subscriber, on the app's loop."""
        self._snapshot = snapshot
        for callback in list(self._subscribers):
            callback(snapshot)


def build_app(snapshot: CockpitSnapshot | None = None, **kwargs: Any) -> CockpitApp:
    feed = FixedFeed(make_snapshot() if snapshot is None else snapshot)
    kwargs.setdefault("clock", fixed_clock(NOW))
    return CockpitApp(feed, **kwargs)


def screen_text(app: App[Any]) -> str:
    """The current screen as plain text, one terminal row per line."""
    strips = app.screen._compositor.render_strips()
    return "\n".join(strip.text.rstrip() for strip in strips)


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
