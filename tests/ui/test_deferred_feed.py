"""The session opened after the first frame (ui/deferred_feed.py): the config's problems,
found there now, close the TUI and reach the CLI to be printed."""

from __future__ import annotations

import threading

from release_cockpit.errors import ConfigError, Problem
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.deferred_feed import DeferredFeed, OpenSession
from tests.support.ui import screen_text, until
from tests.support.world import NOW, fixed_clock

PROBLEM = Problem("cockpit.toml", 12, "services.checkout.ci", "no backend 'gh'", "add it")


async def test_a_config_problem_found_after_the_first_frame_closes_the_app() -> None:
    seen_board = threading.Event()

    def open_session() -> OpenSession:
        assert seen_board.wait(5)  # the skeleton was drawn before the config was read
        raise ConfigError([PROBLEM])

    feed = DeferredFeed(open_session)
    app = CockpitApp(feed, clock=fixed_clock(NOW))
    async with app.run_test(size=(100, 30)) as pilot:
        assert app.title in screen_text(app)  # the skeleton is on the screen
        seen_board.set()
        await until(pilot, lambda: app.return_code is not None)
    assert app.return_code == 2
    assert isinstance(feed.error, ConfigError)
    assert feed.error.problems == [PROBLEM]


async def test_the_session_opens_on_a_thread_not_on_the_event_loop() -> None:
    threads: list[str] = []

    def open_session() -> OpenSession:
        threads.append(threading.current_thread().name)
        raise ConfigError([PROBLEM])

    feed = DeferredFeed(open_session)
    app = CockpitApp(feed, clock=fixed_clock(NOW))
    async with app.run_test() as pilot:
        await until(pilot, lambda: app.return_code is not None)
    assert threads
    assert threads[0] != threading.main_thread().name
