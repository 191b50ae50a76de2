"""``kubectl rollout status`` on recorded workloads (tests/fixtures/kubernetes/SOURCES.md).

Where no recording reaches a status, the recorded object is edited minimally here and the
edit is named in the test.
"""

from __future__ import annotations

import pytest

from release_cockpit.adapters.deploy.kubernetes_rollout_status import (
    Verdict,
    daemonset_status,
    deployment_status,
    statefulset_status,
)
from tests.support.kube_fixtures import (
    COMPLETE,
    STS,
    fixture,
    mid_rollout_statefulset,
    rolling_daemonset,
)


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


def test_statefulset_waits_for_ready_pods_first():
    obj = fixture(STS)
    obj["status"]["readyReplicas"] = 3
    assert statefulset_status(obj).message == "Waiting for 1 pods to be ready"


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


def test_daemonset_without_a_generation_is_unknown():
    obj = rolling_daemonset()
    del obj["metadata"]["generation"]
    assert daemonset_status(obj).verdict is Verdict.UNKNOWN


def test_daemonset_waits_for_available_pods():
    obj = rolling_daemonset(updatedNumberScheduled=1, numberAvailable=0)
    assert daemonset_status(obj).message == (
        'Waiting for daemon set "fluentd-elasticsearch" rollout to finish: '
        "0 of 1 updated pods are available"
    )


def test_daemonset_generation_not_observed():
    obj = rolling_daemonset(updatedNumberScheduled=1)
    obj["metadata"]["generation"] = 5
    assert daemonset_status(obj).message == "Waiting for daemon set spec update to be observed"
