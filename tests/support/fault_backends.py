"""Per-adapter "happy" answers: what a healthy backend of each type says, as route tables.

The fault server (``tests/support/fault_server.py``) serves these when it behaves, so the same
server can stand in for any adapter. Each entry also says which kind of source it is and
what a service's section for it looks like, so the matrix can build a cockpit config
around any entry without knowing the adapter.

Adding a backend type: write its routes (method, path regex, JSON payload or a function
of the request), the keys of its service section, and register it in ``HAPPY``. The
fault matrix then runs every fault against it with no other change.

Every payload describes the same release: ``checkout`` 2.8.0 (previous 2.7.0), built and
tested, fully rolled out, healthy signals and no alert for it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tests.support.fault_server import Request, Route

VERSION = "2.8.0"
PREVIOUS = "2.7.0"
RELEASE_SHA = "8f3e2d1c0b9a8f7e6d5c4b3a29180706f5e4d3c2"
NAMESPACE = "shop"
ROLLOUT = "checkout"
QUERY = 'sum(rate(http_requests_total{service="checkout",code=~"5.."}[1m]))'
HEALTHY_VALUE = 0.001


@dataclass(frozen=True, slots=True)
class HappyBackend:
    """A healthy backend of one adapter type.

    Attributes:
        type: the adapter type, as written in ``[backends.NAME] type``.
        kind: ci, health, alerts, deploy or flags: which section of a service uses it.
        routes: what it answers when it behaves.
        section: the keys of the service's section for this backend (``backend`` is
            added by the config builder): ``[services.K.ci]``, ``.deploy``, ``.alerts``
            or one ``[[services.K.signals]]`` or ``[[services.K.flags]]`` table.
        options: adapter options for its ``[backends.NAME]`` table.
    """

    type: str
    kind: str
    routes: tuple[Route, ...]
    section: Mapping[str, Any]
    options: Mapping[str, Any] = field(default_factory=dict)


# --- GitHub Actions (docs.github.com/en/rest/actions) ---------------------------------------------


def _github_run(run_id: int, version: str, minutes_ago: int) -> dict[str, Any]:
    stamp = f"2026-11-27T11:{60 - minutes_ago:02d}:00Z"
    return {
        "id": run_id,
        "name": "release",
        "head_branch": f"v{version}",
        "head_sha": RELEASE_SHA,
        "display_title": f"Release {version}",
        "run_number": run_id,
        "run_attempt": 1,
        "event": "push",
        "status": "completed",
        "conclusion": "success",
        "created_at": stamp,
        "run_started_at": stamp,
        "updated_at": stamp,
        "html_url": f"https://github.example.com/acme/checkout/actions/runs/{run_id}",
        "actor": {"login": "alice"},
    }


def _github_job(job_id: int, name: str) -> dict[str, Any]:
    return {
        "id": job_id,
        "name": name,
        "status": "completed",
        "conclusion": "success",
        "started_at": "2026-11-27T11:41:00Z",
        "completed_at": "2026-11-27T11:44:00Z",
        "html_url": f"https://github.example.com/acme/checkout/actions/runs/102/job/{job_id}",
        "steps": [
            {
                "number": 1,
                "name": "Run make",
                "status": "completed",
                "conclusion": "success",
                "started_at": "2026-11-27T11:41:00Z",
                "completed_at": "2026-11-27T11:44:00Z",
            }
        ],
    }


GITHUB_RUNS: dict[str, Any] = {
    "total_count": 2,
    "workflow_runs": [_github_run(102, VERSION, 20), _github_run(101, PREVIOUS, 50)],
}
GITHUB_JOBS: dict[str, Any] = {
    "total_count": 2,
    "jobs": [_github_job(1, "build"), _github_job(2, "test")],
}
GITHUB_COMPARE: dict[str, Any] = {
    "status": "ahead",
    "total_commits": 2,
    "html_url": f"https://github.example.com/acme/checkout/compare/v{PREVIOUS}...v{VERSION}",
    "commits": [
        {
            "sha": RELEASE_SHA,
            "author": {"login": "alice"},
            "commit": {
                "message": "Faster checkout (#42)",
                "author": {"name": "Alice", "date": "2026-11-27T11:00:00Z"},
            },
        }
    ],
}
_REPO = r"/repos/[^/]+/[^/]+"

GITHUB = HappyBackend(
    type="github-actions",
    kind="ci",
    routes=(
        Route("GET", rf"{_REPO}/actions/(workflows/[^/]+/)?runs", GITHUB_RUNS),
        Route("GET", rf"{_REPO}/actions/runs/\d+/jobs", GITHUB_JOBS),
        Route("GET", rf"{_REPO}/compare/[^/]+", GITHUB_COMPARE),
        Route("GET", r"/rate_limit", {"resources": {"core": {"limit": 5000, "remaining": 4999}}}),
    ),
    section={"project": "acme/checkout", "build": ["build"], "test": ["test"]},
)


# --- Prometheus (prometheus.io/docs/prometheus/latest/querying/api) -------------------------------


def _instant(request: Request) -> dict[str, Any]:
    return {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": {"service": "checkout"}, "value": [1795000000, "0.001"]}],
        },
    }


def _range(request: Request) -> dict[str, Any]:
    points = [[1795000000 + 15 * i, str(HEALTHY_VALUE)] for i in range(5)]
    return {
        "status": "success",
        "data": {"resultType": "matrix", "result": [{"metric": {}, "values": points}]},
    }


PROMETHEUS = HappyBackend(
    type="prometheus",
    kind="health",
    routes=(
        Route("POST", r"/api/v1/query", _instant),
        Route("POST", r"/api/v1/query_range", _range),
        Route("GET", r"/-/ready", "Prometheus Server is Ready.\n"),
    ),
    section={
        "name": "5xx ratio",
        "query": QUERY,
        "format": "percent",
        "fail_above": 0.05,
        "interval": "1s",
    },
)


# --- Alertmanager (alertmanager api/v2/openapi.yaml) ----------------------------------------------

ALERTS = [
    {
        "labels": {"alertname": "DiskFilling", "service": "ledger", "severity": "warning"},
        "annotations": {"summary": "disk 80% full"},
        "startsAt": "2026-11-27T11:00:00Z",
        "fingerprint": "a1b2c3d4",
        "status": {"state": "active", "silencedBy": [], "inhibitedBy": []},
    }
]

ALERTMANAGER = HappyBackend(
    type="alertmanager",
    kind="alerts",
    routes=(
        Route("GET", r"/api/v2/alerts", ALERTS),
        Route("GET", r"/api/v2/status", {"versionInfo": {"version": "0.27.0"}}),
    ),
    section={"matchers": ['service="checkout"']},
)


# --- Argo Rollouts through the Kubernetes API (argo-rollouts.readthedocs.io) ---------------------

_STABLE_HASH = "5c8b7d6f4"
_OLD_HASH = "4a7b6c5d3"
_UID = "3f2e1d0c-b9a8-4776-8554-433221100fed"


def _template(version: str, pod_hash: str | None = None) -> dict[str, Any]:
    labels = {"app": ROLLOUT}
    if pod_hash:
        labels["rollouts-pod-template-hash"] = pod_hash
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": ROLLOUT, "image": f"registry/shop/checkout:{version}"}]},
    }


def _replicaset(pod_hash: str, version: str, revision: int) -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"{ROLLOUT}-{pod_hash}",
            "namespace": NAMESPACE,
            "labels": {"app": ROLLOUT, "rollouts-pod-template-hash": pod_hash},
            "annotations": {"rollout.argoproj.io/revision": str(revision)},
            "ownerReferences": [
                {"kind": "Rollout", "name": ROLLOUT, "uid": _UID, "controller": True}
            ],
        },
        "spec": {"template": _template(version, pod_hash)},
    }


ROLLOUT_LIST: dict[str, Any] = {
    "apiVersion": "argoproj.io/v1alpha1",
    "kind": "RolloutList",
    "items": [
        {
            "metadata": {"name": ROLLOUT, "namespace": NAMESPACE, "uid": _UID, "generation": 3},
            "spec": {
                "replicas": 4,
                "strategy": {"canary": {"steps": [{"setWeight": 50}, {"pause": {}}]}},
                "template": _template(VERSION),
            },
            "status": {
                "phase": "Healthy",
                "observedGeneration": "3",
                "currentPodHash": _STABLE_HASH,
                "stableRS": _STABLE_HASH,
                "currentStepIndex": 2,
                "replicas": 4,
                "readyReplicas": 4,
                "updatedReplicas": 4,
                "availableReplicas": 4,
                "conditions": [
                    {
                        "type": "Completed",
                        "status": "True",
                        "lastTransitionTime": "2026-11-27T11:30:00Z",
                    }
                ],
            },
        }
    ],
}
REPLICASET_LIST = {
    "apiVersion": "apps/v1",
    "kind": "ReplicaSetList",
    "items": [_replicaset(_OLD_HASH, PREVIOUS, 1), _replicaset(_STABLE_HASH, VERSION, 2)],
}

ARGO_ROLLOUTS = HappyBackend(
    type="argo-rollouts",
    kind="deploy",
    routes=(
        Route("GET", r"/apis/argoproj.io/v1alpha1/namespaces/[^/]+/rollouts", ROLLOUT_LIST),
        Route("GET", r"/apis/apps/v1/namespaces/[^/]+/replicasets", REPLICASET_LIST),
        Route("GET", r"/apis/argoproj.io/v1alpha1", {"resources": [{"name": "rollouts"}]}),
    ),
    section={"namespace": NAMESPACE, "rollout": ROLLOUT},
)


# --- Kubernetes Deployments (kubernetes.io/docs/reference/kubernetes-api/workload-resources) ---

_DEPLOYMENT_UID = "6f6143bc-a5f3-11e9-990f-42010a800218"


def _pod_template(version: str, pod_hash: str | None = None) -> dict[str, Any]:
    labels = {"app": ROLLOUT, **({"pod-template-hash": pod_hash} if pod_hash else {})}
    return {
        "metadata": {"labels": labels},
        "spec": {"containers": [{"name": ROLLOUT, "image": f"registry/shop/checkout:{version}"}]},
    }


def _deployment_rs(pod_hash: str, version: str, revision: int, replicas: int) -> dict[str, Any]:
    return {
        "metadata": {
            "name": f"{ROLLOUT}-{pod_hash}",
            "namespace": NAMESPACE,
            "creationTimestamp": f"2026-11-27T11:2{revision}:00Z",
            "labels": {"app": ROLLOUT, "pod-template-hash": pod_hash},
            "annotations": {"deployment.kubernetes.io/revision": str(revision)},
            "ownerReferences": [
                {"kind": "Deployment", "name": ROLLOUT, "uid": _DEPLOYMENT_UID, "controller": True}
            ],
        },
        "spec": {"replicas": replicas, "template": _pod_template(version, pod_hash)},
        "status": {"replicas": replicas, "readyReplicas": replicas},
    }


def _deployment(name: str, version: str, replicas: int = 4) -> dict[str, Any]:
    return {
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
            "uid": _DEPLOYMENT_UID,
            "generation": 2,
            "resourceVersion": "4711",
            "annotations": {"deployment.kubernetes.io/revision": "2"},
        },
        "spec": {"replicas": replicas, "template": _pod_template(version)},
        "status": {
            "observedGeneration": 2,
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
            "conditions": [
                {
                    "type": "Progressing",
                    "status": "True",
                    "reason": "NewReplicaSetAvailable",
                    "lastUpdateTime": "2026-11-27T11:30:00Z",
                }
            ],
        },
    }


KUBERNETES = HappyBackend(
    type="kubernetes",
    kind="deploy",
    routes=(
        Route(
            "GET",
            r"/apis/apps/v1/namespaces/[^/]+/deployments",
            {"kind": "DeploymentList", "items": [_deployment(ROLLOUT, VERSION)]},
        ),
        Route(
            "GET",
            r"/apis/apps/v1/namespaces/[^/]+/replicasets",
            {
                "kind": "ReplicaSetList",
                "items": [
                    _deployment_rs(_OLD_HASH, PREVIOUS, 1, 0),
                    _deployment_rs(_STABLE_HASH, VERSION, 2, 4),
                ],
            },
        ),
        Route("GET", r"/apis/apps/v1", {"resources": [{"name": "deployments"}]}),
    ),
    section={"namespace": NAMESPACE, "name": ROLLOUT},
)


# --- Argo CD (argo-cd.readthedocs.io/en/stable/developer-guide/api-docs) ----------------------

_GIT_OLD, _GIT_NEW = "1" * 40, "2" * 40
ARGO_CD_APP = {
    "metadata": {"name": ROLLOUT, "namespace": "argocd"},
    "spec": {"project": "shop", "destination": {"namespace": NAMESPACE}},
    "status": {
        "sync": {"status": "Synced", "revision": _GIT_NEW},
        "health": {"status": "Healthy"},
        "summary": {"images": [f"registry/shop/checkout:{VERSION}"]},
        "history": [
            {"id": 1, "revision": _GIT_OLD, "deployedAt": "2026-11-27T10:30:00Z"},
            {"id": 2, "revision": _GIT_NEW, "deployedAt": "2026-11-27T11:30:00Z"},
        ],
        "operationState": {
            "phase": "Succeeded",
            "startedAt": "2026-11-27T11:29:50Z",
            "finishedAt": "2026-11-27T11:30:00Z",
            "syncResult": {"revision": _GIT_NEW},
        },
    },
}

ARGO_CD = HappyBackend(
    type="argo-cd",
    kind="deploy",
    routes=(
        Route("GET", r"/api/v1/applications", {"items": [ARGO_CD_APP]}),
        Route("GET", r"/api/version", {"Version": "v3.1.5"}),
    ),
    section={"application": ROLLOUT, "project": "shop"},
)


# --- Flagger (docs.flagger.app) -------------------------------------------------------------------

FLAGGER_CANARY = {
    "metadata": {"name": ROLLOUT, "namespace": NAMESPACE},
    "spec": {
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": ROLLOUT},
        "analysis": {"interval": "1m", "threshold": 5, "maxWeight": 50, "stepWeight": 10},
    },
    "status": {
        "phase": "Succeeded",
        "canaryWeight": 0,
        "failedChecks": 0,
        "lastAppliedSpec": "5c75b466fb",
        "lastPromotedSpec": "5c75b466fb",
        "conditions": [
            {
                "type": "Promoted",
                "status": "True",
                "reason": "Succeeded",
                "message": "Canary analysis completed successfully, promotion finished.",
                "lastTransitionTime": "2026-11-27T11:30:00Z",
            }
        ],
    },
}

FLAGGER = HappyBackend(
    type="flagger",
    kind="deploy",
    routes=(
        Route(
            "GET",
            r"/apis/flagger.app/v1beta1/namespaces/[^/]+/canaries",
            {"kind": "CanaryList", "items": [FLAGGER_CANARY]},
        ),
        Route(
            "GET",
            r"/apis/apps/v1/namespaces/[^/]+/deployments",
            {
                "kind": "DeploymentList",
                "items": [
                    _deployment(ROLLOUT, VERSION, replicas=0),
                    _deployment(f"{ROLLOUT}-primary", VERSION),
                ],
            },
        ),
        Route("GET", r"/apis/flagger.app/v1beta1", {"resources": [{"name": "canaries"}]}),
    ),
    section={"namespace": NAMESPACE, "canary": ROLLOUT},
)


# --- Buildbot (docs.buildbot.net/latest/developer/rest.html) --------------------------------------

_BUILDBOT_BUILDER = {"builders": [{"builderid": 1, "name": "release"}], "meta": {}}


def _buildbot_build(buildid: int, version: str, started_at: int) -> dict[str, Any]:
    """A finished, successful build; times are epoch seconds, properties [value, source]."""
    return {
        "buildid": buildid,
        "number": buildid,
        "builderid": 1,
        "complete": True,
        "started_at": started_at,
        "complete_at": started_at + 180,
        "results": 0,
        "state_string": "build successful",
        "properties": {
            "version": [version, "Force Build Form"],
            "branch": [f"release/{version}", "Build"],
            "got_revision": [RELEASE_SHA, "Git"],
            "buildername": ["release", "Builder"],
        },
    }


def _buildbot_step(stepid: int, name: str) -> dict[str, Any]:
    return {
        "stepid": stepid,
        "number": stepid,
        "name": name,
        "buildid": 102,
        "complete": True,
        "started_at": 1795779660,
        "complete_at": 1795779840,
        "results": 0,
        "hidden": False,
        "state_string": name,
        "urls": [],
    }


BUILDBOT = HappyBackend(
    type="buildbot",
    kind="ci",
    routes=(
        Route("GET", r"/api/v2/builders", {"builders": [{"name": "release"}], "meta": {}}),
        Route("GET", r"/api/v2/builders/[^/]+", _BUILDBOT_BUILDER),
        Route(
            "GET",
            r"/api/v2/builders/\d+/builds",
            {
                # 2026-11-27 11:40 and 11:10 UTC: the new version, then the running one.
                "builds": [
                    _buildbot_build(102, VERSION, 1795779600),
                    _buildbot_build(101, PREVIOUS, 1795777800),
                ],
                "meta": {"total": 2},
            },
        ),
        Route("GET", r"/api/v2/builders/\d+/buildrequests", {"buildrequests": [], "meta": {}}),
        Route(
            "GET",
            r"/api/v2/builds/\d+/steps",
            {"steps": [_buildbot_step(1, "compile"), _buildbot_step(2, "unit-tests")]},
        ),
    ),
    section={"builder": "release", "build": ["compile"], "test": ["*-tests"]},
)

# --- Datadog (docs.datadoghq.com/api/latest/metrics, /monitors) ----------------------------------

SECRET_ENV = {
    "FAULT_DD_API_KEY": "dd-api-fault-0123456789abcdef",
    "FAULT_DD_APP_KEY": "dd-app-fault-fedcba9876543210",
}
"""Environment the fault world's adapters read their keys from (``api_key_env``...)."""
_DD_KEYS = {"api_key_env": "FAULT_DD_API_KEY", "app_key_env": "FAULT_DD_APP_KEY"}
_DD_SCALAR = {
    "data": {
        "type": "scalar_response",
        "attributes": {"columns": [{"name": "query", "type": "number", "values": [HEALTHY_VALUE]}]},
    }
}
_DD_TIMESERIES = {
    "data": {
        "type": "timeseries_response",
        "attributes": {
            "series": [{"group_tags": [], "query_index": 0, "unit": None}],
            "times": [1795000000000 + 15000 * i for i in range(5)],
            "values": [[HEALTHY_VALUE] * 5],
        },
    }
}
_DD_VALIDATE = Route("GET", r"/api/v2/validate_keys", {"status": "ok"})

