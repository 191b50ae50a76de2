"""The flagger adapter on the recorded canaries (tests/fixtures/flagger/SOURCES.md): one
CanaryList and one DeploymentList per namespace, every phase it maps, and the load tester
gates, which are its only actions (and none without a load tester URL)."""

from __future__ import annotations

import json

import httpx
import pytest

from release_cockpit.adapters.deploy.flagger import Flagger
from release_cockpit.domain import Action, PauseKind, RolloutPhase, Target
from release_cockpit.errors import ActionFailed, AdapterError, NotFound
from tests.support.adapters import TOKEN
from tests.support.builders import release_with
from tests.support.kube_fixtures import canary, deployment, with_analysis

CANARIES = "/apis/flagger.app/v1beta1/namespaces/default/canaries"
DEPLOYMENTS = "/apis/apps/v1/namespaces/default/deployments"
PODINFO = Target.of(namespace="default", canary="podinfo")
TESTER = "https://loadtester.example.com/flagger"


def listing(kind: str, *items: dict) -> dict:
    """Edited: recorded objects wrapped in a list (no recorded CanaryList was found)."""
    return {"kind": f"{kind}List", "metadata": {}, "items": list(items)}


def serve(backend, *canaries: dict) -> None:
    backend.json("GET", CANARIES, listing("Canary", *canaries))
    backend.json(
        "GET",
        DEPLOYMENTS,
        listing(
            "Deployment",
            deployment("podinfo", "ghcr.io/stefanprodan/podinfo:6.0.1"),
            deployment("podinfo-primary", "ghcr.io/stefanprodan/podinfo:6.0.0"),
        ),
    )


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("initialized", RolloutPhase.HEALTHY),
        ("progressing", RolloutPhase.PROGRESSING),
        ("promoting", RolloutPhase.PROGRESSING),
        ("finalising", RolloutPhase.PROGRESSING),
        ("succeeded", RolloutPhase.HEALTHY),
        ("failed", RolloutPhase.DEGRADED),
    ],
)
async def test_every_recorded_phase(build, backend, phase, expected):
    serve(backend, with_analysis(canary(phase)))
    state = (await build(Flagger).rollouts([PODINFO]))[PODINFO]
    assert not isinstance(state, AdapterError)
    assert (state.kind, state.phase) == ("Canary", expected)
    assert state.aborted is (phase == "failed")


async def test_one_canary_list_and_one_deployment_list_per_namespace(build, backend):
    serve(backend, with_analysis(canary("progressing")))
    other = Target.of(namespace="default", canary="podinfo", container="podinfod")
    states = await build(Flagger).rollouts([PODINFO, other])
    assert sorted(r.url.path for r in backend.requests) == [DEPLOYMENTS, CANARIES]
    state = states[PODINFO]
    assert not isinstance(state, AdapterError)
    assert (state.canary_version, state.stable_version) == ("6.0.1", "6.0.0")
    assert (state.strategy, state.set_weight, state.step_count) == ("canary", 10, 5)
    assert backend.requests[0].headers["authorization"] == f"Bearer {TOKEN}"


async def test_waiting_for_promotion_is_a_gate_for_a_human(build, backend):
    obj = with_analysis(canary("progressing"))
    obj["status"].update(phase="WaitingPromotion", canaryWeight=50)  # edited (SOURCES.md)
    serve(backend, obj)
    state = (await build(Flagger).rollouts([PODINFO]))[PODINFO]
    assert not isinstance(state, AdapterError)
    assert (state.phase, state.pause_kind) == (RolloutPhase.PAUSED, PauseKind.PROMOTION_GATE)


async def test_a_missing_canary_fails_only_its_line(build, backend):
    serve(backend, with_analysis(canary("succeeded")))
    gone = Target.of(namespace="default", canary="nope")
    states = await build(Flagger).rollouts([PODINFO, gone])
    assert isinstance(states[gone], NotFound)
    assert not isinstance(states[PODINFO], AdapterError)


async def test_without_a_load_tester_nothing_is_offered_and_the_menu_says_why(build, backend):
    serve(backend, with_analysis(canary("progressing")))
    adapter = build(Flagger)
    await adapter.rollouts([PODINFO])
    offer = adapter.offer(PODINFO)
    assert offer.actions == frozenset()
    assert "Set load_tester_url under [backends.test-backend]" in offer.note
    with pytest.raises(ActionFailed):
        await adapter.act(Action.PROMOTE, PODINFO)
    assert all(r.method == "GET" for r in backend.requests)


@pytest.mark.parametrize(
    ("action", "path"),
    [(Action.PROMOTE, "/flagger/gate/open"), (Action.ABORT, "/flagger/rollback/open")],
)
async def test_promote_and_abort_open_the_load_testers_gates(build, backend, action, path):
    serve(backend, with_analysis(canary("progressing")))
    backend.on("POST", path, httpx.Response(202, text="Gate opened"))
    adapter = build(Flagger, load_tester_url=TESTER)
    await adapter.rollouts([PODINFO])
    assert adapter.offer(PODINFO).actions == frozenset({Action.PROMOTE, Action.ABORT})
    result = await adapter.act(action, PODINFO)
    [post] = [r for r in backend.requests if r.method == "POST"]
    assert str(post.url) == f"https://loadtester.example.com{path}"
    assert json.loads(post.content) == {"name": "podinfo", "namespace": "default"}
    assert "authorization" not in post.headers  # the cluster's credentials stay with it
    assert result.requests == (f"POST {TESTER}{path.removeprefix('/flagger')}",)


async def test_a_canary_without_gate_webhooks_says_what_it_needs(build, backend):
    serve(backend, canary("progressing"))  # the recording: spec {} (no webhooks)
    adapter = build(Flagger, load_tester_url=TESTER)
    await adapter.rollouts([PODINFO])
    offer = adapter.offer(PODINFO)
    assert offer.actions == frozenset()
    assert "confirm-promotion webhook at the load tester's /gate/check" in offer.note


async def test_a_refusing_load_tester_is_an_action_failed(build, backend):
    serve(backend, with_analysis(canary("progressing")))
    backend.on("POST", "/flagger/gate/open", httpx.Response(400, text="Error reading body"))
    adapter = build(Flagger, load_tester_url=TESTER)
    await adapter.rollouts([PODINFO])
    with pytest.raises(ActionFailed, match="the load tester refused /gate/open"):
        await adapter.act(Action.PROMOTE, PODINFO)


async def test_describe_says_the_gates_stay_open(build, backend):
    serve(backend, with_analysis(canary("progressing")))
    adapter = build(Flagger, load_tester_url=TESTER)
    state = (await adapter.rollouts([PODINFO]))[PODINFO]
    assert not isinstance(state, AdapterError)
    release = release_with(rollout=state)
    promote = adapter.describe(Action.PROMOTE, release)
    assert promote.target == f"canary default/podinfo (load tester {TESTER})"
    assert "the gate stays open for later releases until it is closed" in promote.effect
    abort = adapter.describe(Action.ABORT, release)
    assert abort.goal == "all traffic on the primary (6.0.0)"
    assert "stays open, failing later releases too" in abort.effect


async def test_probe_reads_the_flagger_group(build, backend):
    backend.json("GET", "/apis/flagger.app/v1beta1", {"resources": [{"name": "canaries"}]})
    result = await build(Flagger, load_tester_url=TESTER).probe()
    assert (result.reachable, result.authorised) == (True, True)
    assert TESTER in result.detail
