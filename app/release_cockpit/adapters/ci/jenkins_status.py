"""Jenkins build results, ball colours and Pipeline stage statuses -> ``RunStatus``.

Pure. Sources: ``hudson.model.Result`` (SUCCESS, UNSTABLE, FAILURE, NOT_BUILT, ABORTED)
and ``hudson.model.BallColor`` (``blue``, ``red``, ``yellow``, ``grey``, ``disabled``,
``aborted``, ``notbuilt``, each with ``_anime`` while building) in
https://github.com/jenkinsci/jenkins; the Pipeline REST API's ``StatusExt``
(NOT_EXECUTED, ABORTED, SUCCESS, IN_PROGRESS, PAUSED_PENDING_INPUT, FAILED, UNSTABLE) in
https://github.com/jenkinsci/pipeline-stage-view-plugin/blob/master/rest-api/README.md.

Status choices: UNSTABLE (Jenkins: "some errors but they were not fatal", typically
failed tests) maps to FAILED, because a release whose tests failed is not ready and the
cockpit never shows more health than it has evidence for; NOT_BUILT (a module or stage
that never ran) maps to SKIPPED; ABORTED to CANCELLED. A Pipeline ``input`` step that
waits (PAUSED_PENDING_INPUT) is WAITING, with proceed and abort as its actions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime
from enum import Enum

from release_cockpit.adapters.payload import (
    as_int,
)
from release_cockpit.domain.ci import RunStatus

# -- statuses --------------------------------------------------------------------------


class BuildResult(Enum):
    """``hudson.model.Result``; None (still building, or never set) is handled separately."""

    SUCCESS = "SUCCESS"
    UNSTABLE = "UNSTABLE"
    FAILURE = "FAILURE"
    NOT_BUILT = "NOT_BUILT"
    ABORTED = "ABORTED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: object) -> BuildResult | None:
        """None for JSON null (no result yet); UNKNOWN for anything unexpected."""
        if value is None:
            return None
        if not isinstance(value, str):
            return cls.UNKNOWN
        try:
            return cls(value.strip().upper())
        except ValueError:
            return cls.UNKNOWN


RESULT_MAP: Mapping[BuildResult, RunStatus] = {
    BuildResult.SUCCESS: RunStatus.SUCCEEDED,
    BuildResult.UNSTABLE: RunStatus.FAILED,  # failed tests: not a releasable build
    BuildResult.FAILURE: RunStatus.FAILED,
    BuildResult.NOT_BUILT: RunStatus.SKIPPED,
    BuildResult.ABORTED: RunStatus.CANCELLED,
    BuildResult.UNKNOWN: RunStatus.UNKNOWN,
}


def map_result(result: object, building: object) -> RunStatus:
    """A build's state from ``result`` and ``building``.

    ``building: true`` wins (a Pipeline may set ``currentBuild.result`` while it still
    runs). ``result: null`` means running only when ``building`` does not say otherwise;
    null with ``building: false`` is not a result we can read: UNKNOWN.
    """
    if building is True:
        return RunStatus.RUNNING
    parsed = BuildResult.parse(result)
    if parsed is None:
        return RunStatus.RUNNING if building is None else RunStatus.UNKNOWN
    return RESULT_MAP[parsed]


_COLOR_MAP: Mapping[str, RunStatus] = {
    "blue": RunStatus.SUCCEEDED,
    "red": RunStatus.FAILED,
    "yellow": RunStatus.FAILED,  # unstable
    "aborted": RunStatus.CANCELLED,
    "notbuilt": RunStatus.SKIPPED,  # never built
    "disabled": RunStatus.SKIPPED,
    "grey": RunStatus.QUEUED,  # "pending" in BallColor's words
}


def map_color(color: object) -> RunStatus:
    """A job's ball colour (freestyle jobs carry one; WorkflowJob may not): ``*_anime`` is a
    build in progress, whatever the colour of the last result."""
    if not isinstance(color, str) or not color:
        return RunStatus.UNKNOWN
    if color.endswith("_anime"):
        return RunStatus.RUNNING
    return _COLOR_MAP.get(color, RunStatus.UNKNOWN)


class StageStatus(Enum):
    """``com.cloudbees.workflow.rest.external.StatusExt`` (note FAILED, not FAILURE)."""

    NOT_EXECUTED = "NOT_EXECUTED"
    ABORTED = "ABORTED"
    SUCCESS = "SUCCESS"
    IN_PROGRESS = "IN_PROGRESS"
    PAUSED_PENDING_INPUT = "PAUSED_PENDING_INPUT"
    FAILED = "FAILED"
    UNSTABLE = "UNSTABLE"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def parse(cls, value: object) -> StageStatus:
        if not isinstance(value, str):
            return cls.UNKNOWN
        try:
            return cls(value.strip().upper())
        except ValueError:
            return cls.UNKNOWN


STAGE_MAP: Mapping[StageStatus, RunStatus] = {
    # StatusExt.fromGenericStatus(null): the flow graph has no such node run, e.g. a stage
    # skipped by `when` or after an earlier failure.
    StageStatus.NOT_EXECUTED: RunStatus.SKIPPED,
    StageStatus.ABORTED: RunStatus.CANCELLED,
    StageStatus.SUCCESS: RunStatus.SUCCEEDED,
    StageStatus.IN_PROGRESS: RunStatus.RUNNING,
    StageStatus.PAUSED_PENDING_INPUT: RunStatus.WAITING,  # an input step waits for a human
    StageStatus.FAILED: RunStatus.FAILED,
    StageStatus.UNSTABLE: RunStatus.FAILED,
    StageStatus.UNKNOWN: RunStatus.UNKNOWN,
}


def map_stage_status(value: object) -> RunStatus:
    return STAGE_MAP[StageStatus.parse(value)]


def epoch_ms(value: object) -> datetime | None:
    """Epoch milliseconds (Jenkins and wfapi times) as aware UTC; 0, junk or None is None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def millis(value: object) -> int | None:
    """A count of milliseconds (durations); negative or junk is None."""
    number = as_int(value)
    return number if number is not None and number >= 0 else None
