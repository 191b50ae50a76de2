"""Jenkins parsing: the one-request job tree, builds, queue, wfapi stages and input, requests.

Payloads come from tests/fixtures/jenkins (see SOURCES.md there). Results and stage
statuses no licensed recording shows are derived by changing one field of a recorded
payload; the job tree is assembled from recorded objects. SOURCES.md lists each derivation.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.ci.jenkins_parsing import (
    MAX_DEPTH,
    BuildResult,
    ItemKind,
    JenkinsAction,
    QueueState,
    StageStatus,
    action_offers,
    build_request,
    build_version,
    cancel_queued_request,
    decode_branch,
    epoch_ms,
    input_offers,
    item_kind,
    job_path,
    job_runs,
    jobs_tree,
    jobs_tree_params,
    map_color,
    map_result,
    map_stage_status,
    parse_build,
    parse_build_single,
    parse_crumb,
    parse_jobs_tree,
    parse_pending_inputs,
    parse_queue_item,
    parse_stage_nodes,
    parse_wf_run,
    parse_wf_runs,
    rebuild_offer,
    root_relative,
    stage_jobs,
    stop_request,
    to_ci_run,
    with_stage_nodes,
)
from release_cockpit.domain.ci import RunStatus
from release_cockpit.domain.stage_rules import ci_stage
from release_cockpit.domain.stages import StageName, StageState
from release_cockpit.errors import BadResponse
from tests.support.adapters import load

BRANCH = "release%2F1.4.0"  # branch-api NameEncoder spelling of release/1.4.0


def build_payload(**changes) -> dict:
    """The recorded successful build (``fish #10``) with fields changed."""
    item = copy.deepcopy(load("jenkins/api-json-build-success.json"))
    item.update(changes)
    return item


def branch_job(result: str | None = "SUCCESS", building: bool = False, **build) -> dict:
    """A multibranch branch job: the recorded build as its lastBuild (see SOURCES.md)."""
    last = build_payload(result=result, building=building, **build)
    return {
        "_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob",
        "name": BRANCH,
        "url": "http://localhost:32769/job/fish-multibranch/job/release%252F1.4.0/",
        "nextBuildNumber": 11,
        "lastBuild": last,
        "lastCompletedBuild": None if building else last,
    }


def tree(**branch) -> dict:
    """The recorded root listing with the recorded folder listing and a branch job inside."""
    root = copy.deepcopy(load("jenkins/api-json-jobs-root-folder-multibranch.json"))
    folder = next(j for j in root["jobs"] if j["name"] == "Test Folder")
    folder["jobs"] = load("jenkins/api-json-jobs-in-folder.json")["jobs"]
    multibranch = next(j for j in root["jobs"] if j["name"] == "Test MultiBranch Project")
    multibranch["jobs"] = [branch_job(**branch)]
    return root


def inventory(**branch):
    return parse_jobs_tree(tree(**branch))


def the_branch(**branch):
    job = inventory(**branch).find("Test MultiBranch Project/release/1.4.0")
    assert job is not None
    return job


def queued_job():
    (job,) = parse_jobs_tree({"jobs": [load("jenkins/api-json-job-info-in-queue.json")]}).jobs
    return job


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


# -- the one request for every job -------------------------------------------------------


def test_the_tree_reads_folders_to_the_given_depth():
    text = jobs_tree()
    assert text.startswith("jobs[_class,name,url,color,")
    assert text.count("jobs[") == 4
    for field in (
        "lastBuild[number,url,result,building,timestamp,duration,displayName",
        "lastCompletedBuild[",
        "parameters[name,value]",
        "causes[shortDescription,userId]",
        "lastBuiltRevision[SHA1,branch[name]]",
        "changeSets[items[commitId,timestamp]{0,50}]",
        "queueItem[_class,id,blocked,buildable,stuck,why,inQueueSince,params]",
        "property[parameterDefinitions[name]]",
        "nextBuildNumber",
    ):
        assert field in text
    assert text.count("[") == text.count("]")
    assert jobs_tree(1).count("jobs[") == 1
    assert jobs_tree(99).count("jobs[") == MAX_DEPTH
    assert jobs_tree_params(2) == {"tree": jobs_tree(2)}
    assert len(jobs_tree()) < 4000  # a URL, not a body: keep it short


def test_the_tree_answer_walks_folders_and_multibranch_projects():
    found = inventory()
    assert {job.full_name: job.class_name for job in found.jobs} == {
        "Test Tool": "hudson.maven.MavenModuleSet",
        f"Test MultiBranch Project/{BRANCH}": "org.jenkinsci.plugins.workflow.job.WorkflowJob",
        "Test Folder/Test Project": "hudson.model.FreeStyleProject",
        "Test Free Style": "hudson.model.FreeStyleProject",
        "Test Workflow Job": "org.jenkinsci.plugins.workflow.job.WorkflowJob",
    }
    assert found.ignored == (
        "Test Docker Slave (com.cloudbees.tiger.plugins.palace.templates.DockerSlaveTemplate)",
    )
    assert found.unread == ()
    free_style = found.find("Test Free Style")
    assert free_style is not None
    assert free_style.status is RunStatus.FAILED  # color red, no build in the listing
    workflow = found.find("Test Workflow Job")
    assert workflow is not None
    assert workflow.status is RunStatus.UNKNOWN  # nothing known: never green
    assert job_runs(workflow) == ()


def test_a_folder_deeper_than_the_tree_is_reported_unread():
    found = parse_jobs_tree(load("jenkins/api-json-jobs-root-folder-multibranch.json"))
    assert found.unread == ("Test MultiBranch Project", "Test Folder")


def test_a_multibranch_branch_job():
    job = the_branch(result="FAILURE")
    assert job.branch == "release/1.4.0"
    assert job.display == "Test MultiBranch Project/release/1.4.0"
    assert job_path(job.path) == "/job/Test%20MultiBranch%20Project/job/release%252F1.4.0"
    run = to_ci_run(job, job.last_build)
    assert (run.id, run.number, run.status, run.ref) == (
        "10",
        10,
        RunStatus.FAILED,
        "release/1.4.0",
    )
    assert run.version == "1.4.0"
    assert run.event == "Started by user anonymous"
    assert run.started_at == datetime(2016, 4, 19, 18, 51, 32, 486000, tzinfo=UTC)
    assert run.updated_at == datetime(2016, 4, 19, 18, 52, 33, 236000, tzinfo=UTC)
    assert run.url == "http://localhost:32769/job/fish/10/"


def test_a_running_branch_build_keeps_the_last_completed_one():
    job = the_branch(result=None, building=True)
    assert job.status is RunStatus.RUNNING
    assert job.building
    (run,) = job_runs(job)  # lastCompletedBuild is null while the first build runs
    assert run.status is RunStatus.RUNNING


def test_a_queued_freestyle_job_from_the_recorded_job_info():
    job = queued_job()
    assert (job.full_name, job.color, job.in_queue) == ("fish", "blue_anime", True)
    assert job.parameter_names == ("bear", "fish")
    assert job.next_build_number == 8
    assert job.status is RunStatus.RUNNING  # #7 carries no state; the colour says building
    item = job.queue_item
    assert item is not None
    assert (item.id, item.state, item.status) == (71, QueueState.BLOCKED, RunStatus.QUEUED)
    assert item.why == "Build #7 is already in progress (ETA:52 sec)"
    assert item.parameters == (("bear", "true"), ("fish", "salmon"))
    queued, last, completed = job_runs(job, version_parameter="fish")
    assert (queued.id, queued.status, queued.title) == ("queue-71", RunStatus.QUEUED, item.why)
    assert queued.version == "salmon"  # a declared parameter is kept when not semantic
    assert (last.id, last.status) == ("7", RunStatus.RUNNING)
    assert (completed.id, completed.status) == ("6", RunStatus.UNKNOWN)


@pytest.mark.parametrize(
    ("kind_item", "expected"),
    [
        ({"_class": "com.cloudbees.hudson.plugins.folder.Folder"}, ItemKind.FOLDER),
        ({"_class": "jenkins.branch.OrganizationFolder"}, ItemKind.ORGANIZATION),
        ({"_class": "some.plugin.NewFolderType", "jobs": []}, ItemKind.FOLDER),
        ({"_class": "some.plugin.NewJobType", "lastBuild": None}, ItemKind.JOB),
        ({"_class": "some.plugin.Thing"}, ItemKind.OTHER),
        ({"_class": 5}, ItemKind.OTHER),
    ],
)
def test_item_kinds(kind_item, expected):
    assert item_kind(kind_item) is expected


def test_broken_tree_items_never_crash_and_never_pass():
    found = parse_jobs_tree(
        {
            "jobs": [
                None,
                {"name": ""},
                {"_class": "hudson.model.FreeStyleProject", "name": "x", "lastBuild": "junk"},
                {
                    "_class": "hudson.model.FreeStyleProject",
                    "name": "y",
                    "lastBuild": {"number": "NaN", "timestamp": float("inf")},
                },
            ]
        }
    )
    assert [(j.full_name, j.status) for j in found.jobs] == [
        ("x", RunStatus.UNKNOWN),
        ("y", RunStatus.UNKNOWN),
    ]
    with pytest.raises(BadResponse):
        parse_jobs_tree({"_class": "hudson.model.Hudson"})
    with pytest.raises(BadResponse):
        parse_jobs_tree([])


def test_recorded_build_details():
    build = parse_build_single(load("jenkins/api-json-build-success.json"))
    assert build.parameters == (("bear", "true"), ("fish", "salmon"))
    assert build.causes == ("Started by user anonymous",)
    assert build.user == ""  # userId null
    assert (build.display_name, build.queue_id, build.duration_ms) == ("#10", 73, 60750)
    assert build.commits == ()
    with pytest.raises(BadResponse):
        parse_build_single({"result": "SUCCESS"})


def test_git_revision_and_changes():
    build = parse_build_single(
        build_payload(
            actions=[
                {},
                {
                    "_class": "hudson.plugins.git.util.BuildData",
                    "lastBuiltRevision": {
                        "SHA1": "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c",
                        "branch": [{"name": "refs/remotes/origin/main"}],
                    },
                },
            ],
            changeSets=[{"items": [{"commitId": "abc123", "timestamp": 1461091800000}]}],
        )
    )
    assert build.sha.startswith("0f1e2d3")
    assert build.commits == (("abc123", datetime(2016, 4, 19, 18, 50, tzinfo=UTC)),)
    job = parse_jobs_tree({"jobs": [{"_class": "hudson.model.FreeStyleProject", "name": "fish"}]})
    run = to_ci_run(job.jobs[0], build)
    assert run.ref == "main"
    assert run.sha == build.sha


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1461091892486, datetime(2016, 4, 19, 18, 51, 32, 486000, tzinfo=UTC)),
        (0, None),
        (-5, None),
        (float("nan"), None),
        (True, None),
        ("1461091892486", None),
    ],
)
def test_epoch_milliseconds(value, expected):
    assert epoch_ms(value) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("release%2F1.4.0", "release/1.4.0"),
        ("feature%2Fa%25b", "feature/a%b"),
        ("%2E", "."),
        ("%00", ""),
        ("main", "main"),
        ("odd%2", "odd%2"),
    ],
)
def test_branch_names_decode_like_branch_api(name, expected):
    assert decode_branch(name) == expected


