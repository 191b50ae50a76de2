"""Rollout parsing (argo-rollouts utils/rollout/rolloututil.go) on the recorded Argo Rollouts
objects."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from release_cockpit.adapters.deploy.rollout_parsing import (
    ROLLOUT_ACTIONS,
    derive_phase,
    image_tag,
    parse_rollout,
    parse_rollouts,
    set_weight,
)
from release_cockpit.domain import PauseKind, RolloutPhase
from release_cockpit.errors import BadResponse
from tests.support.adapters import load

NOW = datetime(2026, 11, 27, 12, 0, 10, tzinfo=UTC)


def replicasets() -> list[dict]:
    return load("argo-rollouts/replicasets-checkout.json")["items"]


def canary() -> dict:
    return load("argo-rollouts/rollout-canary-timed-pause.json")


def test_progress_deadline_exceeded_is_degraded():
    rs = load("argo-rollouts/replicaset-canary.json")
    state = parse_rollout(
        load("argo-rollouts/rollout-canary-progress-deadline-exceeded.json"), [rs], NOW
    )
    assert state.name == "canary-demo"
    assert state.namespace == "jesse-test"
    assert state.phase is RolloutPhase.DEGRADED
    assert state.message == (
        'ProgressDeadlineExceeded: ReplicaSet "canary-demo-65fb5ffc84" has timed out progressing.'
    )
    assert (state.step_index, state.step_count) == (0, 8)
    assert state.set_weight == 20
    assert state.actual_weight is None
    assert state.pause_kind is PauseKind.NONE
    assert state.canary_version == "does-not-exist"
    assert state.canary_revision == "65fb5ffc84"
    assert state.stable_revision == "877894d5b"
    # The recorded ReplicaSet is the canary one; the stable one was not recorded.
    assert state.stable_version is None
    assert state.previous_version is None
    assert state.started_at == datetime(2019, 10, 28, 4, 52, 55, tzinfo=UTC)
    assert state.finished_at is None
    assert (state.replicas, state.ready_replicas) == (6, 5)
    assert state.capabilities == ROLLOUT_ACTIONS


def test_blue_green_waiting_for_promotion():
    state = parse_rollout(load("argo-rollouts/rollout-bluegreen-paused.json"), [], NOW)
    assert state.strategy == "blue-green"
    assert state.phase is RolloutPhase.PAUSED
    assert state.message == "BlueGreenPause"
    assert state.pause_kind is PauseKind.PROMOTION_GATE
    assert state.pause_reason == "BlueGreenPause"
    assert state.pause_started_at == datetime(2019, 10, 28, 4, 50, 20, tzinfo=UTC)
    # autoPromotionEnabled: false -> no countdown, a human must promote.
    assert state.pause_ends_at is None
    assert (state.step_index, state.step_count, state.set_weight) == (None, None, None)
    assert state.canary_version == "green"


def test_blue_green_auto_promotion_counts_down():
    obj = load("argo-rollouts/rollout-bluegreen-paused.json")
    obj["spec"]["strategy"]["blueGreen"].update(
        {"autoPromotionEnabled": True, "autoPromotionSeconds": 600}
    )
    state = parse_rollout(obj, [], NOW)
    assert state.pause_ends_at == datetime(2019, 10, 28, 5, 0, 20, tzinfo=UTC)


def test_inconclusive_analysis_pause():
    state = parse_rollout(
        load("argo-rollouts/rollout-canary-inconclusive-analysis-paused.json"), [], NOW
    )
    assert state.pause_kind is PauseKind.INCONCLUSIVE
    assert state.pause_reason == "InconclusiveAnalysisRun"
    assert state.pause_kind.needs_human
    assert (state.step_index, state.step_count, state.set_weight) == (1, 2, 25)
    # Argo checks Degraded conditions before pauses; this recording also timed out.
    assert state.phase is RolloutPhase.DEGRADED


def test_aborted_rollout_is_degraded_and_sends_no_traffic_to_the_canary():
    state = parse_rollout(load("argo-rollouts/rollout-aborted.json"), [], NOW)
    assert state.phase is RolloutPhase.DEGRADED
    assert state.aborted is True
    assert state.message.startswith('RolloutAborted: metric "web" assessed Failed')
    assert state.set_weight == 0
    assert state.canary_version == "yellow"


def test_canary_mid_rollout_in_a_timed_pause():
    state = parse_rollout(canary(), replicasets(), NOW)
    assert state.phase is RolloutPhase.PAUSED
    assert state.message == "CanaryPauseStep"
    assert (state.step_index, state.step_count) == (3, 7)
    assert (state.set_weight, state.actual_weight) == (25, 25)
    assert state.pause_kind is PauseKind.TIMED_STEP
    assert state.pause_started_at == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert state.pause_ends_at == datetime(2026, 11, 27, 12, 0, 30, tzinfo=UTC)
    assert (state.canary_version, state.stable_version, state.previous_version) == (
        "2.8.0",
        "2.7.0",
        "2.7.0",
    )
    assert state.started_at == datetime(2026, 11, 27, 11, 58, tzinfo=UTC)
    assert state.finished_at is None
    assert not state.fully_promoted


@pytest.mark.parametrize(
    ("duration", "seconds"),
    [(30, 30), ("45", 45), ("5m", 300), ("1h", 3600), ("1h30m", 5400)],
)
def test_pause_durations(duration, seconds):
    obj = canary()
    obj["spec"]["strategy"]["canary"]["steps"][3] = {"pause": {"duration": duration}}
    state = parse_rollout(obj, [], NOW)
    assert state.pause_ends_at == datetime(2026, 11, 27, 12, 0, tzinfo=UTC) + timedelta(
        seconds=seconds
    )


@pytest.mark.parametrize("pause", [{}, {"duration": "soon"}])
def test_a_pause_without_a_usable_duration_waits_for_a_human(pause):
    obj = canary()
    obj["spec"]["strategy"]["canary"]["steps"][3] = {"pause": pause}
    state = parse_rollout(obj, [], NOW)
    assert state.pause_kind is PauseKind.INDEFINITE_STEP
    assert state.pause_ends_at is None


def test_an_unknown_pause_reason_waits_for_a_human():
    obj = canary()
    obj["status"]["pauseConditions"] = [
        {"reason": "SomethingNew", "startTime": "2026-11-27T12:00:00Z"}
    ]
    state = parse_rollout(obj, [], NOW)
    assert state.pause_kind is PauseKind.INDEFINITE_STEP
    assert state.pause_reason == "SomethingNew"


def test_a_manual_pause_wins():
    obj = canary()
    obj["spec"]["paused"] = True
    state = parse_rollout(obj, [], NOW)
    assert state.pause_kind is PauseKind.MANUAL
    assert state.pause_reason == "manually paused"


def test_fully_promoted_rollout_is_done():
    obj = canary()
    status = obj["status"]
    status.update(
        {
            "phase": "Healthy",
            "message": "",
            "currentPodHash": "5c8b7d6f4",
            "currentStepIndex": 7,
            "pauseConditions": None,
            "controllerPause": False,
        }
    )
    status["conditions"].append(
        {
            "type": "Completed",
            "status": "True",
            "reason": "RolloutCompleted",
            "message": "Rollout completed update to revision 2",
            "lastTransitionTime": "2026-11-27T12:05:00Z",
        }
    )
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = (
        "registry.example.com:5000/shop/checkout:2.7.0"
    )
    state = parse_rollout(obj, replicasets(), NOW)
    assert state.fully_promoted
    assert state.phase is RolloutPhase.HEALTHY
    assert state.set_weight == 100
    assert state.pause_kind is PauseKind.NONE
    assert state.finished_at == datetime(2026, 11, 27, 12, 5, tzinfo=UTC)
    assert state.message == 'ReplicaSet "checkout-6d4f8c9b7" is progressing.'


def test_duration_block_wins_over_conditions():
    obj = canary()
    obj["status"]["currentPodHash"] = obj["status"]["stableRS"]
    obj["status"]["duration"] = {
        "rolloutStartedAt": "2026-11-27T11:50:00Z",
        "finishedAt": "2026-11-27T12:03:00Z",
        "completionStatus": "Promoted",
    }
    state = parse_rollout(obj, replicasets(), NOW)
    assert state.started_at == datetime(2026, 11, 27, 11, 50, tzinfo=UTC)
    assert state.finished_at == datetime(2026, 11, 27, 12, 3, tzinfo=UTC)


def test_ownership_filters_other_rollouts_and_non_controllers():
    state = parse_rollout(canary(), replicasets(), NOW)
    # Revisions 9 (another rollout) and 8 (not the controller) are ignored.
    assert state.previous_version == "2.7.0"


def test_generation_not_observed_is_progressing():
    obj = canary()
    obj["metadata"]["generation"] = 8
    assert derive_phase(obj, NOW) == (
        RolloutPhase.PROGRESSING,
        "waiting for rollout spec update to be observed",
    )


def test_controller_pause_without_conditions_is_unpausing():
    obj = canary()
    obj["status"]["pauseConditions"] = []
    assert derive_phase(obj, NOW) == (RolloutPhase.PROGRESSING, "waiting for rollout to unpause")


def test_an_unknown_phase_is_unknown():
    obj = canary()
    obj["status"]["phase"] = "Hibernating"
    assert derive_phase(obj, NOW)[0] is RolloutPhase.UNKNOWN


def computed(**status) -> dict:
    obj = canary()
    base = copy.deepcopy(obj["status"])
    for key in ("phase", "message", "pauseConditions", "controllerPause"):
        base.pop(key)
    base.update(status)
    obj["status"] = base
    return obj


@pytest.mark.parametrize(
    ("status", "spec", "expected"),
    [
        ({}, {"paused": True}, (RolloutPhase.PAUSED, "manually paused")),
        (
            {"updatedReplicas": 1},
            {},
            (RolloutPhase.PROGRESSING, "more replicas need to be updated"),
        ),
        (
            {"updatedReplicas": 4, "availableReplicas": 3},
            {},
            (RolloutPhase.PROGRESSING, "updated replicas are still becoming available"),
        ),
        (
            {"updatedReplicas": 4, "availableReplicas": 4},
            {},
            (RolloutPhase.PROGRESSING, "waiting for all steps to complete"),
        ),
        (
            {"updatedReplicas": 4, "availableReplicas": 4, "currentPodHash": "5c8b7d6f4"},
            {},
            (RolloutPhase.HEALTHY, ""),
        ),
        (
            {
                "updatedReplicas": 4,
                "availableReplicas": 4,
                "currentPodHash": "5c8b7d6f4",
                "restartedAt": "2026-11-27T11:00:00Z",
            },
            {"restartAt": "2026-11-27T12:00:00Z"},
            (RolloutPhase.PROGRESSING, "rollout is restarting"),
        ),
        (
            {"conditions": [{"type": "InvalidSpec", "message": "steps must not be empty"}]},
            {},
            (RolloutPhase.DEGRADED, "InvalidSpec: steps must not be empty"),
        ),
    ],
)
def test_computed_phase_follows_argos_order(status, spec, expected):
    obj = computed(**status)
    obj["spec"].update(spec)
    assert derive_phase(obj, NOW) == expected


def test_blue_green_cutover_pending_then_healthy():
    obj = load("argo-rollouts/rollout-bluegreen-paused.json")
    obj["status"]["pauseConditions"] = None
    obj["status"]["controllerPause"] = False
    obj["status"]["readyReplicas"] = 3
    assert derive_phase(obj, NOW) == (RolloutPhase.PROGRESSING, "active service cutover pending")
    obj["status"]["blueGreen"]["activeSelector"] = "74b948fccb"
    obj["status"]["stableRS"] = "74b948fccb"
    assert derive_phase(obj, NOW) == (RolloutPhase.HEALTHY, "")


@pytest.mark.parametrize(
    ("index", "expected"),
    [(0, 10), (1, 10), (2, 25), (3, 25), (6, 100), (7, 100), (None, 100)],
)
def test_set_weight_is_the_last_set_weight_at_or_before_the_step(index, expected):
    steps = canary()["spec"]["strategy"]["canary"]["steps"]
    assert set_weight(steps, index, aborted=False, fully_promoted=False) == expected


def test_set_weight_is_zero_before_any_set_weight_step():
    assert (
        set_weight([{"pause": {}}, {"setWeight": 50}], 0, aborted=False, fully_promoted=False) == 0
    )


@pytest.mark.parametrize(
    ("image", "tag"),
    [
        ("registry.example.com:5000/shop/checkout:2.8.0", "2.8.0"),
        ("registry.example.com:5000/shop/checkout", None),
        ("checkout:1.0.0@sha256:" + "a" * 64, "1.0.0"),
        ("ghcr.io/acme/api@sha256:" + "b" * 64, None),
        ("argoproj/rollouts-demo:yellow", "yellow"),
        (None, None),
    ],
)
def test_image_tag(image, tag):
    assert image_tag(image) == tag


def test_parse_rollouts_keys_by_name():
    listing = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "RolloutList",
        "items": [canary(), load("argo-rollouts/rollout-aborted.json"), "junk"],
    }
    states = parse_rollouts(listing, load("argo-rollouts/replicasets-checkout.json"), NOW)
    assert set(states) == {"checkout", "rollout-background-analysis"}
    assert states["checkout"].stable_version == "2.7.0"


def test_parse_rollouts_refuses_a_non_list_answer():
    with pytest.raises(BadResponse):
        parse_rollouts(["not", "a", "list object"], {"items": []}, NOW)


def test_steps_ahead_sums_timed_pauses_and_spots_gates():
    from release_cockpit.adapters.deploy.rollout_parsing import steps_ahead

    steps = [
        {"setWeight": 10},
        {"pause": {"duration": "30s"}},
        {"setWeight": 50},
        {"pause": {"duration": 60}},
        {"setWeight": 100},
    ]
    assert steps_ahead(steps, 0) == (90.0, False)
    assert steps_ahead(steps, 3) == (0.0, False)
    assert steps_ahead([*steps, {"pause": {}}], 1) == (60.0, True)
    assert steps_ahead([{"setWeight": 10}, {"analysis": {"templates": []}}], 0) == (None, False)
    assert steps_ahead(steps, None) == (None, False)


def test_replicasets_are_indexed_by_the_rollout_that_controls_them():
    from release_cockpit.adapters.deploy.rollout_parsing import replicasets_by_owner

    def rs(name, *refs):
        return {"metadata": {"name": name, "ownerReferences": list(refs)}}

    controller = {"kind": "Rollout", "name": "pay", "controller": True, "uid": "u1"}
    owned = rs("pay-1", controller)
    by_deployment = rs("web-1", {"kind": "Deployment", "name": "pay", "controller": True})
    not_controller = rs("pay-2", {"kind": "Rollout", "name": "pay", "controller": False})
    index = replicasets_by_owner([owned, by_deployment, not_controller, "garbage", rs("x")])
    assert index == {"pay": [owned]}