DATADOG = HappyBackend(
    type="datadog",
    kind="health",
    routes=(
        Route("POST", r"/api/v2/query/scalar", _DD_SCALAR),
        Route("POST", r"/api/v2/query/timeseries", _DD_TIMESERIES),
        _DD_VALIDATE,
    ),
    section={
        "name": "5xx ratio",
        "query": "sum:trace.http.request.errors{service:checkout}.as_rate()",
        "format": "percent",
        "fail_above": 0.05,
        "interval": "1s",
    },
    options=_DD_KEYS,
)

DATADOG_MONITORS = HappyBackend(
    type="datadog-monitors",
    kind="alerts",
    routes=(
        Route(
            "GET",
            r"/api/v1/monitor",
            [
                {
                    "id": 1,
                    "name": "ledger disk filling",
                    "overall_state": "Warn",
                    "priority": 3,
                    "tags": ["service:ledger"],
                }
            ],
        ),
        _DD_VALIDATE,
    ),
    section={"matchers": ['service="checkout"']},
    options=_DD_KEYS,
)


# --- Loki (grafana.com/docs/loki/latest/reference/loki-http-api) ----------------------------------

LOKI = HappyBackend(
    type="loki",
    kind="health",
    routes=(
        Route("POST", r"/loki/api/v1/query", _instant),
        Route("POST", r"/loki/api/v1/query_range", _range),
        Route("GET", r"/ready", "ready\n"),
    ),
    section={
        "name": "error log ratio",
        "query": 'sum(rate({service="checkout"} |= "error" [1m])) / '
        'sum(rate({service="checkout"} [1m]))',
        "format": "percent",
        "fail_above": 0.05,
        "interval": "1s",
    },
)


