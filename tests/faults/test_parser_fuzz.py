"""Every pure parser survives hostile variants of real answers.

Each recorded answer is mutated the way a broken or hostile backend would answer: a value
replaced by a lone surrogate, a huge or negative number, NaN, a deeply nested list, a
wrong type, a missing key, an emptied list. A parser must then return normally (text made
valid, odd values mapped to "unknown") or raise the adapters' own error type (a
``BadResponse`` the engine shows on the sources screen); any other exception would reach
the poll loop as "a cockpit bug" and freeze that backend's panels.

Under ``CI=true`` every parser gets more examples (``tests/support/fuzz.py``).
"""

from __future__ import annotations

import contextlib
import copy
import math
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from release_cockpit.adapters.ci import (
    buildbot_parsing,
    github_actions_parsing,
    github_deployment_records,
    gitlab_deployments,
    gitlab_graphql,
    gitlab_rest,
    jenkins_builds,
    jenkins_jobs,
    jenkins_pipeline,
)
from release_cockpit.adapters.deploy import argo_cd_parsing, rollout_parsing
from release_cockpit.adapters.flags import launchdarkly_parsing, ofrep_parsing, unleash_parsing
from release_cockpit.adapters.monitoring import (
    alertmanager,
    datadog_metrics,
    datadog_monitors,
    grafana_parsing,
    loki_parsing,
    prometheus,
)
from release_cockpit.errors import AdapterError
from tests.support.adapters import load
from tests.support.fuzz import examples

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)

Parser = Callable[[Any], object]

PARSERS: dict[str, tuple[str, Parser]] = {
    "github runs": (
        "github/actions-workflow-runs-list-success-failure.json",
        github_actions_parsing.parse_runs,
    ),
    "github jobs": (
        "github/actions-workflow-run-jobs-with-steps.json",
        github_actions_parsing.parse_jobs,
    ),
    "github compare": (
        "github/compare-tags.json",
        lambda p: github_actions_parsing.parse_compare(p, "1.0.0", "1.1.0"),
    ),
    "github deployments": (
        "github/deployments-list.json",
        github_deployment_records.parse_deployments,
    ),
    "github deployment statuses": (
        "github/deployment-statuses-list-queued.json",
        github_deployment_records.parse_statuses,
    ),
    "gitlab pipelines": ("gitlab/pipelines-list.json", gitlab_rest.parse_pipelines),
    "gitlab jobs": ("gitlab/pipeline-jobs.json", gitlab_rest.parse_jobs),
    "gitlab graphql": (
        "gitlab/graphql-projects-pipelines-written.json",
        lambda p: gitlab_graphql.parse_pipelines_graphql(p, ["acme/checkout", "acme/billing"]),
    ),
    "gitlab deployments": ("gitlab/deployments-list.json", gitlab_deployments.parse_deployments),
    "jenkins jobs": ("jenkins/api-json-jobs-in-folder.json", jenkins_jobs.parse_jobs_tree),
    "jenkins build": ("jenkins/api-json-build-success.json", jenkins_builds.parse_build_single),
    "jenkins wfapi runs": ("jenkins/wfapi-runs.json", jenkins_pipeline.parse_wf_runs),
    "jenkins inputs": (
        "jenkins/wfapi-pending-input-actions.json",
        jenkins_pipeline.parse_pending_inputs,
    ),
    "buildbot builds": (
        "buildbot/builds-pipeline-failed.json",
        lambda p: buildbot_parsing.parse_builds(
            p, base_url="http://bb", version_property="version", builder="pipeline"
        ),
    ),
    "buildbot steps": (
        "buildbot/steps-integration-tests-failed.json",
        buildbot_parsing.parse_steps,
    ),
    "prometheus instant": ("prometheus/query-instant-vector.json", prometheus.parse_query),
    "prometheus range": ("prometheus/query-range-matrix.json", prometheus.parse_range),
    "loki range": ("loki/query-range-matrix.json", loki_parsing.parse_range),
    "alertmanager alerts": ("alertmanager/alerts-severity-runbook.json", alertmanager.parse_alerts),
    "grafana alerts": ("grafana/alerts-derived.json", grafana_parsing.parse_grafana_alerts),
    "datadog monitors": (
        "datadog/v1-monitor-list-page0.json",
        lambda p: datadog_monitors.parse_monitors(p, NOW),
    ),
    "datadog scalar": (
        "datadog/v2-query-scalar-200.json",
        lambda p: datadog_metrics.parse_scalar(p, ["query1"]),
    ),
    "datadog timeseries": (
        "datadog/v2-query-timeseries-200.json",
        lambda p: datadog_metrics.parse_timeseries(p, ["query1"]),
    ),
    "argo rollouts": (
        "argo-rollouts/rollout-canary-timed-pause.json",
        lambda p: rollout_parsing.parse_rollouts(
            {"kind": "RolloutList", "items": [p]},
            load("argo-rollouts/replicasets-checkout.json"),
            NOW,
        ),
    ),
    "argo cd applications": (
        "argo-cd/application-with-history.json",
        lambda p: argo_cd_parsing.parse_applications({"items": [p]}),
    ),
    "ofrep bulk": ("ofrep/gofeatureflag-evaluate-flags-bulk-200.json", ofrep_parsing.parse_bulk),
    "unleash features": (
        "unleash/project-features-list.json",
        unleash_parsing.parse_project_features,
    ),
    "launchdarkly flags": ("launchdarkly/flags-list-200.json", launchdarkly_parsing.parse_flags),
}

HOSTILE: list[object] = [
    "\ud800",
    "v1.2.3\udfff",
    "",
    "x" * 10_000,
    10**30,
    -(10**30),
    -1,
    0,
    math.nan,
    math.inf,
    True,
    None,
    [],
    {},
    [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]],
    {"\ud800": "\ud800"},
    "2026-13-45T99:99:99Z",
    "1970-01-01T00:00:00Z",
]


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Every place a value sits in a JSON document (the root excluded)."""
    found: list[tuple[object, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            found.append((*prefix, key))
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found.append((*prefix, index))
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, document: object) -> object:
    """``document`` with one to four values replaced or removed."""
    changed = copy.deepcopy(document)
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(changed)
        if not paths:
            return copy.deepcopy(draw(st.sampled_from(HOSTILE)))
        path = draw(st.sampled_from(paths))
        parent: Any = changed
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        if isinstance(parent, dict) and draw(st.booleans()) and draw(st.booleans()):
            del parent[last]  # a missing key
        else:
            parent[last] = copy.deepcopy(draw(st.sampled_from(HOSTILE)))
    return changed


@pytest.mark.parametrize("name", sorted(PARSERS))
def test_a_parser_returns_or_raises_a_backend_error_on_hostile_answers(name: str) -> None:
    fixture, parse = PARSERS[name]
    document = load(fixture)
    parse(copy.deepcopy(document))  # the recorded answer itself parses

    @settings(
        max_examples=examples(40),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(mutated(document))
    def survives(payload: object) -> None:
        # A clear "bad response" for the sources screen is the right answer.
        with contextlib.suppress(AdapterError):
            parse(payload)

    survives()
