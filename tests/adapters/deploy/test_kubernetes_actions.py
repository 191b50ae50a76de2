"""Kubernetes request bodies (what ``kubectl rollout`` sends, fenced by resourceVersion),
effect sentences and ``Status`` errors, on recorded objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from release_cockpit.adapters.deploy.kubernetes_actions import (
    DOMAIN_ACTIONS,
    JSON_PATCH,
    MERGE_PATCH,
    WorkloadAction,
    action_effect,
    object_path,
    parse_status,
    pause_request,
    restart_request,
    resume_request,
    rfc3339,
    status_error,
    status_summary,
    undo_request,
)
from release_cockpit.adapters.deploy.kubernetes_rollout_status import WorkloadKind
from release_cockpit.domain import Action
from release_cockpit.errors import ActionFailed, AuthError, BadResponse, NotFound, RateLimited
from tests.support.kube_fixtures import (
    COMPLETE,
    PAUSED,
    RS,
    STS,
    fixture,
    two_revisions,
)

NOW = datetime(2026, 11, 27, 12, 0, 10, tzinfo=UTC)


def apply_json_patch(doc: dict, ops: list[dict]) -> dict:
    """Enough of RFC 6902 (replace/add on object members) to check what undo produces."""
    result = json.loads(json.dumps(doc))
    for op in ops:
        assert op["op"] in ("replace", "add")
        *parents, last = op["path"].strip("/").split("/")
        target = result
        for key in parents:
            target = target[key]
        if op["op"] == "replace":
            assert last in target, f"replace of a missing member {op['path']}"
        target[last] = op["value"]
    return result


# -- pause / resume -------------------------------------------------------------------------


def test_pause_is_kubectls_patch_fenced_by_resource_version():
    request = pause_request(fixture(COMPLETE))
    assert request.method == "PATCH"
    assert request.path == "/apis/apps/v1/namespaces/icx/deployments/icx-db"
    assert request.content_type == MERGE_PATCH
    assert request.body == {"metadata": {"resourceVersion": "37116271"}, "spec": {"paused": True}}
    assert json.loads(request.content()) == request.body
    assert request.effect == (
        "pauses deployment icx/icx-db as `kubectl rollout pause` does (spec.paused=true): the "
        'rollout stops where it is (deployment "icx-db" successfully rolled out) and no '
        "template change rolls out until it is resumed; running pods keep serving."
    )


def paused_with_version() -> dict:
    obj = fixture(PAUSED)
    obj["metadata"]["resourceVersion"] = "4711"  # edited: the test-data object has none
    return obj


def test_pause_refuses_what_kubectl_refuses():
    with pytest.raises(ActionFailed, match="already paused"):
        pause_request(paused_with_version())
    with pytest.raises(ActionFailed, match="kubectl pauses only Deployments"):
        pause_request(fixture(STS))


def test_resume_unpauses():
    request = resume_request(paused_with_version())
    assert request.body == {"metadata": {"resourceVersion": "4711"}, "spec": {"paused": False}}
    assert request.path == "/apis/apps/v1/namespaces/default/deployments/nginx-deploy"
    assert "rolls out its current pod template (image nginx:latest)" in request.effect
    with pytest.raises(ActionFailed, match="is not paused"):
        resume_request(fixture(COMPLETE))


def test_no_resource_version_means_no_write():
    """The recorded paused Deployment (test data) has no resourceVersion: nothing could
    fence the write, so none is built."""
    with pytest.raises(ActionFailed, match=r"no metadata\.resourceVersion") as caught:
        resume_request(fixture(PAUSED))
    assert "read the object from the API again" in caught.value.hint


def test_objects_without_name_or_of_other_kinds_are_refused():
    obj = fixture(COMPLETE)
    obj["metadata"]["namespace"] = ""
    with pytest.raises(ActionFailed, match="no name or namespace"):
        pause_request(obj)
    with pytest.raises(ActionFailed, match="cannot act on a 'ReplicaSet'"):
        pause_request(fixture(RS))


# -- restart --------------------------------------------------------------------------------


def test_restart_stamps_restarted_at_like_kubectl():
    request = restart_request(fixture(STS), NOW)
    assert request.path == "/apis/apps/v1/namespaces/default/statefulsets/nginx-sts"
    assert request.content_type == MERGE_PATCH
    assert request.body == {
        "metadata": {"resourceVersion": "82973198"},
        "spec": {
            "template": {
                "metadata": {
                    "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-27T12:00:10Z"}
                }
            }
        },
    }
    assert request.effect.startswith(
        "replaces every pod of statefulset default/nginx-sts with a fresh one of the same "
        "template (image k8s.gcr.io/nginx-slim:0.8)"
    )


def test_list_items_without_kind_are_addressed_by_the_kind_given():
    obj = fixture(STS)
    del obj["kind"]
    request = restart_request(obj, NOW, kind=WorkloadKind.STATEFULSET)
    assert request.path.endswith("/statefulsets/nginx-sts")


def test_restart_refuses_a_paused_deployment():
    with pytest.raises(ActionFailed, match="is paused") as caught:
        restart_request(paused_with_version(), NOW)
    assert "resume it first" in caught.value.hint


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 11, 27, 12, 0, 10, 999, tzinfo=UTC), "2026-11-27T12:00:10Z"),
        (
            datetime(2019, 12, 1, 13, 50, 44, tzinfo=timezone(timedelta(hours=-7))),
            "2019-12-01T13:50:44-07:00",  # the recorded StatefulSet's stamp
        ),
        (datetime(2026, 1, 2, 3, 4, 5), "2026-01-02T03:04:05Z"),  # noqa: DTZ001 naive = UTC
    ],
)
def test_rfc3339_as_go_formats_it(moment, text):
    assert rfc3339(moment) == text


# -- undo -----------------------------------------------------------------------------------


def test_undo_reapplies_the_previous_template_as_kubectl_does():
    deployment, replicasets = two_revisions()
    plan = undo_request(deployment, replicasets)
    assert plan.revision.number == 1
    request = plan.request
    assert request.content_type == JSON_PATCH
    assert request.path == "/apis/apps/v1/namespaces/icx/deployments/icx-db"
    ops = request.body
    assert isinstance(ops, list)
    assert ops[0] == {"op": "replace", "path": "/metadata/resourceVersion", "value": "37116271"}
    assert [op["path"] for op in ops] == [
        "/metadata/resourceVersion",
        "/spec/template",
        "/metadata/annotations",
    ]
    template = ops[1]["value"]
    assert "pod-template-hash" not in template["metadata"]["labels"]
    assert template["spec"]["containers"][0]["image"] == "postgres:9.2-alpine"
    # The Deployment keeps its own revision and last-applied annotations; the ReplicaSet's
    # desired-replicas/max-replicas are bookkeeping kubectl does not copy.
    annotations = ops[2]["value"]
    assert set(annotations) == {
        "deployment.kubernetes.io/revision",
        "kubectl.kubernetes.io/last-applied-configuration",
    }
    assert annotations["deployment.kubernetes.io/revision"] == "2"
    patched = apply_json_patch(deployment, ops)
    assert patched["spec"]["template"] == template
    assert request.effect == (
        "re-applies the pod template of revision 1 (image postgres:9.2-alpine) to deployment "
        "icx/icx-db replacing revision 2, as `kubectl rollout undo` does; Kubernetes has no "
        "server-side undo. The Deployment then rolls it out as a new revision."
    )


def test_undo_copies_other_annotations_from_the_replicaset():
    deployment, replicasets = two_revisions()
    replicasets[0]["metadata"]["annotations"]["kubernetes.io/change-cause"] = "deploy 9.2"
    ops = undo_request(deployment, replicasets).request.body
    assert isinstance(ops, list)
    assert ops[2]["value"]["kubernetes.io/change-cause"] == "deploy 9.2"


def test_undo_to_a_named_revision_and_its_refusals():
    deployment, replicasets = two_revisions()
    assert undo_request(deployment, replicasets, to_revision=1).revision.number == 1
    with pytest.raises(ActionFailed, match="unable to find specified revision 7"):
        undo_request(deployment, replicasets, to_revision=7)
    with pytest.raises(ActionFailed, match="already matches revision 2"):
        undo_request(deployment, replicasets, to_revision=2)
    with pytest.raises(ActionFailed, match="no rollout history"):
        undo_request(fixture(COMPLETE), [fixture(RS)])
    deployment["spec"]["paused"] = True
    with pytest.raises(ActionFailed, match="cannot rollback a paused deployment"):
        undo_request(deployment, replicasets)
    with pytest.raises(ActionFailed, match="undo is built only for Deployments"):
        undo_request(fixture(STS), [])


def test_undo_adds_annotations_when_the_deployment_has_none():
    deployment, replicasets = two_revisions()
    del deployment["metadata"]["annotations"]
    ops = undo_request(deployment, replicasets).request.body
    assert isinstance(ops, list)
    assert ops[2]["op"] == "add"
    apply_json_patch(deployment, ops)


def test_effects_never_raise():
    deployment, replicasets = two_revisions()
    assert action_effect(WorkloadAction.UNDO, deployment, replicasets).startswith(
        "re-applies the pod template of revision 1"
    )
    assert (
        action_effect(WorkloadAction.RESUME, deployment)
        == "cannot resume: deployment icx/icx-db is not paused"
    )
    assert action_effect(WorkloadAction.RESTART, deployment, now=NOW).startswith(
        "replaces every pod"
    )
    assert action_effect(WorkloadAction.PAUSE, deployment).startswith("pauses deployment")
    assert DOMAIN_ACTIONS[Action.ROLLBACK] is WorkloadAction.UNDO


def test_object_path_escapes_names():
    assert object_path(WorkloadKind.DAEMONSET, "a/b", "c?d") == (
        "/apis/apps/v1/namespaces/a%2Fb/daemonsets/c%3Fd"
    )


# -- Status errors --------------------------------------------------------------------------


def test_not_found_status():
    status = parse_status(fixture("kubernetes/status-404-notfound.json"))
    assert status is not None
    assert (status.code, status.reason, status.kind, status.name) == (
        404,
        "NotFound",
        "pods",
        "grafana",
    )
    assert status_summary(status) == 'pods grafana not found: pods "grafana" not found'
    error = status_error(fixture("kubernetes/status-404-notfound.json"), 404)
    assert isinstance(error, NotFound)


def test_already_exists_status_without_kind_is_still_a_status():
    status = parse_status(fixture("kubernetes/status-409-alreadyexists.json"))
    assert status is not None
    assert (status.code, status.reason) == (409, "AlreadyExists")
    assert status_summary(status) == (
        'namespaces default already exists: namespaces "default" already exists'
    )


def conflict_body() -> dict:
    """Edited from the recorded 409: reason Conflict with the apiserver's optimistic-lock
    message (no recording of this one was found)."""
    body = fixture("kubernetes/status-409-alreadyexists.json")
    body.update(
        reason="Conflict",
        message='Operation cannot be fulfilled on deployments.apps "cart": the object has been '
        "modified; please apply your changes to the latest version and try again",
        details={"name": "cart", "group": "apps", "kind": "deployments"},
    )
    return body


def test_conflict_says_someone_else_changed_it():
    status = parse_status(conflict_body())
    assert status is not None
    text = status_summary(status, "deployment shop/cart")
    assert text == (
        "deployment shop/cart was changed by someone else after it was read; nothing was "
        "applied (409 Conflict)"
    )
    error = status_error(conflict_body(), 409, target="deployment shop/cart", mutating=True)
    assert isinstance(error, ActionFailed)
    assert error.hint == "reload: the panel shows the new state; decide again"


def test_failed_json_patch_test_op_reads_as_a_conflict_too():
    body = {
        "kind": "Status",
        "status": "Failure",
        "message": "Testing value /x failed",
        "code": 422,
    }
    status = parse_status(body)
    assert status is not None
    assert "changed by someone else" in status_summary(status)


def test_expired_status():
    body = fixture("kubernetes/status-410-expired.json")
    status = parse_status(body)
    assert status is not None
    assert status.reason == "Expired"
    assert status_summary(status).startswith(
        "the resourceVersion asked for is too old (410 Expired)"
    )
    error = status_error(body, 410)
    assert isinstance(error, BadResponse)
    assert error.hint == "list again"


def test_forbidden_status():
    body = fixture("kubernetes/status-404-notfound.json")  # edited into a 403
    body.update(
        code=403,
        reason="Forbidden",
        message='deployments.apps "cart" is forbidden: User "ci" cannot patch resource '
        '"deployments" in API group "apps" in the namespace "shop"',
    )
    status = parse_status(body)
    assert status is not None
    assert status_summary(status).startswith('forbidden: deployments.apps "cart" is forbidden')
    error = status_error(body, 403, mutating=True)
    assert isinstance(error, AuthError)
    assert "kubectl auth can-i" in error.hint


def test_invalid_status_lists_its_causes():
    body = {
        "status": "Failure",
        "reason": "Invalid",
        "code": 422,
        "message": 'Deployment.apps "cart" is invalid',
        "details": {"causes": [{"field": "spec.replicas", "message": "must be >= 0"}, "junk"]},
    }
    status = parse_status(body)
    assert status is not None
    assert status_summary(status) == (
        "the API server rejected the change as invalid: spec.replicas: must be >= 0"
    )


def test_other_bodies():
    assert parse_status({"kind": "Deployment"}) is None
    assert parse_status("oops") is None
    error = status_error("<html>bad gateway</html>", 502)
    assert isinstance(error, BadResponse)
    assert "HTTP 502" in error.message
    throttled = status_error(
        {
            "status": "Failure",
            "reason": "TooManyRequests",
            "code": 429,
            "details": {"retryAfterSeconds": 3},
        },
        429,
    )
    assert isinstance(throttled, RateLimited)
    assert throttled.retry_after == 3
    unauthorised = status_error({"status": "Failure", "code": 401, "reason": "Unauthorized"}, 401)
    assert isinstance(unauthorised, AuthError)
    hostile = parse_status({"status": "Failure", "message": "\x1b]0;pwned\x07bad"}, 500)
    assert hostile is not None
    assert "\x1b" not in status_summary(hostile)
