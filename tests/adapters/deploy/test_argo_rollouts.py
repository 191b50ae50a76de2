"""Argo Rollouts over the Kubernetes API: the reads and every action's exact requests."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from release_cockpit.adapters.deploy.argo_rollouts import ArgoRollouts, promote_patches
from release_cockpit.adapters.deploy.rollout_parsing import next_restart, parse_rollouts
from release_cockpit.domain import Action, PauseKind, RolloutPhase, Target
from release_cockpit.errors import ActionFailed, AuthError, BadResponse, RateLimited
from tests.support.adapters import TOKEN, load
from tests.support.watch_stream import Stream, event, settle

NS = "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts"
MAIN = f"{NS}/checkout"
STATUS = f"{MAIN}/status"
RS = "/apis/apps/v1/namespaces/shop/replicasets"
REF = Target.of(namespace="shop", rollout="checkout")
MERGE = "application/merge-patch+json"


def canary() -> dict:
    return load("argo-rollouts/rollout-canary-timed-pause.json")


def patches(backend) -> list[tuple[str, str, object]]:
    """(path, content type, body) of every PATCH sent, in order."""
    return [
        (r.url.path, r.headers["content-type"], json.loads(r.content))
        for r in backend.requests
        if r.method == "PATCH"
    ]


def ok(body: dict | None = None) -> httpx.Response:
    return httpx.Response(200, json=body or canary())


def status_error(code: int, reason: str, message: str) -> httpx.Response:
    return httpx.Response(
        code,
        json={
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        },
    )


async def test_rollouts_lists_rollouts_and_replicasets_once(build, backend):
    listing = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "RolloutList",
        "metadata": {"resourceVersion": "1"},
        "items": [canary()],
    }
    backend.json("GET", NS, listing)
    backend.json("GET", RS, load("argo-rollouts/replicasets-checkout.json"))
    argo = build(ArgoRollouts)
    states = await argo.namespace("shop")
    assert list(states) == ["checkout"]
    state = states["checkout"]
    assert state.phase is RolloutPhase.PAUSED
    assert state.pause_kind is PauseKind.TIMED_STEP
    assert (state.canary_version, state.stable_version) == ("2.8.0", "2.7.0")
    assert [r.url.path for r in backend.requests] == [NS, RS]
    for request in backend.requests:
        assert request.headers["authorization"] == f"Bearer {TOKEN}"
        assert request.headers["accept"] == "application/json"


async def test_watched_lists_are_parsed_again_only_where_an_item_changed(build, backend):
    other = canary()
    other["metadata"] = {**other["metadata"], "name": "cart", "uid": "cart-uid"}
    listing = {
        "kind": "RolloutList",
        "metadata": {"resourceVersion": "1"},
        "items": [canary(), other],
    }
    rs_listing = load("argo-rollouts/replicasets-checkout.json")
    rs_listing["metadata"] = {"resourceVersion": "1"}
    rollouts, replicasets = Stream(), Stream()
    backend.json("GET", NS, listing)
    backend.json("GET", RS, rs_listing)
    backend.on("WATCH", NS, rollouts.reply)
    backend.on("WATCH", RS, replicasets.reply)
    argo = build(ArgoRollouts)
    first = await argo.namespace("shop")
    await settle()
    again = await argo.namespace("shop")
    assert again["checkout"] is first["checkout"]  # nothing changed: not parsed again
    aborted = canary()
    aborted["status"]["abort"] = True
    aborted["metadata"]["resourceVersion"] = "2"
    await rollouts.queue.put(event("MODIFIED", aborted))
    await settle()
    second = await argo.namespace("shop")
    assert second["checkout"] is not first["checkout"]
    assert second["checkout"].aborted
    assert second["cart"] is first["cart"]  # only the changed rollout was parsed
    assert [r.url.path for r in backend.requests] == [NS, RS]
    assert argo.usage_note() == "watching 2 of 2 lists"


def test_a_kept_state_is_parsed_again_once_its_restart_at_comes():
    later = canary()
    later["spec"]["restartAt"] = "2030-01-01T00:00:00Z"
    del later["status"]["phase"]  # the fallback phase is the one that reads the clock
    listing = {"kind": "RolloutList", "items": [later]}
    replicasets = load("argo-rollouts/replicasets-checkout.json")
    kept: dict = {}
    before = parse_rollouts(listing, replicasets, datetime(2029, 12, 31, tzinfo=UTC), kept)
    same = parse_rollouts(listing, replicasets, datetime(2029, 12, 31, 1, tzinfo=UTC), kept)
    assert same["checkout"] is before["checkout"]
    after = parse_rollouts(listing, replicasets, datetime(2030, 1, 2, tzinfo=UTC), kept)
    assert after["checkout"] is not before["checkout"]
    assert next_restart([later], datetime(2029, 12, 31, tzinfo=UTC)) == datetime(
        2030, 1, 1, tzinfo=UTC
    )
    assert next_restart([later], datetime(2030, 1, 2, tzinfo=UTC)) is None


async def test_probe_targets_finds_the_rollout_or_says_it_is_not_there(build, backend):
    listing = {"kind": "RolloutList", "metadata": {}, "items": [canary()]}
    backend.json("GET", NS, listing)
    backend.json("GET", RS, load("argo-rollouts/replicasets-checkout.json"))
    argo = build(ArgoRollouts)
    payments = Target.of(namespace="shop", rollout="payments")
    checks = await argo.probe_targets([REF, payments])
    found, missing = checks[REF], checks[payments]
    assert (found.ok, found.detail) == (True, "found: paused, running 2.7.0")
    assert [r.url.path for r in backend.requests] == [NS, RS]  # one list for both
    assert not missing.ok
    assert "payments" in missing.detail
    assert "not found" in missing.detail


async def test_rollouts_retries_an_unavailable_api_server_honouring_retry_after(build, backend):
    listing = {"kind": "RolloutList", "items": [canary()]}
    backend.json("GET", NS, listing)
    backend.on(
        "GET",
        RS,
        httpx.Response(
            503,
            headers={"Retry-After": "2"},
            json={"kind": "Status", "message": "etcd leader changed"},
        ),
        httpx.Response(200, json=load("argo-rollouts/replicasets-checkout.json")),
    )
    argo = build(ArgoRollouts)
    states = await argo.namespace("shop")
    assert states["checkout"].stable_version == "2.7.0"
    assert argo.http.last_retry_waits == (2.0,)
    assert [r.url.path for r in backend.requests] == [NS, RS, RS]


async def test_rollouts_html_from_a_proxy_is_a_bad_response(build, backend):
    backend.on(
        "GET",
        NS,
        httpx.Response(
            200, text="<html>502 Bad Gateway</html>", headers={"Content-Type": "application/json"}
        ),
    )
    argo = build(ArgoRollouts)
    with pytest.raises(BadResponse, match="not valid JSON"):
        await argo.namespace("shop")


async def test_rollouts_forbidden_is_an_auth_error(build, backend):
    backend.on(
        "GET",
        NS,
        status_error(
            403,
            "Forbidden",
            'rollouts.argoproj.io is forbidden: User "system:serviceaccount:ops:cockpit" '
            "cannot list resource",
        ),
    )
    argo = build(ArgoRollouts)
    with pytest.raises(AuthError, match="cannot list resource"):
        await argo.namespace("shop")


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        (Action.PAUSE, [(MAIN, MERGE, {"spec": {"paused": True}})]),
        (Action.ABORT, [(STATUS, MERGE, {"status": {"abort": True}})]),
        (Action.RETRY, [(STATUS, MERGE, {"status": {"abort": False}})]),
        (
            Action.RESUME,
            [
                (STATUS, MERGE, {"status": {"pauseConditions": None}}),
                (MAIN, MERGE, {"spec": {"paused": False}}),
            ],
        ),
    ],
)
async def test_simple_actions_send_exactly_the_plugins_patches(build, backend, action, expected):
    backend.on("PATCH", MAIN, ok())
    backend.on("PATCH", STATUS, ok())
    argo = build(ArgoRollouts)
    result = await argo.act(action, REF)
    assert result.ok
    assert result.action is action
    assert patches(backend) == expected
    assert result.requests == tuple(f"PATCH {path}" for path, _, _ in expected)


async def test_promote_clears_pause_conditions(build, backend):
    backend.on("GET", MAIN, ok())
    backend.on("PATCH", STATUS, ok())
    argo = build(ArgoRollouts)
    result = await argo.act(Action.PROMOTE, REF)
    assert patches(backend) == [(STATUS, MERGE, {"status": {"pauseConditions": None}})]
    assert result.requests == (f"GET {MAIN}", f"PATCH {STATUS}")


async def test_promote_without_pause_moves_to_the_next_step_and_unpauses(build, backend):
    rollout = canary()
    rollout["status"]["pauseConditions"] = []
    rollout["status"]["currentStepIndex"] = 4
    rollout["spec"]["paused"] = True
    backend.on("GET", MAIN, ok(rollout))
    backend.on("PATCH", STATUS, ok())
    backend.on("PATCH", MAIN, ok())
    argo = build(ArgoRollouts)
    result = await argo.act(Action.PROMOTE, REF)
    assert patches(backend) == [
        (STATUS, MERGE, {"status": {"pauseConditions": None, "currentStepIndex": 5}}),
        (MAIN, MERGE, {"spec": {"paused": False}}),
    ]
    assert "step 5" in result.detail


def test_promote_caps_the_step_index_at_the_step_count():
    rollout = canary()
    rollout["status"]["pauseConditions"] = []
    rollout["status"]["currentStepIndex"] = 7
    assert promote_patches(rollout) == (
        {"status": {"pauseConditions": None, "currentStepIndex": 7}},
        False,
    )


def test_promote_after_an_inconclusive_step_analysis_also_releases_the_controller():
    rollout = canary()
    rollout["status"]["pauseConditions"] = [
        {"reason": "InconclusiveAnalysisRun", "startTime": "2026-11-27T12:00:00Z"}
    ]
    rollout["status"]["canary"]["currentStepAnalysisRunStatus"] = {
        "name": "checkout-abc-3",
        "status": "Inconclusive",
    }
    assert promote_patches(rollout) == (
        {"status": {"pauseConditions": None, "controllerPause": False, "currentStepIndex": 4}},
        False,
    )


async def test_promote_full_sets_promote_full_and_unpauses(build, backend):
    rollout = canary()
    rollout["spec"]["paused"] = True
    backend.on("GET", MAIN, ok(rollout))
    backend.on("PATCH", STATUS, ok())
    backend.on("PATCH", MAIN, ok())
    argo = build(ArgoRollouts)
    await argo.act(Action.PROMOTE_FULL, REF)
    assert patches(backend) == [
        (STATUS, MERGE, {"status": {"promoteFull": True}}),
        (MAIN, MERGE, {"spec": {"paused": False}}),
    ]


async def test_promote_full_of_a_promoted_rollout_is_refused(build, backend):
    rollout = canary()
    rollout["status"]["currentPodHash"] = rollout["status"]["stableRS"]
    backend.on("GET", MAIN, ok(rollout))
    argo = build(ArgoRollouts)
    with pytest.raises(ActionFailed, match="already fully promoted"):
        await argo.act(Action.PROMOTE_FULL, REF)
    assert patches(backend) == []


async def test_status_patch_falls_back_to_the_object_on_404(build, backend):
    backend.on(
        "PATCH",
        STATUS,
        status_error(404, "NotFound", "the server could not find the requested resource"),
    )
    backend.on("PATCH", MAIN, ok())
    argo = build(ArgoRollouts)
    result = await argo.act(Action.ABORT, REF)
    assert patches(backend) == [
        (STATUS, MERGE, {"status": {"abort": True}}),
        (MAIN, MERGE, {"status": {"abort": True}}),
    ]
    assert result.requests == (f"PATCH {STATUS}", f"PATCH {MAIN}")


async def test_undo_restores_the_second_highest_revision_without_the_hash_label(build, backend):
    backend.on("GET", MAIN, ok())
    backend.json("GET", RS, load("argo-rollouts/replicasets-checkout.json"))
    backend.on("PATCH", MAIN, ok())
    argo = build(ArgoRollouts)

    result = await argo.act(Action.ROLLBACK, REF)

    rs_request = backend.requests[1]
    assert rs_request.url.params["labelSelector"] == "app=checkout"
    ((path, content_type, body),) = patches(backend)
    assert (path, content_type) == (MAIN, "application/json-patch+json")
    assert len(body) == 1
    assert body[0]["op"] == "replace"
    assert body[0]["path"] == "/spec/template"
    template = body[0]["value"]
    assert template["metadata"]["labels"] == {"app": "checkout"}
    assert template["spec"]["containers"][0]["image"].endswith(":2.7.0")
    assert "revision 2" in result.detail
    assert "2.7.0" in result.detail
    assert result.requests == (
        f"GET {MAIN}",
        f"GET {RS}?labelSelector=app=checkout",
        f"PATCH {MAIN}",
    )


async def test_undo_with_no_previous_revision_is_refused(build, backend):
    only_current = load("argo-rollouts/replicasets-checkout.json")
    only_current["items"] = only_current["items"][2:3]
    backend.on("GET", MAIN, ok())
    backend.json("GET", RS, only_current)
    argo = build(ArgoRollouts)
    with pytest.raises(ActionFailed, match="no previous revision"):
        await argo.act(Action.ROLLBACK, REF)
    assert patches(backend) == []


async def test_undo_to_the_running_template_is_refused(build, backend):
    rollout = canary()
    rollout["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "registry.example.com:5000/shop/checkout:2.7.0"
    )
    backend.on("GET", MAIN, ok(rollout))
    backend.json("GET", RS, load("argo-rollouts/replicasets-checkout.json"))
    argo = build(ArgoRollouts)
    with pytest.raises(ActionFailed, match="already runs the template of revision 2"):
        await argo.act(Action.ROLLBACK, REF)


async def test_a_kubernetes_status_refusal_is_action_failed_with_its_message(build, backend):
    backend.on(
        "PATCH",
        MAIN,
        status_error(
            409,
            "Conflict",
            'Operation cannot be fulfilled on rollouts.argoproj.io "checkout": '
            "the object has been modified",
        ),
    )
    argo = build(ArgoRollouts)
    with pytest.raises(ActionFailed, match="the object has been modified") as caught:
        await argo.act(Action.PAUSE, REF)
    assert caught.value.backend == "test-backend"
    assert len(backend.requests) == 1


async def test_a_missing_rollout_is_action_failed(build, backend):
    backend.on(
        "GET", MAIN, status_error(404, "NotFound", 'rollouts.argoproj.io "checkout" not found')
    )
    argo = build(ArgoRollouts)
    with pytest.raises(ActionFailed, match='"checkout" not found'):
        await argo.act(Action.PROMOTE, REF)


async def test_an_expired_token_is_an_auth_error(build, backend):
    backend.on("PATCH", MAIN, status_error(401, "Unauthorized", "Unauthorized"))
    argo = build(ArgoRollouts)
    with pytest.raises(AuthError) as caught:
        await argo.act(Action.PAUSE, REF)
    assert TOKEN not in str(caught.value)


async def test_a_throttled_patch_is_rate_limited(build, backend):
    backend.on("PATCH", MAIN, httpx.Response(429, headers={"Retry-After": "120"}))
    argo = build(ArgoRollouts)
    with pytest.raises(RateLimited):
        await argo.act(Action.PAUSE, REF)


async def test_retry_ci_is_not_a_deploy_action(build, backend):
    argo = build(ArgoRollouts)
    with pytest.raises(ActionFailed, match="cannot retry-ci"):
        await argo.act(Action.RETRY_CI, REF)
    assert backend.requests == []


async def test_probe_checks_the_api_group(build, backend):
    backend.json(
        "GET",
        "/apis/argoproj.io/v1alpha1",
        {
            "kind": "APIResourceList",
            "groupVersion": "argoproj.io/v1alpha1",
            "resources": [
                {"name": "rollouts", "kind": "Rollout"},
                {"name": "rollouts/status", "kind": "Rollout"},
            ],
        },
    )
    argo = build(ArgoRollouts)
    result = await argo.probe()
    assert (result.reachable, result.authorised) == (True, True)
    assert result.detail == "Argo Rollouts API available"


async def test_probe_without_the_crds(build, backend):
    backend.on(
        "GET",
        "/apis/argoproj.io/v1alpha1",
        status_error(404, "NotFound", "the server could not find the requested resource"),
    )
    argo = build(ArgoRollouts)
    result = await argo.probe()
    assert result.reachable is True
    assert result.authorised is False
    assert "could not find" in result.detail
