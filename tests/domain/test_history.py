"""History model: UTC normalisation, derived durations, outcome classes, timeline order."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
    timeline,
)

T0 = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def record(**changes) -> ReleaseRecord:
    base = {
        "key": "checkout",
        "service": "checkout",
        "team": "payments",
        "environment": "production",
        "version": "1.4.0",
    }
    return ReleaseRecord(**(base | changes))


def test_datetimes_are_normalised_to_utc():
    paris = timezone(timedelta(hours=1))
    r = record(deployed_at=datetime(2026, 11, 27, 10, 0, tzinfo=paris))
    assert r.deployed_at == T0
    assert r.deployed_at.tzinfo is UTC


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="deployed_at must be timezone-aware"):
        record(deployed_at=datetime(2026, 11, 27, 9, 0))  # noqa: DTZ001


def test_lead_and_restore_time_may_be_negative_on_the_record():
    r = record(
        first_commit_at=T0 + timedelta(minutes=5),
        deployed_at=T0,
        failed_at=T0,
        restored_at=T0 + timedelta(minutes=30),
    )
    assert r.lead_time == timedelta(minutes=-5)
    assert r.restore_time == timedelta(minutes=30)
    assert record().lead_time is None
    assert record().restore_time is None


def test_outcome_classes():
    assert not ReleaseOutcome.IN_PROGRESS.finished
    assert ReleaseOutcome.SUCCEEDED.finished
    assert not ReleaseOutcome.SUCCEEDED.is_failure
    assert {o for o in ReleaseOutcome if o.is_failure} == {
        ReleaseOutcome.FAILED,
        ReleaseOutcome.ROLLED_BACK,
        ReleaseOutcome.ABORTED,
    }


def test_ended_at_prefers_finished_at_then_latest_known_time():
    assert record().ended_at is None
    done = record(outcome=ReleaseOutcome.SUCCEEDED, finished_at=T0, deployed_at=T0)
    assert done.ended_at == T0
    guessed = record(
        outcome=ReleaseOutcome.ROLLED_BACK,
        deployed_at=T0,
        restored_at=T0 + timedelta(minutes=9),
    )
    assert guessed.ended_at == T0 + timedelta(minutes=9)
    assert record(outcome=ReleaseOutcome.ABORTED).ended_at is None


def test_id_and_defaults():
    r = record()
    assert r.id == "checkout/production@1.4.0"
    assert r.source == "cockpit"
    assert r.outcome is ReleaseOutcome.IN_PROGRESS
    assert r.production is False


def test_timeline_sorts_by_time_and_keeps_ties_in_order():
    late = TimelineEvent(T0 + timedelta(minutes=2), TimelineKind.ACTION, "Abort", "", "ana")
    first = TimelineEvent(T0, TimelineKind.STAGE, "Canary 20%")
    tie = TimelineEvent(T0, TimelineKind.VERDICT, "Verdict: failing", "5xx 7% > 5%")
    assert timeline([late, first, tie]) == (first, tie, late)
    assert late.who == "ana"


def test_timeline_event_is_frozen_and_utc():
    event = TimelineEvent(T0, TimelineKind.NOTE, "backfilled")
    assert event.detail == ""
    with pytest.raises(AttributeError):
        event.title = "x"  # type: ignore[misc]
