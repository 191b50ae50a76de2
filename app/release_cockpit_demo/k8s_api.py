"""Kubernetes API plumbing for the demo: list envelopes, ``Status`` failures, discovery.

Shapes from k8s.io/apimachinery (``metav1.Status``, list ``metadata.resourceVersion``)
and the APIResourceList that `kubectl api-resources` reads for a group version.
"""

from __future__ import annotations

from release_cockpit_demo.payloads import JSON

GROUP_VERSION = "argoproj.io/v1alpha1"
VERSION = {"major": "1", "minor": "30", "gitVersion": "v1.30.4", "platform": "linux/amd64"}


def list_json(kind: str, api_version: str, items: list[JSON], resource_version: int) -> JSON:
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"resourceVersion": str(resource_version)},
        "items": items,
    }


def status_json(code: int, reason: str, message: str, details: JSON | None = None) -> JSON:
    """A Kubernetes ``Status`` failure body (apimachinery metav1.Status)."""
    body: JSON = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details:
        body["details"] = details
    return body


def not_found(kind: str, name: str, group: str = "argoproj.io") -> JSON:
    resource = f"{kind}.{group}" if group else kind
    return status_json(
        404,
        "NotFound",
        f'{resource} "{name}" not found',
        {"name": name, "group": group, "kind": kind},
    )


def api_resources() -> JSON:
    """Discovery for the Argo Rollouts API group (what `kubectl api-resources` reads)."""
    verbs = ["delete", "deletecollection", "get", "list", "patch", "create", "update", "watch"]

    def resource(
        name: str, kind: str, short: list[str], sub_verbs: list[str] | None = None
    ) -> JSON:
        entry: JSON = {
            "name": name,
            "singularName": "" if "/" in name else name.rstrip("s"),
            "namespaced": True,
            "kind": kind,
            "verbs": sub_verbs if sub_verbs is not None else verbs,
        }
        if short:
            entry["shortNames"] = short
        return entry

    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": GROUP_VERSION,
        "resources": [
            resource("rollouts", "Rollout", ["ro"]),
            resource("rollouts/status", "Rollout", [], ["get", "patch", "update"]),
            resource("rollouts/scale", "Scale", [], ["get", "patch", "update"]),
            resource("analysisruns", "AnalysisRun", ["ar"]),
            resource("analysistemplates", "AnalysisTemplate", ["at"]),
            resource("experiments", "Experiment", ["exp"]),
        ],
    }
