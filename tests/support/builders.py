"""Hand-built domain values for tests: small, explicit, easy to vary."""

from __future__ import annotations

from datetime import timedelta

from release_cockpit.domain import (
    Attention,
    CIJob,
    CILink,
    CIRun,
    DeployLink,
    PauseKind,
    Release,
    ReleaseLine,
    ReleaseType,
    RolloutPhase,
    RolloutState,
    RunStatus,
    SourceState,
    SourceStatus,
    Target,
    Verdict,
    VerdictLevel,
)
from tests.support.clock import START

LINE = ReleaseLine(
    key="checkout",
    service="checkout",
    environment="production",
    soak=timedelta(minutes=10),
    hotfix_pattern="^hotfix/",
    ci=CILink(
        "github",
        Target.of(project="acme/checkout"),
        build=("build",),
        test=("unit-tests", "integration-tests"),
        pre_release=("smoke-*",),
    ),
    deploy=DeployLink("cluster", Target.of(namespace="shop", rollout="checkout")),
)


def job(name, status=RunStatus.SUCCEEDED, minutes=1):
    return CIJob(
        id=name,
        name=name,
        status=status,
        started_at=START - timedelta(minutes=10),
        completed_at=START - timedelta(minutes=10 - minutes) if status.finished else None,
        url=f"https://ci/{name}",
    )


def run(version="2.8.0", jobs=None, ref=None, status=RunStatus.SUCCEEDED):
    return CIRun(
        id="1",
        name="release",
        status=status,
        ref=ref or f"v{version}",
        version=version,
        created_at=START - timedelta(minutes=12),
        actor="alice",
        jobs=tuple(
            jobs
            if jobs is not None
            else [job("build"), job("unit-tests"), job("integration-tests"), job("smoke-tests")]
        ),
    )


def rollout(**changes):
    base = {
        "name": "checkout",
        "namespace": "prod",
        "phase": RolloutPhase.PROGRESSING,
        "step_index": 2,
        "step_count": 6,
        "set_weight": 25,
        "actual_weight": 25,
        "stable_revision": "aaa",
        "canary_revision": "bbb",
        "stable_version": "2.7.3",
        "canary_version": "2.8.0",
        "previous_version": "2.7.2",
        "started_at": START - timedelta(minutes=5),
    }
    base.update(changes)
    return RolloutState(**base)


def promoted(finished_minutes_ago=3):
    return rollout(
        phase=RolloutPhase.HEALTHY,
        step_index=6,
        set_weight=100,
        actual_weight=100,
        stable_revision="bbb",
        stable_version="2.8.0",
        previous_version="2.7.3",
        finished_at=START - timedelta(minutes=finished_minutes_ago),
    )


def paused(kind, ends_in=None):
    return rollout(
        phase=RolloutPhase.PAUSED,
        pause_kind=kind,
        pause_reason="CanaryPauseStep"
        if kind is not PauseKind.PROMOTION_GATE
        else "BlueGreenPause",
        pause_started_at=START - timedelta(minutes=2),
        pause_ends_at=START + ends_in if ends_in else None,
    )


def source(name, age_seconds=2, state=SourceState.OK, error=""):
    return SourceStatus(
        name=name,
        kind="x",
        state=state,
        updated_at=START - timedelta(seconds=age_seconds),
        stale_after=timedelta(seconds=30),
        error=error,
    )


FRESH = (source("github"), source("cluster"), source("prometheus"))


def release_with_run(ci_run: CIRun, *, key: str = "checkout", environment: str = "production"):
    """A release whose CI run is ``ci_run``: what a CI adapter's ``describe`` reads."""
    return release_with(
        None,
        key=key,
        service=key,
        environment=environment,
        version=ci_run.version,
        attention=Attention.WAITING if ci_run.status is RunStatus.WAITING else Attention.RUNNING,
        ci_run=ci_run,
    )


def release_with(rollout: RolloutState | None = None, **changes) -> Release:
    """A bare release around ``rollout``: what an adapter's describe() reads."""
    fields = {
        "key": "checkout",
        "service": "checkout",
        "environment": "production",
        "version": rollout.canary_version if rollout else None,
        "previous_version": None,
        "release_type": ReleaseType.UNKNOWN,
        "type_reason": "",
        "stages": (),
        "verdict": Verdict(VerdictLevel.OK, "ok"),
        "attention": Attention.RUNNING,
        "rollout": rollout,
    }
    return Release(**{**fields, **changes})
