"""The Pipeline REST API (``wfapi``): stages of a run, their steps, waiting inputs.

Pure. Source: https://github.com/jenkinsci/pipeline-stage-view-plugin/blob/master/rest-api/README.md
(``wfapi/runs``, ``wfapi/describe``, node describe, ``pendingInputActions``). A plugin,
not part of core Jenkins: where it is missing the cockpit shows builds without stages.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from release_cockpit.adapters.ci.jenkins_status import STAGE_MAP, StageStatus, epoch_ms, millis
from release_cockpit.adapters.payload import (
    after,
    as_dict,
    as_int,
    as_list,
    as_str,
    dig,
    require_dict,
    require_list,
)
from release_cockpit.domain.ci import CIJob, CIStep, RunStatus

# -- Pipeline REST API (wfapi) ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WfStage:
    """A stage of a Pipeline run (``stages[]``), with its flow nodes once described."""

    id: str
    name: str
    status: StageStatus
    started_at: datetime | None = None
    duration_ms: int | None = None
    describe_href: str = ""
    nodes: tuple[WfNode, ...] = ()

    @property
    def finished_at(self) -> datetime | None:
        if self.status in (StageStatus.IN_PROGRESS, StageStatus.PAUSED_PENDING_INPUT):
            return None
        if self.started_at is None or self.duration_ms is None:
            return None
        return after(self.started_at, self.duration_ms / 1000)


@dataclass(frozen=True, slots=True)
class WfNode:
    """A step inside a stage (``stageFlowNodes[]``), with its error when it failed."""

    id: str
    name: str
    status: StageStatus
    started_at: datetime | None = None
    duration_ms: int | None = None
    error: str = ""
    log_href: str = ""

    @property
    def finished_at(self) -> datetime | None:
        if self.status in (StageStatus.IN_PROGRESS, StageStatus.PAUSED_PENDING_INPUT):
            return None
        if self.started_at is None or self.duration_ms is None:
            return None
        return after(self.started_at, self.duration_ms / 1000)


@dataclass(frozen=True, slots=True)
class WfRun:
    """A Pipeline run from ``wfapi/runs`` or ``wfapi/describe``.

    ``number`` comes from ``id`` when numeric (current Jenkins) or from ``name`` ("#16";
    old Jenkins used a timestamp id such as ``2014-10-16_13-07-52``).
    """

    id: str
    number: int | None
    name: str
    status: StageStatus
    started_at: datetime | None = None
    ended_at: datetime | None = None
    duration_ms: int | None = None
    stages: tuple[WfStage, ...] = ()
    pending_input_href: str = ""

    @property
    def run_status(self) -> RunStatus:
        return STAGE_MAP[self.status]


def _href(item: Mapping[str, Any], name: str) -> str:
    return as_str(dig(item, "_links", name, "href"), 500)


def _stage(item: Mapping[str, Any]) -> WfStage:
    return WfStage(
        id=as_str(item.get("id"), 40),
        name=as_str(item.get("name"), 300),
        status=StageStatus.parse(item.get("status")),
        started_at=epoch_ms(item.get("startTimeMillis")),
        duration_ms=millis(item.get("durationMillis")),
        describe_href=_href(item, "self"),
    )


def _run(item: Mapping[str, Any]) -> WfRun:
    ident = as_str(item.get("id"), 60)
    name = as_str(item.get("name"), 100)
    number = as_int(ident) if ident.isdigit() else None
    if number is None:
        match = re.match(r"^#(\d+)", name)
        number = int(match.group(1)) if match else None
    return WfRun(
        id=ident,
        number=number,
        name=name,
        status=StageStatus.parse(item.get("status")),
        started_at=epoch_ms(item.get("startTimeMillis")),
        ended_at=epoch_ms(item.get("endTimeMillis")),
        duration_ms=millis(item.get("durationMillis")),
        stages=tuple(_stage(s) for s in as_list(item.get("stages")) if isinstance(s, dict)),
        pending_input_href=_href(item, "pendingInputActions"),
    )


def parse_wf_runs(payload: object) -> tuple[WfRun, ...]:
    """``GET /job/<path>/wfapi/runs`` (at most 10 runs unless the server raises it).

    Raises:
        BadResponse: not a JSON array.
    """
    items = require_list(payload, "Jenkins wfapi runs")
    return tuple(_run(item) for item in items if isinstance(item, dict))


def parse_wf_run(payload: object) -> WfRun:
    """``GET /job/<path>/<N>/wfapi/describe``.

    Raises:
        BadResponse: not an object.
    """
    return _run(require_dict(payload, "Jenkins wfapi run"))


def parse_stage_nodes(payload: object) -> WfStage:
    """``GET .../execution/node/<id>/wfapi/describe`` of a stage: the stage and its steps;
    a failed step carries ``error.message`` ("script returned exit code 1").

    Raises:
        BadResponse: not an object.
    """
    body = require_dict(payload, "Jenkins wfapi stage")
    nodes = []
    for item in as_list(body.get("stageFlowNodes")):
        if not isinstance(item, dict):
            continue
        error = as_dict(item.get("error"))
        message = as_str(error.get("message"), 300)
        kind = as_str(error.get("type"), 200).rsplit(".", 1)[-1]
        nodes.append(
            WfNode(
                id=as_str(item.get("id"), 40),
                name=as_str(item.get("name"), 300),
                status=StageStatus.parse(item.get("status")),
                started_at=epoch_ms(item.get("startTimeMillis")),
                duration_ms=millis(item.get("durationMillis")),
                error=f"{message} ({kind})" if message and kind else message,
                log_href=_href(item, "log"),
            )
        )
    return replace(_stage(body), nodes=tuple(nodes))


def with_stage_nodes(run: WfRun, described: Iterable[WfStage]) -> WfRun:
    """The run with the steps of the stages that were described (matched by id)."""
    by_id = {stage.id: stage for stage in described}
    return replace(
        run,
        stages=tuple(
            replace(s, nodes=by_id[s.id].nodes) if s.id in by_id else s for s in run.stages
        ),
    )


def stage_jobs(run: WfRun, *, build_url: str = "") -> tuple[CIJob, ...]:
    """Stages as the cockpit's jobs (the Build/Test stage patterns match stage names),
    their flow nodes as steps; a failed step's name carries its error message."""
    jobs = []
    for stage in run.stages:
        steps = tuple(
            CIStep(
                number=index,
                name=f"{node.name}: {node.error}" if node.error else node.name,
                status=STAGE_MAP[node.status],
                started_at=node.started_at,
                completed_at=node.finished_at,
            )
            for index, node in enumerate(stage.nodes, start=1)
        )
        jobs.append(
            CIJob(
                id=stage.id,
                name=stage.name,
                status=STAGE_MAP[stage.status],
                started_at=stage.started_at,
                completed_at=stage.finished_at,
                url=build_url,
                steps=steps,
            )
        )
    return tuple(jobs)


@dataclass(frozen=True, slots=True)
class PendingInput:
    """An ``input`` step waiting for an answer (``wfapi/pendingInputActions``).

    ``proceed_url`` / ``abort_url`` are server paths that include Jenkins' context path
    (``/jenkins/job/...``); ``root_relative`` strips it. ``parameters`` counts the
    values the input asks for when the answer lists them (``inputs``, newer plugin
    versions; not in the documented example): ``proceedEmpty`` cannot answer those.
    """

    id: str
    message: str
    proceed_url: str
    abort_url: str
    parameters: int = 0


def parse_pending_inputs(payload: object) -> tuple[PendingInput, ...]:
    """``GET /job/<path>/<N>/wfapi/pendingInputActions``.

    Raises:
        BadResponse: not a JSON array.
    """
    items = require_list(payload, "Jenkins pending input actions")
    return tuple(
        PendingInput(
            id=as_str(item.get("id"), 100),
            message=as_str(item.get("message"), 500),
            proceed_url=as_str(item.get("proceedUrl"), 500),
            abort_url=as_str(item.get("abortUrl"), 500),
            parameters=len(as_list(item.get("inputs"))),
        )
        for item in items
        if isinstance(item, dict) and as_str(item.get("id"), 100)
    )
