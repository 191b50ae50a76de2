"""The simulated world's other deploy controllers over real HTTP: a plain Deployment that
reacts to kubectl's patches (and refuses a stale resourceVersion), an Argo CD application
with sync, rollback, terminate and resource actions, and a Flagger canary steered through
the load tester's gates."""

from __future__ import annotations

import json

import httpx

from tests.support.demo_clock import FakeClock

APPS = "/k8s/apis/apps/v1/namespaces"
INVENTORY = f"{APPS}/warehouse/deployments/inventory"
MERGE = {"Content-Type": "application/merge-patch+json"}
ARGO = "/argocd/api/v1/applications"
CANARIES = "/k8s/apis/flagger.app/v1beta1/namespaces/edge/canaries"
TESTER = "/loadtester"
GATEWAY = {"name": "gateway", "namespace": "edge"}


def image_tag(template: dict) -> str:
    return template["spec"]["containers"][0]["image"].rsplit(":", 1)[1]


def patch(client: httpx.Client, body: object, headers: dict = MERGE) -> httpx.Response:
    return client.patch(INVENTORY, content=json.dumps(body), headers=headers)


# -- a plain Deployment -------------------------------------------------------------------------


def test_the_deployment_and_its_replicasets_look_like_the_real_ones(client: httpx.Client):
    listed = client.get(f"{APPS}/warehouse/deployments").json()
    assert listed["kind"] == "DeploymentList"
    [deployment] = listed["items"]
    meta, status = deployment["metadata"], deployment["status"]
    assert meta["annotations"]["deployment.kubernetes.io/revision"].isdigit()
    assert status["observedGeneration"] == meta["generation"]
    # Opened mid-rollout: a quarter of the pods replaced, the rest still old.
    assert (status["updatedReplicas"], status["replicas"]) == (2, 5)
    assert status["conditions"][1]["reason"] == "ReplicaSetUpdated"
    replicasets = client.get(f"{APPS}/warehouse/replicasets").json()["items"]
    owners = {rs["metadata"]["ownerReferences"][0]["kind"] for rs in replicasets}
    assert owners == {"Deployment"}
    revisions = {
        rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"] for rs in replicasets
    }
    assert meta["annotations"]["deployment.kubernetes.io/revision"] in revisions
    assert (
        client.get("/k8s/apis/argoproj.io/v1alpha1/namespaces/warehouse/rollouts").json()["items"]
        == []
    )
    assert client.get(f"{APPS}/warehouse/statefulsets").json()["items"] == []


def test_a_patch_with_a_stale_resource_version_is_refused(client: httpx.Client):
    seen = client.get(INVENTORY).json()["metadata"]["resourceVersion"]
    stale = patch(client, {"metadata": {"resourceVersion": "1"}, "spec": {"paused": True}})
    assert stale.status_code == 409
    body = stale.json()
    assert (body["kind"], body["reason"]) == ("Status", "Conflict")
    assert "the object has been modified" in body["message"]
    assert "paused" not in client.get(INVENTORY).json()["spec"]
    fresh = patch(client, {"metadata": {"resourceVersion": seen}, "spec": {"paused": True}})
    assert fresh.status_code == 200
    assert fresh.json()["spec"]["paused"] is True
    assert fresh.json()["status"]["conditions"][1]["reason"] == "DeploymentPaused"
    resumed = patch(client, {"spec": {"paused": False}})
    assert "paused" not in resumed.json()["spec"]


def test_restart_makes_a_new_revision_of_the_same_version(client: httpx.Client, clock: FakeClock):
    before = client.get(INVENTORY).json()
    stamp = {"kubectl.kubernetes.io/restartedAt": "2026-11-18T11:07:00Z"}
    after = patch(client, {"spec": {"template": {"metadata": {"annotations": stamp}}}}).json()
    revision = "deployment.kubernetes.io/revision"
    assert int(after["metadata"]["annotations"][revision]) > int(
        before["metadata"]["annotations"][revision]
    )
    assert image_tag(after["spec"]["template"]) == image_tag(before["spec"]["template"])
    assert (
        "kubectl.kubernetes.io/restartedAt" in after["spec"]["template"]["metadata"]["annotations"]
    )


def test_undo_puts_the_previous_template_back(client: httpx.Client):
    current = client.get(INVENTORY).json()
    replicasets = client.get(f"{APPS}/warehouse/replicasets").json()["items"]
    running = image_tag(current["spec"]["template"])
    older = next(rs for rs in replicasets if image_tag(rs["spec"]["template"]) != running)
    operations = [
        {
            "op": "replace",
            "path": "/metadata/resourceVersion",
            "value": current["metadata"]["resourceVersion"],
        },
        {"op": "replace", "path": "/spec/template", "value": older["spec"]["template"]},
    ]
    undone = patch(client, operations, {"Content-Type": "application/json-patch+json"})
    assert undone.status_code == 200
    assert image_tag(undone.json()["spec"]["template"]) == image_tag(older["spec"]["template"])


# -- Argo CD --------------------------------------------------------------------------------------


