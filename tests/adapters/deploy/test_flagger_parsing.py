"""Flagger Canary parsing on the recorded canaries
(tests/fixtures/flagger/SOURCES.md). The recordings have ``spec: {}`` (stripped upstream);
tests that need the analysis spec add the documented example, ``with_analysis``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.deploy.flagger_gates import HookType
from release_cockpit.adapters.deploy.flagger_parsing import (
    CanaryPhase,
    _interval_seconds,
    parse_canaries,
    parse_canary,
    step_weights,
)
from release_cockpit.domain import Action, PauseKind, RolloutPhase
from release_cockpit.errors import BadResponse
from tests.support.kube_fixtures import canary, deployment, with_analysis

# -- recorded phases ------------------------------------------------------------------------


def test_initialized_is_healthy_and_promoted():
    parsed = parse_canary(canary("initialized"))
    assert parsed.phase is CanaryPhase.INITIALIZED
    state = parsed.rollout
    assert (state.name, state.namespace, state.kind) == ("podinfo", "default", "Canary")
    assert state.phase is RolloutPhase.HEALTHY
    assert state.message == "Installation successful."
    assert state.fully_promoted
    assert state.stable_revision == state.canary_revision == "658bbf784f"
    assert state.set_weight == 100
    assert not state.canary_active
    assert state.capabilities == frozenset()


def test_progressing_canary_takes_traffic():
    parsed = parse_canary(canary("progressing"))
    assert (parsed.weight, parsed.failed_checks, parsed.iterations) == (10, 0, 0)
    state = parsed.rollout
    assert state.phase is RolloutPhase.PROGRESSING
    assert state.message == (
        "New revision detected, progressing canary analysis. "
        "(0 of 1 failed checks; rolls back at 1)"
    )
    assert (state.stable_revision, state.canary_revision) == ("658bbf784f", "5c75b466fb")
    assert state.set_weight == 10
    assert state.canary_active
    assert state.started_at == datetime(2020, 7, 3, 18, 46, 52, tzinfo=UTC)
    assert state.finished_at is None


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        ("promoting", "Canary analysis completed, starting primary rolling update."),
        ("finalising", "Canary analysis completed, routing all traffic to primary."),
    ],
)
def test_promoting_and_finalising_are_still_moving(phase, message):
    state = parse_canary(canary(phase)).rollout
    assert state.phase is RolloutPhase.PROGRESSING
    assert state.message == message
    assert not state.fully_promoted
    assert state.set_weight == 0
    assert not state.canary_active
    assert state.started_at == datetime(2020, 7, 3, 18, 53, 2, tzinfo=UTC)


def test_succeeded_is_fully_promoted():
    state = parse_canary(canary("succeeded")).rollout
    assert state.phase is RolloutPhase.HEALTHY
    assert state.fully_promoted
    assert state.message == "Canary analysis completed successfully, promotion finished."
    assert state.finished_at == datetime(2020, 7, 3, 13, 36, 22, tzinfo=UTC)


def test_failed_reads_as_an_aborted_canary():
    parsed = parse_canary(canary("failed"))
    state = parsed.rollout
    assert state.phase is RolloutPhase.DEGRADED
    assert state.aborted
    assert state.message == "Canary analysis failed, Deployment scaled to zero."
    assert state.set_weight == 0
    assert not state.fully_promoted
    # Flagger resets the counter after failing: the caller keeps the last value seen.
    assert parsed.failed_checks == 0


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("Initializing", RolloutPhase.PROGRESSING),
        ("Terminating", RolloutPhase.PROGRESSING),
        ("Terminated", RolloutPhase.UNKNOWN),
        ("Exploding", RolloutPhase.UNKNOWN),
        (None, RolloutPhase.UNKNOWN),
    ],
)
def test_other_phases(phase, expected):
    obj = canary("progressing")  # edited: phase only
    obj["status"]["phase"] = phase
    state = parse_canary(obj).rollout
    assert state.phase is expected
    assert not state.fully_promoted


def test_garbage_does_not_crash():
    parsed = parse_canary({"spec": "x", "status": []})
    assert parsed.phase is CanaryPhase.UNKNOWN
    assert parsed.rollout.phase is RolloutPhase.UNKNOWN


# -- with the analysis spec -----------------------------------------------------------------


def test_steps_weights_time_left_and_gates():
    obj = with_analysis(canary("progressing"))
    obj["status"]["failedChecks"] = 2  # edited: two failed checks so far
    parsed = parse_canary(obj)
    assert (parsed.target_kind, parsed.target_name, parsed.primary_name) == (
        "Deployment",
        "podinfo",
        "podinfo-primary",
    )
    assert parsed.threshold == 5
    state = parsed.rollout
    assert (state.step_index, state.step_count) == (0, 5)
    assert state.set_weight == 10
    assert state.message.endswith("(2 of 5 failed checks; rolls back at 5)")
    # Four more steps of one interval each; a confirm-promotion gate waits at the end.
    assert state.steps_left_seconds == 240
    assert state.gate_ahead
    assert state.capabilities == frozenset(
        {Action.PROMOTE, Action.RESUME, Action.PAUSE, Action.ABORT}
    )
    assert [h.type for h in parsed.webhooks] == [
        HookType.CONFIRM_ROLLOUT,
        HookType.ROLLOUT,
        HookType.CONFIRM_PROMOTION,
        HookType.ROLLBACK,
    ]


def test_waiting_for_promotion_needs_a_human():
    obj = with_analysis(canary("progressing"))
    obj["status"].update(phase="WaitingPromotion", canaryWeight=50)  # edited
    state = parse_canary(obj).rollout
    assert state.phase is RolloutPhase.PAUSED
    assert state.pause_kind is PauseKind.PROMOTION_GATE
    assert state.pause_kind.needs_human
    assert state.pause_reason == "confirm-promotion webhook 'promotion gate' says no"
    assert state.pause_started_at == datetime(2020, 7, 3, 18, 47, 2, tzinfo=UTC)
    assert (state.step_index, state.step_count) == (4, 5)
    assert state.steps_left_seconds == 0
    assert not state.gate_ahead  # the gate is here, not ahead


def test_waiting_for_the_rollout_gate():
    obj = with_analysis(canary("progressing"))
    obj["status"].update(phase="Waiting", canaryWeight=0)  # edited
    state = parse_canary(obj).rollout
    assert state.phase is RolloutPhase.PAUSED
    assert state.pause_kind is PauseKind.PROMOTION_GATE
    assert state.pause_reason == "confirm-rollout webhook 'start gate' says no"


def test_waiting_without_a_known_webhook_still_waits():
    obj = canary("progressing")
    obj["status"]["phase"] = "WaitingPromotion"
    assert parse_canary(obj).rollout.pause_reason == "confirm-promotion gate"


def test_explicit_step_weights():
    obj = with_analysis(canary("progressing"), stepWeights=[1, 10, 20, 80], interval="30s")
    obj["status"]["canaryWeight"] = 20
    state = parse_canary(obj).rollout
    assert (state.step_index, state.step_count) == (2, 4)
    assert state.steps_left_seconds == 30


def test_blue_green_counts_iterations():
    obj = with_analysis(canary("progressing"), iterations=10)
    del obj["spec"]["analysis"]["stepWeight"]
    del obj["spec"]["analysis"]["maxWeight"]
    obj["status"].update(iterations=3, canaryWeight=0)
    state = parse_canary(obj).rollout
    assert state.strategy == "blue-green"
    assert (state.step_index, state.step_count) == (3, 10)
    assert state.set_weight is None
    assert not state.canary_active


def test_ab_testing_is_not_a_weighted_canary():
    obj = with_analysis(canary("progressing"), iterations=10, match=[{"headers": {}}])
    del obj["spec"]["analysis"]["stepWeight"]
    assert parse_canary(obj).rollout.strategy == "ab-testing"


@pytest.mark.parametrize(
    ("analysis", "weights"),
    [
        ({"stepWeight": 15, "maxWeight": 50}, (15, 30, 45, 50)),
        ({"stepWeight": 25}, (25, 50, 75, 100)),
        ({"stepWeights": [5, "x", 50]}, (5, 50)),
        ({"stepWeight": 0}, ()),
        ({}, ()),
    ],
)
def test_step_weights(analysis, weights):
    assert step_weights(analysis) == weights


@pytest.mark.parametrize(
    ("interval", "seconds"),
    [("30s", 30), ("2m", 120), ("5s", 10), ("30", 60), ("soon", 60), (None, 60)],
)
def test_analysis_interval_as_flagger_reads_it(interval, seconds):
    assert _interval_seconds({"interval": interval}) == seconds


def test_old_canary_analysis_field_is_read():
    obj = with_analysis(canary("progressing"))
    obj["spec"]["canaryAnalysis"] = obj["spec"].pop("analysis")
    assert parse_canary(obj).threshold == 5


# -- versions from the workloads ----------------------------------------------------------------


def test_versions_from_the_target_and_its_primary():
    obj = with_analysis(canary("progressing"))
    target = deployment("podinfo", "ghcr.io/stefanprodan/podinfo:6.0.1")
    primary = deployment("podinfo-primary", "ghcr.io/stefanprodan/podinfo:6.0.0")
    state = parse_canary(obj, target=target, primary=primary).rollout
    assert (state.canary_version, state.stable_version) == ("6.0.1", "6.0.0")
    listing = parse_canaries(
        {"items": [obj, "junk"]}, {"items": [target, primary, {"metadata": {"name": 3}}]}
    )
    assert listing["podinfo"].rollout.stable_version == "6.0.0"


def test_a_promoted_canary_without_its_primary_runs_the_target_version():
    obj = with_analysis(canary("succeeded"))
    target = deployment("podinfo", "ghcr.io/stefanprodan/podinfo:6.0.1")
    state = parse_canary(obj, target=target).rollout
    assert state.stable_version == state.canary_version == "6.0.1"


def test_canary_list_must_be_a_list():
    assert parse_canaries({"items": None}) == {}
    with pytest.raises(BadResponse):
        parse_canaries({"kind": "Status"})
