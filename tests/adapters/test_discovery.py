"""What `init` finds on a backend: documented list answers, read by pure functions; a
probe that fails says why instead of raising."""

from __future__ import annotations

import httpx

from release_cockpit.adapters import discovery
from release_cockpit.adapters.discovery import Workflow, Workload
from release_cockpit.adapters.http import HttpClient
from tests.support.adapters import Backend, make_settings

# The shape of "List repository workflows"
# (https://docs.github.com/en/rest/actions/workflows#list-repository-workflows).
WORKFLOWS = {
    "total_count": 2,
    "workflows": [
        {
            "id": 161335,
            "node_id": "MDg6V29ya2Zsb3cxNjEzMzU=",
            "name": "Release",
            "path": ".github/workflows/release.yml",
            "state": "active",
        },
        {
            "id": 269289,
            "node_id": "MDE4OldvcmtmbG93IFNlY29uZGFyeTI2OTI4OQ==",
            "name": "Nightly",
            "path": ".github/workflows/nightly.yml",
            "state": "disabled_manually",
        },
    ],
}
# Prometheus label values (https://prometheus.io/docs/prometheus/latest/querying/api/).
SERVICES = {"status": "success", "data": ["payments", "checkout"]}
# A Kubernetes List: items carry metadata, not kind.
ROLLOUTS = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "RolloutList",
    "metadata": {"resourceVersion": "4711"},
    "items": [{"metadata": {"name": "checkout", "namespace": "shop"}}],
}


def test_parsers_read_the_documented_answers():
    assert discovery.parse_workflows(WORKFLOWS) == (
        Workflow("Release", "release.yml", True),
        Workflow("Nightly", "nightly.yml", False),
    )
    assert discovery.parse_label_values(SERVICES) == ("checkout", "payments")
    assert discovery.parse_label_values({"status": "error", "data": ["x"]}) == ()
    assert discovery.parse_workloads(ROLLOUTS, "Rollout") == (
        Workload("Rollout", "shop", "checkout"),
    )
    assert discovery.parse_workloads({"items": [{"metadata": {}}, "junk"]}, "Rollout") == ()
    assert discovery.parse_workflows(["not", "a", "mapping"]) == ()


async def test_probes_ask_the_documented_endpoints():
    backend = (
        Backend()
        .json("GET", "/repos/acme/checkout/actions/workflows", WORKFLOWS)
        .json("GET", "/api/v1/label/__name__/values", {"status": "success", "data": ["up"]})
        .json("GET", "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts", ROLLOUTS)
    )
    client = HttpClient(make_settings("probe"), transport=backend.transport)
    try:
        flows = await discovery.github_workflows(client, "acme/checkout")
        series = await discovery.prometheus_series(client)
        rollouts = await discovery.kube_workloads(client, "Rollout", "shop")
    finally:
        await client.aclose()
    assert [w.file for w in flows.items] == ["release.yml", "nightly.yml"]
    assert series.items == ("up",)
    assert rollouts.items == (Workload("Rollout", "shop", "checkout"),)
    series_request = backend.sent()[1]
    assert series_request.url.params["match[]"] == '{service!=""}'


async def test_a_failed_probe_says_why():
    backend = Backend().on("GET", "/api/v1/label/service/values", httpx.Response(404))
    client = HttpClient(make_settings("probe"), transport=backend.transport)
    try:
        found = await discovery.prometheus_services(client)
    finally:
        await client.aclose()
    assert found.items == ()
    assert "404" in found.error