# --- Grafana alerting (Alertmanager-compatible API) -----------------------------------------

GRAFANA_ALERTS = HappyBackend(
    type="grafana-alerts",
    kind="alerts",
    routes=(
        Route("GET", r"/api/alertmanager/grafana/api/v2/alerts", ALERTS),
        Route(
            "GET",
            r"/api/alertmanager/grafana/api/v2/status",
            {"versionInfo": {"version": "0.27.0"}},
        ),
    ),
    section={"matchers": ['service="checkout"']},
)


# --- GitLab CI (docs.gitlab.com/api/graphql, docs.gitlab.com/api/repositories) ---------------


def _gitlab_pipeline(ident: int, version: str, minutes_ago: int) -> dict[str, Any]:
    stamp = f"2026-11-27T11:{60 - minutes_ago:02d}:00Z"
    job = {
        "allowFailure": False,
        "retried": False,
        "createdAt": stamp,
        "startedAt": stamp,
        "finishedAt": stamp,
        "duration": 60,
        "failureMessage": None,
    }
    return {
        "id": f"gid://gitlab/Ci::Pipeline/{ident}",
        "iid": str(ident),
        "name": "release",
        "status": "SUCCESS",
        "ref": f"v{version}",
        "refPath": f"refs/tags/v{version}",
        "sha": RELEASE_SHA,
        "source": "push",
        "path": f"/acme/checkout/-/pipelines/{ident}",
        "warnings": False,
        "createdAt": stamp,
        "updatedAt": stamp,
        "startedAt": stamp,
        "finishedAt": stamp,
        "duration": 180,
        "user": {"username": "alice"},
        "jobs": {
            "nodes": [
                {
                    **job,
                    "id": f"gid://gitlab/Ci::Build/{ident}1",
                    "name": "build",
                    "status": "SUCCESS",
                    "webPath": f"/acme/checkout/-/jobs/{ident}1",
                    "stage": {"name": "build"},
                },
                {
                    **job,
                    "id": f"gid://gitlab/Ci::Build/{ident}2",
                    "name": "test",
                    "status": "SUCCESS",
                    "webPath": f"/acme/checkout/-/jobs/{ident}2",
                    "stage": {"name": "test"},
                },
            ],
            "pageInfo": {"hasNextPage": False},
        },
    }


