"""Jenkins: the one-request job tree, builds, queue state, versions.

Payloads come from tests/fixtures/jenkins (see SOURCES.md there); the job tree is
assembled from recorded objects.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.ci.jenkins_actions import (
    job_path,
)
from release_cockpit.adapters.ci.jenkins_builds import (
    QueueState,
    parse_build_single,
)
from release_cockpit.adapters.ci.jenkins_jobs import (
    MAX_DEPTH,
    ItemKind,
    build_version,
    decode_branch,
    item_kind,
    job_runs,
    jobs_tree,
    jobs_tree_params,
    parse_jobs_tree,
    to_ci_run,
)
from release_cockpit.adapters.ci.jenkins_status import (
    epoch_ms,
)
from release_cockpit.domain.ci import RunStatus
from release_cockpit.errors import BadResponse
from tests.support.adapters import load
from tests.support.jenkins_payloads import (
    BRANCH,
    build_payload,
    inventory,
    queued_job,
    the_branch,
)

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
