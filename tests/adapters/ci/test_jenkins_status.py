"""Jenkins results, ball colours and wfapi stage statuses on recorded payloads."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.ci.jenkins_builds import (
    parse_build,
    parse_build_single,
)
from release_cockpit.adapters.ci.jenkins_pipeline import (
    parse_wf_run,
    stage_jobs,
)
from release_cockpit.adapters.ci.jenkins_status import (
    BuildResult,
    map_color,
    map_result,
    map_stage_status,
)
from release_cockpit.domain.ci import RunStatus
from tests.support.adapters import load
from tests.support.jenkins_payloads import (
    build_payload,
)

# -- results, colours, stage statuses ----------------------------------------------------

RESULTS = [
    ("SUCCESS", RunStatus.SUCCEEDED),
    ("UNSTABLE", RunStatus.FAILED),
    ("FAILURE", RunStatus.FAILED),
    ("NOT_BUILT", RunStatus.SKIPPED),
    ("ABORTED", RunStatus.CANCELLED),
]


@pytest.mark.parametrize(("result", "expected"), RESULTS)
def test_every_result_on_the_recorded_build(result, expected):
    build = parse_build_single(build_payload(result=result))
    assert build.result is BuildResult(result)
    assert build.status is expected


def test_a_running_build_has_no_result_yet():
    build = parse_build_single(build_payload(result=None, building=True, duration=0))
    assert build.status is RunStatus.RUNNING
    assert build.finished_at is None


def test_building_wins_over_a_result_set_early():
    assert parse_build_single(build_payload(result="UNSTABLE", building=True)).status is (
        RunStatus.RUNNING
    )


@pytest.mark.parametrize(
    ("result", "building", "expected"),
    [
        (None, None, RunStatus.RUNNING),
        (None, False, RunStatus.UNKNOWN),
        ("WEIRD", False, RunStatus.UNKNOWN),
        (3, False, RunStatus.UNKNOWN),
        ("success", False, RunStatus.SUCCEEDED),
    ],
)
def test_map_result_edges(result, building, expected):
    assert map_result(result, building) is expected


def test_a_build_object_without_state_fields_says_nothing():
    build = parse_build({"number": 7, "url": "http://localhost:32769/job/fish/7/"})
    assert build is not None
    assert not build.reported
    assert build.status is RunStatus.UNKNOWN


@pytest.mark.parametrize(
    ("color", "expected"),
    [
        ("blue", RunStatus.SUCCEEDED),
        ("red", RunStatus.FAILED),
        ("yellow", RunStatus.FAILED),
        ("aborted", RunStatus.CANCELLED),
        ("notbuilt", RunStatus.SKIPPED),
        ("disabled", RunStatus.SKIPPED),
        ("grey", RunStatus.QUEUED),
        ("blue_anime", RunStatus.RUNNING),
        ("red_anime", RunStatus.RUNNING),
        ("yellow_anime", RunStatus.RUNNING),
        ("aborted_anime", RunStatus.RUNNING),
        ("notbuilt_anime", RunStatus.RUNNING),
        ("disabled_anime", RunStatus.RUNNING),
        ("grey_anime", RunStatus.RUNNING),
        ("purple", RunStatus.UNKNOWN),
        (None, RunStatus.UNKNOWN),
    ],
)
def test_ball_colours(color, expected):
    assert map_color(color) is expected


STAGE_STATUSES = [
    ("SUCCESS", RunStatus.SUCCEEDED),
    ("FAILED", RunStatus.FAILED),
    ("IN_PROGRESS", RunStatus.RUNNING),
    ("PAUSED_PENDING_INPUT", RunStatus.WAITING),
    ("ABORTED", RunStatus.CANCELLED),
    ("UNSTABLE", RunStatus.FAILED),
    ("NOT_EXECUTED", RunStatus.SKIPPED),
    ("SOMETHING_NEW", RunStatus.UNKNOWN),
]


@pytest.mark.parametrize(("status", "expected"), STAGE_STATUSES)
def test_every_stage_status_on_the_recorded_run(status, expected):
    payload = load("jenkins/wfapi-run-describe-paused-pending-input.json")
    payload["status"] = status
    payload["stages"][1]["status"] = status
    run = parse_wf_run(payload)
    assert run.run_status is expected
    assert stage_jobs(run)[1].status is expected
    assert map_stage_status(status) is expected
