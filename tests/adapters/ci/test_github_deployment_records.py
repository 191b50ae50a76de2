"""GitHub Deployments read alone: recorded payloads, outcomes, rollbacks and restores."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.ci.github_deployment_records import (
    DeploymentState,
    GitHubDeployment,
    GitHubDeploymentStatus,
    is_production,
    parse_deployments,
    parse_statuses,
    to_record,
    to_records,
)
from release_cockpit.domain.history import ReleaseOutcome
from release_cockpit.errors import BadResponse
from tests.support.adapters import load
from tests.support.github_payloads import SHA_A, SHA_B, deployment_payload, status_payload, t


def dep(ident: int, sha: str, created: datetime, env: str = "production") -> GitHubDeployment:
    return parse_deployments([deployment_payload(ident, sha, created, env)])[0]


def sts(*states: tuple[str, datetime]) -> tuple[GitHubDeploymentStatus, ...]:
    return parse_statuses(status_payload(*states))


# -- pure parsing on recorded payloads ---------------------------------------------------


def test_parse_recorded_deployments():
    deployments = parse_deployments(load("github/deployments-list.json"))
    assert [(d.id, d.environment) for d in deployments] == [
        (263877258, "test"),
        (262350588, "production"),
    ]
    prod = deployments[1]
    assert prod.sha == "743f5a58b0bce91c4eab744ff7e39dfca9e6e8a5"
    assert prod.created_at == datetime(2020, 8, 26, 11, 40, 41, tzinfo=UTC)
    assert prod.creator == "jacquev6"
    assert prod.production_environment is False
    assert is_production(prod)  # by name: GitHub's flag is false in the recording
    assert not is_production(deployments[0])


def test_parse_recorded_statuses_sorted_oldest_first():
    statuses = parse_statuses(load("github/deployment-statuses-list-queued.json"))
    assert [s.id for s in statuses] == [388432880, 388433743, 388454671]
    assert {s.state for s in statuses} == {DeploymentState.QUEUED}
    assert statuses[0].description == "Deployment queued"


def test_recorded_queued_deployment_is_in_progress():
    prod = parse_deployments(load("github/deployments-list.json"))[1]
    statuses = parse_statuses(load("github/deployment-statuses-list-queued.json"))
    record = to_record(prod, statuses, key="pygithub", service="pygithub")
    assert record.outcome is ReleaseOutcome.IN_PROGRESS
    assert record.version == "743f5a5"
    assert record.source == "github-deployments"
    assert record.production is True
    assert record.first_commit_at is None
    assert record.started_at == prod.created_at


def test_shapes_and_unknown_values():
    with pytest.raises(BadResponse, match="expected a JSON array"):
        parse_deployments({"message": "Not Found"})
    with pytest.raises(BadResponse):
        parse_statuses("nope")
    assert parse_deployments([None, {"sha": "x"}, "junk"]) == ()
    weird = status_payload(("exploded\x1b[31m", t(9)))
    assert parse_statuses(weird)[0].state is DeploymentState.UNKNOWN
    evil = deployment_payload(1, SHA_A, t(9))
    evil["environment"] = "prod\x1b]0;owned\x07uction"
    assert "\x1b" not in parse_deployments([evil])[0].environment


@pytest.mark.parametrize(
    ("states", "outcome"),
    [
        ((("queued", t(9)), ("in_progress", t(9, 1)), ("success", t(9, 5))), "SUCCEEDED"),
        ((("in_progress", t(9)), ("failure", t(9, 3)), ("error", t(9, 4))), "FAILED"),
        ((("success", t(9, 5)), ("inactive", t(10))), "SUCCEEDED"),
        ((("queued", t(9)), ("inactive", t(10))), "ABORTED"),
        ((("success", t(9, 5)), ("weird-new-state", t(10))), "SUCCEEDED"),
        ((), "IN_PROGRESS"),
    ],
)
def test_outcome_from_latest_status(states, outcome):
    record = to_record(dep(1, SHA_A, t(9)), sts(*states), key="k", service="s")
    assert record.outcome is ReleaseOutcome[outcome]


def test_times_from_statuses():
    ok = to_record(
        dep(1, SHA_A, t(9)),
        sts(("queued", t(9)), ("success", t(9, 5)), ("inactive", t(11))),
        key="k",
        service="s",
    )
    assert ok.deployed_at == ok.finished_at == t(9, 5)
    bad = to_record(
        dep(2, SHA_A, t(9)),
        sts(("failure", t(9, 3)), ("error", t(9, 4))),
        key="k",
        service="s",
    )
    assert bad.failed_at == t(9, 3)
    assert bad.finished_at == t(9, 4)
    assert bad.deployed_at is None


def test_the_deploy_time_is_the_first_success_not_the_newest():
    record = to_record(
        dep(1, SHA_A, t(9)),
        sts(("in_progress", t(9)), ("success", t(9, 5)), ("success", t(9, 40))),
        key="k",
        service="s",
    )
    assert record.deployed_at == record.finished_at == t(9, 5)


def test_version_from_a_tag_ref():
    item = deployment_payload(1, SHA_A, t(9))
    item["ref"] = "v1.4.2"
    assert to_record(parse_deployments([item])[0], (), key="k", service="s").version == "1.4.2"


def test_failure_is_restored_by_the_next_successful_deploy():
    records = to_records(
        [
            (dep(2, SHA_B, t(10)), sts(("failure", t(10, 5)))),
            (dep(1, SHA_A, t(9)), sts(("success", t(9, 5)))),
            (dep(3, "c" * 40, t(11)), sts(("success", t(11, 10)))),
        ],
        key="k",
        service="s",
    )
    assert [r.version for r in records] == ["aaaaaaa", "bbbbbbb", "ccccccc"]
    failed = records[1]
    assert failed.outcome is ReleaseOutcome.FAILED
    assert (failed.failed_at, failed.restored_at) == (t(10, 5), t(11, 10))


def test_redeploying_an_older_sha_marks_a_rollback():
    records = to_records(
        [
            (dep(1, SHA_A, t(9)), sts(("success", t(9, 5)), ("inactive", t(10, 5)))),
            (dep(2, SHA_B, t(10)), sts(("success", t(10, 5)), ("inactive", t(12, 3)))),
            (dep(3, SHA_A, t(12)), sts(("success", t(12, 3)))),
        ],
        key="k",
        service="s",
    )
    first, rolled, back = records
    assert first.outcome is ReleaseOutcome.SUCCEEDED
    assert rolled.outcome is ReleaseOutcome.ROLLED_BACK
    assert (rolled.failed_at, rolled.restored_at, rolled.finished_at) == (t(12), t(12, 3), t(12, 3))
    assert rolled.deployed_at == t(10, 5)
    assert back.outcome is ReleaseOutcome.SUCCEEDED


def test_environments_are_inferred_separately():
    records = to_records(
        [
            (dep(1, SHA_A, t(9), "staging"), sts(("success", t(9, 5)))),
            (dep(2, SHA_B, t(10), "production"), sts(("success", t(10, 5)))),
            (dep(3, SHA_A, t(11), "production"), sts(("success", t(11, 5)))),
        ],
        key="k",
        service="s",
        production=True,
    )
    assert [r.outcome for r in records] == [ReleaseOutcome.SUCCEEDED] * 3
    assert all(r.production for r in records)
