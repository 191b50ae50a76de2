"""Backfill end to end: the demo world's GitHub over loopback, the real GitHub adapter and
Deployments parsers, and a real history store in a temporary directory."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.config.schema import Config
from release_cockpit.domain import Target
from release_cockpit.domain.history import ReleaseOutcome, ReleaseRecord, TimelineKind
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.headless.backfill import IMPORTED, BackfillReport, print_backfill, run_backfill
from release_cockpit_demo import DemoServer, demo_config_text
from tests.support.db import OffLoop, off_loop

T0 = 1_795_000_000.0  # 2026-11-18T11:06:40Z
NOW = datetime.fromtimestamp(T0, UTC)
MONTH = NOW - timedelta(days=30)


@pytest.fixture(scope="module")
def server() -> Iterator[DemoServer]:
    # The deployments are history: they do not move with the clock, so one server serves all.
    with DemoServer(clock=lambda: T0) as demo:
        yield demo


@pytest.fixture
def config(server: DemoServer) -> Config:
    return parse_config(demo_config_text(server.url), "<demo>", kinds=adapter_kinds())


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[OffLoop]:
    history = OffLoop(off_loop(HistoryStore, tmp_path / "cockpit.db"))
    yield history
    history.close()


@pytest.fixture(scope="module")
def filled(
    server: DemoServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[HistoryStore, BackfillReport]]:
    """One month backfilled once, for the tests that only read the result."""
    config = parse_config(demo_config_text(server.url), "<demo>", kinds=adapter_kinds())
    history = HistoryStore(tmp_path_factory.mktemp("filled") / "cockpit.db")
    report = asyncio.run(run_backfill(config, {}, history, since=MONTH, now=NOW))
    yield history, report
    history.close()


def only(config: Config, *keys: str) -> Config:
    """The config with just these release lines: quicker where the others add nothing."""
    return replace(config, services={k: config.services[k] for k in keys})


def with_service(config: Config, key: str, **changes: Any) -> Config:
    services = dict(config.services)
    services[key] = replace(services[key], **changes)
    return replace(config, services=services)


def by_key(records: list[ReleaseRecord], key: str) -> list[ReleaseRecord]:
    return [r for r in records if r.key == key]


def test_a_month_of_deployments_lands_in_the_history(
    config: Config, filled: tuple[HistoryStore, BackfillReport]
):
    store, report = filled
    assert report.exit_code == 0
    assert [s.key for s in report.services] == list(config.services)
    records = store.records()
    assert len(records) == report.imported == report.new
    assert {r.source for r in records} == {"github-deployments"}
    for entry in report.services:
        assert entry.imported == len(by_key(records, entry.key)) >= 7, entry.key
    # Only the line's own environment is read: staging deployments stay out of production.
    checkout = by_key(records, "checkout")
    assert {r.environment for r in checkout} == {"production"}
    assert all(r.production for r in checkout)
    assert {r.team for r in checkout} == {"storefront"}
    search = by_key(records, "search")
    assert {r.environment for r in search} == {"staging"}
    assert not any(r.production for r in search)
    newest = store.release("checkout")
    assert newest is not None
    assert newest.version == "2.7.4"
    assert newest.outcome is ReleaseOutcome.SUCCEEDED
    assert newest.deployed_at == datetime(2026, 11, 17, 11, 9, 10, tzinfo=UTC)


def test_backfilled_releases_have_their_lead_time_from_the_commits_of_their_range(
    filled: tuple[HistoryStore, BackfillReport],
):
    store, _ = filled
    for key in ("checkout", "payments", "ledger"):
        # Deployed changes after the oldest (which has nothing before it to compare with);
        # a rollback redeploys an old commit and brings no change of its own.
        changes = [
            r
            for r in by_key(store.records(), key)[1:]
            if r.deployed_at is not None and "." in r.version
        ]
        assert changes, key
        for record in changes:
            assert record.lead_time is not None, (key, record.version)
            assert timedelta(0) < record.lead_time < timedelta(days=8), (key, record.version)


def test_failures_and_rollbacks_come_with_their_restore_times(
    filled: tuple[HistoryStore, BackfillReport],
):
    store, _ = filled
    payments = by_key(store.records(), "payments")
    outcomes = [r.outcome for r in payments]
    assert outcomes.count(ReleaseOutcome.FAILED) == 1
    assert outcomes.count(ReleaseOutcome.ROLLED_BACK) == 1
    rolled_back = next(r for r in payments if r.outcome is ReleaseOutcome.ROLLED_BACK)
    assert rolled_back.restore_time is not None
    assert timedelta(minutes=2) < rolled_back.restore_time < timedelta(minutes=10)
    failed = next(r for r in payments if r.outcome is ReleaseOutcome.FAILED)
    assert failed.restore_time is not None
    assert timedelta(hours=1) < failed.restore_time < timedelta(hours=5)
    # The rollback itself is a deployment of the old commit: a release of its own.
    assert any(len(r.version) == 7 and "." not in r.version for r in payments)


def test_each_imported_release_gets_one_note(filled: tuple[HistoryStore, BackfillReport]):
    store, _ = filled
    for record in by_key(store.records(), "ledger"):
        events = store.events(record.key, record.version)
        assert [(e.kind, e.title) for e in events] == [(TimelineKind.NOTE, IMPORTED)]
        assert events[0].at == record.started_at
        assert "acme/ledger: deployment to production" in events[0].detail


async def test_running_twice_adds_nothing(config: Config, store: HistoryStore):
    config = only(config, "payments", "ledger")
    first = await run_backfill(config, {}, store, since=MONTH, now=NOW)
    records = store.records()
    notes = {(r.key, r.version): store.events(r.key, r.version) for r in records}
    second = await run_backfill(config, {}, store, since=MONTH, now=NOW)
    assert second.imported == first.imported
    assert second.new == 0
    assert store.records() == records
    assert {(r.key, r.version): store.events(r.key, r.version) for r in records} == notes


async def test_a_missing_repository_is_reported_and_the_others_imported(
    config: Config, store: HistoryStore
):
    ci = config.services["ledger"].ci
    assert ci is not None
    config = only(config, "checkout", "ledger", "search")
    broken = with_service(config, "ledger", ci=replace(ci, target=Target.of(project="acme/gone")))
    report = await run_backfill(broken, {}, store, since=MONTH, now=NOW)
    assert report.exit_code == 1
    (failed,) = report.failed
    assert failed.key == "ledger"
    assert failed.repo == "acme/gone"
    assert failed.error.startswith("Not found:")
    assert by_key(store.records(), "ledger") == []
    assert {r.key for r in store.records()} == set(config.services) - {"ledger"}
    assert "ledger" in report.render()
    assert "FAILED acme/gone (production): Not found:" in report.render()
    assert report.to_json()["failed"] == 1


async def test_lines_without_github_ci_are_skipped_with_a_reason(
    config: Config, store: HistoryStore
):
    config = only(config, "auth", "checkout")
    report = await run_backfill(
        with_service(config, "auth", ci=None), {}, store, since=MONTH, now=NOW
    )
    auth = next(s for s in report.services if s.key == "auth")
    assert auth.skipped == "no CI backend configured"
    assert auth.imported == 0
    assert report.exit_code == 0
    assert by_key(store.records(), "auth") == []


async def test_a_release_the_cockpit_watched_is_kept(config: Config, store: HistoryStore):
    watched = ReleaseRecord(
        key="catalog",
        service="catalog",
        team="storefront",
        environment="production",
        version="1.20.0",
        started_at=NOW - timedelta(days=1, minutes=5),
        deployed_at=NOW - timedelta(days=1),
        outcome=ReleaseOutcome.SUCCEEDED,
        production=True,
    )
    store.save([watched])
    report = await run_backfill(only(config, "catalog"), {}, store, since=MONTH, now=NOW)
    assert store.release("catalog", "1.20.0") == watched
    assert store.events("catalog", "1.20.0") == ()
    catalog = next(s for s in report.services if s.key == "catalog")
    assert catalog.new == catalog.imported - 1


async def test_since_bounds_what_is_read(config: Config, store: HistoryStore):
    week = await run_backfill(config, {}, store, since=NOW - timedelta(days=7), now=NOW)
    records = store.records()
    assert all(
        r.started_at is not None and r.started_at >= NOW - timedelta(days=7) for r in records
    )
    assert 2 * len(config.services) <= week.imported < 40


def test_the_report_reads_well_as_text_and_json(filled: tuple[HistoryStore, BackfillReport]):
    _, report = filled
    text = report.render()
    assert text.startswith("Backfill from deployment history since 2026-10-19 11:06 UTC into ")
    assert "  checkout       acme/checkout (production): 9 deployments, 9 new:" in text
    assert "1 failed, 1 rolled back" in text
    assert text.endswith(f"{report.imported} deployments imported ({report.new} new)\n")
    document = json.loads(json.dumps(report.to_json()))
    assert document["imported"] == report.imported
    assert document["services"][0]["outcomes"]["succeeded"] >= 5
    buffer = io.StringIO()
    print_backfill(report, Console(file=buffer, width=200))
    assert buffer.getvalue() == text


def test_an_empty_report_renders():
    report = BackfillReport(since=MONTH, now=NOW, database="db", services=())
    assert report.render().endswith("0 deployments imported (0 new)\n")
    assert report.exit_code == 0


def test_a_partly_read_line_names_what_is_missing_and_exits_1():
    from release_cockpit.headless.backfill import ServiceBackfill

    entry = ServiceBackfill(
        "checkout",
        "checkout",
        "production",
        "acme/checkout",
        imported=8,
        new=8,
        outcomes=(("succeeded", 8),),
        missing=("deployment 7 (2.4.0): statuses not read: github has no ... (HTTP 404)",),
    )
    report = BackfillReport(since=MONTH, now=NOW, database="db", services=(entry,))
    lines = report.render().splitlines()
    assert lines[1] == "  checkout  acme/checkout (production): 8 deployments, 8 new: 8 succeeded"
    assert lines[2] == (
        "            not read: deployment 7 (2.4.0): statuses not read: github has no ... "
        "(HTTP 404)"
    )
    assert lines[3] == "8 deployments imported (8 new), 1 line partly read"
    assert report.exit_code == 1
    assert report.to_json()["services"][0]["missing"] == list(entry.missing)
