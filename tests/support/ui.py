"""UI test helpers: a fixed snapshot feed, a deterministic app factory and a screen reader."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.app import App

from release_cockpit.domain import CockpitSnapshot
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.screens.board import BoardScreen
from tests.support.world import NOW, fixed_clock, make_snapshot


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


async def until(pilot: Any, condition: Callable[[], object], within: float = 10.0) -> None:
    """Let the app run until ``condition()`` holds (bounded): a loaded CI machine may need
    more than one pause before a screen or its footer is drawn."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not condition():
        assert loop.time() < deadline, "timed out waiting for the UI"
        await pilot.pause(0.1)


def notified(app: App[Any]) -> str:
    """Every notification the app raised and still holds, "title: message" per line."""
    return "\n".join(f"{n.title}: {n.message}" for n in app._notifications)


async def select(pilot: Any, app: CockpitApp, key: str) -> None:
    """Move the highlight with j and k as a person would, towards where ``key`` is now:
    the board may re-sort between two presses as new snapshots arrive."""
    board = app.screen
    assert isinstance(board, BoardScreen)
    await until(pilot, lambda: any(p.key == key for p in board.panels))
    for _ in range(40):
        selected = board.selected_key()
        if selected == key:
            return
        order = [p.key for p in board.panels]
        here = order.index(selected) if selected in order else -1
        await pilot.press("j" if key in order and order.index(key) > here else "k")
    raise AssertionError(f"{key} could not be selected (board: {order})")
