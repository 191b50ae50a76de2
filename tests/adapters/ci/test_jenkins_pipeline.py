"""Jenkins Pipeline REST API (wfapi): stages, steps, waiting inputs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.ci.jenkins_builds import (
    parse_build_single,
)
from release_cockpit.adapters.ci.jenkins_jobs import (
    to_ci_run,
)
from release_cockpit.adapters.ci.jenkins_pipeline import (
    parse_stage_nodes,
    parse_wf_run,
    parse_wf_runs,
    stage_jobs,
    with_stage_nodes,
)
from release_cockpit.adapters.ci.jenkins_status import (
    StageStatus,
)
from release_cockpit.domain.ci import RunStatus
from release_cockpit.domain.stage_rules import ci_stage
from release_cockpit.domain.stages import StageName, StageState
from release_cockpit.errors import BadResponse
from tests.support.adapters import load
from tests.support.jenkins_payloads import (
    build_payload,
    queued_job,
)

# -- wfapi -------------------------------------------------------------------------------


def test_recorded_runs_list():
    paused, done = parse_wf_runs(load("jenkins/wfapi-runs.json"))
    assert (paused.id, paused.number, paused.name) == ("2014-10-16_13-07-52", 16, "#16")
    assert paused.run_status is RunStatus.WAITING
    assert paused.pending_input_href == "/jenkins/job/Test%20Workflow/16/wfapi/pendingInputActions"
    assert [(s.name, s.status) for s in paused.stages] == [
        ("Build", StageStatus.SUCCESS),
        ("Test", StageStatus.SUCCESS),
        ("Deploy", StageStatus.PAUSED_PENDING_INPUT),
    ]
    assert done.run_status is RunStatus.SUCCEEDED
    assert done.pending_input_href == ""
    jobs = stage_jobs(paused, build_url="http://j/job/Test%20Workflow/16/")
    assert [(j.id, j.name, j.status) for j in jobs] == [
        ("5", "Build", RunStatus.SUCCEEDED),
        ("8", "Test", RunStatus.SUCCEEDED),
        ("10", "Deploy", RunStatus.WAITING),
    ]
    assert jobs[2].completed_at is None  # still waiting
    assert jobs[0].completed_at == datetime(2014, 10, 16, 12, 8, 0, 998000, tzinfo=UTC)


def test_a_waiting_input_makes_the_deploy_stage_wait_for_a_human():
    run = parse_wf_run(load("jenkins/wfapi-run-describe-paused-pending-input.json"))
    job = queued_job()
    ci = to_ci_run(job, parse_build_single(build_payload(number=16)), jobs=stage_jobs(run))
    stage = ci_stage(StageName.PRE_RELEASE, ["deploy"], ci, configured=True, have_data=True)
    assert stage.state is StageState.WAITING


def test_stage_nodes_carry_the_failed_step_and_its_error():
    failed = parse_stage_nodes(load("jenkins/wfapi-stage-node-describe-failed.json"))
    assert (failed.id, failed.status) == ("8", StageStatus.FAILED)
    (node,) = failed.nodes
    assert node.error == "script returned exit code 1 (AbortException)"
    assert node.log_href == "/jenkins/job/Test%20Workflow/17/execution/node/9/wfapi/log"
    passed = parse_stage_nodes(load("jenkins/wfapi-stage-node-describe-success.json"))
    payload = load("jenkins/wfapi-run-describe-paused-pending-input.json")
    payload["stages"][1]["status"] = "FAILED"
    run = with_stage_nodes(parse_wf_run(payload), [passed, failed])
    build, test, deploy = stage_jobs(run)
    assert [s.name for s in build.steps] == ["Git", "Shell Script"]
    assert build.failed_steps == ()
    assert [s.name for s in test.failed_steps] == [
        "Shell Script: script returned exit code 1 (AbortException)"
    ]
    assert deploy.steps == ()
    stage = ci_stage(
        StageName.TEST,
        ["test"],
        to_ci_run(queued_job(), parse_build_single(build_payload()), jobs=(build, test, deploy)),
        configured=True,
        have_data=True,
    )
    assert stage.state is StageState.FAILED


def test_wfapi_shapes_are_checked():
    with pytest.raises(BadResponse):
        parse_wf_runs({"runs": []})
    with pytest.raises(BadResponse):
        parse_wf_run([])
    with pytest.raises(BadResponse):
        parse_stage_nodes("x")
    run = parse_wf_run({"id": "23", "name": "junk", "stages": [None, {"status": 1}]})
    assert run.number == 23
    assert [j.status for j in stage_jobs(run)] == [RunStatus.UNKNOWN]
