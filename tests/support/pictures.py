"""A release and a month of history made for the pictures: signals measured every 15 s
across a canary (one crossing its warn and fail lines), a canary-vs-stable comparison with
its samples, canary steps, a pause, a promote and an alert on the timeline, and 30 days of
production releases with stage times, batch sizes and answers. Deterministic (no random
generator): every value is a function of its index.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from release_cockpit.domain import (
    Alert,
    CockpitSnapshot,
    Release,
    RolloutPhase,
)
from release_cockpit.domain.alerts import AlertMatcher
from release_cockpit.domain.audit import AuditEntry
from release_cockpit.domain.delivery import stage_spans
from release_cockpit.domain.formatting import ValueFormat
from release_cockpit.domain.history import (
    ReleaseOutcome,
    ReleaseRecord,
    TimelineEvent,
    TimelineKind,
)
from release_cockpit.domain.human import Answer, Moment
from release_cockpit.domain.insights import HistoryBundle
from release_cockpit.domain.rollup import ReleaseInputs, board_order, build_release
from release_cockpit.domain.signal_rules import Baseline, Direction, SignalRule, Threshold
from release_cockpit.domain.signals import evaluate, measure, measure_comparison
from tests.support.world import (
    NOW,
    PROD,
    SOURCES,
    changeset,
    failing_canary,
    line,
    passed_run,
    rollout,
    sources_for,
    waiting_for_promote,
)

STEP = 15
POINTS = 40
START = NOW - timedelta(seconds=STEP * POINTS)


def _threshold_signal(name: str, values: list[float], warn: float, fail: float, fmt: ValueFormat):
    rule = SignalRule(
        name=name,
        backend="prometheus",
        query="q",
        threshold=Threshold(Direction.ABOVE, fail, warn),
        format=fmt,
        failure_limit=3,
    )
    at = [START + timedelta(seconds=STEP * (i + 1)) for i in range(len(values))]
    measurements = [measure(rule, when, v) for when, v in zip(at, values, strict=True)]
    return evaluate(rule, measurements, values[-30:])


def _comparison_signal():
    rule = SignalRule(
        name="p99 canary vs stable",
        backend="prometheus",
        query="q",
        format=ValueFormat.SECONDS,
        baseline=Baseline(
            canary=(AlertMatcher("track", "=", "canary"),),
            baseline=(AlertMatcher("track", "=", "stable"),),
        ),
    )
    measurements = []
    for step in range(8):
        stable = [0.20 + 0.01 * ((i * 7) % 9) for i in range(40)]
        lift = 1.0 + 0.22 * step
        canary = [v * lift + 0.015 * ((i * 5) % 4) for i, v in enumerate(stable[:20])]
        when = START + timedelta(seconds=STEP * 5 * (step + 1))
        measurement, _ = measure_comparison(rule, when, canary, stable)
        measurements.append(measurement)
    return evaluate(rule, measurements, [m.value or 0 for m in measurements])


def picture_release() -> Release:
    errors = [
        0.002 + 0.0005 * (i % 3) if i < 18 else 0.01 + 0.0028 * (i - 18) for i in range(POINTS)
    ]
    latency = [0.18 + 0.01 * (i % 4) + (0.012 * (i - 20) if i > 20 else 0) for i in range(POINTS)]
    return build_release(
        ReleaseInputs(
            line=line("cart-prod", "cart", "production", team="payments"),
            now=NOW,
            ci_runs=(passed_run("2.8.0", "alice", 25),),
            rollout=rollout(
                "cart",
                "2.7.3",
                "2.8.0",
                phase=RolloutPhase.PROGRESSING,
                step_index=3,
                step_count=5,
                set_weight=50,
                actual_weight=50,
                started_at=START,
            ),
            signals=(
                _threshold_signal("5xx ratio", errors, 0.02, 0.05, ValueFormat.PERCENT),
                _threshold_signal("p99 latency", latency, 0.3, 0.5, ValueFormat.SECONDS),
                _comparison_signal(),
            ),
            alerts=(
                Alert(
                    name="HighErrorRate",
                    severity="critical",
                    summary="5xx above 5% on the cart canary",
                    starts_at=NOW - timedelta(seconds=STEP * 6),
                ),
            ),
            changeset=changeset(14, (412, 415, 419)),
            sources=sources_for(*PROD),
        )
    )


def _stage(name: str, state: str, at: datetime, n: int = 0) -> TimelineEvent:
    title = name.replace("-", " ").capitalize()
    cause = f"stage:{name}:{state}:{n}"
    return TimelineEvent(at, TimelineKind.STAGE, f"{title} {state}", "", "", cause)


def picture_events() -> tuple[TimelineEvent, ...]:
    """The picture release's recorded timeline."""
    t = NOW - timedelta(minutes=40)
    events = [
        _stage("plan", "running", t),
        _stage("plan", "passed", t + timedelta(minutes=3)),
        _stage("build", "running", t + timedelta(minutes=3)),
        _stage("build", "passed", t + timedelta(minutes=9)),
        _stage("test", "running", t + timedelta(minutes=9)),
        _stage("test", "passed", t + timedelta(minutes=21)),
        _stage("pre-release", "running", t + timedelta(minutes=21)),
        _stage("pre-release", "passed", t + timedelta(minutes=30)),
        _stage("deploy", "running", START),
    ]
    for index, (weight, seconds) in enumerate(((10, 60), (25, 200), (50, 420))):
        at = START + timedelta(seconds=seconds)
        cause = f"step:{index + 1}:{weight}"
        events.append(TimelineEvent(at, TimelineKind.STAGE, f"Canary {weight}%", "", "", cause))
    pause = START + timedelta(seconds=300)
    events.append(
        TimelineEvent(pause, TimelineKind.STAGE, "Paused (manual)", "", "", "pause:manual:0")
    )
    events.append(
        TimelineEvent(
            pause + timedelta(seconds=60), TimelineKind.STAGE, "Resumed", "", "", "pause:none:0"
        )
    )
    promote = START + timedelta(seconds=410)
    events.append(
        TimelineEvent(
            promote,
            TimelineKind.ACTION,
            "Promote sent",
            "promote cart",
            "alice",
            f"action:promote:sent:{int(promote.timestamp() * 1000)}",
        )
    )
    firing = NOW - timedelta(seconds=STEP * 6)
    events.append(
        TimelineEvent(
            firing,
            TimelineKind.ALERT,
            "Alert HighErrorRate firing (critical)",
            "",
            "",
            "alert:HighErrorRate:firing:0",
        )
    )
    return tuple(sorted(events, key=lambda e: e.at))


