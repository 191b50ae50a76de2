"""Argo CD requests and resource actions, as Argo CD's web UI sends them, on the recorded
Application and actions (tests/fixtures/argo-cd/SOURCES.md)."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.deploy.argo_cd_actions import (
    list_actions_request,
    list_request,
    parse_resource_actions,
    rollback_request,
    rollout_action_name,
    rollout_capabilities,
    rollout_ref,
    run_action_request,
    sync_request,
    terminate_request,
)
from release_cockpit.adapters.deploy.argo_cd_parsing import parse_application
from release_cockpit.domain import Action
from release_cockpit.errors import ActionFailed, BadResponse
from tests.support.kube_fixtures import ARGO_APP, fixture, running_application

ACTIONS = "argo-cd/rollout-resource-actions-paused.json"


# -- requests -------------------------------------------------------------------------------


def test_list_request():
    request = list_request("app.kubernetes.io/part-of=shop", projects=["sre"])
    assert (request.method, request.path) == ("GET", "/api/v1/applications")
    assert request.params == (("selector", "app.kubernetes.io/part-of=shop"), ("projects", "sre"))


def test_sync_request_as_the_ui_sends_it():
    parsed = parse_application(fixture(ARGO_APP))
    request = sync_request(parsed)
    assert (request.method, request.path) == ("POST", "/api/v1/applications/velero-test/sync")
    assert request.body == {"appNamespace": "argo-cd", "prune": False, "dryRun": False}
    assert "to the app's target revision" in request.effect
    pinned = sync_request(parsed, revision="v2.0.0", prune=True)
    assert pinned.body == {
        "appNamespace": "argo-cd",
        "prune": True,
        "dryRun": False,
        "revision": "v2.0.0",
    }
    assert "deleting resources no longer in git (prune)" in pinned.effect


def test_rollback_goes_to_the_previous_history_id():
    parsed = parse_application(fixture(ARGO_APP))
    request = rollback_request(parsed)
    assert (request.method, request.path) == ("POST", "/api/v1/applications/velero-test/rollback")
    assert request.body == {"id": 22, "appNamespace": "argo-cd", "prune": False, "dryRun": False}
    assert request.effect == (
        "re-syncs application velero-test to history id 22 (revision ea8759964626 deployed "
        "2024-03-05T07:32:44+00:00) as `argocd app rollback` does; the app then shows "
        "OutOfSync against git until git is reverted too."
    )
    assert rollback_request(parsed, 14).body["id"] == 14  # type: ignore[index]
    with pytest.raises(ActionFailed, match="does not have deployment with id 3"):
        rollback_request(parsed, 3)


def test_rollback_needs_two_deployments():
    obj = fixture(ARGO_APP)
    obj["status"]["history"] = obj["status"]["history"][:1]
    with pytest.raises(ActionFailed, match="at least two successful deployments"):
        rollback_request(parse_application(obj))


def test_terminate_only_a_running_operation():
    with pytest.raises(ActionFailed, match="no operation in progress"):
        terminate_request(parse_application(fixture(ARGO_APP)))
    request = terminate_request(parse_application(running_application("Running", "")))
    assert (request.method, request.path) == (
        "DELETE",
        "/api/v1/applications/velero-test/operation",
    )
    assert request.params == (("appNamespace", "argo-cd"),)
    assert request.body is None


def test_names_are_escaped_in_paths():
    obj = fixture(ARGO_APP)
    obj["metadata"]["name"] = "a/b?c"
    assert sync_request(parse_application(obj)).path == "/api/v1/applications/a%2Fb%3Fc/sync"


# -- resource actions -----------------------------------------------------------------------


def test_resource_actions_of_a_paused_rollout():
    actions = parse_resource_actions(fixture(ACTIONS))
    assert set(actions) == {
        "restart",
        "resume",
        "abort",
        "retry",
        "promote-full",
        "skip-current-step",
        "pause",
    }
    assert actions["retry"].disabled
    assert not actions["resume"].disabled  # enabled actions have no "disabled" key
    assert actions["restart"].display_name == "Restart Pods"
    assert rollout_capabilities(actions) == frozenset(
        {Action.ABORT, Action.PAUSE, Action.RESUME, Action.PROMOTE_FULL, Action.PROMOTE}
    )
    with pytest.raises(BadResponse):
        parse_resource_actions(["abort"])


def test_domain_actions_name_argo_cd_rollout_actions():
    assert rollout_action_name(Action.PROMOTE, paused=True) == "resume"
    assert rollout_action_name(Action.PROMOTE, paused=False) == "skip-current-step"
    assert rollout_action_name(Action.PROMOTE_FULL, paused=False) == "promote-full"
    assert rollout_action_name(Action.ROLLBACK, paused=False) is None


def test_list_actions_request():
    parsed = parse_application(fixture(ARGO_APP))
    request = list_actions_request(parsed, rollout_ref("test-lla", "test-lla"))
    assert request.path == "/api/v1/applications/velero-test/resource/actions"
    assert request.params == (
        ("appNamespace", "argo-cd"),
        ("namespace", "test-lla"),
        ("resourceName", "test-lla"),
        ("version", "v1alpha1"),
        ("kind", "Rollout"),
        ("group", "argoproj.io"),
    )


def test_run_action_v2_as_the_ui_sends_it():
    parsed = parse_application(fixture(ARGO_APP))
    actions = parse_resource_actions(fixture(ACTIONS))
    request = run_action_request(parsed, rollout_ref("shop", "cart"), "promote-full", actions)
    assert (request.method, request.path) == (
        "POST",
        "/api/v1/applications/velero-test/resource/actions/v2",
    )
    assert request.body == {
        "appNamespace": "argo-cd",
        "namespace": "shop",
        "resourceName": "cart",
        "version": "v1alpha1",
        "kind": "Rollout",
        "group": "argoproj.io",
        "resourceActionParameters": [],
        "action": "promote-full",
    }
    assert request.effect == (
        "runs Argo CD's 'promote-full' resource action on rollout shop/cart of application "
        "velero-test: the new version takes all traffic now, skipping remaining steps and "
        "analysis."
    )


def test_run_action_legacy_v1_sends_the_name_as_a_json_string():
    parsed = parse_application(fixture(ARGO_APP))
    request = run_action_request(parsed, rollout_ref("shop", "cart"), "abort", legacy=True)
    assert request.path == "/api/v1/applications/velero-test/resource/actions"
    assert request.body == "abort"
    assert ("kind", "Rollout") in request.params


def test_disabled_or_unknown_actions_are_refused_before_sending():
    parsed = parse_application(fixture(ARGO_APP))
    actions = parse_resource_actions(fixture(ACTIONS))
    with pytest.raises(ActionFailed, match="'retry' action disabled"):
        run_action_request(parsed, rollout_ref("shop", "cart"), "retry", actions)
    with pytest.raises(ActionFailed, match="offers no 'undo' action"):
        run_action_request(parsed, rollout_ref("shop", "cart"), "undo", actions)