def test_applications_are_listed_by_project_and_selector(client: httpx.Client):
    listed = client.get(ARGO, params={"projects": "shop", "selector": "team=shop"}).json()
    [app] = listed["items"]
    assert (app["metadata"]["name"], app["spec"]["project"]) == ("orders", "shop")
    status = app["status"]
    assert status["sync"]["status"] == "Synced"
    # Opened at the Rollout's `pause: {}` step: Argo CD says Suspended.
    assert status["health"]["status"] == "Suspended"
    rollout = next(r for r in status["resources"] if r["kind"] == "Rollout")
    assert rollout["health"] == {"status": "Suspended", "message": "Rollout is paused"}
    assert len(status["history"]) >= 2
    assert client.get(ARGO, params={"projects": "other"}).json()["items"] == []
    assert client.get("/argocd/api/version").json()["Version"].startswith("v3")


def test_sync_runs_an_operation_that_terminate_stops(client: httpx.Client):
    synced = client.post(f"{ARGO}/orders/sync", json={"prune": False, "dryRun": False})
    assert synced.json()["status"]["operationState"]["phase"] == "Running"
    assert client.delete(f"{ARGO}/orders/operation").status_code == 200
    state = client.get(f"{ARGO}/orders").json()["status"]["operationState"]
    assert (state["phase"], state["message"]) == ("Failed", "Operation terminated")
    again = client.delete(f"{ARGO}/orders/operation")
    assert again.status_code == 409
    assert again.json()["message"] == "Unable to terminate operation. No operation is in progress"


def test_rollback_goes_to_a_history_entry_and_leaves_the_app_out_of_sync(client: httpx.Client):
    history = client.get(f"{ARGO}/orders").json()["status"]["history"]
    previous = history[-2]["id"]
    rolled = client.post(f"{ARGO}/orders/rollback", json={"id": previous}).json()
    assert rolled["status"]["sync"]["status"] == "OutOfSync"
    assert rolled["status"]["operationState"]["operation"]["initiatedBy"] == {"username": "admin"}
    missing = client.post(f"{ARGO}/orders/rollback", json={"id": 999})
    assert missing.status_code == 400
    assert "does not have deployment with id 999" in missing.json()["message"]


def test_resource_actions_run_on_the_rollout_behind_the_app(client: httpx.Client):
    params = {
        "namespace": "orders",
        "resourceName": "orders",
        "version": "v1alpha1",
        "kind": "Rollout",
        "group": "argoproj.io",
    }
    actions = client.get(f"{ARGO}/orders/resource/actions", params=params).json()["actions"]
    by_name = {a["name"]: a for a in actions}
    assert "disabled" not in by_name["resume"]  # paused at its step
    assert by_name["retry"]["disabled"] is True
    body = {**params, "appNamespace": "argocd", "resourceActionParameters": [], "action": "abort"}
    assert client.post(f"{ARGO}/orders/resource/actions/v2", json=body).status_code == 200
    app = client.get(f"{ARGO}/orders").json()
    rollout = next(r for r in app["status"]["resources"] if r["kind"] == "Rollout")
    assert rollout["health"] == {"status": "Degraded", "message": "Rollout is aborted"}
    legacy = client.post(f"{ARGO}/orders/resource/actions", params=params, json="retry")
    assert legacy.status_code == 200
    assert client.get(f"{ARGO}/orders").json()["status"]["health"]["status"] == "Progressing"


# -- Flagger ------------------------------------------------------------------------------------


def canary(client: httpx.Client) -> dict:
    [item] = client.get(CANARIES).json()["items"]
    return item


def test_the_canary_and_its_workloads(client: httpx.Client):
    item = canary(client)
    assert (item["status"]["phase"], item["status"]["canaryWeight"]) == ("Progressing", 20)
    hooks = {h["type"]: h["url"] for h in item["spec"]["analysis"]["webhooks"]}
    assert hooks["confirm-promotion"].endswith("/gate/check")
    names = [d["metadata"]["name"] for d in client.get(f"{APPS}/edge/deployments").json()["items"]]
    assert names == ["gateway", "gateway-primary"]


def test_the_promotion_gate_holds_until_opened_and_stays_open(
    client: httpx.Client, clock: FakeClock
):
    clock.advance(30)  # past the 30% step, into the confirm-promotion gate
    assert canary(client)["status"]["phase"] == "WaitingPromotion"
    assert client.post(f"{TESTER}/gate/check", json=GATEWAY).status_code == 403
    assert client.post(f"{TESTER}/gate/open", json=GATEWAY).status_code == 202
    assert client.post(f"{TESTER}/gate/check", json=GATEWAY).status_code == 200
    assert canary(client)["status"]["phase"] == "Promoting"
    clock.advance(10)
    assert canary(client)["status"]["phase"] == "Succeeded"


def test_the_rollback_gate_fails_the_canary(client: httpx.Client):
    assert client.post(f"{TESTER}/rollback/open", json=GATEWAY).status_code == 202
    status = canary(client)["status"]
    assert (status["phase"], status["canaryWeight"]) == ("Failed", 0)
    assert client.post(f"{TESTER}/rollback/close", json=GATEWAY).status_code == 202
    assert client.post(f"{TESTER}/gate/open", content=b"{").status_code == 400
