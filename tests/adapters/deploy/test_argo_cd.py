"""The argo-cd adapter on the recorded Application (tests/fixtures/argo-cd/SOURCES.md): one
list for every line, the states it maps, each action's exact request, history, the probe."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl

import httpx
import pytest

from release_cockpit.adapters.deploy.argo_cd import ArgoCD
from release_cockpit.domain import Action, PauseKind, ReleaseLine, RolloutPhase, Target
from release_cockpit.domain.history import ReleaseOutcome
from release_cockpit.errors import ActionFailed, AdapterError, NotFound
from tests.support.adapters import TOKEN
from tests.support.builders import release_with
from tests.support.kube_fixtures import fixture

LIST = "/api/v1/applications"
ONE = f"{LIST}/velero-test"
APP = Target.of(application="velero-test")
WITH_ROLLOUT = Target.of(application="velero-test", project="sre", rollout="velero-test")


def recorded(**status_edits: object) -> dict:
    obj = fixture("argo-cd/application-with-history.json")
    obj["status"].update(status_edits)
    return obj


def listing(*items: dict) -> dict:
    """Edited: the recorded Application wrapped in an ApplicationList (SOURCES.md)."""
    return {"metadata": {"resourceVersion": "1"}, "items": list(items)}


def running(obj: dict, phase: str = "Running", message: str = "one or more tasks are running"):
    state = obj["status"]["operationState"]
    state.update(phase=phase, message=message)
    state.pop("finishedAt", None)
    return obj


def with_rollout_health(obj: dict, status: str, message: str) -> dict:
    """Edited: the app manages a Rollout whose health Argo CD reports (health.lua words)."""
    obj["status"]["resources"].append(
        {
            "group": "argoproj.io",
            "version": "v1alpha1",
            "kind": "Rollout",
            "namespace": "test-lla",
            "name": "velero-test",
            "status": "Synced",
            "health": {"status": status, "message": message},
        }
    )
    obj["status"]["health"] = {"status": status}
    return obj


def query(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.url.query.decode(), keep_blank_values=True)


async def polled(build, backend, obj: dict, target: Target = APP, **options) -> ArgoCD:
    backend.json("GET", LIST, listing(obj))
    adapter = build(ArgoCD, **options)
    await adapter.rollouts([target])
    return adapter


async def test_one_application_list_for_every_line(build, backend):
    backend.json("GET", LIST, listing(recorded()))
    other = Target.of(application="velero-test", project="sre", image="nginx")
    adapter = build(ArgoCD, selector="team=platform")
    states = await adapter.rollouts([WITH_ROLLOUT, other])
    [request] = backend.requests
    assert request.url.path == LIST
    assert query(request) == [("selector", "team=platform"), ("projects", "sre")]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    state = states[WITH_ROLLOUT]
    assert not isinstance(state, AdapterError)
    assert (state.kind, state.phase, state.message) == (
        "Application",
        RolloutPhase.HEALTHY,
        "Synced, Healthy",
    )
    assert state.fully_promoted


async def test_a_line_without_a_project_asks_for_every_project(build, backend):
    backend.json("GET", LIST, listing(recorded()))
    await build(ArgoCD).rollouts([WITH_ROLLOUT, APP])
    assert query(backend.requests[0]) == []


@pytest.mark.parametrize(
    ("obj", "phase"),
    [
        (running(recorded()), RolloutPhase.PROGRESSING),
        (
            running(recorded(), "Failed", "one or more objects failed to apply"),
            RolloutPhase.DEGRADED,
        ),
        (recorded(health={"status": "Suspended"}), RolloutPhase.PAUSED),
        (recorded(health={"status": "Degraded"}), RolloutPhase.DEGRADED),
        (recorded(health={"status": "Missing"}), RolloutPhase.DEGRADED),
        (recorded(health={"status": "Progressing"}), RolloutPhase.PROGRESSING),
        (recorded(health={"status": "Sideways"}), RolloutPhase.UNKNOWN),
    ],
)
async def test_states_map_as_the_parser_says(build, backend, obj, phase):
    backend.json("GET", LIST, listing(obj))
    state = (await build(ArgoCD).rollouts([APP]))[APP]
    assert not isinstance(state, AdapterError)
    assert state.phase is phase


async def test_an_aborted_rollout_behind_the_app_can_be_retried(build, backend):
    obj = with_rollout_health(recorded(), "Degraded", "Rollout is aborted")
    backend.json("GET", LIST, listing(obj))
    state = (await build(ArgoCD).rollouts([WITH_ROLLOUT]))[WITH_ROLLOUT]
    assert not isinstance(state, AdapterError)
    assert state.aborted
    assert state.message.startswith("rollout velero-test: Rollout is aborted")


async def test_a_paused_rollout_says_so(build, backend):
    obj = with_rollout_health(recorded(), "Suspended", "Rollout is paused")
    backend.json("GET", LIST, listing(obj))
    state = (await build(ArgoCD).rollouts([WITH_ROLLOUT]))[WITH_ROLLOUT]
    assert not isinstance(state, AdapterError)
    assert (state.phase, state.pause_kind) == (RolloutPhase.PAUSED, PauseKind.INDEFINITE_STEP)
    assert state.pause_reason == "rollout velero-test: Rollout is paused"


async def test_missing_apps_and_other_projects_fail_only_their_lines(build, backend):
    backend.json("GET", LIST, listing(recorded()))
    gone = Target.of(application="nope")
    elsewhere = Target.of(application="velero-test", project="shop")
    states = await build(ArgoCD).rollouts([gone, elsewhere, WITH_ROLLOUT])
    assert isinstance(states[gone], NotFound)
    assert isinstance(states[elsewhere], NotFound)
    assert "in project sre, not shop" in states[elsewhere].message


async def test_a_broken_list_fails_every_line(build, backend):
    backend.on("GET", LIST, httpx.Response(200, text="<html>login</html>"))
    states = await build(ArgoCD).rollouts([APP, WITH_ROLLOUT])
    assert all(isinstance(s, AdapterError) for s in states.values())


# -- actions ----------------------------------------------------------------------------------


def sent(backend, method: str) -> list[httpx.Request]:
    return [r for r in backend.requests if r.method == method]


async def test_sync_posts_what_the_ui_posts(build, backend):
    adapter = await polled(build, backend, recorded())
    assert Action.TERMINATE not in adapter.offer(APP).actions  # no operation running
    backend.json("POST", f"{ONE}/sync", recorded())
    result = await adapter.act(Action.SYNC, APP)
    [post] = sent(backend, "POST")
    assert json.loads(post.content) == {"appNamespace": "argo-cd", "prune": False, "dryRun": False}
    assert result.requests == (f"POST {ONE}/sync",)


async def test_rollback_posts_the_previous_history_id(build, backend):
    adapter = await polled(build, backend, recorded())
    backend.json("POST", f"{ONE}/rollback", recorded())
    await adapter.act(Action.ROLLBACK, APP)
    [post] = sent(backend, "POST")
    body = json.loads(post.content)
    assert body == {"id": 22, "appNamespace": "argo-cd", "prune": False, "dryRun": False}


async def test_terminate_deletes_the_running_operation(build, backend):
    adapter = await polled(build, backend, running(recorded()))
    assert Action.TERMINATE in adapter.offer(APP).actions
    backend.json("DELETE", f"{ONE}/operation", {})
    await adapter.act(Action.TERMINATE, APP)
    [delete] = sent(backend, "DELETE")
    assert query(delete) == [("appNamespace", "argo-cd")]


async def test_argo_cds_refusal_is_an_action_failed_with_its_message(build, backend):
    adapter = await polled(build, backend, recorded())
    refusal = {
        "error": "rollback cannot be initiated when auto-sync is enabled",
        "code": 9,
        "message": "rollback cannot be initiated when auto-sync is enabled",
    }
    backend.on("POST", f"{ONE}/rollback", httpx.Response(400, json=refusal))
    with pytest.raises(ActionFailed, match="FailedPrecondition: rollback cannot be initiated"):
        await adapter.act(Action.ROLLBACK, APP)


async def test_automated_sync_takes_rollback_off_the_offer(build, backend):
    obj = recorded()
    obj["spec"]["syncPolicy"]["automated"] = {"prune": True}  # edited
    adapter = await polled(build, backend, obj)
    offer = adapter.offer(APP)
    assert Action.ROLLBACK not in offer.actions
    assert "automated sync is on" in offer.note
    assert "deploy.rollout" in offer.note
    with pytest.raises(ActionFailed):
        await adapter.act(Action.ROLLBACK, APP)


async def test_rollout_actions_list_then_run_the_v2_action(build, backend):
    adapter = await polled(build, backend, recorded(), WITH_ROLLOUT)
    backend.json(
        "GET", f"{ONE}/resource/actions", fixture("argo-cd/rollout-resource-actions-paused.json")
    )
    backend.json("POST", f"{ONE}/resource/actions/v2", {})
    result = await adapter.act(Action.PROMOTE_FULL, WITH_ROLLOUT)
    [listed] = sent(backend, "GET")[1:]
    assert query(listed) == [
        ("appNamespace", "argo-cd"),
        ("namespace", "test-lla"),
        ("resourceName", "velero-test"),
        ("version", "v1alpha1"),
        ("kind", "Rollout"),
        ("group", "argoproj.io"),
    ]
    [post] = sent(backend, "POST")
    assert json.loads(post.content) == {
        "appNamespace": "argo-cd",
        "namespace": "test-lla",
        "resourceName": "velero-test",
        "version": "v1alpha1",
        "kind": "Rollout",
        "group": "argoproj.io",
        "resourceActionParameters": [],
        "action": "promote-full",
    }
    assert "promote-full" in result.detail


@pytest.mark.parametrize(
    ("health", "action"), [("Healthy", "skip-current-step"), ("Suspended", "resume")]
)
async def test_promote_resumes_a_paused_rollout_and_skips_a_step_otherwise(
    build, backend, health, action
):
    obj = with_rollout_health(
        recorded(), health, "Rollout is paused" if health == "Suspended" else ""
    )
    adapter = await polled(build, backend, obj, WITH_ROLLOUT)
    backend.json(
        "GET", f"{ONE}/resource/actions", fixture("argo-cd/rollout-resource-actions-paused.json")
    )
    backend.json("POST", f"{ONE}/resource/actions/v2", {})
    await adapter.act(Action.PROMOTE, WITH_ROLLOUT)
    [post] = sent(backend, "POST")
    assert json.loads(post.content)["action"] == action


async def test_an_older_argo_cd_gets_the_v1_action_call(build, backend):
    adapter = await polled(build, backend, recorded(), WITH_ROLLOUT)
    backend.json(
        "GET", f"{ONE}/resource/actions", fixture("argo-cd/rollout-resource-actions-paused.json")
    )
    backend.on("POST", f"{ONE}/resource/actions/v2", httpx.Response(404, text="Not Found"))
    backend.json("POST", f"{ONE}/resource/actions", {})
    result = await adapter.act(Action.ABORT, WITH_ROLLOUT)
    _v2, v1 = sent(backend, "POST")
    assert v1.url.path == f"{ONE}/resource/actions"
    assert json.loads(v1.content) == "abort"
    assert ("kind", "Rollout") in query(v1)
    assert len(result.requests) == 3  # the list, v2 (404), v1


async def test_a_disabled_action_is_refused_before_anything_is_sent(build, backend):
    adapter = await polled(build, backend, recorded(), WITH_ROLLOUT)
    backend.json(
        "GET", f"{ONE}/resource/actions", fixture("argo-cd/rollout-resource-actions-paused.json")
    )
    with pytest.raises(ActionFailed, match="'retry' action disabled"):
        await adapter.act(Action.RETRY, WITH_ROLLOUT)
    assert sent(backend, "POST") == []


async def test_rollout_actions_need_the_rollout_key(build, backend):
    adapter = await polled(build, backend, recorded())
    assert Action.ABORT not in adapter.offer(APP).actions
    with pytest.raises(ActionFailed):
        await adapter.act(Action.ABORT, APP)


async def test_describe_uses_argo_cds_words(build, backend):
    adapter = await polled(build, backend, recorded(), WITH_ROLLOUT)
    state = (await adapter.rollouts([WITH_ROLLOUT]))[WITH_ROLLOUT]
    assert not isinstance(state, AdapterError)
    release = release_with(rollout=state)
    rollback = adapter.describe(Action.ROLLBACK, release)
    assert rollback.target == "application velero-test"
    assert rollback.goal == "history id 22 (git ea8759964626)"
    assert "argocd app rollback" in rollback.effect
    abort = adapter.describe(Action.ABORT, release)
    assert abort.target == "rollout test-lla/velero-test (application velero-test)"
    assert "'abort' resource action" in abort.effect
    terminate = adapter.describe(Action.TERMINATE, release)
    assert terminate.effect.startswith("cannot terminate: ")


# -- history and probe ------------------------------------------------------------------------


async def test_history_from_status_history(build, backend):
    obj = recorded()
    revisions = ["aaaaaaa1", "bbbbbbb2", "bbbbbbb2", "ccccccc3", "bbbbbbb2", "ddddddd4"]
    obj["status"]["history"] = obj["status"]["history"][: len(revisions)]
    for entry, revision in zip(obj["status"]["history"], revisions, strict=True):
        entry["revision"] = revision  # edited: several revisions, a re-sync and a rollback
    backend.json("GET", ONE, obj)
    line = ReleaseLine(key="velero", service="velero", environment="prod")
    records = await build(ArgoCD).history(line, APP, datetime(2020, 1, 1, tzinfo=UTC))
    assert [(r.version, r.outcome) for r in records] == [
        ("aaaaaaa", ReleaseOutcome.SUCCEEDED),
        ("bbbbbbb", ReleaseOutcome.SUCCEEDED),
        ("ccccccc", ReleaseOutcome.ROLLED_BACK),
        ("ddddddd", ReleaseOutcome.SUCCEEDED),
    ]
    assert records[2].restored_at is not None
    assert all(r.production and r.source == "argo-cd-history" for r in records)


async def test_probe_reads_the_version_and_lists_applications(build, backend):
    backend.json("GET", "/api/version", {"Version": "v3.1.5+abc"})
    backend.json("GET", LIST, listing())
    result = await build(ArgoCD).probe()
    assert (result.reachable, result.authorised) == (True, True)
    assert "Argo CD v3.1.5+abc" in result.detail


async def test_probe_without_a_valid_token_is_not_authorised(build, backend):
    backend.json("GET", "/api/version", {"Version": "v3.1.5+abc"})
    body = {"error": "no session information", "code": 16, "message": "no session information"}
    backend.on("GET", LIST, httpx.Response(401, json=body))
    result = await build(ArgoCD).probe()
    assert (result.reachable, result.authorised) == (True, False)
