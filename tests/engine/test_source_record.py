from datetime import timedelta

from release_cockpit.domain import SourceState
from release_cockpit.engine.source_record import SourceRecord, TargetRecord
from release_cockpit.errors import Unreachable
from tests.support.clock import START


def record(**targets: TargetRecord) -> SourceRecord:
    return SourceRecord("prom", "prometheus", 15.0, timedelta(seconds=60), targets=targets)


def test_oldest_target_decides_a_release_freshness():
    rec = record(a=TargetRecord(START), b=TargetRecord(START + timedelta(minutes=5)))
    now = START + timedelta(minutes=5, seconds=30)
    assert rec.status_for(["b"], now).state is SourceState.OK
    seen = rec.status_for(["a", "b"], now)
    assert (seen.state, seen.updated_at) == (SourceState.STALE, START)


def test_one_failed_target_marks_only_the_releases_it_feeds_down():
    error = Unreachable("connection refused", backend="prom")
    rec = record(a=TargetRecord(START), b=TargetRecord(START, error))
    assert rec.status_for(["a"], START).state is SourceState.OK
    down = rec.status_for(["b"], START)
    assert (down.state, down.error_title) == (SourceState.DOWN, "Backend unreachable")


def test_a_target_never_answered_is_loading_then_late():
    rec = record()
    assert rec.status_for(["new"], START).state is SourceState.LOADING
    rec.polling_since = START
    assert rec.late(START + timedelta(seconds=16))
    assert rec.status_for(["new"], START + timedelta(seconds=16)).state is SourceState.LATE


def test_releases_fed_alike_share_one_status_until_the_backend_changes():
    rec = record(a=TargetRecord(START), b=TargetRecord(START), c=TargetRecord(START, None))
    now = START + timedelta(seconds=5)
    first = rec.status_for(["a"], now)
    assert rec.status_for(["b"], now) is first  # same state, data time and error
    rec.targets["c"].updated_at = START + timedelta(seconds=1)
    assert rec.status_for(["c"], now) is not first
    rec.latency_ms = 12.0  # the next poll: every release sees the new figure
    after = rec.status_for(["a"], now)
    assert after is not first
    assert after.latency_ms == 12.0
    stale = rec.status_for(["a"], START + timedelta(minutes=2))
    assert stale.state is SourceState.STALE
    assert after.state is SourceState.OK
