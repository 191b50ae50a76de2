"""World state -> Jenkins JSON: the job tree, builds, Pipeline REST API (wfapi) runs,
stages, steps and pending inputs, and the ``tree=`` selection Jenkins applies.

Shapes follow Jenkins' remote access API (https://www.jenkins.io/doc/book/using/remote-access-api/:
every object carries its ``_class``; times are epoch milliseconds) and the Pipeline REST
API README of jenkinsci/pipeline-stage-view-plugin (``wfapi/describe``: only stages that
have started are listed; a stage waiting on an ``input`` step is
``PAUSED_PENDING_INPUT``; links are server paths with the context path, here ``/jenkins``).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from release_cockpit_demo.ci_runs import Outcome, Run
from release_cockpit_demo.ci_state import JobState, State, job_states
from release_cockpit_demo.line import Line
from release_cockpit_demo.payloads import JSON

FOLDER_CLASS = "com.cloudbees.hudson.plugins.folder.Folder"
JOB_CLASS = "org.jenkinsci.plugins.workflow.job.WorkflowJob"
BUILD_CLASS = "org.jenkinsci.plugins.workflow.job.WorkflowRun"
VERSION_PARAMETER = "VERSION"
DEPLOY_STAGE = "deploy"
"""The stage after the input step: it runs once somebody proceeds."""
_WFAPI = {
    State.RUNNING: "IN_PROGRESS",
    State.SUCCESS: "SUCCESS",
    State.FAILED: "FAILED",
    State.CANCELED: "ABORTED",
    State.SKIPPED: "NOT_EXECUTED",
}


def ms(at: float | None) -> int:
    return round(at * 1000) if at is not None else 0


def job_url(line: Line, web: str) -> str:
    folder, name = line.spec.repo.split("/", 1)
    return f"{web}/job/{folder}/job/{name}/"


def job_path(line: Line, prefix: str) -> str:
    folder, name = line.spec.repo.split("/", 1)
    return f"{prefix}/job/{folder}/job/{name}"


def result(run: Run, now: float) -> str | None:
    """``hudson.model.Result`` of a finished build; None while it builds (an input step
    waiting for a person included)."""
    if not run.completed(now):
        return None
    if run.canceled(now) or (
        run.gate is not None and run.gate.decided_at and not run.gate.approved
    ):
        return "ABORTED"
    return "SUCCESS" if run.succeeded() else "FAILURE"


def build_json(line: Line, run: Run, now: float, web: str) -> JSON:
    done = run.completed(now)
    return {
        "_class": BUILD_CLASS,
        "number": run.number,
        "id": str(run.number),
        "url": f"{job_url(line, web)}{run.number}/",
        "displayName": f"#{run.number}",
        "fullDisplayName": f"{line.spec.repo.replace('/', ' » ')} #{run.number}",
        "result": result(run, now),
        "building": not done,
        "timestamp": ms(run.created_at),
        "duration": ms(run.ends_at() - run.created_at) if done else 0,
        "estimatedDuration": 42_000,
        "queueId": 5_000 + run.number,
        "actions": [
            {
                "_class": "hudson.model.ParametersAction",
                "parameters": [
                    {
                        "_class": "hudson.model.StringParameterValue",
                        "name": VERSION_PARAMETER,
                        "value": run.version,
                    }
                ],
            },
            {
                "_class": "hudson.model.CauseAction",
                "causes": [
                    {
                        "_class": "hudson.model.Cause$UserIdCause",
                        "shortDescription": f"Started by user {run.actor}",
                        "userId": run.actor,
                        "userName": run.actor,
                    }
                ],
            },
            {},
            {
                "_class": "hudson.plugins.git.util.BuildData",
                "lastBuiltRevision": {
                    "SHA1": run.sha,
                    "branch": [{"SHA1": run.sha, "name": "refs/remotes/origin/main"}],
                },
            },
        ],
        "changeSets": [],
        "inProgress": not done,
    }


def visible_builds(line: Line, now: float) -> list[Run]:
    """Builds that exist at ``now``, newest first."""
    return sorted(
        (r for r in line.runs if r.created_at <= now), key=lambda r: r.number, reverse=True
    )


def job_json(line: Line, now: float, web: str) -> JSON:
    builds = visible_builds(line, now)
    last = builds[0] if builds else None
    completed = next((r for r in builds if r.completed(now)), None)
    color = "notbuilt"
    if completed is not None:
        color = {"SUCCESS": "blue", "FAILURE": "red", "ABORTED": "aborted"}[
            result(completed, now) or "SUCCESS"
        ]
    if last is not None and not last.completed(now):
        color += "_anime"
    return {
        "_class": JOB_CLASS,
        "name": line.spec.repo.split("/", 1)[1],
        "fullName": line.spec.repo,
        "url": job_url(line, web),
        "color": color,
        "buildable": True,
        "inQueue": False,
        "nextBuildNumber": line.serial + 1,
        "queueItem": None,
        "property": [
            {
                "_class": "hudson.model.ParametersDefinitionProperty",
                "parameterDefinitions": [
                    {"_class": "hudson.model.StringParameterDefinition", "name": VERSION_PARAMETER}
                ],
            }
        ],
        "lastBuild": build_json(line, last, now, web) if last else None,
        "lastCompletedBuild": build_json(line, completed, now, web) if completed else None,
        "builds": [
            {"_class": BUILD_CLASS, "number": r.number, "url": f"{job_url(line, web)}{r.number}/"}
            for r in builds
        ],
    }


def root_json(lines: list[Line], now: float, web: str) -> JSON:
    """The instance root: one folder per owner (``acme``) holding its jobs."""
    folders: dict[str, list[JSON]] = {}
    for line in lines:
        folders.setdefault(line.spec.repo.split("/", 1)[0], []).append(job_json(line, now, web))
    return {
        "_class": "hudson.model.Hudson",
        "mode": "NORMAL",
        "nodeDescription": "the built-in node",
        "useCrumbs": True,
        "url": f"{web}/",
        "jobs": [
            {"_class": FOLDER_CLASS, "name": name, "url": f"{web}/job/{name}/", "jobs": jobs}
            for name, jobs in folders.items()
        ],
    }


# --- the Pipeline REST API ----------------------------------------------------------------


def input_id(run: Run) -> str:
    """A stable input id (Jenkins derives one from the step's message when none is given)."""
    return "Approve" + hashlib.md5(f"{run.id}".encode(), usedforsecurity=False).hexdigest()[:24]


def _stage(
    node: int, name: str, status: str, start: float | None, end: float | None, now: float, base: str
) -> JSON:
    finish = end if end is not None else now
    return {
        "_links": {"self": {"href": f"{base}/execution/node/{node}/wfapi/describe"}},
        "id": str(node),
        "name": name,
        "execNode": "",
        "status": status,
        "startTimeMillis": ms(start),
        "durationMillis": max(0, ms(finish) - ms(start)) if start is not None else 0,
        "pauseDurationMillis": 0,
    }


def stages(line: Line, run: Run, now: float, prefix: str) -> tuple[list[JSON], str]:
    """The run's stages that have started, and the run's wfapi status."""
    base = f"{job_path(line, prefix)}/{run.number}"
    found: list[JSON] = []
    paused = False
    for index, job in enumerate(job_states(run, now)):
        node = 5 + 4 * index
        if job.gate:
            paused = _gate_stages(run, job, node, now, base, found)
        elif job.started_at is not None or job.state in (State.SKIPPED, State.CANCELED):
            status = _WFAPI.get(job.state, "IN_PROGRESS")
            found.append(
                _stage(
                    node,
                    job.name,
                    status,
                    job.started_at or job.created_at,
                    job.finished_at,
                    now,
                    base,
                )
            )
    res = result(run, now)
    status = (
        "PAUSED_PENDING_INPUT"
        if paused
        else {None: "IN_PROGRESS", "SUCCESS": "SUCCESS", "FAILURE": "FAILED", "ABORTED": "ABORTED"}[
            res
        ]
    )
    return found, status


def _gate_stages(
    run: Run, job: JobState, node: int, now: float, base: str, found: list[JSON]
) -> bool:
    """The input stage, then the deploy stage once approved; True while the input waits."""
    gate = run.gate
    opened = run.jobs_end()
    if gate is None or job.state in (State.CREATED, State.SKIPPED) or now < opened:
        return False
    if job.state is State.MANUAL:
        found.append(_stage(node, job.name, "PAUSED_PENDING_INPUT", opened, None, now, base))
        return True
    if job.state is State.CANCELED:
        found.append(
            _stage(node, job.name, "ABORTED", opened, gate.decided_at or run.ends_at(), now, base)
        )
        return False
    found.append(_stage(node, job.name, "SUCCESS", opened, gate.decided_at, now, base))
    if job.started_at is not None:
        status = "SUCCESS" if job.state is State.SUCCESS else "IN_PROGRESS"
        found.append(
            _stage(node + 2, DEPLOY_STAGE, status, job.started_at, job.finished_at, now, base)
        )
    return False


def run_json(line: Line, run: Run, now: float, prefix: str) -> JSON:
    """``GET /job/<path>/<N>/wfapi/describe``."""
    found, status = stages(line, run, now, prefix)
    base = f"{job_path(line, prefix)}/{run.number}"
    links: JSON = {"self": {"href": f"{base}/wfapi/describe"}}
    if status == "PAUSED_PENDING_INPUT":
        links["pendingInputActions"] = {"href": f"{base}/wfapi/pendingInputActions"}
    done = run.completed(now)
    return {
        "_links": links,
        "id": str(run.number),
        "name": f"#{run.number}",
        "status": status,
        "startTimeMillis": ms(run.created_at),
        "endTimeMillis": ms(run.ends_at()) if done else 0,
        "durationMillis": ms((run.ends_at() if done else now) - run.created_at),
        "queueDurationMillis": 2000,
        "pauseDurationMillis": 0,
        "stages": found,
    }


def pending_inputs(line: Line, run: Run, now: float, prefix: str) -> list[JSON]:
    """``GET .../wfapi/pendingInputActions``: the input the run waits on, if any."""
    if not run.gate_open(now):
        return []
    base = f"{job_path(line, prefix)}/{run.number}/input/{input_id(run)}"
    return [
        {
            "id": input_id(run),
            "proceedText": "Proceed",
            "message": f"Deploy {run.version} to {line.spec.environment}?",
            "inputs": [],
            "proceedUrl": f"{base}/proceedEmpty",
            "abortUrl": f"{base}/abort",
            "redirectApprovalUrl": f"{job_path(line, prefix)}/{run.number}/input/",
        }
    ]


def stage_nodes(line: Line, run: Run, node: int, now: float, prefix: str) -> JSON | None:
    """``GET .../execution/node/<id>/wfapi/describe`` of a stage: its steps."""
    found, _ = stages(line, run, now, prefix)
    stage = next((s for s in found if s["id"] == str(node)), None)
    if stage is None:
        return None
    job = next((j for j in job_states(run, now) if j.name == stage["name"]), None)
    base = f"{job_path(line, prefix)}/{run.number}"
    steps = []
    for offset, step in enumerate(job.steps if job else (), start=1):
        if step.started_at is None or now < step.started_at:
            continue
        ended = now >= step.ends_at
        failed = ended and step.outcome is Outcome.FAILURE
        item: JSON = {
            "_links": {"self": {"href": f"{base}/execution/node/{node + offset}/wfapi/describe"}},
            "id": str(node + offset),
            "name": step.name,
            "status": ("FAILED" if failed else "SUCCESS") if ended else "IN_PROGRESS",
            "startTimeMillis": ms(step.started_at),
            "durationMillis": ms(min(now, step.ends_at) - step.started_at),
            "parentNodes": [str(node)],
        }
        if failed:
            item["error"] = {
                "message": "script returned exit code 1",
                "type": "hudson.AbortException",
            }
        steps.append(item)
    return {**stage, "stageFlowNodes": steps}


# --- tree= ---------------------------------------------------------------------------------

Tree = dict[str, tuple["Tree | None", tuple[int, int] | None]]
_TOKEN = re.compile(r"\s*([A-Za-z_$][\w$]*)")
_RANGE = re.compile(r"\{\s*(\d*)\s*(?:,\s*(\d*)\s*)?\}")


def parse_tree(text: str) -> Tree:
    """A ``tree=`` value (``jobs[name,lastBuild[number]{0,5}]``) as nested selections.

    Raises:
        ValueError: the text is not a tree expression.
    """
    tree, end = _parse(text, 0)
    if end != len(text):
        raise ValueError(f"unexpected {text[end : end + 10]!r} in tree")
    return tree


def _parse(text: str, at: int) -> tuple[Tree, int]:
    tree: Tree = {}
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            raise ValueError(f"expected a field name at {at}")
        name, at = match.group(1), match.end()
        sub: Tree | None = None
        if at < len(text) and text[at] == "[":
            sub, at = _parse(text, at + 1)
            if at >= len(text) or text[at] != "]":
                raise ValueError("unclosed [")
            at += 1
        span = None
        found = _RANGE.match(text, at)
        if found is not None:
            low = int(found.group(1) or 0)
            high = (
                int(found.group(2))
                if found.group(2)
                else (low + 1 if found.group(2) is None else 10**9)
            )
            span, at = (low, high), found.end()
        tree[name] = (sub, span)
        if at < len(text) and text[at] == ",":
            at += 1
            continue
        break
    return tree, at


def select(value: Any, tree: Tree) -> Any:
    """``value`` reduced to the fields ``tree`` names (``_class`` is always kept)."""
    if isinstance(value, list):
        return [select(item, tree) for item in value]
    if not isinstance(value, dict):
        return value
    kept: JSON = {"_class": value["_class"]} if "_class" in value else {}
    for name, (sub, span) in tree.items():
        if name not in value:
            continue
        item = value[name]
        if span is not None and isinstance(item, list):
            item = item[span[0] : span[1]]
        kept[name] = select(item, sub) if sub is not None else _leaf(item)
    return kept


def _leaf(value: Any) -> Any:
    """A field named without a sub-selection: objects shrink to their ``_class``, as
    Jenkins sends only the class of an object nobody asked fields of."""
    if isinstance(value, dict):
        return {"_class": value["_class"]} if "_class" in value else {}
    if isinstance(value, list):
        return [_leaf(item) for item in value]
    return value
