"""A Deployment's revisions and the versions of pod templates, on recorded objects
(tests/fixtures/kubernetes/SOURCES.md).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.deploy.kubernetes_parsing import parse_deployment
from release_cockpit.adapters.deploy.kubernetes_revisions import (
    deployment_revisions,
    owned_by,
    previous_revision,
    read_version,
    template_images,
)
from release_cockpit.domain import RolloutPhase
from tests.support.kube_fixtures import (
    COMPLETE,
    RS,
    fixture,
    two_revisions,
)

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
