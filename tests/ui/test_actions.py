"""Control actions as a person uses them: keys, the confirmation, the audit screen, the
checklist and read-only mode; the real engine against the simulated world."""

from __future__ import annotations

import inspect
from dataclasses import replace
from pathlib import Path

import pytest

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Action
from release_cockpit.domain.audit import Outcome
from release_cockpit.domain.checklist import ChecklistItem
from release_cockpit.engine.database import Database
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.screens.actions_menu import ActionsMenuScreen
from release_cockpit.ui.screens.audit import AuditScreen
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.screens.checklist import ChecklistScreen
from release_cockpit.ui.screens.confirm import ConfirmActionScreen
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from tests.support.db import database_at, off_loop
from tests.support.ui import screen_text, select, until


@pytest.fixture
def demo_config():
    server = DemoServer()
    url = server.start()
    try:
        yield parse_config(demo_config_text(url), "<demo>", kinds=adapter_kinds())
    finally:
        server.stop()


@pytest.fixture
def make_app(demo_config, tmp_path):
    databases: list[Database] = []

    def make(*, read_only: str = "", config=None, who_else: str = "") -> CockpitApp:
        config = config or demo_config
        database = database_at(tmp_path / "audit.db", user="ana", host="bastion", who_else=who_else)
        databases.append(database)
        engine = Engine(config, build_adapters(config, {}), database=database, read_only=read_only)
        return CockpitApp(engine, controls=engine.controls, records=engine, bell=False)

    yield make
    for database in databases:
        database.close()


def audited(app: CockpitApp) -> list[Outcome]:
    """The outcomes in the app's audit log, newest first (read off the event loop)."""
    controls = app.ctx.controls
    assert controls is not None
    assert controls.audit is not None
    return [e.outcome for e in off_loop(controls.audit.entries)]


def loaded(app: CockpitApp, key: str):
    def check() -> bool:
        release = app.snapshot.release(key) if app.snapshot else None
        return release is not None and release.rollout is not None

    return check


async def test_abort_with_typed_name_is_sent_and_audited(make_app):
    # A team on one shared bastion login: the identity, not the OS user, says who it was.
    app = make_app(who_else="alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, loaded(app, "payments"))
        await select(pilot, app, "payments")
        await until(pilot, lambda: "A Abort" in screen_text(app).splitlines()[-1])
        await pilot.press("A")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        dialog = app.screen
        assert "Effect: traffic goes back to stable 1.12.3" in dialog.text
        assert "type payments and press enter" in dialog.text
        # Enter alone and y do not confirm: the name must be typed.
        await pilot.press("enter", "y")
        assert isinstance(app.screen, ConfirmActionScreen)
        await pilot.press("backspace")
        await pilot.press(*"payments", "enter")
        await until(pilot, lambda: audited(app) == [Outcome.SUCCEEDED])
        await until(pilot, lambda: "abort confirmed by cluster (sent by alice)" in screen_text(app))
        await pilot.press("L")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen))
        assert "alice  abort payments/production  succeeded" in app.screen.text


async def test_escape_and_enter_on_the_default_cancel(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, loaded(app, "search"))
        await select(pilot, app, "search")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ActionsMenuScreen))
        menu = app.screen
        assert set(menu.choices) >= {action for action, why in menu.choices.items() if why is None}
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, BoardScreen))
        await pilot.press("U")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        assert not app.screen.plan.type_to_confirm  # staging
        await pilot.press("enter")  # focus starts on No
        await until(pilot, lambda: isinstance(app.screen, BoardScreen))
        await pilot.press("U")
        await until(pilot, lambda: isinstance(app.screen, ConfirmActionScreen))
        await pilot.press("escape")
        await until(pilot, lambda: isinstance(app.screen, BoardScreen))
        assert audited(app) == []


