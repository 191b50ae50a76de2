"""Kubernetes workload parsing on recorded objects (tests/fixtures/kubernetes/SOURCES.md).

Every status ``kubectl rollout status`` can reach has a test (here as a RolloutState, in
test_kubernetes_rollout_status as kubectl's verdict); where no recording reaches
it, the recorded object is edited minimally here and the edit is named in the test.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.deploy.kubernetes_parsing import (
    DEPLOYMENT_ACTIONS,
    parse_daemonset,
    parse_deployment,
    parse_deployments,
    parse_statefulset,
    parse_workload,
)
from release_cockpit.adapters.deploy.kubernetes_rollout_status import (
    Verdict,
    WorkloadKind,
    deployment_status,
    rollout_status,
    statefulset_status,
)
from release_cockpit.domain import PauseKind, RolloutPhase
from release_cockpit.errors import BadResponse
from tests.support.kube_fixtures import (
    COMPLETE,
    DEADLINE,
    DS_ONDELETE,
    MID,
    PAUSED,
    RS,
    STS,
    STS_ONDELETE,
    fixture,
    mid_rollout_statefulset,
    rolling_daemonset,
    two_revisions,
)

# -- Deployments as RolloutState ------------------------------------------------------------


def test_complete_deployment_is_healthy_and_fully_promoted():
    state = parse_deployment(fixture(COMPLETE), [fixture(RS)])
    assert (state.name, state.namespace, state.kind) == ("icx-db", "icx", "Deployment")
    assert state.phase is RolloutPhase.HEALTHY
    assert state.message == 'deployment "icx-db" successfully rolled out'
    assert state.strategy == "rolling-update"
    assert (state.stable_revision, state.canary_revision) == ("1", "1")
    assert state.fully_promoted
    assert not state.canary_active
    assert (state.canary_version, state.stable_version) == ("9.2-alpine", "9.2-alpine")
    assert state.previous_version is None
    assert state.started_at == datetime(2019, 7, 14, 4, 54, 17, tzinfo=UTC)
    # Progressing=True/NewReplicaSetAvailable keeps its transition time; the update time is
    # when the rollout completed.
    assert state.finished_at == datetime(2019, 7, 14, 4, 54, 20, tzinfo=UTC)
    assert (state.replicas, state.ready_replicas) == (1, 1)
    assert state.pause_kind is PauseKind.NONE
    assert state.capabilities == DEPLOYMENT_ACTIONS
    assert (state.set_weight, state.actual_weight, state.step_index) == (None, None, None)


def test_old_replicas_pending_termination_is_progressing():
    state = parse_deployment(fixture(MID))
    assert state.phase is RolloutPhase.PROGRESSING
    assert state.message == (
        'Waiting for deployment "guestbook-ui" rollout to finish: '
        "1 old replicas are pending termination"
    )
    # Without ReplicaSets only the Deployment's own revision is known.
    assert (state.canary_revision, state.stable_revision) == ("4", "")
    assert not state.fully_promoted
    assert state.canary_version == "0.3"
    assert state.finished_at is None


def test_progress_deadline_exceeded_is_degraded_with_the_condition_message():
    check = deployment_status(fixture(DEADLINE))
    assert check.verdict is Verdict.FAILED
    state = parse_deployment(fixture(DEADLINE))
    assert state.phase is RolloutPhase.DEGRADED
    assert state.message == (
        'deployment "guestbook-ui" exceeded its progress deadline: '
        'ReplicaSet "guestbook-ui-75dd4d49d5" has timed out progressing.'
    )


def test_paused_deployment_waits_for_a_human_even_when_its_counts_are_complete():
    state = parse_deployment(fixture(PAUSED))
    assert deployment_status(fixture(PAUSED)).verdict is Verdict.DONE
    assert state.phase is RolloutPhase.PAUSED
    assert state.pause_kind is PauseKind.MANUAL
    assert state.pause_kind.needs_human
    assert state.pause_reason == "spec.paused"
    assert state.pause_started_at == datetime(2021, 9, 21, 22, 36, 25, tzinfo=UTC)
    assert state.message.startswith("paused: template changes do not roll out until resumed")
    # nginx:latest names no version.
    assert state.canary_version is None


def test_paused_is_read_from_the_spec_not_the_condition():
    """A paused Deployment can still carry a ReplicaSetUpdated condition (argo-cd's
    deployment-suspended.yaml); the mid-rollout recording with spec.paused set is that."""
    obj = fixture(MID)
    obj["spec"]["paused"] = True
    state = parse_deployment(obj)
    assert state.phase is RolloutPhase.PAUSED
    assert state.pause_started_at is None


def test_generation_not_observed_is_waiting():
    obj = fixture(MID)
    obj["metadata"]["generation"] = 5  # edited: one spec change the controller has not seen
    assert deployment_status(obj).message == "Waiting for deployment spec update to be observed"
    assert parse_deployment(obj).phase is RolloutPhase.PROGRESSING


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda o: o["status"].update(updatedReplicas="lots"), "status.updatedReplicas"),
        (lambda o: o["metadata"].pop("generation"), "metadata.generation is missing"),
        (lambda o: o["spec"].update(replicas=[1]), "spec.replicas"),
    ],
)
def test_an_unreadable_status_is_unknown_never_healthy(edit, why):
    obj = fixture(COMPLETE)
    edit(obj)
    state = parse_deployment(obj)
    assert state.phase is RolloutPhase.UNKNOWN
    assert why in state.message
    assert not state.fully_promoted


def test_a_paused_deployment_with_an_unreadable_status_stays_unknown():
    obj = fixture(PAUSED)
    obj["status"]["replicas"] = {"x": 1}
    assert parse_deployment(obj).phase is RolloutPhase.UNKNOWN


def test_garbage_objects_do_not_crash():
    state = parse_deployment({"metadata": "nope", "spec": [], "status": None})
    assert state.phase is RolloutPhase.UNKNOWN
    assert state.name == ""
    hostile = fixture(COMPLETE)
    hostile["metadata"]["name"] = "icx\x1b[31m-db"
    assert "\x1b" not in parse_deployment(hostile).name


# -- Deployments: namespace lists and revisions --------------------------------------------


def test_parse_deployments_reads_a_namespace_list():
    deployment, replicasets = two_revisions()
    del deployment["kind"]  # list items carry no kind
    states = parse_deployments(
        {"kind": "DeploymentList", "items": [deployment, "junk", {"metadata": {}}]},
        {"kind": "ReplicaSetList", "items": replicasets},
    )
    assert list(states) == ["icx-db"]
    assert states["icx-db"].previous_version == "9.2-alpine"
    assert parse_deployments({"items": None}, {"items": []}) == {}


@pytest.mark.parametrize("payload", [[], {"kind": "Status"}, "text"])
def test_a_list_that_is_not_a_list_object_is_a_bad_response(payload):
    with pytest.raises(BadResponse):
        parse_deployments(payload, {"items": []})


# -- StatefulSets ---------------------------------------------------------------------------


def test_statefulset_after_a_restart_is_complete():
    obj = fixture(STS)
    assert statefulset_status(obj).message == (
        "partitioned roll out complete: 4 new pods have been updated"
    )
    state = parse_statefulset(obj)
    assert (state.kind, state.strategy) == ("StatefulSet", "rolling-update")
    assert state.phase is RolloutPhase.HEALTHY
    assert state.stable_revision == state.canary_revision == "nginx-sts-5b89ffb894"
    assert state.fully_promoted
    assert state.canary_version == state.stable_version == "0.8"
    assert (state.replicas, state.ready_replicas) == (4, 4)


def test_statefulset_mid_rollout_waits_for_its_pods():
    state = parse_statefulset(mid_rollout_statefulset())
    assert state.phase is RolloutPhase.PROGRESSING
    assert state.message == (
        "Waiting for partitioned roll out to finish: 2 out of 4 new pods have been updated"
    )
    assert (state.stable_revision, state.canary_revision) == (
        "nginx-sts-5b89ffb894",
        "nginx-sts-6c9d8f7b5d",
    )
    assert (state.canary_version, state.stable_version) == ("0.9", None)


def test_statefulset_partition_holds_the_rest_for_a_human():
    obj = mid_rollout_statefulset()
    obj["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = 2
    assert statefulset_status(obj).verdict is Verdict.DONE  # kubectl exits 0 here
    state = parse_statefulset(obj)
    assert state.phase is RolloutPhase.PAUSED
    assert state.pause_kind is PauseKind.INDEFINITE_STEP
    assert state.pause_reason == "partition 2: pods below it stay on revision nginx-sts-5b89ffb894"
    assert not state.fully_promoted


def test_ondelete_statefulset_is_not_judged():
    state = parse_statefulset(fixture(STS_ONDELETE))
    assert state.phase is RolloutPhase.UNKNOWN
    assert state.strategy == "on-delete"
    assert state.message.startswith("rollout status is only available for RollingUpdate")
    assert state.canary_version == "4.0.10-debian-9"


# -- DaemonSets -----------------------------------------------------------------------------


def test_ondelete_daemonset_is_not_judged():
    state = parse_daemonset(fixture(DS_ONDELETE))
    assert state.phase is RolloutPhase.UNKNOWN
    assert "OnDelete" in state.message


def test_daemonset_waits_for_updated_pods():
    # The recording has no updatedNumberScheduled: the API omits a zero count.
    state = parse_daemonset(rolling_daemonset())
    assert state.phase is RolloutPhase.PROGRESSING
    assert state.message == (
        'Waiting for daemon set "fluentd-elasticsearch" rollout to finish: '
        "0 out of 1 new pods have been updated"
    )
    assert (state.canary_revision, state.stable_revision) == ("4", "")


def test_daemonset_done():
    state = parse_daemonset(rolling_daemonset(updatedNumberScheduled=1))
    assert state.phase is RolloutPhase.HEALTHY
    assert state.message == 'daemon set "fluentd-elasticsearch" successfully rolled out'
    assert state.fully_promoted
    assert state.canary_version == state.stable_version == "v2.5.1"
    assert (state.replicas, state.ready_replicas) == (1, 1)


# -- dispatch ---------------------------------------------------------------------------------


def test_dispatch_by_kind():
    assert parse_workload(fixture(STS)).kind == "StatefulSet"
    assert parse_workload(fixture(DS_ONDELETE)).kind == "DaemonSet"
    assert parse_workload(fixture(COMPLETE), [fixture(RS)]).phase is RolloutPhase.HEALTHY
    other = parse_workload({"kind": "CronJob", "metadata": {"name": "x"}})
    assert other.phase is RolloutPhase.UNKNOWN
    assert other.message == "no rollout status for kind 'CronJob'"
    assert rollout_status(fixture(RS)).verdict is Verdict.UNKNOWN
    assert WorkloadKind.STATEFULSET.plural == "statefulsets"


def test_done_without_a_matching_replicaset_falls_back_to_the_annotation():
    """A done rollout whose template matches no listed ReplicaSet (pruned, or a template
    defaulted differently) still reads as fully promoted at the Deployment's revision."""
    deployment, replicasets = two_revisions()
    replicasets[1]["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:9.3.1"
    state = parse_deployment(deployment, replicasets)
    assert state.phase is RolloutPhase.HEALTHY
    assert state.canary_revision == state.stable_revision == "2"
    assert state.fully_promoted
    assert state.previous_version == "9.2-alpine"
