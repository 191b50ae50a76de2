"""The kubernetes adapter on recorded objects: the lists it reads, every status it maps, every
action's exact PATCH (fenced by resourceVersion), the 409 refusal, history and the probe."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from release_cockpit.adapters.deploy.kubernetes import Kubernetes
from release_cockpit.domain import Action, PauseKind, ReleaseLine, RolloutPhase, Target
from release_cockpit.domain.history import ReleaseOutcome
from release_cockpit.errors import ActionFailed, AdapterError, AuthError, BadResponse, NotFound
from tests.support.adapters import TOKEN
from tests.support.builders import release_with
from tests.support.kube_fixtures import (
    COMPLETE,
    DEADLINE,
    DS_ONDELETE,
    MID,
    PAUSED,
    STS,
    fixture,
    two_revisions,
)

APPS = "/apis/apps/v1/namespaces"
ICX = Target.of(namespace="icx", name="icx-db")
MERGE = "application/merge-patch+json"


def listing(kind: str, *items: dict) -> dict:
    """A list envelope around recorded objects (the items of a real list carry no kind)."""
    bare = [{k: v for k, v in item.items() if k not in ("kind", "apiVersion")} for item in items]
    return {"kind": f"{kind}List", "apiVersion": "apps/v1", "metadata": {}, "items": bare}


def serve_icx(backend, deployment: dict, replicasets: list[dict]) -> None:
    backend.json("GET", f"{APPS}/icx/deployments", listing("Deployment", deployment))
    backend.json("GET", f"{APPS}/icx/replicasets", listing("ReplicaSet", *replicasets))


def status_body(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
            "reason": reason, "message": message}  # fmt: skip


async def test_one_list_per_namespace_and_kind_for_every_line(build, backend):
    deployment, replicasets = two_revisions()
    serve_icx(backend, deployment, replicasets)
    sts = fixture(STS)
    backend.json("GET", f"{APPS}/default/statefulsets", listing("StatefulSet", sts))
    sts_target = Target.of(namespace="default", name=sts["metadata"]["name"], kind="StatefulSet")
    other = Target.of(namespace="icx", name="icx-db", container="icx-db")
    adapter = build(Kubernetes)
    states = await adapter.rollouts([ICX, other, sts_target])
    paths = sorted(r.url.path for r in backend.requests)
    assert paths == [
        f"{APPS}/default/statefulsets",
        f"{APPS}/icx/deployments",
        f"{APPS}/icx/replicasets",
    ]
    state = states[ICX]
    assert not isinstance(state, AdapterError)
    assert (state.kind, state.phase, state.canary_version) == (
        "Deployment",
        RolloutPhase.HEALTHY,
        "9.3",
    )
    assert (state.canary_revision, state.previous_version) == ("2", "9.2-alpine")
    assert states[other] == state
    sts_state = states[sts_target]
    assert not isinstance(sts_state, AdapterError)
    assert sts_state.kind == "StatefulSet"
    for request in backend.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("name", "phase", "words"),
    [
        (COMPLETE, RolloutPhase.HEALTHY, "successfully rolled out"),
        (MID, RolloutPhase.PROGRESSING, "1 old replicas are pending termination"),
        (DEADLINE, RolloutPhase.DEGRADED, "exceeded its progress deadline"),
        (PAUSED, RolloutPhase.PAUSED, "paused: template changes do not roll out"),
    ],
)
async def test_every_deployment_status_maps_as_kubectl_rollout_status(
    build, backend, name, phase, words
):
    obj = fixture(name)
    namespace, workload = obj["metadata"]["namespace"], obj["metadata"]["name"]
    backend.json("GET", f"{APPS}/{namespace}/deployments", listing("Deployment", obj))
    backend.json("GET", f"{APPS}/{namespace}/replicasets", listing("ReplicaSet"))
    target = Target.of(namespace=namespace, name=workload)
    state = (await build(Kubernetes).rollouts([target]))[target]
    assert not isinstance(state, AdapterError)
    assert state.phase is phase
    assert words in state.message
    if phase is RolloutPhase.PAUSED:
        assert state.pause_kind is PauseKind.MANUAL


async def test_a_daemonset_is_read_from_its_own_list(build, backend):
    obj = fixture(DS_ONDELETE)
    namespace, name = obj["metadata"]["namespace"], obj["metadata"]["name"]
    backend.json("GET", f"{APPS}/{namespace}/daemonsets", listing("DaemonSet", obj))
    target = Target.of(namespace=namespace, name=name, kind="daemonset")
    state = (await build(Kubernetes).rollouts([target]))[target]
    assert not isinstance(state, AdapterError)
    # OnDelete: kubectl does not judge it, so neither does the cockpit: never healthy.
    assert (state.kind, state.phase) == ("DaemonSet", RolloutPhase.UNKNOWN)


async def test_missing_objects_bad_kinds_and_broken_lists_fail_only_their_lines(build, backend):
    deployment, replicasets = two_revisions()
    serve_icx(backend, deployment, replicasets)
    backend.on("GET", f"{APPS}/broken/deployments", httpx.Response(200, json={"kind": "x"}))
    backend.json("GET", f"{APPS}/broken/replicasets", listing("ReplicaSet"))
    missing = Target.of(namespace="icx", name="gone")
    odd = Target.of(namespace="icx", name="x", kind="CronJob")
    broken = Target.of(namespace="broken", name="y")
    states = await build(Kubernetes).rollouts([ICX, missing, odd, broken])
    assert isinstance(states[missing], NotFound)
    assert "deployment icx/gone not found" in states[missing].message
    assert "CronJob" in states[odd].message
    assert "StatefulSet" in states[odd].hint
    assert isinstance(states[broken], BadResponse)
    assert not isinstance(states[ICX], AdapterError)


async def test_forbidden_lists_are_auth_errors(build, backend):
    body = status_body(403, "Forbidden", 'deployments.apps is forbidden: User "x" cannot list')
    backend.on("GET", f"{APPS}/icx/deployments", httpx.Response(403, json=body))
    backend.json("GET", f"{APPS}/icx/replicasets", listing("ReplicaSet"))
    state = (await build(Kubernetes).rollouts([ICX]))[ICX]
    assert isinstance(state, AuthError)


# -- actions ----------------------------------------------------------------------------------


def patches(backend) -> list[tuple[str, str, object]]:
    return [
        (r.url.path, r.headers["content-type"], json.loads(r.content))
        for r in backend.requests
        if r.method == "PATCH"
    ]


async def polled(build, backend, deployment: dict, replicasets: list[dict]) -> Kubernetes:
    serve_icx(backend, deployment, replicasets)
    adapter = build(Kubernetes)
    await adapter.rollouts([ICX])
    return adapter


async def test_pause_sends_kubectls_patch_with_the_resource_version_seen(build, backend):
    deployment, replicasets = two_revisions()
    deployment["spec"]["replicas"] = 3  # mid-rollout: something to pause
    adapter = await polled(build, backend, deployment, replicasets)
    backend.json("PATCH", f"{APPS}/icx/deployments/icx-db", deployment)
    result = await adapter.act(Action.PAUSE, ICX)
    assert patches(backend) == [
        (
            f"{APPS}/icx/deployments/icx-db",
            MERGE,
            {"metadata": {"resourceVersion": "37116271"}, "spec": {"paused": True}},
        )
    ]
    assert result.requests == (f"PATCH {APPS}/icx/deployments/icx-db",)
    assert result.detail == "paused deployment icx/icx-db"


async def test_resume_and_restart_send_their_patches(build, backend):
    paused = fixture(PAUSED)
    paused["metadata"]["resourceVersion"] = "4711"
    target = Target.of(namespace="default", name="nginx-deploy")
    backend.json("GET", f"{APPS}/default/deployments", listing("Deployment", paused))
    backend.json("GET", f"{APPS}/default/replicasets", listing("ReplicaSet"))
    backend.json("PATCH", f"{APPS}/default/deployments/nginx-deploy", paused)
    adapter = build(Kubernetes)
    await adapter.rollouts([target])
    await adapter.act(Action.RESUME, target)
    with pytest.raises(ActionFailed, match="paused: a restart would not roll out"):
        await adapter.act(Action.RESTART, target)  # the PATCH answer is still paused
    (_, kind, body) = patches(backend)[0]
    assert (kind, body) == (
        MERGE,
        {"metadata": {"resourceVersion": "4711"}, "spec": {"paused": False}},
    )


async def test_restart_stamps_the_template(build, backend):
    deployment, replicasets = two_revisions()
    adapter = await polled(build, backend, deployment, replicasets)
    backend.json("PATCH", f"{APPS}/icx/deployments/icx-db", deployment)
    before = datetime.now(UTC).replace(microsecond=0)
    await adapter.act(Action.RESTART, ICX)
    [(_, kind, body)] = patches(backend)
    assert kind == MERGE
    assert body["metadata"] == {"resourceVersion": "37116271"}
    stamp = body["spec"]["template"]["metadata"]["annotations"]["kubectl.kubernetes.io/restartedAt"]
    assert datetime.fromisoformat(stamp) >= before


async def test_undo_reapplies_the_previous_revision_as_kubectl(build, backend):
    deployment, replicasets = two_revisions()
    adapter = await polled(build, backend, deployment, replicasets)
    backend.json("PATCH", f"{APPS}/icx/deployments/icx-db", deployment)
    await adapter.act(Action.ROLLBACK, ICX)
    [(path, kind, body)] = patches(backend)
    assert (path, kind) == (f"{APPS}/icx/deployments/icx-db", "application/json-patch+json")
    assert body[0] == {"op": "replace", "path": "/metadata/resourceVersion", "value": "37116271"}
    assert body[1]["path"] == "/spec/template"
    assert body[1]["value"]["spec"]["containers"][0]["image"] == "postgres:9.2-alpine"
    assert "pod-template-hash" not in body[1]["value"]["metadata"]["labels"]


async def test_a_change_since_the_poll_is_refused_not_overwritten(build, backend):
    deployment, replicasets = two_revisions()
    deployment["spec"]["replicas"] = 3
    adapter = await polled(build, backend, deployment, replicasets)
    conflict = status_body(
        409,
        "Conflict",
        'Operation cannot be fulfilled on deployments.apps "icx-db": the object has been '
        "modified; please apply your changes to the latest version and try again",
    )
    backend.on("PATCH", f"{APPS}/icx/deployments/icx-db", httpx.Response(409, json=conflict))
    with pytest.raises(ActionFailed) as caught:
        await adapter.act(Action.PAUSE, ICX)
    assert "changed since you looked" in caught.value.message
    assert caught.value.hint.startswith("reload and decide again")
    assert caught.value.backend == "test-backend"


async def test_forbidden_patch_says_so(build, backend):
    deployment, replicasets = two_revisions()
    adapter = await polled(build, backend, deployment, replicasets)
    body = status_body(403, "Forbidden", "cannot patch resource deployments")
    backend.on("PATCH", f"{APPS}/icx/deployments/icx-db", httpx.Response(403, json=body))
    with pytest.raises(AuthError, match="forbidden"):
        await adapter.act(Action.RESTART, ICX)


async def test_an_action_before_any_poll_reads_the_object_first(build, backend):
    deployment, replicasets = two_revisions()
    backend.json("GET", f"{APPS}/icx/deployments/icx-db", deployment)
    backend.json("GET", f"{APPS}/icx/replicasets", listing("ReplicaSet", *replicasets))
    backend.json("PATCH", f"{APPS}/icx/deployments/icx-db", deployment)
    result = await build(Kubernetes).act(Action.ROLLBACK, ICX)
    assert [r.split(" ")[0] for r in result.requests] == ["GET", "GET", "PATCH"]


async def test_statefulsets_offer_only_restart(build, backend):
    adapter = build(Kubernetes)
    offer = adapter.offer(Target.of(namespace="a", name="b", kind="StatefulSet"))
    assert offer.actions == frozenset({Action.RESTART})
    assert "kubectl pauses only Deployments" in offer.note
    with pytest.raises(ActionFailed):
        await adapter.act(Action.PAUSE, Target.of(namespace="a", name="b", kind="StatefulSet"))
    assert adapter.offer(ICX).actions == Kubernetes.CAPABILITIES


async def test_describe_says_what_undo_does_and_how_it_is_fenced(build, backend):
    deployment, replicasets = two_revisions()
    adapter = await polled(build, backend, deployment, replicasets)
    state = (await adapter.rollouts([ICX]))[ICX]
    assert not isinstance(state, AdapterError)
    release = release_with(rollout=state)
    words = adapter.describe(Action.ROLLBACK, release)
    assert words.target == "deployment icx/icx-db"
    assert words.goal == "9.2-alpine (revision 1)"
    assert "Kubernetes has no server-side undo" in words.effect
    assert "re-applies the pod template of revision 1" in words.effect
    assert "resourceVersion 37116271" in words.effect
    pause = adapter.describe(Action.PAUSE, release)
    assert "kubectl rollout pause" in pause.effect
    restart = adapter.describe(Action.RESTART, release)
    assert "kubectl.kubernetes.io/restartedAt" in restart.effect


async def test_history_from_replicaset_revisions(build, backend):
    deployment, replicasets = two_revisions()
    serve_icx(backend, deployment, replicasets)
    line = ReleaseLine(key="icx", service="icx-db", environment="production")
    since = datetime(2019, 1, 1, tzinfo=UTC)
    records = await build(Kubernetes).history(line, ICX, since)
    assert [(r.version, r.outcome) for r in records] == [
        ("9.2-alpine", ReleaseOutcome.SUCCEEDED),
        ("9.3", ReleaseOutcome.SUCCEEDED),
    ]
    first, newest = records
    assert first.deployed_at is None  # Kubernetes keeps no completion time for it
    assert first.finished_at == newest.started_at
    assert newest.deployed_at == datetime(2019, 7, 14, 4, 54, 20, tzinfo=UTC)
    assert all(r.production and r.source == "kubernetes-replicasets" for r in records)


async def test_history_marks_a_revision_that_an_undo_replaced(build, backend):
    deployment, replicasets = two_revisions()
    old, new = replicasets
    # Edited: the old template adopted again as revision 3 (kubectl rollout undo).
    old["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "3"
    old["metadata"]["annotations"]["deployment.kubernetes.io/revision-history"] = "1"
    third = json.loads(json.dumps(new))
    third["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "1"
    serve_icx(backend, deployment, [third, new, old])
    line = ReleaseLine(key="icx", service="icx-db", environment="staging")
    records = await build(Kubernetes).history(line, ICX, datetime(2019, 1, 1, tzinfo=UTC))
    assert [r.outcome for r in records][-2] is ReleaseOutcome.ROLLED_BACK


async def test_probe_reads_the_apps_group(build, backend):
    backend.json("GET", "/apis/apps/v1", {"resources": [{"name": "deployments"}]})
    result = await build(Kubernetes).probe()
    assert (result.reachable, result.authorised) == (True, True)
    assert "apps/v1" in result.detail
