"""GitLab statuses: every status mapped, unknown never success, GitLab's roll-up.

Payloads come from tests/fixtures/gitlab (see SOURCES.md there); statuses the
documentation examples do not show are derived by changing one field.
"""

from __future__ import annotations

import pytest

from release_cockpit.adapters.ci.gitlab_rest import (
    parse_job_single,
    parse_pipeline_single,
    to_ci_job,
    to_ci_run,
)
from release_cockpit.adapters.ci.gitlab_status import GitLabStatus, map_status, roll_up
from release_cockpit.domain.ci import RunStatus
from tests.support.gitlab_payloads import (
    job_payload,
    pipeline_payload,
)

# -- statuses ----------------------------------------------------------------------------

ALL_STATUSES = [
    ("created", RunStatus.QUEUED),
    ("waiting_for_resource", RunStatus.QUEUED),
    ("preparing", RunStatus.QUEUED),
    ("pending", RunStatus.QUEUED),
    ("running", RunStatus.RUNNING),
    ("success", RunStatus.SUCCEEDED),
    ("failed", RunStatus.FAILED),
    ("canceled", RunStatus.CANCELLED),
    ("skipped", RunStatus.SKIPPED),
    ("manual", RunStatus.WAITING),
    ("scheduled", RunStatus.QUEUED),
    ("canceling", RunStatus.RUNNING),
    ("waiting_for_callback", RunStatus.RUNNING),
]


@pytest.mark.parametrize(("status", "expected"), ALL_STATUSES)
def test_every_pipeline_status_on_the_documented_pipeline(status, expected):
    pipeline = parse_pipeline_single(pipeline_payload(status=status))
    assert to_ci_run(pipeline).status is expected


@pytest.mark.parametrize(("status", "expected"), ALL_STATUSES)
def test_every_job_status_on_the_documented_job(status, expected):
    job = parse_job_single(job_payload(status=status))
    assert job.status is GitLabStatus(status)
    assert to_ci_job(job).status is expected


@pytest.mark.parametrize(("status", "expected"), ALL_STATUSES)
def test_graphql_upper_case_statuses(status, expected):
    assert map_status(status.upper()) is expected


@pytest.mark.parametrize("value", [None, "", "bogus", 7, ["failed"], {"status": "success"}])
def test_unknown_statuses_never_read_as_success(value):
    assert map_status(value) is RunStatus.UNKNOWN
    job = parse_job_single(job_payload(status=value))
    assert to_ci_job(job).status is RunStatus.UNKNOWN


def test_a_job_without_status_is_unknown_not_passed():
    item = job_payload()
    del item["status"]
    assert to_ci_job(parse_job_single(item)).status is RunStatus.UNKNOWN


# -- GitLab's roll-up (Composite) --------------------------------------------------------

S = GitLabStatus


@pytest.mark.parametrize(
    ("items", "expected", "warnings"),
    [
        ([(S.SUCCESS, False), (S.SKIPPED, False)], S.SUCCESS, False),
        ([(S.SUCCESS, False), (S.FAILED, True)], S.SUCCESS, True),
        ([(S.SUCCESS, False), (S.CANCELED, True)], S.SUCCESS, True),
        ([(S.SUCCESS, False), (S.MANUAL, True)], S.SUCCESS, False),
        ([(S.SUCCESS, False), (S.MANUAL, False)], S.MANUAL, False),
        ([(S.MANUAL, True)], S.SKIPPED, False),
        ([(S.FAILED, False), (S.SUCCESS, False)], S.FAILED, False),
        ([(S.FAILED, False), (S.RUNNING, False)], S.RUNNING, False),
        ([(S.CANCELED, False), (S.SUCCESS, False)], S.CANCELED, False),
        ([(S.PENDING, False), (S.CREATED, False)], S.PENDING, False),
        ([(S.CREATED, False), (S.SUCCESS, False)], S.RUNNING, False),
        ([(S.WAITING_FOR_RESOURCE, False), (S.SUCCESS, False)], S.WAITING_FOR_RESOURCE, False),
        ([(S.SCHEDULED, False), (S.SUCCESS, False)], S.SCHEDULED, False),
        ([(S.CANCELING, False), (S.SUCCESS, False)], S.RUNNING, False),
        ([(S.UNKNOWN, False), (S.SUCCESS, False)], S.UNKNOWN, False),
    ],
)
def test_roll_up_follows_gitlab_composite(items, expected, warnings):
    rolled = roll_up(items)
    assert rolled is not None
    assert (rolled.status, rolled.warnings) == (expected, warnings)


def test_roll_up_of_nothing_is_none():
    assert roll_up([]) is None
