"""The history store on both engines: merging upserts, cockpit rows over backfill, retention."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
)
from release_cockpit.engine.history_store import HistoryStore
from tests.support.db import raw_rows

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def rec(**kw) -> ReleaseRecord:
    base = {"key": "api", "service": "api", "team": "core", "environment": "production"}
    return ReleaseRecord(**{**base, "version": "1.0", "production": True, **kw})


def test_two_cockpits_merge_instead_of_overwriting(store_target):
    first = HistoryStore(store_target)
    second = HistoryStore(store_target)
    first.save([rec(started_at=NOW - timedelta(hours=2))])
    second.save([rec(started_at=NOW - timedelta(hours=1), failed_at=NOW)])
    first.save([rec(started_at=NOW, failed_at=NOW + timedelta(minutes=5))])
    second.save([rec(outcome=ReleaseOutcome.ABORTED, finished_at=NOW, restored_at=NOW)])
    first.save([rec()])  # "in progress" never replaces a finished outcome
    [merged] = first.records()
    assert merged.started_at == NOW - timedelta(hours=2)  # the earliest start
    assert merged.failed_at == NOW  # the first failure
    assert merged.outcome is ReleaseOutcome.ABORTED
    first.close()
    second.close()


def test_backfill_never_overwrites_what_the_cockpit_watched(store_target):
    store = HistoryStore(store_target)
    store.save([rec(outcome=ReleaseOutcome.ROLLED_BACK, finished_at=NOW)])
    store.save([rec(source="github-deployments", outcome=ReleaseOutcome.SUCCEEDED)])
    assert store.records()[0].outcome is ReleaseOutcome.ROLLED_BACK
    store.save([rec(key="old", version="0.9", source="github-deployments", deployed_at=NOW)])
    assert store.release("old") is not None
    store.close()


def test_timeline_in_time_order_and_newest_release_by_default(store_target):
    store = HistoryStore(store_target)
    late = TimelineEvent(NOW, TimelineKind.ACTION, "Abort sent", "by ana", "ana")
    early = TimelineEvent(NOW - timedelta(minutes=1), TimelineKind.VERDICT, "Verdict failing")
    store.save([rec(started_at=NOW - timedelta(days=1))], [("api", "1.0", late)])
    store.save([rec(version="1.1", started_at=NOW)], [("api", "1.0", early)])
    assert [e.title for e in store.events("api", "1.0")] == ["Verdict failing", "Abort sent"]
    newest = store.release("api")
    assert newest is not None
    assert newest.version == "1.1"
    store.close()


def test_retention_prunes_finished_releases_and_their_events(store_target):
    store = HistoryStore(store_target, retention=timedelta(days=30))
    old = rec(
        version="0.1",
        started_at=NOW - timedelta(days=40),
        finished_at=NOW - timedelta(days=39),
        outcome=ReleaseOutcome.SUCCEEDED,
    )
    open_old = rec(version="0.2", started_at=NOW - timedelta(days=40))
    event = TimelineEvent(NOW - timedelta(days=40), TimelineKind.NOTE, "First seen")
    store.save([old, open_old, rec(version="1.0", started_at=NOW)], [("api", "0.1", event)])
    assert store.prune(NOW) == 1
    assert sorted(r.version for r in store.records()) == ["0.2", "1.0"]
    assert raw_rows(store_target, "SELECT COUNT(*) FROM events") == [(0,)]
    store.close()


def test_a_schema_2_file_gains_answers_and_batch_sizes_and_keeps_its_rows(tmp_path):
    from release_cockpit.engine.db_schema import MIGRATIONS

    path = tmp_path / "v2.db"
    with sqlite3.connect(path) as old:
        for migration in MIGRATIONS[:2]:
            old.executescript(migration.render("sqlite"))
        old.execute("PRAGMA user_version = 2")
        old.execute(
            "INSERT INTO releases (key, version, service, team, environment, production,"
            " source, outcome) VALUES ('api', '1.0', 'api', 'core', 'production', 1,"
            " 'cockpit', 'succeeded')"
        )
    store = HistoryStore(path)
    [old_row] = store.records()
    assert old_row.commits is None
    assert old_row.outcome is ReleaseOutcome.SUCCEEDED
    store.save([rec(commits=12, pull_requests=3)])
    store.save([rec()])  # a later write without the change set keeps the size
    [sized] = store.records()
    assert (sized.commits, sized.pull_requests) == (12, 3)
    store.close()


def test_one_answer_per_person_per_release_read_back_with_its_release(store_target):
    from release_cockpit.domain.human import Answer, Moment

    store = HistoryStore(store_target)
    store.save([rec(started_at=NOW)])
    first = Answer("api", "1.0", "ann", NOW, Moment.PROMOTE, 4, None)
    store.save_answer(first)
    store.save_answer(Answer("api", "1.0", "ann", NOW, Moment.FINISHED, 4, 2, "slow gate"))
    store.save_answer(Answer("api", "1.0", "bob", NOW, Moment.ROLLBACK, 2, 5))
    answers = store.answers(key="api", version="1.0")
    assert [(a.who, a.confidence, a.friction, a.note) for a in answers] == [
        ("ann", 4, 2, "slow gate"),
        ("bob", 2, 5, ""),
    ]
    assert answers[0].team == "core"
    assert answers[0].production
    assert store.answered("api", "1.0", "ann")
    assert not store.answered("api", "1.0", "cy")
    assert store.answers(since=NOW + timedelta(hours=1)) == []
    store.close()


def test_stage_spans_come_from_the_recorded_stage_causes(store_target):
    from release_cockpit.domain.stages import StageName

    store = HistoryStore(store_target)
    events = [
        (
            "api",
            "1.0",
            TimelineEvent(NOW, TimelineKind.STAGE, "t", "", "", "stage:build:running:0"),
        ),
        (
            "api",
            "1.0",
            TimelineEvent(
                NOW + timedelta(minutes=4), TimelineKind.STAGE, "t", "", "", "stage:build:passed:0"
            ),
        ),
        ("api", "1.0", TimelineEvent(NOW, TimelineKind.STAGE, "Canary 5%", "", "", "step:0:5")),
    ]
    store.save([rec(started_at=NOW)], events)
    bundle = store.bundle(NOW - timedelta(days=1))
    assert bundle.spans[("api", "1.0")][StageName.BUILD].seconds == 240
    assert len(bundle.records) == 1
    store.close()


def test_retention_prunes_answers_with_their_release(store_target):
    from release_cockpit.domain.human import Answer, Moment

    store = HistoryStore(store_target, retention=timedelta(days=30))
    old = NOW - timedelta(days=60)
    store.save([rec(started_at=old, finished_at=old, outcome=ReleaseOutcome.SUCCEEDED)])
    store.save_answer(Answer("api", "1.0", "ann", old, Moment.PROMOTE, 3, 3))
    assert store.prune(NOW) == 1
    assert store.answers() == []
    store.close()
