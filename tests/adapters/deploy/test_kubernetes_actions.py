"""Kubernetes request bodies (what ``kubectl rollout`` sends, fenced by resourceVersion)
and effect sentences, on recorded objects."""

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
    pause_request,
    restart_request,
    resume_request,
    rfc3339,
    undo_request,
)
from release_cockpit.adapters.deploy.kubernetes_rollout_status import WorkloadKind
from release_cockpit.domain import Action
from release_cockpit.errors import ActionFailed
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
