"""The Kubernetes endpoints over real HTTP: Rollouts, ReplicaSets, and the kubectl PATCHes."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.support.demo_clock import FakeClock

API = "/k8s/apis/argoproj.io/v1alpha1"
MERGE = {"Content-Type": "application/merge-patch+json"}
JSON_PATCH = {"Content-Type": "application/json-patch+json"}


def rollout_path(name: str, namespace: str = "production") -> str:
    return f"{API}/namespaces/{namespace}/rollouts/{name}"


def get(client: httpx.Client, name: str) -> dict:
    response = client.get(rollout_path(name))
    assert response.status_code == 200
    return response.json()


def patch(client: httpx.Client, path: str, body: object, headers: dict) -> httpx.Response:
    return client.patch(path, content=json.dumps(body), headers=headers)


def image_tag(obj: dict) -> str:
    return obj["spec"]["template"]["spec"]["containers"][0]["image"].rsplit(":", 1)[1]


def test_rollouts_are_listed_per_namespace(client: httpx.Client):
    production = client.get(f"{API}/namespaces/production/rollouts").json()
    assert production["kind"] == "RolloutList"
    assert production["apiVersion"] == "argoproj.io/v1alpha1"
    assert production["metadata"]["resourceVersion"]
    names = [item["metadata"]["name"] for item in production["items"]]
    assert names == ["checkout", "payments", "ledger", "auth", "catalog", "notifications"]
    staging = client.get(f"{API}/namespaces/staging/rollouts").json()
    assert [item["metadata"]["name"] for item in staging["items"]] == ["search"]
    assert client.get(f"{API}/namespaces/nowhere/rollouts").json()["items"] == []


def test_rollout_objects_look_like_the_real_ones(client: httpx.Client):
    obj = get(client, "catalog")
    meta, status = obj["metadata"], obj["status"]
    assert status["observedGeneration"] == str(meta["generation"])
    assert meta["annotations"]["rollout.argoproj.io/revision"].isdigit()
    assert status["currentPodHash"] == status["stableRS"]
    for condition in status["conditions"]:
        assert condition["lastTransitionTime"].endswith("Z")
    assert {"rolloutStartedAt", "finishedAt"} <= set(status["duration"])
    weights = status["canary"]["weights"]
    assert weights["stable"]["podTemplateHash"] == status["stableRS"]


def test_unknown_rollout_and_path_are_kubernetes_status_404s(client: httpx.Client):
    missing = client.get(rollout_path("nope"))
    assert missing.status_code == 404
    body = missing.json()
    assert (body["kind"], body["status"], body["reason"], body["code"]) == (
        "Status",
        "Failure",
        "NotFound",
        404,
    )
    assert body["message"] == 'rollouts.argoproj.io "nope" not found'
    other = client.get("/k8s/apis/batch/v1/namespaces/production/jobs")
    assert other.status_code == 404
    assert other.json()["kind"] == "Status"


def test_api_group_discovery(client: httpx.Client):
    body = client.get(API).json()
    assert body["kind"] == "APIResourceList"
    assert body["groupVersion"] == "argoproj.io/v1alpha1"
    assert {"rollouts", "rollouts/status"} <= {r["name"] for r in body["resources"]}


def test_replicasets_honour_label_selectors(client: httpx.Client):
    everything = client.get("/k8s/apis/apps/v1/namespaces/production/replicasets").json()
    assert everything["kind"] == "ReplicaSetList"
    # Every line keeps its older and stable ReplicaSets. Checkout and auth are still building,
    # so they have no new one yet; payments (canary paused at 25 %), ledger (preview at the
    # gate), catalog (promoted, soaking) and notifications (canary paused at 10 %) each have a
    # third: 2 * 2 + 4 * 3 = 16.
    per_app: dict[str, list[tuple[str, int]]] = {}
    for rs in everything["items"]:
        image = rs["spec"]["template"]["spec"]["containers"][0]["image"]
        per_app.setdefault(rs["metadata"]["labels"]["app"], []).append(
            (image.rsplit(":", 1)[1], rs["spec"]["replicas"])
        )
    assert {app: len(sets) for app, sets in per_app.items()} == {
        "checkout": 2,
        "payments": 3,
        "ledger": 3,
        "auth": 2,
        "catalog": 3,
        "notifications": 3,
    }
    assert len(everything["items"]) == 16
    # Payments' canary ReplicaSet has pods: 25 % of 5 replicas, rounded up.
    assert per_app["payments"] == [("1.12.2", 0), ("1.12.3", 5), ("1.13.0", 2)]
    one = client.get(
        "/k8s/apis/apps/v1/namespaces/production/replicasets",
        params={"labelSelector": "app=ledger"},
    ).json()["items"]
    assert len(one) == 3
    assert {rs["metadata"]["ownerReferences"][0]["name"] for rs in one} == {"ledger"}
    stable_hash = get(client, "ledger")["status"]["stableRS"]
    both = client.get(
        "/k8s/apis/apps/v1/namespaces/production/replicasets",
        params={"labelSelector": f"app=ledger,rollouts-pod-template-hash={stable_hash}"},
    ).json()["items"]
    assert [rs["metadata"]["name"] for rs in both] == [f"ledger-{stable_hash}"]
    bad = client.get(
        "/k8s/apis/apps/v1/namespaces/production/replicasets", params={"labelSelector": "a b"}
    )
    assert bad.status_code == 400


def test_abort_changes_what_the_next_get_returns(client: httpx.Client, clock: FakeClock):
    clock.to(150)
    assert get(client, "payments")["status"]["phase"] == "Paused"
    response = patch(
        client, rollout_path("payments") + "/status", {"status": {"abort": True}}, MERGE
    )
    assert response.status_code == 200
    status = get(client, "payments")["status"]
    assert status["abort"] is True
    assert status["phase"] == "Degraded"
    assert status["canary"]["weights"]["canary"]["weight"] == 0
    assert any(c["reason"] == "RolloutAborted" for c in status["conditions"])
    retried = patch(
        client, rollout_path("payments") + "/status", {"status": {"abort": False}}, MERGE
    )
    assert retried.json()["status"]["phase"] == "Progressing"
    assert "abort" not in retried.json()["status"]


def test_promote_clears_the_blue_green_gate(client: httpx.Client):
    body = {"status": {"pauseConditions": None}}
    response = patch(client, rollout_path("ledger") + "/status", body, MERGE)
    assert response.status_code == 200
    obj = get(client, "ledger")
    assert obj["status"]["phase"] == "Healthy"
    assert obj["status"]["stableRS"] == obj["status"]["currentPodHash"]
    assert "pauseConditions" not in obj["status"]


def test_promote_without_pause_conditions_skips_a_step(client: httpx.Client, clock: FakeClock):
    clock.to(43)  # checkout in its first setWeight step
    index = get(client, "checkout")["status"]["currentStepIndex"]
    body = {"status": {"pauseConditions": None, "currentStepIndex": index + 1}}
    patch(client, rollout_path("checkout") + "/status", body, MERGE)
    assert get(client, "checkout")["status"]["currentStepIndex"] == index + 1


def test_promote_full_finishes_the_rollout(client: httpx.Client, clock: FakeClock):
    clock.to(50)
    patch(client, rollout_path("checkout") + "/status", {"status": {"promoteFull": True}}, MERGE)
    status = get(client, "checkout")["status"]
    assert status["phase"] == "Healthy"
    assert status["currentPodHash"] == status["stableRS"]
    assert status["duration"]["completionStatus"] == "FastPromoted"


def test_pause_and_resume_through_spec_paused(client: httpx.Client, clock: FakeClock):
    clock.to(43)
    patch(client, rollout_path("checkout"), {"spec": {"paused": True}}, MERGE)
    clock.to(400)
    paused = get(client, "checkout")
    assert paused["spec"]["paused"] is True
    assert (paused["status"]["phase"], paused["status"]["message"]) == ("Paused", "manually paused")
    assert paused["status"]["currentStepIndex"] == 0
    patch(client, rollout_path("checkout"), {"spec": {"paused": False}}, MERGE)
    resumed = get(client, "checkout")
    assert "paused" not in resumed["spec"]
    assert resumed["status"]["observedGeneration"] == str(paused["metadata"]["generation"] + 1)


def test_undo_goes_back_to_the_stable_version(client: httpx.Client, clock: FakeClock):
    clock.to(150)
    before = get(client, "payments")
    assert image_tag(before) == "1.13.0"
    # What `kubectl argo rollouts undo` does: second-highest revision, hash label dropped.
    replicasets = client.get(
        "/k8s/apis/apps/v1/namespaces/production/replicasets",
        params={"labelSelector": "app=payments"},
    ).json()["items"]
    owned = sorted(
        replicasets,
        key=lambda rs: int(rs["metadata"]["annotations"]["rollout.argoproj.io/revision"]),
    )
    template = owned[-2]["spec"]["template"]
    del template["metadata"]["labels"]["rollouts-pod-template-hash"]
    body = [{"op": "replace", "path": "/spec/template", "value": template}]
    response = patch(client, rollout_path("payments"), body, JSON_PATCH)
    assert response.status_code == 200
    after = get(client, "payments")
    assert image_tag(after) == "1.12.3"
    assert (
        after["status"]["currentPodHash"]
        == after["status"]["stableRS"]
        == before["status"]["stableRS"]
    )
    assert after["status"]["phase"] == "Healthy"
    assert int(after["metadata"]["annotations"]["rollout.argoproj.io/revision"]) > int(
        before["metadata"]["annotations"]["rollout.argoproj.io/revision"]
    )


def test_status_in_a_main_patch_is_ignored_like_a_crd_with_a_subresource(
    client: httpx.Client, clock: FakeClock
):
    clock.to(150)
    patch(client, rollout_path("payments"), {"status": {"abort": True}}, MERGE)
    assert get(client, "payments")["status"]["phase"] == "Paused"


@pytest.mark.parametrize(
    ("body", "headers", "code"),
    [
        (
            {"spec": {"paused": True}},
            {"Content-Type": "application/strategic-merge-patch+json"},
            415,
        ),
        ("{not json", MERGE, 400),
        ([{"op": "move", "from": "/a", "path": "/b"}], JSON_PATCH, 422),
        ([{"op": "replace", "path": "/spec/template", "value": {}}], JSON_PATCH, 422),
    ],
)
def test_bad_patches_are_refused_with_a_status(client: httpx.Client, body, headers, code):
    content = body if isinstance(body, str) else json.dumps(body)
    response = client.patch(rollout_path("payments"), content=content, headers=headers)
    assert response.status_code == code
    assert response.json()["kind"] == "Status"


def test_patch_of_an_unknown_rollout_is_404(client: httpx.Client):
    response = patch(client, rollout_path("nope") + "/status", {"status": {"abort": True}}, MERGE)
    assert response.status_code == 404
    assert response.json()["reason"] == "NotFound"