GITLAB_PIPELINES = {
    "data": {
        "projects": {
            "nodes": [
                {
                    "fullPath": "acme/checkout",
                    "pipelines": {
                        "nodes": [
                            _gitlab_pipeline(102, VERSION, 20),
                            _gitlab_pipeline(101, PREVIOUS, 50),
                        ]
                    },
                }
            ]
        }
    }
}
GITLAB_COMPARE = {
    "commits": [
        {
            "id": RELEASE_SHA,
            "title": "Faster checkout",
            "message": "Faster checkout\n\nSee merge request acme/checkout!42",
            "author_name": "Alice",
            "authored_date": "2026-11-27T11:00:00Z",
        }
    ],
    "diffs": [],
    "compare_timeout": False,
    "compare_same_ref": False,
}

GITLAB = HappyBackend(
    type="gitlab",
    kind="ci",
    routes=(
        Route("POST", r"/api/graphql", GITLAB_PIPELINES),
        Route("GET", r"/api/v4/projects/[^/]+/repository/compare", GITLAB_COMPARE),
    ),
    section={"project": "acme/checkout", "build": ["build"], "test": ["test"]},
)


# --- Jenkins (jenkins.io/doc/book/using/remote-access-api, pipeline-stage-view-plugin) -------


def _jenkins_build(number: int, version: str, started_at_ms: int) -> dict[str, Any]:
    return {
        "_class": "org.jenkinsci.plugins.workflow.job.WorkflowRun",
        "number": number,
        "url": f"http://jenkins.example.com/job/acme/job/checkout/{number}/",
        "result": "SUCCESS",
        "building": False,
        "timestamp": started_at_ms,
        "duration": 180_000,
        "displayName": f"#{number}",
        "actions": [
            {"parameters": [{"name": "VERSION", "value": version}]},
            {"causes": [{"shortDescription": "Started by user alice", "userId": "alice"}]},
            {"lastBuiltRevision": {"SHA1": RELEASE_SHA, "branch": [{"name": "origin/main"}]}},
        ],
    }


