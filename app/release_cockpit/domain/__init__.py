"""Pure model and rules: releases, stages, signals, verdicts. No I/O, no Textual, no httpx."""

from release_cockpit.domain.alerts import Alert, AlertMatcher, alerts_for
from release_cockpit.domain.ci import CIJob, CIRun, CIStep, RunStatus
from release_cockpit.domain.formatting import (
    ValueFormat,
    format_duration,
    format_value,
    parse_duration,
)
from release_cockpit.domain.freshness import SourceState, SourceStatus, source_state
from release_cockpit.domain.policy import Policy, choose_policy
from release_cockpit.domain.release import Attention, ChangeSet, Release, ReleaseType
from release_cockpit.domain.release_line import (
    AlertLink,
    CILink,
    DeployLink,
    FlagLink,
    ReleaseLine,
    Target,
    TargetKey,
)
from release_cockpit.domain.release_type import classify, version_from_ref
from release_cockpit.domain.rollout import Action, PauseKind, RolloutPhase, RolloutState
from release_cockpit.domain.rollup import ReleaseInputs, board_order, build_release
from release_cockpit.domain.signal_rules import (
    Baseline,
    Change,
    Direction,
    SignalMode,
    SignalRule,
    Threshold,
)
from release_cockpit.domain.signals import (
    Measurement,
    Outcome,
    SignalStatus,
    evaluate,
    measure,
    measurement_error,
)
from release_cockpit.domain.snapshot import CockpitSnapshot
from release_cockpit.domain.stages import Stage, StageName, StageState
from release_cockpit.domain.verdict import Verdict, VerdictLevel, worst

__all__ = [
    "Action",
    "Alert",
    "AlertLink",
    "AlertMatcher",
    "Attention",
    "Baseline",
    "CIJob",
    "CILink",
    "CIRun",
    "CIStep",
    "Change",
    "ChangeSet",
    "CockpitSnapshot",
    "DeployLink",
    "Direction",
    "FlagLink",
    "Measurement",
    "Outcome",
    "PauseKind",
    "Policy",
    "Release",
    "ReleaseInputs",
    "ReleaseLine",
    "ReleaseType",
    "RolloutPhase",
    "RolloutState",
    "RunStatus",
    "SignalMode",
    "SignalRule",
    "SignalStatus",
    "SourceState",
    "SourceStatus",
    "Stage",
    "StageName",
    "StageState",
    "Target",
    "TargetKey",
    "Threshold",
    "ValueFormat",
    "Verdict",
    "VerdictLevel",
    "alerts_for",
    "board_order",
    "build_release",
    "choose_policy",
    "classify",
    "evaluate",
    "format_duration",
    "format_value",
    "measure",
    "measurement_error",
    "parse_duration",
    "source_state",
    "version_from_ref",
    "worst",
]