async def test_read_only_has_no_action_keys_and_says_so(make_app):
    app = make_app(read_only="--read-only")
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, loaded(app, "payments"))
        await select(pilot, app, "payments")
        await pilot.pause(0.5)
        text = screen_text(app)
        assert "READ-ONLY" in text.splitlines()[0]
        assert "Abort" not in text.splitlines()[-1]
        await pilot.press("A", "x")
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        palette_titles = [c.title for c in app.get_system_commands(app.screen)]
        assert not any(title.startswith("Abort") for title in palette_titles)


async def test_checklist_is_ticked_from_the_detail_screen(make_app, demo_config):
    services = dict(demo_config.services)
    services["ledger"] = replace(
        services["ledger"], checklist=(ChecklistItem("Migration reviewed"),)
    )
    app = make_app(config=replace(demo_config, services=services))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, loaded(app, "ledger"))
        await until(pilot, lambda: "checklist 0/1" in screen_text(app))
        await select(pilot, app, "ledger")
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, ChecklistScreen))
        await pilot.press("space")
        await pilot.press("escape")
        release = app.snapshot.release("ledger") if app.snapshot else None
        await until(
            pilot,
            lambda: (
                (r := app.snapshot.release("ledger")) is not None
                and r.checklist is not None
                and r.checklist.complete
            ),
        )
        assert release is not None
        assert "Readiness checklist 1/1" in screen_text(app)


def test_no_action_reaches_a_backend_without_the_confirmation():
    """The UI sends an action only from the confirmation's callback: every key, menu entry
    and palette command posts ActionRequested, whose handler opens the confirmation."""
    from release_cockpit.ui import action_flow

    send = inspect.getsource(action_flow.ActionFlow._send)
    assert "controls.run(" in send
    handler = inspect.getsource(action_flow.ActionFlow.request)
    assert "ConfirmActionScreen(" in handler
    assert "self._send(controls, plan, typed)" in handler
    ui = Path(action_flow.__file__).parent
    callers = [p.name for p in ui.rglob("*.py") if "controls.run(" in p.read_text()]
    assert callers == ["action_flow.py"]


async def test_metrics_screen_shows_the_four_figures_per_service(make_app, tmp_path):
    from datetime import UTC, datetime, timedelta

    from release_cockpit.domain.history import ReleaseOutcome, ReleaseRecord
    from release_cockpit.engine.history_store import HistoryStore
    from release_cockpit.ui.screens.metrics import MetricsScreen

    now = datetime.now(UTC)
    store = off_loop(HistoryStore, tmp_path / "audit.db")
    records = [
        ReleaseRecord(
            "payments",
            "payments",
            "pay",
            "production",
            f"1.{i}.0",
            started_at=now - timedelta(days=i * 3 + 1),
            first_commit_at=now - timedelta(days=i * 3 + 2),
            deployed_at=now - timedelta(days=i * 3),
            finished_at=now - timedelta(days=i * 3),
            outcome=ReleaseOutcome.SUCCEEDED,
            production=True,
        )
        for i in range(4)
    ]
    off_loop(store.save, records)
    off_loop(store.close)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("M")
        await until(pilot, lambda: isinstance(app.screen, MetricsScreen))
        await until(pilot, lambda: "payments" in app.screen.text)
        text = app.screen.text
        assert "0.9/wk" in text  # 4 deploys in 30 days
        assert "2d0h" in text  # lead time: first commit two days before the deploy
        assert "0% of 4" in text
        await pilot.press("7")
        assert "Last 7 days" in app.screen.text


async def test_the_actions_menu_says_why_a_backend_offers_no_more(make_app, demo_config):
    base = demo_config.backends["us-east"].url.removesuffix("/k8s")
    text = demo_config_text(base).replace(f'load_tester_url = "{base}/loadtester"\n', "")
    app = make_app(config=parse_config(text, "<demo>", kinds=adapter_kinds()))
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, loaded(app, "gateway"))
        await select(pilot, app, "gateway")
        await pilot.press("x")
        await until(pilot, lambda: isinstance(app.screen, ActionsMenuScreen))
        menu = app.screen
        assert Action.PROMOTE not in menu.choices
        assert "Why not more: us-east: Flagger has no API for actions" in screen_text(app)
        assert "load_tester_url" in screen_text(app)
