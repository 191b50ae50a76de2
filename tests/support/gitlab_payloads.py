"""GitLab payloads for tests: documented fixtures with fields changed.

Each change is listed in tests/fixtures/gitlab/SOURCES.md.
"""

from __future__ import annotations

import copy

from release_cockpit.adapters.ci.gitlab_rest import (
    parse_pipeline_single,
    to_ci_run,
    with_jobs,
)
from release_cockpit.domain.stage_rules import ci_stage
from release_cockpit.domain.stages import StageName, StageState
from tests.support.adapters import load

BASE = "https://gitlab.example.com"
REQUESTED = ["shop/checkout", "shop/payments", "shop/missing"]


def pipeline_payload(**changes) -> dict:
    """The documented single pipeline with fields changed."""
    item = copy.deepcopy(load("gitlab/pipeline-single-success.json"))
    item.update(changes)
    return item


def job_payload(**changes) -> dict:
    """The documented single job (``rubocop``, failed) with fields changed."""
    item = copy.deepcopy(load("gitlab/job-single-failed.json"))
    item.update(changes)
    return item


def graphql() -> dict:
    return copy.deepcopy(load("gitlab/graphql-projects-pipelines-written.json"))


def cockpit_test_stage(jobs) -> StageState:
    run = to_ci_run(with_jobs(parse_pipeline_single(pipeline_payload()), jobs))
    return ci_stage(StageName.TEST, ["*"], run, configured=True, have_data=True).state
