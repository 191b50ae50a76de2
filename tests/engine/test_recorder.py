"""Snapshots into history: outcomes and their times, and the timeline of changes."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from release_cockpit.adapters.registry import adapter_kinds
from release_cockpit.config import parse_config
from release_cockpit.domain import Action, CockpitSnapshot, Verdict, VerdictLevel
from release_cockpit.domain.history import ReleaseOutcome, TimelineKind
from release_cockpit.engine.engine import Engine
from release_cockpit.engine.factory import build_adapters
from release_cockpit.engine.recorder import HistoryRecorder, outcome, record_of
from release_cockpit.engine.sqlite_file import StoreError
from release_cockpit_demo.demo_config import demo_config_text
from release_cockpit_demo.server import DemoServer
from tests.support.clock import FakeClock
from tests.support.db import database_at, off_loop
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


async def test_the_recorder_writes_only_changes(tmp_path):
    database = database_at(tmp_path / "h.db")
    store = database.history
    recorder = HistoryRecorder(database, store)
    release = failing_canary()
    snapshot = CockpitSnapshot(taken_at=NOW, releases=(release,), sources=(), generation=1)
    recorder.observe(snapshot)
    recorder.observe(replace(snapshot, generation=2))
    assert await recorder.flush()
    titles = [e.title for e in off_loop(store.events, release.key, "2.8.0")]
    # What it looked like when first seen, once; the same snapshot again adds nothing.
    assert titles == [
        "First seen by the cockpit",
        "Verdict failing",
        "Alert HighErrorRate firing (critical)",
    ]
    healthy = replace(release, verdict=Verdict(VerdictLevel.OK, "recovered"), alerts=())
    later = NOW + timedelta(minutes=2)
    recorder.observe(CockpitSnapshot(taken_at=later, releases=(healthy,), sources=(), generation=3))
    assert await recorder.flush()
    events = off_loop(store.events, release.key, "2.8.0")
    assert [e.title for e in events][3:] == ["Verdict ok", "Alert HighErrorRate resolved"]
    assert events[3].kind is TimelineKind.VERDICT
    assert events[3].detail == "recovered"
    await recorder.stop()
    database.close()


def _titles(store, key="checkout-prod", version="2.8.0"):
    return [e.title for e in off_loop(store.events, key, version)]


async def test_a_restart_does_not_record_what_it_recorded_before(tmp_path):
    release = failing_canary()
    snapshot = CockpitSnapshot(taken_at=NOW, releases=(release,), sources=(), generation=1)
    first = database_at(tmp_path / "h.db")
    recorder = HistoryRecorder(first, first.history)
    recorder.observe(snapshot)
    assert await recorder.flush()
    await recorder.stop()
    first.close()
    # The same picture seen by a fresh session: nothing new happened, nothing is written.
    second = database_at(tmp_path / "h.db")
    again = HistoryRecorder(second, second.history)
    later = replace(snapshot, taken_at=NOW + timedelta(minutes=5))
    again.observe(later)
    again.observe(later)
    assert await again.flush()
    assert _titles(second.history, release.key) == [
        "First seen by the cockpit",
        "Verdict failing",
        "Alert HighErrorRate firing (critical)",
    ]
    # A real change after the restart is still recorded, once.
    healthy = replace(release, verdict=Verdict(VerdictLevel.OK, "recovered"), alerts=())
    again.observe(replace(later, releases=(healthy,), taken_at=NOW + timedelta(minutes=6)))
    assert await again.flush()
    assert _titles(second.history, release.key)[3:] == [
        "Verdict ok",
        "Alert HighErrorRate resolved",
    ]
    await again.stop()
    second.close()


async def test_two_cockpits_on_one_file_record_each_change_once(tmp_path):
    release = failing_canary()
    one, two = database_at(tmp_path / "h.db"), database_at(tmp_path / "h.db")
    recorders = [HistoryRecorder(one, one.history), HistoryRecorder(two, two.history)]
    pictures = [
        CockpitSnapshot(taken_at=NOW, releases=(release,), sources=(), generation=1),
        CockpitSnapshot(
            taken_at=NOW + timedelta(seconds=3),
            releases=(replace(release, verdict=Verdict(VerdictLevel.OK, "fine"), alerts=()),),
            sources=(),
            generation=2,
        ),
    ]
    for picture in pictures:
        for recorder in recorders:
            recorder.observe(picture)
            assert await recorder.flush()
    titles = _titles(one.history, release.key)
    assert len(titles) == len(set(titles)) == 5, titles
    for recorder in recorders:
        await recorder.stop()
    one.close()
    two.close()


class FlakyHistory:
    """A history store whose writes fail until told otherwise (a full disk, a held lock)."""

    def __init__(self, store):
        self.store = store
        self.failing = True
        self.path = store.path

    def save(self, records, events=()):
        if self.failing:
            raise StoreError("database or disk is full", hint="free some disk space")
        self.store.save(records, events)

    def __getattr__(self, name):
        return getattr(self.store, name)


async def test_history_that_cannot_be_written_says_so_keeps_the_changes_and_resumes(tmp_path):
    database = database_at(tmp_path / "h.db")
    flaky = FlakyHistory(database.history)
    naps = []

    async def nap(seconds):
        naps.append(seconds)
        await asyncio.sleep(0)

    changed = []
    recorder = HistoryRecorder(database, flaky, on_status=lambda: changed.append(1), sleep=nap)
    release = failing_canary()
    recorder.observe(CockpitSnapshot(taken_at=NOW, releases=(release,), sources=(), generation=1))
    assert not await recorder.flush(within=0.2)
    status = recorder.status
    assert not status.working
    assert status.text.startswith("history not recording: database or disk is full")
    assert status.waiting > 0
    assert changed
    assert naps[:3] == [1.0, 2.0, 4.0]  # backing off, not spinning
    flaky.failing = False
    assert await recorder.flush(within=2.0)
    assert recorder.status.working
    assert _titles(database.history, release.key) == [
        "First seen by the cockpit",
        "Verdict failing",
        "Alert HighErrorRate firing (critical)",
    ]
    await recorder.stop()
    database.close()


async def test_an_abort_in_the_world_is_recorded_with_who_and_when(tmp_path):
    world_now = [T0]
    server = DemoServer(clock=lambda: world_now[0])
    url = server.start()
    config = parse_config(demo_config_text(url), "<demo>", kinds=adapter_kinds())
    clock = FakeClock(start=datetime.fromtimestamp(T0, UTC))
    database = database_at(tmp_path / "c.db", clock=clock.now, user="ana", host="bastion")
    history = database.history
    engine = Engine(config, build_adapters(config, {}), clock=clock, database=database)
    try:
        await engine.poll_once()
        plan = engine.controls.check("payments", Action.ABORT)
        assert (await engine.controls.run(plan, "payments")).ok
        world_now[0] += 3
        await clock.advance(3)
        await engine.poll_once()
        await engine.recorder.flush()
        record = off_loop(history.release, "payments", "1.13.0")
        assert record is not None
        assert record.outcome is ReleaseOutcome.ABORTED
        assert record.failed_at is not None
        assert record.restored_at is not None
        events = off_loop(history.events, "payments", "1.13.0")
        actions = [(e.title, e.who) for e in events if e.kind is TimelineKind.ACTION]
        assert actions == [("Abort sent", "ana"), ("Abort confirmed", "ana")]
        assert any(e.title == "Deploy failed" for e in events)
        ledger = off_loop(history.release, "ledger", "5.0.0")
        assert ledger is not None
        assert ledger.outcome is ReleaseOutcome.IN_PROGRESS
    finally:
        await engine.stop()
        server.stop()
        database.close()


def test_canary_steps_and_pauses_are_timeline_events_after_the_first_sight():
    from release_cockpit.domain import PauseKind
    from release_cockpit.engine.recorder import _Seen, changes, restored

    release = failing_canary()
    seen = _Seen(record_of(release, NOW))
    assert [e for e in changes(seen, release, NOW) if e.cause.startswith(("step", "pause"))] == []
    rollout = release.rollout
    assert rollout is not None
    later = NOW + timedelta(seconds=30)
    stepped = replace(
        release,
        rollout=replace(
            rollout,
            step_index=2,
            set_weight=50,
            pause_kind=PauseKind.MANUAL,
            pause_started_at=NOW + timedelta(seconds=20),
        ),
    )
    events = changes(seen, stepped, later)
    step = next(e for e in events if e.cause.startswith("step:"))
    assert (step.title, step.detail, step.cause) == ("Canary 50%", "step 3/5", "step:2:50:0")
    pause = next(e for e in events if e.cause.startswith("pause:"))
    assert pause.title == "Paused (manual)"
    assert pause.at == NOW + timedelta(seconds=20)
    # A restarted cockpit knows where the rollout was and records nothing new.
    again = restored(seen.record, [e.cause for e in events])
    assert again.step == (2, 50)
    assert again.paused is PauseKind.MANUAL
    assert [
        e for e in changes(again, stepped, later) if e.cause.startswith(("step", "pause"))
    ] == []


def test_the_batch_size_is_recorded_when_the_change_set_arrives():
    release = failing_canary()
    bare = replace(release, changeset=None)
    record = outcome(record_of(bare, NOW), bare, NOW)
    assert record.commits is None
    sized = outcome(record, release, NOW)
    assert (sized.commits, sized.pull_requests) == (14, 3)


def test_a_cockpit_without_data_yet_records_nothing_of_the_release():
    """Regression (two cockpits on one PostgreSQL): a cockpit opened mid-release saw its
    stages "unknown" until the poller's state arrived, and the shared timeline got "Build
    unknown", then "Build passed" a second time, each time someone opened a cockpit."""
    from release_cockpit.domain import Stage, StageName, StageState
    from release_cockpit.engine.recorder import _Seen, changes, restored

    release = failing_canary()
    first = _Seen(record_of(release, NOW))
    changes(first, release, NOW)
    stored = [f"stage:{s.name.value}:{s.state.value}:0" for s in release.stages]
    opened = restored(first.record, stored)  # the next cockpit, from the shared store

    def with_stages(state_of) -> object:
        return replace(release, stages=tuple(state_of(s) for s in release.stages))

    blind = with_stages(lambda s: replace(s, state=StageState.UNKNOWN, detail="no data"))
    reading = with_stages(
        lambda s: (
            replace(s, state=StageState.RUNNING, detail="gathering change set")
            if s.name is StageName.PLAN
            else s
        )
    )
    later = NOW + timedelta(seconds=5)
    for picture in (blind, reading, release):
        stage_events = [e for e in changes(opened, picture, later) if e.cause.startswith("stage")]
        assert stage_events == []
    # A real change is still news: the deploy stage failing.
    failed = with_stages(
        lambda s: Stage(s.name, StageState.FAILED, "aborted") if s.name is StageName.DEPLOY else s
    )
    [event] = [e for e in changes(opened, failed, later) if e.cause.startswith("stage")]
    assert event.title == "Deploy failed"
