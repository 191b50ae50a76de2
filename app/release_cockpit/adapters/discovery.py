"""What a backend has that a first config can map: for `release-cockpit init`.

Each probe asks one documented list endpoint through the backend's ``HttpClient``
(timeouts, size caps, secrets scrubbed, errors mapped like every poll), and a pure
function reads the answer:

- GitHub Actions: the repository's workflows, ``GET /repos/{owner}/{repo}/actions/workflows``
  (https://docs.github.com/en/rest/actions/workflows#list-repository-workflows);
- Prometheus: the values of the ``service`` label, ``GET /api/v1/label/service/values``,
  and the metric names that carry it, ``GET /api/v1/label/__name__/values`` with
  ``match[]={service!=""}`` (https://prometheus.io/docs/prometheus/latest/querying/api/#querying-label-values);
- Kubernetes: Argo Rollouts (``/apis/argoproj.io/v1alpha1/namespaces/{ns}/rollouts``) and
  Deployments (``/apis/apps/v1/namespaces/{ns}/deployments``), each a Kubernetes List
  (https://kubernetes.io/docs/reference/using-api/api-concepts/#collections).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from release_cockpit.adapters.http import HttpClient
from release_cockpit.errors import AdapterError


@dataclass(frozen=True, slots=True)
class Workflow:
    name: str
    file: str  # "release.yml": what a service's ``workflow`` names
    active: bool


@dataclass(frozen=True, slots=True)
class Workload:
    kind: str  # "Rollout" or "Deployment"
    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class Found:
    """One probe's answer: what it found, or why it found nothing."""

    what: str
    items: tuple[Any, ...] = ()
    error: str = ""


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def parse_workflows(payload: object) -> tuple[Workflow, ...]:
    """GitHub's ``{"total_count": n, "workflows": [{"name", "path", "state"}...]}``."""
    found = []
    for item in _mapping(payload).get("workflows") or []:
        entry = _mapping(item)
        path = str(entry.get("path") or "")
        if not path:
            continue
        found.append(
            Workflow(
                str(entry.get("name") or path),
                path.rsplit("/", 1)[-1],
                entry.get("state") == "active",
            )
        )
    return tuple(found)


def parse_label_values(payload: object) -> tuple[str, ...]:
    """Prometheus's ``{"status": "success", "data": ["a", "b"]}``, sorted."""
    body = _mapping(payload)
    data = body.get("data") if body.get("status") == "success" else None
    return (
        tuple(sorted(str(v) for v in data if isinstance(v, str))) if isinstance(data, list) else ()
    )


def parse_workloads(payload: object, kind: str) -> tuple[Workload, ...]:
    """A Kubernetes List's ``items[].metadata`` (a List's items carry no ``kind``)."""
    found = []
    for item in _mapping(payload).get("items") or []:
        meta = _mapping(_mapping(item).get("metadata"))
        name = meta.get("name")
        if isinstance(name, str) and name:
            found.append(Workload(kind, str(meta.get("namespace") or ""), name))
    return tuple(found)


async def github_workflows(client: HttpClient, repository: str) -> Found:
    what = f"workflows of {repository}"
    try:
        answer = await client.get_json(
            f"repos/{repository}/actions/workflows", params={"per_page": 100}
        )
    except AdapterError as exc:
        return Found(what, error=exc.message)
    return Found(what, parse_workflows(answer.data))


async def prometheus_services(client: HttpClient) -> Found:
    what = "values of the service label"
    try:
        answer = await client.get_json("api/v1/label/service/values")
    except AdapterError as exc:
        return Found(what, error=exc.message)
    return Found(what, parse_label_values(answer.data))


async def prometheus_series(client: HttpClient) -> Found:
    what = "metrics with a service label"
    try:
        answer = await client.get_json(
            "api/v1/label/__name__/values", params={"match[]": '{service!=""}'}
        )
    except AdapterError as exc:
        return Found(what, error=exc.message)
    return Found(what, parse_label_values(answer.data))


KUBE_LISTS = {
    "Rollout": "apis/argoproj.io/v1alpha1/namespaces/{namespace}/rollouts",
    "Deployment": "apis/apps/v1/namespaces/{namespace}/deployments",
}


async def kube_workloads(client: HttpClient, kind: str, namespace: str) -> Found:
    what = f"{kind}s in namespace {namespace}"
    try:
        answer = await client.get_json(KUBE_LISTS[kind].format(namespace=namespace))
    except AdapterError as exc:
        return Found(what, error=exc.message)
    return Found(what, parse_workloads(answer.data, kind))
