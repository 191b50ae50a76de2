"""GitLab deployments and environments: history records with the DORA inputs."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from release_cockpit.adapters.ci.gitlab_deployments import (
    DeploymentStatus,
    deployment_records,
    parse_deployments,
    parse_environment,
    parse_environments,
)
from release_cockpit.adapters.ci.gitlab_status import GitLabStatus
from release_cockpit.domain.history import ReleaseOutcome
from tests.support.adapters import load

S = GitLabStatus


# -- deployments, environments, history --------------------------------------------------


def deployment_item(ident: int, sha: str, status: str, finished: str, created: str) -> dict:
    item = copy.deepcopy(load("gitlab/deployments-list.json")[0])
    item.update(
        id=ident, iid=ident, sha=sha, status=status, created_at=created, updated_at=finished
    )
    item["deployable"]["finished_at"] = finished
    return item


def test_documented_deployments():
    first, second = parse_deployments(load("gitlab/deployments-list.json"))
    assert (first.id, first.status, first.environment) == (
        41,
        DeploymentStatus.CREATED,
        "production",
    )
    assert first.job_status is S.SUCCESS  # the job passed; the deployment says created
    assert first.commit_at == datetime(2016, 8, 11, 7, 36, 1, tzinfo=UTC)
    assert first.finished_at == datetime(2016, 8, 11, 7, 36, 39, 851000, tzinfo=UTC)
    records = deployment_records([first, second], key="bar", service="bar")
    assert [r.outcome for r in records] == [ReleaseOutcome.IN_PROGRESS] * 2
    assert all(r.production and r.source == "gitlab-deployments" for r in records)


def test_deployment_history_gives_dora_inputs_and_rollbacks():
    a, b = "a" * 40, "b" * 40
    items = [
        deployment_item(1, a, "success", "2026-11-01T10:10:00Z", "2026-11-01T10:00:00Z"),
        deployment_item(2, b, "failed", "2026-11-02T10:10:00Z", "2026-11-02T10:00:00Z"),
        deployment_item(3, b, "success", "2026-11-03T10:10:00Z", "2026-11-03T10:00:00Z"),
        deployment_item(4, a, "success", "2026-11-04T10:10:00Z", "2026-11-04T10:00:00Z"),
        deployment_item(5, a, "canceled", "2026-11-05T10:10:00Z", "2026-11-05T10:00:00Z"),
        deployment_item(6, a, "skipped", "2026-11-06T10:10:00Z", "2026-11-06T10:00:00Z"),
        deployment_item(7, a, "mystery", "2026-11-07T10:10:00Z", "2026-11-07T10:00:00Z"),
        deployment_item(8, b, "blocked", "2026-11-08T10:10:00Z", "2026-11-08T10:00:00Z"),
    ]
    records = deployment_records(parse_deployments(items), key="checkout", service="checkout")
    assert [r.outcome for r in records] == [
        ReleaseOutcome.SUCCEEDED,
        ReleaseOutcome.FAILED,
        ReleaseOutcome.ROLLED_BACK,  # #4 redeployed sha a
        ReleaseOutcome.SUCCEEDED,
        ReleaseOutcome.ABORTED,
        ReleaseOutcome.IN_PROGRESS,  # blocked: waiting for approval
    ]
    first = records[0]
    assert first.deployed_at == datetime(2026, 11, 1, 10, 10, tzinfo=UTC)
    assert first.first_commit_at == datetime(2016, 8, 11, 7, 36, 1, tzinfo=UTC)
    assert first.lead_time is not None
    assert first.lead_time > timedelta(days=3000)
    assert records[1].restored_at == datetime(2026, 11, 3, 10, 10, tzinfo=UTC)
    assert records[2].restored_at == datetime(2026, 11, 4, 10, 10, tzinfo=UTC)


def test_documented_environments():
    (environment,) = parse_environments(load("gitlab/environments-list.json"))
    assert (environment.name, environment.state, environment.tier) == (
        "review/fix-foo",
        "available",
        "development",
    )
    assert environment.last_deployment is None
    assert not environment.production
    single = parse_environment(load("gitlab/environment-single-last-deployment.json"))
    last = single.last_deployment
    assert last is not None
    assert (last.id, last.status, last.environment, last.sha[:7]) == (
        100,
        DeploymentStatus.SUCCESS,
        "review/fix-foo",
        "416d8ea",
    )
    assert last.commit_at == datetime(2016, 1, 2, 15, 39, 18, tzinfo=UTC)  # authored_date
    (record,) = deployment_records([last], key="app", service="app", production=single.production)
    assert record.outcome is ReleaseOutcome.SUCCEEDED
    assert not record.production
    assert record.deployed_at == datetime(2019, 3, 25, 18, 55, 13, 216000, tzinfo=UTC)
