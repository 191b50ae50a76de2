"""Confidence and friction, asked once after acting: never blocking, never twice, off by
configuration; the real engine against the simulated world."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain.human import Moment
from release_cockpit.engine.database import Database
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.questions import QuestionBar
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.confirm import ConfirmActionScreen
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from tests.support.db import database_at, off_loop
from tests.support.ui import screen_text, select, until


@pytest.fixture
def make_app(tmp_path):
    server = DemoServer()
    url = server.start()
    config = parse_config(demo_config_text(url), "<demo>", kinds=adapter_kinds())
    databases: list[Database] = []

    def make(**options) -> CockpitApp:
        database = database_at(tmp_path / "cockpit.db", user="ana", host="bastion")
        databases.append(database)
        engine = Engine(config, build_adapters(config, {}), database=database)
        return CockpitApp(engine, controls=engine.controls, records=engine, bell=False, **options)

    yield make
    for database in databases:
        database.close()
    server.stop()


def answers(app: CockpitApp):
    controls = app.ctx.controls
    assert controls is not None
    assert controls.database is not None
    history = controls.database.history
    assert history is not None
    return off_loop(history.answers)


async def roll_back_search(pilot, app: CockpitApp) -> None:
    board = app.screen
    assert isinstance(board, BoardScreen)
    await until(pilot, lambda: any(p.key == "search" for p in board.panels))
    await until(
        pilot,
        lambda: (
            app.snapshot is not None
            and (r := app.snapshot.release("search")) is not None
            and r.rollout is not None
        ),
    )
    await select(pilot, app, "search")
    await pilot.press("U")
    await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
    await pilot.press("y")
    await until(pilot, lambda: isinstance(app.screen, BoardScreen))


def bar_text(app: CockpitApp) -> str:
    bars = list(app.screen.query(QuestionBar))
    return str(bars[0].render()) if bars else ""


async def test_after_a_rollback_one_key_each_answers_and_the_board_keeps_working(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        outcomes = []
        ask = app.questions.after_action

        def record(outcome):
            outcomes.append(outcome)
            ask(outcome)

        app.questions.after_action = record
        await roll_back_search(pilot, app)
        await until(pilot, lambda: "How confident" in bar_text(app))
        assert "search" in bar_text(app)
        # Not modal: the board still moves while the question waits.
        before = app.screen.selected_key()
        await pilot.press("k")
        assert app.screen.selected_key() != before or before is None
        await pilot.press("4")
        await until(pilot, lambda: "friction" in bar_text(app))
        await pilot.press("2")
        await until(pilot, lambda: len(answers(app)) == 1)
        [answer] = answers(app)
        assert (answer.who, answer.confidence, answer.friction) == ("ana", 4, 2)
        assert answer.moment is Moment.ROLLBACK
        assert answer.key == "search"
        assert "n adds a note" in bar_text(app)
        # Never twice: the same release's rollback again (its outcome comes back, as
        # after a second attempt) asks nothing.
        await pilot.press("escape")
        app.questions.close()
        [outcome] = outcomes
        app.questions.after_action(outcome)
        await pilot.pause()
        assert app.questions.pending is None
        assert "How confident" not in screen_text(app)


async def test_zero_skips_and_skipping_both_stores_nothing(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await roll_back_search(pilot, app)
        await until(pilot, lambda: "How confident" in bar_text(app))
        await pilot.press("0", "0")
        await until(pilot, lambda: "Thanks" in bar_text(app))
        assert answers(app) == []


async def test_off_by_configuration_asks_nothing_and_digits_stay_free(make_app):
    app = make_app(ask_confidence=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await roll_back_search(pilot, app)
        await pilot.pause(0.5)
        assert app.questions.pending is None
        assert not list(app.screen.query(QuestionBar))
        assert not app.check_action("answer", ("3",))