# -- versions ----------------------------------------------------------------------------


def test_version_from_a_named_parameter():
    payload = build_payload()
    payload["actions"][0]["parameters"].append({"name": "VERSION", "value": "v2.4.0"})
    job = the_branch()
    build = parse_build_single(payload)
    read = build_version(job, build, "VERSION")
    assert (read.version, read.source) == ("2.4.0", "parameter VERSION")


def test_version_falls_back_to_branch_then_display_name():
    job = the_branch()
    read = build_version(job, job.last_build, "VERSION")
    assert (read.version, read.source) == ("1.4.0", "branch")
    plain = queued_job()
    named = parse_build_single(build_payload(displayName="1.5.2 (hotfix)"))
    assert build_version(plain, named).version == "1.5.2"


def test_no_version_says_what_was_looked_at():
    read = build_version(queued_job(), parse_build_single(build_payload()), "VERSION")
    assert read.version is None
    assert read.reason == (
        "version unknown: no parameter VERSION; display name '#10' holds no version "
        "(expected e.g. v1.2.3 or release/1.2.3)"
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


# -- input, queue, requests --------------------------------------------------------------


def test_pending_input_offers_proceed_and_abort():
    (pending,) = parse_pending_inputs(load("jenkins/wfapi-pending-input-actions.json"))
    assert (pending.id, pending.message) == (
        "Ef95dd500ae6ed3b27b89fb852296d12",
        "Is the build okay?",
    )
    workflow = parse_jobs_tree(
        {
            "jobs": [
                {
                    "_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                    "name": "Test Workflow",
                }
            ]
        }
    ).jobs[0]
    proceed, abort = input_offers(workflow, 11, pending, root_path="/jenkins/")
    assert proceed.applies
    assert abort.applies
    assert proceed.request.method == "POST"
    assert proceed.request.path == (
        "/job/Test%20Workflow/11/input/Ef95dd500ae6ed3b27b89fb852296d12/proceedEmpty"
    )
    assert abort.request.path.endswith("/input/Ef95dd500ae6ed3b27b89fb852296d12/abort")
    assert proceed.request.kind is JenkinsAction.INPUT_PROCEED
    assert "'Is the build okay?' of Test Workflow #11 with Proceed" in proceed.request.effect
    assert "#11 ends ABORTED" in abort.request.effect
    assert proceed.request.needs_crumb


def test_an_input_that_asks_for_values_cannot_be_proceeded_from_here():
    payload = load("jenkins/wfapi-pending-input-actions.json")
    payload[0]["inputs"] = [{"name": "TARGET", "type": "StringParameterDefinition"}]
    (pending,) = parse_pending_inputs(payload)
    proceed, abort = input_offers(queued_job(), 11, pending)
    assert proceed.unavailable == "the input asks for 1 value(s); answer it in Jenkins"
    assert abort.applies
    assert parse_pending_inputs([{"message": "no id"}, 3]) == ()


@pytest.mark.parametrize(
    ("href", "root", "expected"),
    [
        ("/jenkins/job/x/1/input/a/abort", "/jenkins", "/job/x/1/input/a/abort"),
        ("http://ci.example.com/jenkins/job/x/", "jenkins", "/job/x/"),
        ("/job/x/1/stop", "", "/job/x/1/stop"),
        ("/jenkinsfoo/job/x", "/jenkins", "/jenkinsfoo/job/x"),
    ],
)
def test_root_relative_paths(href, root, expected):
    assert root_relative(href, root) == expected


@pytest.mark.parametrize(
    ("name", "state", "status", "number"),
    [
        ("api-json-queue-item-blocked.json", QueueState.BLOCKED, RunStatus.QUEUED, None),
        ("api-json-queue-item-left-executable.json", QueueState.STARTED, RunStatus.RUNNING, 14),
        ("api-json-queue-item-cancelled.json", QueueState.CANCELLED, RunStatus.CANCELLED, None),
    ],
)
def test_recorded_queue_items(name, state, status, number):
    item = parse_queue_item(load(f"jenkins/{name}"))
    assert (item.id, item.state, item.status, item.build_number) == (143, state, status, number)
    assert item.parameters == (("a", "4"),)
    assert item.task == "test"


def test_queue_item_shapes():
    assert parse_queue_item({"id": 1, "_class": "hudson.model.Queue$WaitingItem"}).state is (
        QueueState.WAITING
    )
    assert parse_queue_item({"id": 2, "buildable": True}).state is QueueState.BUILDABLE
    assert parse_queue_item({"id": 3}).status is RunStatus.UNKNOWN
    with pytest.raises(BadResponse):
        parse_queue_item({"why": "no id"})


def test_build_with_parameters_request():
    job = queued_job()
    request = build_request(job, {"bear": "false", "fish": "trout"})
    assert (request.method, request.path) == ("POST", "/job/fish/buildWithParameters")
    assert request.form == (("bear", "false"), ("fish", "trout"))
    assert "queues a new build of fish with bear=false, fish=trout" in request.effect
    assert "becomes #8" in request.effect
    plain = build_request(job)
    assert plain.path == "/job/fish/build"
    assert "with the job's default parameters" in plain.effect


def test_rebuild_replays_the_parameters_and_keeps_the_failed_build():
    job = queued_job()
    failed = parse_build_single(
        build_payload(
            result="FAILURE",
            actions=[
                *load("jenkins/api-json-build-success.json")["actions"],
                {"lastBuiltRevision": {"SHA1": "0f1e2d3c4b5a6978", "branch": []}},
            ],
        )
    )
    offer = rebuild_offer(job, failed)
    assert offer.applies
    assert offer.request.path == "/job/fish/buildWithParameters"
    assert offer.request.form == (("bear", "true"), ("fish", "salmon"))
    assert offer.request.effect == (
        "Jenkins queues #8 of fish with the same parameters as #10 (bear=true, fish=salmon); "
        "it builds the branch as it is then, which may not be commit 0f1e2d3 that #10 built. "
        "#10 stays in the history as failure; nothing is re-run in place."
    )


def test_a_hidden_parameter_cannot_be_replayed():
    payload = build_payload(result="FAILURE")
    payload["actions"][0]["parameters"].append({"name": "PASSWORD"})
    offer = rebuild_offer(queued_job(), parse_build_single(payload))
    assert offer.unavailable == (
        "#10 has parameters Jenkins does not show (PASSWORD); rebuild it in Jenkins"
    )


def test_stop_and_cancel_queued_requests():
    job = queued_job()
    stop = stop_request(job, parse_build_single(build_payload(building=True, result=None)))
    assert (stop.method, stop.path) == ("POST", "/job/fish/10/stop")
    assert "ends ABORTED" in stop.effect
    assert stop.needs_crumb
    assert job.queue_item is not None
    cancel = cancel_queued_request(job, job.queue_item)
    assert (cancel.path, cancel.params) == ("/queue/cancelItem", (("id", "71"),))


def test_offers_for_a_job_building_with_a_queued_build():
    offers = {o.request.kind: o for o in action_offers(queued_job())}
    assert offers[JenkinsAction.STOP].applies  # the colour says #7 is building
    assert offers[JenkinsAction.REBUILD].applies  # #6 completed
    assert offers[JenkinsAction.CANCEL_QUEUED].applies


def test_offers_for_a_finished_branch_job():
    offers = {o.request.kind: o for o in action_offers(the_branch(result="FAILURE"))}
    assert offers[JenkinsAction.STOP].unavailable == "#10 is not running"
    assert offers[JenkinsAction.REBUILD].applies
    assert JenkinsAction.CANCEL_QUEUED not in offers


def test_crumb():
    crumb = parse_crumb(load("jenkins/crumb-issuer-written.json"))
    assert crumb.header == ("Jenkins-Crumb", "c0ffee00112233445566778899aabbcc")
    with pytest.raises(BadResponse):
        parse_crumb({"crumb": "x"})
    with pytest.raises(BadResponse):
        parse_crumb({"crumb": "abc\r\nX-Evil: 1", "crumbRequestField": "Jenkins-Crumb"})
