"""Pure model and rules: releases, stages, signals, verdicts. No I/O, no Textual, no httpx.

The names below are imported from their modules when first used (PEP 562): Python 3.11
takes about half a millisecond to build each dataclass, and importing every module of the
domain put 45 ms before the first frame, where the board's skeleton needs a few enums.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from release_cockpit.domain.alerts import (
        Alert,
        AlertMatcher,
        alerts_for,
    )
    from release_cockpit.domain.ci import (
        CIJob,
        CIRun,
        CIStep,
        RunStatus,
    )
    from release_cockpit.domain.formatting import (
        ValueFormat,
        format_duration,
        format_value,
        parse_duration,
    )
    from release_cockpit.domain.freshness import (
        SourceState,
        SourceStatus,
        source_state,
    )
    from release_cockpit.domain.policy import (
        Policy,
        choose_policy,
    )
    from release_cockpit.domain.release import ChangeSet, Release
    from release_cockpit.domain.release_enums import Attention, ReleaseType
    from release_cockpit.domain.release_line import (
        AlertLink,
        CILink,
        DeployLink,
        FlagLink,
        ReleaseLine,
        Target,
        TargetKey,
    )
    from release_cockpit.domain.release_type import (
        classify,
        version_from_ref,
    )
    from release_cockpit.domain.rollout import (
        Action,
        PauseKind,
        RolloutPhase,
        RolloutState,
    )
    from release_cockpit.domain.rollup import (
        ReleaseInputs,
        board_order,
        build_release,
    )
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
    from release_cockpit.domain.stages import (
        Stage,
        StageName,
        StageState,
    )
    from release_cockpit.domain.verdict import (
        Verdict,
        VerdictLevel,
        worst,
    )

_HOMES = {
    "Alert": "alerts",
    "AlertMatcher": "alerts",
    "alerts_for": "alerts",
    "CIJob": "ci",
    "CIRun": "ci",
    "CIStep": "ci",
    "RunStatus": "ci",
    "ValueFormat": "formatting",
    "format_duration": "formatting",
    "format_value": "formatting",
    "parse_duration": "formatting",
    "SourceState": "freshness",
    "SourceStatus": "freshness",
    "source_state": "freshness",
    "Policy": "policy",
    "choose_policy": "policy",
    "Attention": "release_enums",
    "ChangeSet": "release",
    "Release": "release",
    "ReleaseType": "release_enums",
    "AlertLink": "release_line",
    "CILink": "release_line",
    "DeployLink": "release_line",
    "FlagLink": "release_line",
    "ReleaseLine": "release_line",
    "Target": "release_line",
    "TargetKey": "release_line",
    "classify": "release_type",
    "version_from_ref": "release_type",
    "Action": "rollout",
    "PauseKind": "rollout",
    "RolloutPhase": "rollout",
    "RolloutState": "rollout",
    "ReleaseInputs": "rollup",
    "board_order": "rollup",
    "build_release": "rollup",
    "Baseline": "signal_rules",
    "Change": "signal_rules",
    "Direction": "signal_rules",
    "SignalMode": "signal_rules",
    "SignalRule": "signal_rules",
    "Threshold": "signal_rules",
    "Measurement": "signals",
    "Outcome": "signals",
    "SignalStatus": "signals",
    "evaluate": "signals",
    "measure": "signals",
    "measurement_error": "signals",
    "CockpitSnapshot": "snapshot",
    "Stage": "stages",
    "StageName": "stages",
    "StageState": "stages",
    "Verdict": "verdict",
    "VerdictLevel": "verdict",
    "worst": "verdict",
}
"""Each name's module under ``release_cockpit.domain``."""

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # the next lookup is a plain module attribute
    return value