def _jenkins_stage(ident: str, name: str) -> dict[str, Any]:
    return {
        "id": ident,
        "name": name,
        "status": "SUCCESS",
        "startTimeMillis": 1795779600000,
        "durationMillis": 60_000,
    }


JENKINS_JOBS = {
    "_class": "hudson.model.Hudson",
    "jobs": [
        {
            "_class": "com.cloudbees.hudson.plugins.folder.Folder",
            "name": "acme",
            "jobs": [
                {
                    "_class": "org.jenkinsci.plugins.workflow.job.WorkflowJob",
                    "name": "checkout",
                    "url": "http://jenkins.example.com/job/acme/job/checkout/",
                    "color": "blue",
                    "nextBuildNumber": 103,
                    # 2026-11-27 11:40 UTC, like the other CI backends' release run.
                    "lastBuild": _jenkins_build(102, VERSION, 1795779600000),
                    "lastCompletedBuild": _jenkins_build(102, VERSION, 1795779600000),
                }
            ],
        }
    ],
}
JENKINS_RUN = {
    "id": "102",
    "name": "#102",
    "status": "SUCCESS",
    "startTimeMillis": 1795779600000,
    "durationMillis": 180_000,
    "stages": [_jenkins_stage("5", "build"), _jenkins_stage("9", "test")],
}

