"""Runs, tags and jobs parsed from GitHub GraphQL answers: versions read exactly as REST
reads them, never guessed from a commit that several tags point at."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.ci.github_actions import GitHubActions
from release_cockpit.adapters.ci.github_actions_parsing import DEFAULT_READING
from release_cockpit.adapters.ci.github_graphql import split_answer
from release_cockpit.adapters.ci.github_graphql_runs import (
    TagIndex,
    map_check_status,
    newest_first,
    parse_suite_jobs,
    parse_tags,
    parse_workflow_runs,
)
from release_cockpit.domain import RunStatus
from tests.support.adapters import load, make_settings


def answer(name: str):
    return split_answer(load(f"github/{name}.json"))


def runs(reading=DEFAULT_READING):
    read = answer("graphql-workflow-runs")
    return parse_workflow_runs(read.value("w0"), reading, parse_tags(read.value("r0")))


@pytest.mark.parametrize(
    ("status", "conclusion", "expected"),
    [
        ("QUEUED", None, RunStatus.QUEUED),
        ("REQUESTED", None, RunStatus.QUEUED),
        ("PENDING", None, RunStatus.QUEUED),
        ("WAITING", None, RunStatus.WAITING),
        ("IN_PROGRESS", "", RunStatus.RUNNING),
        ("COMPLETED", "SUCCESS", RunStatus.SUCCEEDED),
        ("COMPLETED", "FAILURE", RunStatus.FAILED),
        ("COMPLETED", "TIMED_OUT", RunStatus.FAILED),
        ("COMPLETED", "STARTUP_FAILURE", RunStatus.FAILED),
        ("COMPLETED", "CANCELLED", RunStatus.CANCELLED),
        ("COMPLETED", "SKIPPED", RunStatus.SKIPPED),
        ("COMPLETED", "NEUTRAL", RunStatus.SKIPPED),
        ("COMPLETED", "ACTION_REQUIRED", RunStatus.WAITING),
        ("COMPLETED", "STALE", RunStatus.UNKNOWN),
        ("COMPLETED", None, RunStatus.UNKNOWN),
        ("SOMETHING_NEW", None, RunStatus.UNKNOWN),
        (None, "SUCCESS", RunStatus.UNKNOWN),
    ],
)
def test_check_states_map_like_their_rest_spelling(status, conclusion, expected):
    assert map_check_status(status, conclusion) is expected


def test_runs_carry_what_rest_carries():
    first = runs()[0].run
    assert first.id == "11073456019"
    assert first.number == 212
    assert first.name == "release"
    assert first.status is RunStatus.RUNNING
    assert first.sha == "8f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2"
    assert first.event == "push"
    assert first.actor == "alice"
    assert first.url == "https://github.com/acme/checkout/actions/runs/11073456019"
    assert first.created_at == datetime(2026, 11, 27, 11, 40, tzinfo=UTC)
    assert first.updated_at == datetime(2026, 11, 27, 11, 48, 10, tzinfo=UTC)
    assert first.attempt == 1
    assert first.title == ""
    assert runs()[0].suite_id == "CS_kwDOEB6Igc8AAAAGvOUDog"


def test_versions_come_from_the_branch_or_the_one_tag_at_the_commit():
    found = runs()
    assert [r.run.ref for r in found] == ["v2.8.0", "release/2.7.1", "", "main", ""]
    assert [r.run.version for r in found] == ["2.8.0", "2.7.1", None, None, None]
    # the annotated tag v2.8.0 is peeled to its commit; main and a pull request are read
    # as REST reads them: known refs that hold no version
    assert [r.ref_known for r in found] == [True, True, True, True, False]
    assert "'main' is not a release tag or branch" in found[3].run.version_problem
    assert "no branch or tag" in found[2].run.version_problem


def test_a_commit_two_tags_point_at_is_left_to_rest():
    # v2.7.0 and "latest" point at run 208's commit: which tag pushed it, GraphQL cannot say
    last = runs()[-1]
    assert not last.ref_known
    assert last.run.version is None


def test_a_tag_list_cut_at_the_commit_is_not_trusted():
    sha = "a" * 40
    assert TagIndex((("v1.0.0", "b" * 40), ("v0.9.0", sha)), cut=False).only_tag_at(sha) == "v0.9.0"
    assert TagIndex((("v1.0.0", "b" * 40), ("v0.9.0", sha)), cut=True).only_tag_at(sha) is None
    assert TagIndex((("v1.0.0", sha), ("v0.9.0", "b" * 40)), cut=True).only_tag_at(sha) == "v1.0.0"
    assert TagIndex((), cut=True).only_tag_at(sha) is None


def test_the_backends_own_tag_format_and_release_branches_apply():
    gh = GitHubActions(
        make_settings("github-actions", tag_format="release-{version}", release_branches=[])
    )
    found = runs(gh.reading)
    assert [r.run.version for r in found[:2]] == [None, None]
    assert "'v2.8.0' is not a release tag or branch" in found[0].run.version_problem


def test_several_workflows_merge_newest_first_like_the_repository_list():
    found = runs()
    merged = newest_first([found[3], found[0], found[4], found[1]], limit=3)
    assert [r.run.number for r in merged] == [212, 211, 209]


def test_jobs_are_the_latest_check_runs_with_failed_steps():
    read = answer("graphql-check-suite-jobs")
    jobs, more = parse_suite_jobs(read.value("s0"))
    assert not more
    assert [(j.id, j.name, j.status) for j in jobs] == [
        ("31000000001", "build", RunStatus.SUCCEEDED),
        ("31000000002", "integration-tests", RunStatus.FAILED),
        ("31000000003", "publish", RunStatus.SKIPPED),
    ]
    failed = jobs[1]
    assert [s.name for s in failed.failed_steps] == ["Run integration suite"]
    assert failed.url == "https://github.com/acme/checkout/actions/runs/11073456011/job/31000000002"
    assert failed.completed_at == datetime(2026, 11, 27, 11, 30, 50, tzinfo=UTC)
    assert jobs[2].url == "https://github.com/acme/checkout/runs/31000000003"  # no detailsUrl
    assert jobs[0].steps == ()  # steps are read for failed jobs only


def test_a_page_that_is_not_the_last_says_so():
    jobs, more = parse_suite_jobs(answer("graphql-check-suite-jobs").value("s1"))
    assert more
    assert [j.status for j in jobs] == [RunStatus.RUNNING]


def test_shapes_graphql_may_send_do_not_crash():
    assert parse_workflow_runs(None, DEFAULT_READING, TagIndex()) == ()
    assert (
        parse_workflow_runs(
            {"runs": {"nodes": [None, {"runNumber": 1}]}}, DEFAULT_READING, TagIndex()
        )
        == ()
    )
    assert parse_tags({"tags": {"nodes": [{"name": "v1"}, None]}}) == TagIndex()
    assert parse_suite_jobs({}) == ((), False)
