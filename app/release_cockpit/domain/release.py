"""A release: one service's version moving to one environment, with everything known of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from release_cockpit.domain.action_status import ActionStatus
from release_cockpit.domain.alerts import FAILING_SEVERITIES, Alert, alert_fails
from release_cockpit.domain.checklist import Checklist
from release_cockpit.domain.ci import CIRun
from release_cockpit.domain.flags import FlagState
from release_cockpit.domain.freshness import SourceStatus
from release_cockpit.domain.release_enums import Attention, ReleaseType
from release_cockpit.domain.rollout import RolloutState, deploy_eta
from release_cockpit.domain.signals import SignalStatus
from release_cockpit.domain.stages import Stage, StageName, StageState
from release_cockpit.domain.verdict import Verdict, VerdictLevel


@dataclass(frozen=True, slots=True)
class ChangeSet:
    """What the release carries: the commit range and its size."""

    base: str
    head: str
    commits: int
    pull_requests: tuple[int, ...] = ()
    authors: tuple[str, ...] = ()
    first_commit_at: datetime | None = None
    url: str = ""


@dataclass(frozen=True, slots=True)
class Release:
    """Everything a panel shows for one release, immutable and ready to render."""

    key: str
    service: str
    environment: str
    version: str | None
    previous_version: str | None
    release_type: ReleaseType
    type_reason: str
    stages: tuple[Stage, ...]
    verdict: Verdict
    attention: Attention
    team: str = ""
    ref: str = ""
    changeset: ChangeSet | None = None
    triggered_by: str = ""
    started_at: datetime | None = None
    rollout: RolloutState | None = None
    ci_run: CIRun | None = None
    signals: tuple[SignalStatus, ...] = ()
    alerts: tuple[Alert, ...] = ()
    sources: tuple[SourceStatus, ...] = ()
    runbook_url: str = ""
    soak_ends_at: datetime | None = None
    policy: str = ""  # the release-type/environment policy that applies, in words
    checklist: Checklist | None = None  # the readiness checklist, when one is configured
    action: ActionStatus | None = None  # the last control action and whether it took effect
    failing_severities: frozenset[str] = FAILING_SEVERITIES  # alerts of these fail, others warn
    flags: tuple[FlagState, ...] = ()  # feature flags guarding the release, per environment
    suppressed_alerts: tuple[Alert, ...] = ()
    """Matching alerts that are silenced, inhibited or muted: listed, never counted."""
    alerts_as_of: str = ""
    """"" while the alert source is live; else "as of 16:08:41, alertmanager down": the
    alerts shown are the last ones known, and no timer on them may run."""
    cluster: str = ""  # where it deploys: the deploy backend's name (one per cluster)

    @property
    def id(self) -> str:
        """Stable id people can paste: ``service/environment@version``."""
        return f"{self.service}/{self.environment}@{self.version or '?'}"

    def stage(self, name: StageName) -> Stage:
        return next(s for s in self.stages if s.name is name)

    def alert_level(self, alert: Alert) -> VerdictLevel:
        """How an alert of this release weighs: failing for the line's failing severities,
        a warning otherwise (the verdict and every screen ask this, so they agree)."""
        if alert.no_data:
            return VerdictLevel.INCONCLUSIVE
        failing = alert_fails(alert, self.failing_severities)
        return VerdictLevel.FAILING if failing else VerdictLevel.WARNING

    def headline(self, now: datetime) -> str:
        """The one sentence to read first: why it fails, what it waits for, or its verdict
        (a wait's countdown read at ``now``)."""
        if self.attention is Attention.WAITING:
            waiting = next((s for s in self.stages if s.state is StageState.WAITING), None)
            if waiting is not None:
                return f"{waiting.name.title}: {waiting.text(now)}"
        return self.verdict.reason

    def eta(self, now: datetime) -> datetime | None:
        """When the rollout should finish, if nothing waits for a human (worked out at
        ``now``: a rollout between timed pauses has its remaining steps ahead of it)."""
        if self.rollout is None or self.stage(StageName.DEPLOY).state is not StageState.RUNNING:
            return None
        return deploy_eta(self.rollout, now)
