"""Jenkins control actions: input proceed and abort, build, rebuild, stop, queue, crumbs."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.ci.jenkins_actions import (
    JenkinsAction,
    action_offers,
    build_request,
    cancel_queued_request,
    input_offers,
    parse_crumb,
    rebuild_offer,
    root_relative,
    stop_request,
)
from release_cockpit.adapters.ci.jenkins_builds import (
    QueueState,
    parse_build_single,
    parse_queue_item,
)
from release_cockpit.adapters.ci.jenkins_jobs import (
    parse_jobs_tree,
)
from release_cockpit.adapters.ci.jenkins_pipeline import (
    parse_pending_inputs,
)
from release_cockpit.domain.ci import RunStatus
from release_cockpit.errors import BadResponse
from tests.support.adapters import load
from tests.support.jenkins_payloads import (
    build_payload,
    queued_job,
    the_branch,
)

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