JENKINS = HappyBackend(
    type="jenkins",
    kind="ci",
    routes=(
        Route("GET", r"/api/json", JENKINS_JOBS),
        Route("GET", r"/job/.+/\d+/wfapi/describe", JENKINS_RUN),
    ),
    section={"job": "acme/checkout", "build": ["build"], "test": ["test"]},
)

# --- Feature flags: OFREP (open-feature/protocol service/openapi.yaml), Unleash admin API
# (docs.getunleash.io/reference/api/unleash), LaunchDarkly REST API v2 (launchdarkly.com/docs/api)

OFREP_BULK = {
    "flags": [{"key": "checkout-v2", "value": True, "reason": "STATIC", "variant": "on"}],
    "metadata": {"version": "7"},
}
OFREP = HappyBackend(
    type="ofrep",
    kind="flags",
    routes=(Route("POST", r"/ofrep/v1/evaluate/flags", OFREP_BULK),),
    section={"flag": "checkout-v2"},
)

UNLEASH_FEATURE = {
    "name": "checkout-v2",
    "project": "default",
    "type": "release",
    "stale": False,
    "archived": False,
    "environments": [
        {
            "name": "production",
            "enabled": True,
            "strategies": [
                {
                    "name": "flexibleRollout",
                    "constraints": [],
                    "parameters": {"rollout": "25", "stickiness": "default", "groupId": "c"},
                }
            ],
        }
    ],
}
UNLEASH = HappyBackend(
    type="unleash",
    kind="flags",
    routes=(
        Route("GET", r"/api/admin/projects/default/features/checkout-v2", UNLEASH_FEATURE),
        Route("GET", r"/api/admin/projects", {"version": 1, "projects": [{"id": "default"}]}),
    ),
    section={"flag": "checkout-v2"},
)