def picture_snapshot() -> CockpitSnapshot:
    releases = (picture_release(), failing_canary(), waiting_for_promote())
    return CockpitSnapshot(
        taken_at=NOW - timedelta(seconds=1),
        releases=board_order(releases),
        sources=tuple(SOURCES.values()),
        generation=1,
    )


SERVICES = (("checkout", "payments"), ("payments", "payments"), ("search", "discovery"))
PEOPLE = ("alice", "bob", "carol", "dave")


def history_bundle(now: datetime = NOW) -> HistoryBundle:
    """30 days of production releases of three services: every 2-3 days each, stage times,
    batch sizes (bigger ones failing more), and answers (two services with 3 or more,
    one with 2, whose figures stay hidden)."""
    records: list[ReleaseRecord] = []
    answers: list[Answer] = []
    spans = {}
    for s, (service, team) in enumerate(SERVICES):
        for n in range(12):
            started = now - timedelta(days=29 - n * 2.4 - s * 0.3, hours=s)
            commits = 2 + (n * 7 + s * 3) % 30
            failed = commits > 22 and n % 2 == 0
            deployed = started + timedelta(minutes=12 + s * 4)
            failed_at = deployed + timedelta(minutes=20) if failed else None
            restored = failed_at + timedelta(minutes=30 + n * 5) if failed_at else None
            record = ReleaseRecord(
                key=f"{service}-prod",
                service=service,
                team=team,
                environment="production",
                version=f"1.{n}.{s}",
                started_at=started,
                first_commit_at=started - timedelta(hours=6 + commits),
                deployed_at=deployed,
                finished_at=(restored or deployed) + timedelta(minutes=30),
                outcome=ReleaseOutcome.ROLLED_BACK if failed else ReleaseOutcome.SUCCEEDED,
                failed_at=failed_at,
                restored_at=restored,
                production=True,
                commits=commits,
                pull_requests=max(1, commits // 3),
            )
            records.append(record)
            t = started - timedelta(minutes=40)
            lengths = (3, 6 + s * 3, 10 + commits // 2, 8, 12 + s * 4, 20)
            events = []
            for stage, minutes in zip(
                ("plan", "build", "test", "pre-release", "deploy", "monitor"), lengths, strict=True
            ):
                events.append(_stage(stage, "running", t))
                t += timedelta(minutes=minutes)
                events.append(_stage(stage, "passed", t))
            spans[(record.key, record.version)] = stage_spans(events)
            if s < 2 or n % 6 == 0:
                answers.append(
                    Answer(
                        record.key,
                        record.version,
                        PEOPLE[(n + s) % len(PEOPLE)],
                        record.finished_at or started,
                        Moment.ROLLBACK if failed else Moment.PROMOTE,
                        2 if failed else 4 + (n % 2),
                        4 if failed else 1 + (n % 3),
                        service=service,
                        team=team,
                        environment="production",
                        production=True,
                    )
                )
    return HistoryBundle(records, answers, spans)


class PictureRecords:
    """A RecordReader over the picture history (no database)."""

    def __init__(self, now: datetime = NOW) -> None:
        self.bundle = history_bundle(now)

    async def audit_entries(self, limit: int = 200) -> list[AuditEntry]:
        return []

    async def timeline(self, key: str, version: str) -> tuple[TimelineEvent, ...]:
        return picture_events() if key == "cart-prod" else ()

    async def history_records(self, since: datetime) -> list[ReleaseRecord]:
        return list(self.bundle.records)

    async def history_bundle(self, since: datetime) -> HistoryBundle:
        return self.bundle
