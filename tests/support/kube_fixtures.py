"""Kubernetes-shaped fixtures kept as YAML: loaded the way the API would have sent them.

Recorded objects from clusters (``kubectl get -o yaml``) sometimes have unquoted timestamps
(``creationTimestamp: 2018-07-18T04:40:44Z``) that a YAML 1.1 loader turns into datetimes.
The API sends every timestamp as an RFC 3339 string, so the loader here keeps them strings.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.support.adapters import FIXTURES, load

_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _ApiLoader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver: timestamps stay strings, as in JSON."""


_ApiLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(relative: str) -> Any:
    """A YAML fixture from tests/fixtures, timestamps as strings."""
    return yaml.load((FIXTURES / relative).read_text(encoding="utf-8"), Loader=_ApiLoader)


def fixture(relative: str) -> Any:
    """A JSON or YAML fixture by file name; a fresh copy every call (tests edit them)."""
    if relative.endswith((".yaml", ".yml")):
        return load_yaml(relative)
    return copy.deepcopy(load(relative))


# Recorded Kubernetes objects the parsing and action tests share.
COMPLETE = "kubernetes/deployment-complete-newreplicasetavailable.json"
MID = "kubernetes/deployment-mid-rollout-replicasetupdated.yaml"
DEADLINE = "kubernetes/deployment-progress-deadline-exceeded.yaml"
PAUSED = "kubernetes/deployment-paused.yaml"
RS = "kubernetes/replicaset-owned-by-deployment.json"
STS = "kubernetes/statefulset-rollingupdate-after-restart.json"
STS_ONDELETE = "kubernetes/statefulset-ondelete.yaml"
DS_ONDELETE = "kubernetes/daemonset-ondelete.yaml"


def mid_rollout_statefulset() -> dict:
    """Edited: a new updateRevision with 2 of 4 pods updated (no recording has one)."""
    obj = fixture(STS)
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "k8s.gcr.io/nginx-slim:0.9"
    obj["metadata"]["generation"] = 6
    obj["status"].update(
        observedGeneration=6, updateRevision="nginx-sts-6c9d8f7b5d", updatedReplicas=2
    )
    return obj


def rolling_daemonset(**status: object) -> dict:
    """Edited: the recorded OnDelete DaemonSet switched to RollingUpdate, with the
    generation its status observed (the recording has none)."""
    obj = fixture(DS_ONDELETE)
    obj["spec"]["updateStrategy"] = {"type": "RollingUpdate"}
    obj["metadata"]["generation"] = 4
    obj["status"].update(status)
    return obj


ARGO_APP = "argo-cd/application-with-history.json"


def running_application(phase: str, message: str) -> dict:
    """Edited: the recorded operationState with another phase (no recording has one)."""
    obj = fixture(ARGO_APP)
    state = obj["status"]["operationState"]
    state.update(phase=phase, message=message)
    state.pop("finishedAt")
    return obj


def two_revisions() -> tuple[dict, list[dict]]:
    """The recorded icx-db Deployment moved to revision 2 (image postgres:9.3), with the
    recorded ReplicaSet as revision 1 and a copy of it as revision 2 (SOURCES.md, "edited")."""
    deployment = fixture(COMPLETE)
    deployment["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:9.3"
    old = fixture(RS)
    old["spec"]["replicas"] = 0
    old["status"] = {"observedGeneration": 2, "replicas": 0}
    new = fixture(RS)
    new["metadata"]["name"] = "icx-db-5f6d8c9b7d"
    new["metadata"]["uid"] = "7a1c2e4f-a5f3-11e9-990f-42010a800218"
    new["metadata"]["creationTimestamp"] = "2019-07-15T10:00:00Z"
    new["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    for labels in (new["metadata"]["labels"], new["spec"]["template"]["metadata"]["labels"]):
        labels["pod-template-hash"] = "5f6d8c9b7d"
    new["spec"]["selector"]["matchLabels"]["pod-template-hash"] = "5f6d8c9b7d"
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:9.3"
    return deployment, [old, new]


# Flagger canaries (tests/fixtures/flagger/SOURCES.md) and what the tests add to them.
LOADTESTER = "http://flagger-loadtester.test"


def canary(phase: str) -> dict:
    return fixture(f"flagger/canary-{phase}.yaml")


def with_analysis(obj: dict, **analysis: object) -> dict:
    """Edited: the spec of Flagger's documented example (docs/gitbook/usage/webhooks.md and
    how-it-works.md), which the recordings lack."""
    obj["spec"] = {
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "podinfo"},
        "analysis": {
            "interval": "1m",
            "threshold": 5,
            "maxWeight": 50,
            "stepWeight": 10,
            "webhooks": [
                {
                    "name": "start gate",
                    "type": "confirm-rollout",
                    "url": f"{LOADTESTER}/gate/check",
                },
                {"name": "load test", "url": f"{LOADTESTER}/", "timeout": "15s"},
                {
                    "name": "promotion gate",
                    "type": "confirm-promotion",
                    "url": f"{LOADTESTER}/gate/check",
                },
                {
                    "name": "rollback gate",
                    "type": "rollback",
                    "url": f"{LOADTESTER}/rollback/check",
                },
            ],
            **analysis,
        },
    }
    return obj


def deployment(name: str, image: str) -> dict:
    """Edited from the recorded k9s Deployment: renamed and re-imaged as podinfo."""
    obj = fixture("kubernetes/deployment-complete-newreplicasetavailable.json")
    obj["metadata"].update(name=name, namespace="default")
    obj["spec"]["template"]["spec"]["containers"][0].update(name="podinfod", image=image)
    return obj


# kubeconfig files and exec credential plugins the tests write into tmp_path.


def write(path: Path, data: dict) -> Path:
    """A kubeconfig (any YAML) written to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data))
    return path


def script(path: Path, body: str) -> Path:
    """An executable Python script (a credential plugin) at ``path``, run without a shell."""
    path.write_text(f"#!{sys.executable}\n{body}")
    path.chmod(0o755)
    return path