LAUNCHDARKLY_FLAG = {
    "key": "checkout-v2",
    "kind": "boolean",
    "variations": [{"value": True}, {"value": False}],
    "environments": {
        "production": {"on": True, "offVariation": 1, "fallthrough": {"variation": 0}}
    },
}
LAUNCHDARKLY = HappyBackend(
    type="launchdarkly",
    kind="flags",
    routes=(
        Route("GET", r"/api/v2/flags/default/checkout-v2", LAUNCHDARKLY_FLAG),
        Route("GET", r"/api/v2/projects", {"items": [{"key": "default"}], "totalCount": 1}),
    ),
    section={"project": "default", "flag": "checkout-v2"},
)

HAPPY: dict[str, HappyBackend] = {
    entry.type: entry
    for entry in (
        GITHUB,
        PROMETHEUS,
        ALERTMANAGER,
        ARGO_ROLLOUTS,
        BUILDBOT,
        GITLAB,
        JENKINS,
        DATADOG,
        DATADOG_MONITORS,
        LOKI,
        GRAFANA_ALERTS,
        KUBERNETES,
        ARGO_CD,
        FLAGGER,
        OFREP,
        UNLEASH,
        LAUNCHDARKLY,
    )
}
"""Every happy backend by adapter type; the fault matrix runs each fault on each."""


def default_for_kind(kind: str) -> HappyBackend:
    """The first registered happy backend of a kind: the healthy peer in mixed worlds."""
    return next(entry for entry in HAPPY.values() if entry.kind == kind)


def replace_payloads(
    entry: HappyBackend, payloads: Mapping[str, Any | Callable[[Request], Any]]
) -> HappyBackend:
    """``entry`` with other payloads on some routes.

    Keys are example request paths (``"/repos/a/b/actions/runs/1/jobs"``); the route that
    serves a key's path answers with its payload instead.
    """
    routes = []
    for route in entry.routes:
        body = next(
            (p for path, p in payloads.items() if route.matches(route.method, path)), route.body
        )
        routes.append(Route(route.method, route.pattern, body))
    return HappyBackend(entry.type, entry.kind, tuple(routes), entry.section, entry.options)
