"""Kubernetes workload parsing on recorded objects (tests/fixtures/kubernetes/SOURCES.md).

Every status ``kubectl rollout status`` can reach has a test; where no recording reaches
it, the recorded object is edited minimally here and the edit is named in the test.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.deploy.kubernetes_parsing import (
    DEPLOYMENT_ACTIONS,
    Verdict,
    WorkloadKind,
    daemonset_status,
    deployment_revisions,
    deployment_status,
    owned_by,
    parse_daemonset,
    parse_deployment,
    parse_deployments,
    parse_statefulset,
    parse_workload,
    previous_revision,
    read_version,
    rollout_status,
    statefulset_status,
    template_images,
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
    two_revisions,
)

# -- Deployments: kubectl rollout status -----------------------------------------------------


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


def test_fewer_updated_than_desired_is_waiting():
    obj = fixture(COMPLETE)
    obj["spec"]["replicas"] = 3  # edited: scaled to 3, one pod updated so far
    assert deployment_status(obj).message == (
        'Waiting for deployment "icx-db" rollout to finish: '
        "1 out of 3 new replicas have been updated"
    )


def test_updated_but_not_available_is_waiting():
    obj = fixture(COMPLETE)
    del obj["status"]["availableReplicas"]  # edited: the API omits a zero count
    assert deployment_status(obj).message == (
        'Waiting for deployment "icx-db" rollout to finish: 0 of 1 updated replicas are available'
    )


def test_missing_spec_replicas_defaults_to_one_as_the_api_server_does():
    obj = fixture(COMPLETE)
    del obj["spec"]["replicas"]
    assert deployment_status(obj).verdict is Verdict.DONE
    obj["status"] = {"observedGeneration": 1}
    assert deployment_status(obj).verdict is Verdict.WAITING


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


# -- Deployments: revisions, versions, undo target --------------------------------------------


def test_revisions_come_from_owned_replicasets_newest_first():
    deployment, replicasets = two_revisions()
    revisions = deployment_revisions(deployment, replicasets)
    assert [r.number for r in revisions] == [2, 1]
    assert [r.version for r in revisions] == ["9.3", "9.2-alpine"]
    assert revisions[1].template_hash == "7d4b578979"
    assert revisions[1].images[0].image == "postgres:9.2-alpine"
    previous = previous_revision(revisions)
    assert previous is not None
    assert previous.number == 1


def test_rolled_out_revision_2_knows_the_version_undo_would_restore():
    deployment, replicasets = two_revisions()
    state = parse_deployment(deployment, replicasets)
    assert state.phase is RolloutPhase.HEALTHY
    assert (state.canary_revision, state.stable_revision) == ("2", "2")
    assert (state.canary_version, state.stable_version) == ("9.3", "9.3")
    assert state.previous_version == "9.2-alpine"
    assert state.started_at == datetime(2019, 7, 15, 10, 0, tzinfo=UTC)


def test_mid_rollout_the_stable_side_is_the_old_replicaset_still_running():
    deployment, replicasets = two_revisions()
    deployment["status"]["replicas"] = 2  # edited: old pod not yet terminated
    replicasets[0]["status"]["replicas"] = 1
    state = parse_deployment(deployment, replicasets)
    assert state.phase is RolloutPhase.PROGRESSING
    assert (state.stable_revision, state.canary_revision) == ("1", "2")
    assert (state.stable_version, state.canary_version) == ("9.2-alpine", "9.3")
    assert not state.fully_promoted
    assert not state.canary_active


def test_new_template_without_its_replicaset_yet_has_no_canary_revision():
    deployment, replicasets = two_revisions()
    deployment["spec"]["template"]["spec"]["containers"][0]["image"] = "postgres:10"
    deployment["metadata"]["generation"] = 2  # edited: not observed yet
    state = parse_deployment(deployment, replicasets)
    assert state.phase is RolloutPhase.PROGRESSING
    assert state.canary_revision == ""
    assert state.stable_revision == "2"
    assert (state.canary_version, state.stable_version) == ("10", "9.3")


def test_only_replicasets_controlled_by_this_deployment_count():
    deployment = fixture(COMPLETE)
    foreign = [fixture(RS) for _ in range(4)]
    foreign[0]["metadata"]["ownerReferences"][0]["controller"] = False
    foreign[1]["metadata"]["ownerReferences"][0]["uid"] = "someone-else"
    foreign[2]["metadata"]["namespace"] = "other"
    foreign[3]["metadata"]["ownerReferences"][0]["kind"] = "Rollout"
    assert owned_by(deployment, "Deployment", [*foreign, "junk", None]) == []
    assert owned_by(deployment, "Deployment", [fixture(RS)]) == [fixture(RS)]


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


def test_version_from_a_named_container_or_the_first():
    template = fixture(COMPLETE)["spec"]["template"]
    template["spec"]["containers"].append({"name": "proxy", "image": "envoyproxy/envoy:v1.30.1"})
    assert [i.container for i in template_images(template)] == ["icx-db", "proxy"]
    assert read_version(template).version == "9.2-alpine"
    reading = read_version(template, "proxy")
    assert (reading.version, reading.image) == ("v1.30.1", "envoyproxy/envoy:v1.30.1")
    missing = read_version(template, "app")
    assert missing.version is None
    assert missing.problem == "no container named 'app' (containers: icx-db, proxy)"


@pytest.mark.parametrize(
    ("image", "version", "problem"),
    [
        ("registry.example.com:5000/shop/cart:1.12.3", "1.12.3", ""),
        ("shop/cart:1.12.3@sha256:" + "a" * 64, "1.12.3", ""),
        ("shop/cart@sha256:" + "a" * 64, None, "is pinned by digest and has no tag"),
        ("registry.example.com:5000/shop/cart", None, "has no tag (Kubernetes pulls :latest)"),
        ("nginx:latest", None, "'latest' names no version"),
        ("", None, "container 'icx-db' has no image"),
    ],
)
def test_version_reading_says_why_there_is_none(image, version, problem):
    template = fixture(COMPLETE)["spec"]["template"]
    template["spec"]["containers"][0]["image"] = image
    reading = read_version(template)
    assert reading.version == version
    assert problem in reading.problem
    assert bool(reading.problem) == (version is None)


def test_no_containers_is_a_reason_too():
    assert read_version({"spec": {}}).problem == "the pod template has no containers"
    assert read_version(None).version is None


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


def mid_rollout_statefulset() -> dict:
    """Edited: a new updateRevision with 2 of 4 pods updated (no recording has one)."""
    obj = fixture(STS)
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "k8s.gcr.io/nginx-slim:0.9"
    obj["metadata"]["generation"] = 6
    obj["status"].update(
        observedGeneration=6, updateRevision="nginx-sts-6c9d8f7b5d", updatedReplicas=2
    )
    return obj


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


def test_statefulset_waits_for_ready_pods_first():
    obj = fixture(STS)
    obj["status"]["readyReplicas"] = 3
    assert statefulset_status(obj).message == "Waiting for 1 pods to be ready"


def test_statefulset_partition_holds_the_rest_for_a_human():
    obj = mid_rollout_statefulset()
    obj["spec"]["updateStrategy"]["rollingUpdate"]["partition"] = 2
    assert statefulset_status(obj).verdict is Verdict.DONE  # kubectl exits 0 here
    state = parse_statefulset(obj)
    assert state.phase is RolloutPhase.PAUSED
    assert state.pause_kind is PauseKind.INDEFINITE_STEP
    assert state.pause_reason == "partition 2: pods below it stay on revision nginx-sts-5b89ffb894"
    assert not state.fully_promoted


def test_statefulset_without_rolling_update_settings_compares_revisions():
    obj = mid_rollout_statefulset()
    del obj["spec"]["updateStrategy"]["rollingUpdate"]
    assert statefulset_status(obj).message == (
        "waiting for statefulset rolling update to complete 2 pods at revision nginx-sts-6c9d8f7b5d"
    )
    done = fixture(STS)
    del done["spec"]["updateStrategy"]["rollingUpdate"]
    assert statefulset_status(done).message == (
        "statefulset rolling update complete 4 pods at revision nginx-sts-5b89ffb894"
    )


@pytest.mark.parametrize("observed", [0, 4])
def test_statefulset_generation_not_observed(observed):
    obj = fixture(STS)
    obj["status"]["observedGeneration"] = observed
    assert statefulset_status(obj).message == ("Waiting for statefulset spec update to be observed")


def test_ondelete_statefulset_is_not_judged():
    state = parse_statefulset(fixture(STS_ONDELETE))
    assert state.phase is RolloutPhase.UNKNOWN
    assert state.strategy == "on-delete"
    assert state.message.startswith("rollout status is only available for RollingUpdate")
    assert state.canary_version == "4.0.10-debian-9"


# -- DaemonSets -----------------------------------------------------------------------------


def rolling_daemonset(**status: object) -> dict:
    """Edited: the recorded OnDelete DaemonSet switched to RollingUpdate, with the
    generation its status observed (the recording has none)."""
    obj = fixture(DS_ONDELETE)
    obj["spec"]["updateStrategy"] = {"type": "RollingUpdate"}
    obj["metadata"]["generation"] = 4
    obj["status"].update(status)
    return obj


def test_ondelete_daemonset_is_not_judged():
    state = parse_daemonset(fixture(DS_ONDELETE))
    assert state.phase is RolloutPhase.UNKNOWN
    assert "OnDelete" in state.message


def test_daemonset_without_a_generation_is_unknown():
    obj = rolling_daemonset()
    del obj["metadata"]["generation"]
    assert daemonset_status(obj).verdict is Verdict.UNKNOWN


def test_daemonset_waits_for_updated_pods():
    # The recording has no updatedNumberScheduled: the API omits a zero count.
    state = parse_daemonset(rolling_daemonset())
    assert state.phase is RolloutPhase.PROGRESSING
    assert state.message == (
        'Waiting for daemon set "fluentd-elasticsearch" rollout to finish: '
        "0 out of 1 new pods have been updated"
    )
    assert (state.canary_revision, state.stable_revision) == ("4", "")


def test_daemonset_waits_for_available_pods():
    obj = rolling_daemonset(updatedNumberScheduled=1, numberAvailable=0)
    assert daemonset_status(obj).message == (
        'Waiting for daemon set "fluentd-elasticsearch" rollout to finish: '
        "0 of 1 updated pods are available"
    )


def test_daemonset_done():
    state = parse_daemonset(rolling_daemonset(updatedNumberScheduled=1))
    assert state.phase is RolloutPhase.HEALTHY
    assert state.message == 'daemon set "fluentd-elasticsearch" successfully rolled out'
    assert state.fully_promoted
    assert state.canary_version == state.stable_version == "v2.5.1"
    assert (state.replicas, state.ready_replicas) == (1, 1)


def test_daemonset_generation_not_observed():
    obj = rolling_daemonset(updatedNumberScheduled=1)
    obj["metadata"]["generation"] = 5
    assert daemonset_status(obj).message == "Waiting for daemon set spec update to be observed"


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
