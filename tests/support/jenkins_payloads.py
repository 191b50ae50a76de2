"""Jenkins payloads for tests: recorded objects put together, fields changed.

Each derivation is listed in tests/fixtures/jenkins/SOURCES.md.
"""

from __future__ import annotations

import copy

from release_cockpit.adapters.ci.jenkins_jobs import (
    parse_jobs_tree,
)
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


WORKFLOW = "Test Workflow"
"""The Pipeline job of the wfapi README examples (its run 16 waits on an input)."""


def workflow_tree(number: int = 11, result: str | None = None, building: bool = True) -> dict:
    """The recorded root listing with its WorkflowJob renamed to the wfapi examples' job and
    the recorded build (renumbered) as its last build (see SOURCES.md)."""
    root = tree()
    job = next(j for j in root["jobs"] if j["name"] == "Test Workflow Job")
    last = build_payload(
        number=number,
        result=result,
        building=building,
        url=f"http://localhost:32769/jenkins/job/Test%20Workflow/{number}/",
    )
    last["actions"][0]["parameters"].append({"name": "VERSION", "value": "v1.4.0"})
    job.update(
        name=WORKFLOW,
        nextBuildNumber=number + 1,
        lastBuild=last,
        lastCompletedBuild=None if building else last,
    )
    return root
