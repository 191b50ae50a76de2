"""Snapshots into history: outcomes and their times, and the timeline of changes."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Action, CockpitSnapshot, Verdict, VerdictLevel
from release_cockpit.domain.history import ReleaseOutcome, TimelineKind
from release_cockpit.engine.audit_log import AuditLog
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.engine.recorder import HistoryRecorder, outcome, record_of
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from tests.support.clock import FakeClock
from tests.support.world import NOW, done, failing_canary

T0 = 1_800_000_000.0


def test_a_release_that_passed_monitor_succeeded():
    release = done()
    record = outcome(record_of(release, NOW), release, NOW)
    assert record.outcome is ReleaseOutcome.SUCCEEDED
    assert record.deployed_at == NOW
    assert record.production is False  # staging


def test_failing_then_healthy_is_a_restore():
    failing = failing_canary()
    first = outcome(record_of(failing, NOW), failing, NOW)
    assert first.failed_at == NOW
    assert first.production
    later = NOW + timedelta(minutes=4)
    healthy = replace(failing, verdict=Verdict(VerdictLevel.OK, "all signals ok"))
    second = outcome(first, healthy, later)
    assert second.restored_at == later
    assert second.restore_time == timedelta(minutes=4)
    assert second.outcome is ReleaseOutcome.IN_PROGRESS


def test_the_recorder_writes_only_changes(tmp_path):
    store = HistoryStore(tmp_path / "h.db")
    recorder = HistoryRecorder(store)
    release = failing_canary()
    snapshot = CockpitSnapshot(taken_at=NOW, releases=(release,), sources=(), generation=1)
    recorder.observe(snapshot)
    recorder.observe(replace(snapshot, generation=2))
    titles = [e.title for e in store.events(release.key, "2.8.0")]
    # What it looked like when first seen, once; the same snapshot again adds nothing.
    assert titles == [
        "First seen by the cockpit",
        "Verdict failing",
        "Alert HighErrorRate firing (critical)",
    ]
    healthy = replace(release, verdict=Verdict(VerdictLevel.OK, "recovered"), alerts=())
    later = NOW + timedelta(minutes=2)
    recorder.observe(CockpitSnapshot(taken_at=later, releases=(healthy,), sources=(), generation=3))
    events = store.events(release.key, "2.8.0")
    assert [e.title for e in events][3:] == ["Verdict ok", "Alert HighErrorRate resolved"]
    assert events[3].kind is TimelineKind.VERDICT
    assert events[3].detail == "recovered"
    store.close()


async def test_an_abort_in_the_world_is_recorded_with_who_and_when(tmp_path):
    world_now = [T0]
    server = DemoServer(clock=lambda: world_now[0])
    url = server.start()
    config = parse_config(demo_config_text(url), "<demo>", kinds=adapter_kinds())
    clock = FakeClock(start=datetime.fromtimestamp(T0, UTC))
    audit = AuditLog(tmp_path / "c.db", clock=clock.now, user="ana", host="bastion")
    history = HistoryStore(tmp_path / "c.db")
    engine = Engine(config, build_adapters(config, {}), clock=clock, audit=audit, history=history)
    try:
        await engine.poll_once()
        plan = engine.controls.check("payments", Action.ABORT)
        assert (await engine.controls.run(plan, "payments")).ok
        world_now[0] += 3
        await clock.advance(3)
        await engine.poll_once()
        record = history.release("payments", "1.13.0")
        assert record is not None
        assert record.outcome is ReleaseOutcome.ABORTED
        assert record.failed_at is not None
        assert record.restored_at is not None
        events = history.events("payments", "1.13.0")
        actions = [(e.title, e.who) for e in events if e.kind is TimelineKind.ACTION]
        assert actions == [("Abort sent", "ana"), ("Abort confirmed", "ana")]
        assert any(e.title == "Deploy failed" for e in events)
        ledger = history.release("ledger", "5.0.0")
        assert ledger is not None
        assert ledger.outcome is ReleaseOutcome.IN_PROGRESS
    finally:
        await engine.stop()
        server.stop()
        audit.close()
        history.close()
