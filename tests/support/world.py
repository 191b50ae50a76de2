"""A hand-built release world for UI tests: six releases, one per board state, fixed time.

Releases are judged by the real domain roll-up (``build_release``) from hand-written
inputs, so the UI is tested on exactly the shapes the engine will publish.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from release_cockpit.domain import (
    Alert,
    ChangeSet,
    CIJob,
    CILink,
    CIRun,
    CIStep,
    CockpitSnapshot,
    DeployLink,
    Direction,
    PauseKind,
    ReleaseInputs,
    ReleaseLine,
    RolloutPhase,
    RolloutState,
    RunStatus,
    SignalRule,
    SignalStatus,
    SourceState,
    SourceStatus,
    Target,
    Threshold,
    ValueFormat,
    board_order,
    build_release,
    evaluate,
    measure,
)
from release_cockpit.domain.release import Release

NOW = datetime(2026, 11, 27, 10, 0, 0, tzinfo=UTC)


def ago(**kwargs: float) -> datetime:
    return NOW - timedelta(**kwargs)


def fixed_clock(moment: datetime = NOW) -> Callable[[], datetime]:
    return lambda: moment


def source(
    name: str, kind: str, state: SourceState = SourceState.OK, seconds: float = 2, **kw
) -> SourceStatus:
    return SourceStatus(
        name=name,
        kind=kind,
        state=state,
        updated_at=ago(seconds=seconds),
        last_attempt_at=ago(seconds=min(seconds, 5)),
        latency_ms=kw.pop("latency_ms", 120.0),
        next_poll_at=NOW + timedelta(seconds=kw.pop("next_poll", 13)),
        **kw,
    )


SOURCES = {
    "github": source("github", "ci", seconds=3, latency_ms=180.0, rate_limit_remaining=4870),
    "prometheus": source("prometheus", "health", seconds=2, latency_ms=45.0),
    "prometheus-eu": source(
        "prometheus-eu",
        "health",
        SourceState.STALE,
        seconds=120,
        error_title="Backend timed out",
        error="no answer within 10s from https://prom-eu.example.com",
        consecutive_failures=8,
    ),
    "alertmanager": source("alertmanager", "alerts", seconds=4, latency_ms=60.0),
    "prod-cluster": source("prod-cluster", "deploy", seconds=1, latency_ms=90.0),
    "staging-cluster": source("staging-cluster", "deploy", seconds=1, latency_ms=85.0),
    "buildkite": SourceStatus(
        name="buildkite",
        kind="ci",
        state=SourceState.DOWN,
        updated_at=None,
        last_attempt_at=ago(seconds=6),
        error_title="Not authorised",
        error="401 from https://api.buildkite.com: set BUILDKITE_TOKEN",
        consecutive_failures=3,
        next_poll_at=NOW + timedelta(seconds=54),
    ),
}


def line(key: str, service: str, env: str, **kw) -> ReleaseLine:
    cluster = "prod-cluster" if env == "production" else "staging-cluster"
    ci = CILink(
        "github",
        Target.of(project=f"acme/{service}"),
        build=("build*",),
        test=kw.pop("test_jobs", ("test*",)),
        pre_release=kw.pop("pre_release_jobs", ("smoke*",)),
    )
    return ReleaseLine(
        key=key,
        service=service,
        environment=env,
        team=kw.pop("team", "shop"),
        runbook=f"https://runbooks.example.com/{service}",
        ci=ci,
        deploy=DeployLink(cluster, Target.of(namespace=env, rollout=service)),
        **kw,
    )


def job(
    name: str, status: RunStatus, start_min: float | None, minutes: float | None, **kw
) -> CIJob:
    started = ago(minutes=start_min) if start_min is not None else None
    done = started + timedelta(minutes=minutes) if started and minutes is not None else None
    return CIJob(
        id=name,
        name=name,
        status=status,
        started_at=started,
        completed_at=done,
        url=f"https://ci.example.com/jobs/{name}",
        **kw,
    )


def passed_run(version: str, actor: str, created_min: float) -> CIRun:
    start = created_min - 1
    return CIRun(
        id=f"run-{version}",
        name="release.yml",
        status=RunStatus.SUCCEEDED,
        ref=f"v{version}",
        version=version,
        number=1200 + int(created_min),
        actor=actor,
        created_at=ago(minutes=created_min),
        url=f"https://ci.example.com/runs/{version}",
        jobs=(
            job("build", RunStatus.SUCCEEDED, start, 1.05),
            job("test-unit", RunStatus.SUCCEEDED, start - 1.1, 2.2),
            job("smoke", RunStatus.SUCCEEDED, start - 3.5, 0.6),
        ),
    )


def signal(
    name: str,
    values: list[float],
    *,
    fail: float,
    fmt: ValueFormat = ValueFormat.PERCENT,
    backend: str = "prometheus",
    failure_limit: int = 2,
) -> SignalStatus:
    rule = SignalRule(
        name=name,
        backend=backend,
        query="q",
        threshold=Threshold(Direction.ABOVE, fail),
        format=fmt,
        failure_limit=failure_limit,
    )
    measurements = [
        measure(rule, ago(seconds=15 * (len(values) - i)), v) for i, v in enumerate(values)
    ]
    return evaluate(rule, measurements, values)


def changeset(commits: int, prs: tuple[int, ...] = ()) -> ChangeSet:
    return ChangeSet(
        base="a1b2c3d4e5f60718",
        head="f6e5d4c3b2a10987",
        commits=commits,
        pull_requests=prs,
        url="https://github.com/acme/shop/compare/a1b2c3d..f6e5d4c",
    )


def rollout(name: str, stable: str, canary: str, **kw) -> RolloutState:
    promoted = kw.pop("promoted", False)
    return RolloutState(
        name=name,
        namespace="shop",
        stable_version=stable,
        canary_version=canary,
        stable_revision="12" if promoted else "11",
        canary_revision="12",
        replicas=kw.pop("replicas", 5),
        ready_replicas=kw.pop("ready_replicas", 5),
        **kw,
    )


def sources_for(*names: str) -> tuple[SourceStatus, ...]:
    return tuple(SOURCES[n] for n in names)


PROD = ("github", "prometheus", "alertmanager", "prod-cluster")
STAGING = ("github", "prometheus", "alertmanager", "staging-cluster")


def failing_canary() -> Release:
    return build_release(
        ReleaseInputs(
            line=line("checkout-prod", "checkout", "production", team="payments"),
            now=NOW,
            ci_runs=(passed_run("2.8.0", "alice", 25),),
            rollout=rollout(
                "checkout",
                "2.7.3",
                "2.8.0",
                phase=RolloutPhase.PROGRESSING,
                step_index=1,
                step_count=5,
                set_weight=25,
                actual_weight=20,
                started_at=ago(minutes=12),
                message="canary step 2 of 5",
            ),
            signals=(
                signal("5xx ratio", [0.004, 0.006, 0.051, 0.064, 0.079], fail=0.05),
                signal(
                    "p99 latency", [0.21, 0.22, 0.24, 0.23, 0.25], fail=0.5, fmt=ValueFormat.SECONDS
                ),
            ),
            alerts=(
                Alert(
                    name="HighErrorRate",
                    severity="critical",
                    summary="5xx above 5% on the checkout canary",
                    runbook_url="https://runbooks.example.com/checkout/5xx",
                    starts_at=ago(minutes=3),
                ),
            ),
            changeset=changeset(14, (412, 415, 419)),
            sources=sources_for(*PROD),
        )
    )


def waiting_for_promote() -> Release:
    return build_release(
        ReleaseInputs(
            line=line("payments-prod", "payments", "production"),
            now=NOW,
            ci_runs=(passed_run("5.1.0", "bob", 40),),
            rollout=rollout(
                "payments",
                "5.0.2",
                "5.1.0",
                phase=RolloutPhase.PAUSED,
                step_index=2,
                step_count=4,
                set_weight=50,
                actual_weight=50,
                pause_kind=PauseKind.INDEFINITE_STEP,
                pause_started_at=ago(minutes=4),
                started_at=ago(minutes=30),
            ),
            signals=(signal("5xx ratio", [0.002, 0.003, 0.002, 0.001], fail=0.05),),
            changeset=changeset(6, (88,)),
            sources=sources_for(*PROD),
        )
    )


def running_tests() -> Release:
    run = CIRun(
        id="run-1.5.0",
        name="release.yml",
        status=RunStatus.RUNNING,
        ref="v1.5.0",
        version="1.5.0",
        number=981,
        actor="carol",
        created_at=ago(minutes=6),
        url="https://ci.example.com/runs/981",
        jobs=(
            job("build", RunStatus.SUCCEEDED, 5.5, 1.2),
            job("test-unit", RunStatus.RUNNING, 4.2, None),
            job("test-integration", RunStatus.QUEUED, None, None),
        ),
    )
    return build_release(
        ReleaseInputs(
            line=line("search-staging", "search", "staging", pre_release_jobs=()),
            now=NOW,
            ci_runs=(run,),
            rollout=rollout(
                "search",
                "1.4.0",
                "1.4.0",
                promoted=True,
                phase=RolloutPhase.HEALTHY,
                previous_version="1.3.2",
                started_at=ago(hours=26),
                finished_at=ago(hours=25),
            ),
            changeset=changeset(23, (501, 502, 507, 510)),
            sources=sources_for(*STAGING),
        )
    )


def soaking() -> Release:
    return build_release(
        ReleaseInputs(
            line=line("cart-prod", "cart", "production"),
            now=NOW,
            ci_runs=(passed_run("3.2.1", "dave", 40),),
            rollout=rollout(
                "cart",
                "3.2.1",
                "3.2.1",
                promoted=True,
                phase=RolloutPhase.HEALTHY,
                previous_version="3.2.0",
                started_at=ago(minutes=20),
                finished_at=ago(minutes=4),
            ),
            signals=(signal("5xx ratio", [0.001, 0.002, 0.001], fail=0.05),),
            changeset=changeset(3, (77,)),
            sources=sources_for(*PROD),
        )
    )


def done() -> Release:
    return build_release(
        ReleaseInputs(
            line=line("profile-staging", "profile", "staging", pre_release_jobs=()),
            now=NOW,
            ci_runs=(passed_run("0.9.4", "erin", 95),),
            rollout=rollout(
                "profile",
                "0.9.4",
                "0.9.4",
                promoted=True,
                phase=RolloutPhase.HEALTHY,
                previous_version="0.9.3",
                started_at=ago(minutes=80),
                finished_at=ago(minutes=60),
            ),
            changeset=changeset(1),
            sources=sources_for(*STAGING),
        )
    )


def stale_source() -> Release:
    return build_release(
        ReleaseInputs(
            line=line("inventory-prod", "inventory", "production"),
            now=NOW,
            ci_runs=(passed_run("7.0.0", "frank", 30),),
            rollout=rollout(
                "inventory",
                "6.9.1",
                "7.0.0",
                phase=RolloutPhase.PROGRESSING,
                step_index=0,
                step_count=4,
                set_weight=10,
                actual_weight=10,
                started_at=ago(minutes=8),
            ),
            signals=(
                signal(
                    "5xx ratio",
                    [0.001, 0.002],
                    fail=0.05,
                    backend="prometheus-eu",
                ),
            ),
            changeset=changeset(41, (300, 301, 302, 305, 306)),
            sources=sources_for("github", "prometheus-eu", "alertmanager", "prod-cluster"),
        )
    )


def make_snapshot(generation: int = 1, taken_at: datetime = NOW) -> CockpitSnapshot:
    releases = (
        failing_canary(),
        waiting_for_promote(),
        running_tests(),
        soaking(),
        done(),
        stale_source(),
    )
    return CockpitSnapshot(
        taken_at=taken_at - timedelta(seconds=1),
        releases=board_order(releases),
        sources=tuple(SOURCES.values()),
        generation=generation,
    )


def hostile_job_run() -> CIRun:
    """A failed run whose names and texts try to smuggle markup and escape sequences."""
    return CIRun(
        id="run-evil",
        name="release.yml",
        status=RunStatus.FAILED,
        ref="v2.8.0",
        version="2.8.0",
        number=1300,
        actor="mallory",
        created_at=ago(minutes=10),
        url="https://ci.example.com/runs/1300",
        jobs=(
            job("build", RunStatus.SUCCEEDED, 9, 1.0),
            job(
                "[bold red]x[/]",
                RunStatus.FAILED,
                8,
                2.0,
                steps=(CIStep(1, "[link=http://evil]run[/link]", RunStatus.FAILED),),
            ),
        ),
    )


def hostile_release() -> Release:
    """A failing release whose backend strings carry markup and an ANSI escape sequence."""
    return build_release(
        ReleaseInputs(
            line=line("evil-prod", "evil", "production", test_jobs=("*x*",)),
            now=NOW,
            ci_runs=(hostile_job_run(),),
            alerts=(
                Alert(
                    name="[b]Injected[/b]",
                    severity="critical",
                    summary="red \x1b[31mALERT\x1b[0m and [link=http://evil]click[/link]",
                    runbook_url="https://runbooks.example.com/evil",
                    starts_at=ago(minutes=1),
                ),
            ),
            changeset=changeset(2),
            sources=sources_for(*PROD),
        )
    )
