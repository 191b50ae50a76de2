"""Argo CD Application parsing on the recorded Application (tests/fixtures/argo-cd/SOURCES.md);
states no recording has are minimal edits of it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.deploy.argo_cd_actions import rollback_request
from release_cockpit.adapters.deploy.argo_cd_parsing import (
    APP_ACTIONS,
    HealthStatus,
    OperationPhase,
    SyncStatus,
    app_version,
    error_message,
    parse_application,
    parse_applications,
)
from release_cockpit.domain import PauseKind, RolloutPhase
from release_cockpit.errors import ActionFailed, BadResponse
from tests.support.kube_fixtures import ARGO_APP, fixture, running_application

REV = "ea8759964626a583667a2bfd08f334ec2070040a"


def app(**status_edits: object) -> dict:
    obj = fixture(ARGO_APP)
    obj["status"].update(status_edits)
    return obj


def test_recorded_application_is_synced_and_healthy():
    parsed = parse_application(fixture(ARGO_APP))
    assert (parsed.name, parsed.app_namespace, parsed.project) == ("velero-test", "argo-cd", "sre")
    assert parsed.sync is SyncStatus.SYNCED
    assert parsed.health is HealthStatus.HEALTHY
    assert parsed.revision == "rev1"
    assert not parsed.auto_sync
    state = parsed.rollout
    assert (state.kind, state.strategy) == ("Application", "sync")
    assert state.phase is RolloutPhase.HEALTHY
    assert state.message == "Synced, Healthy"
    assert state.fully_promoted
    assert not state.canary_active
    assert state.stable_revision == state.canary_revision == "rev1"
    assert state.started_at == datetime(2024, 3, 5, 7, 33, 3, tzinfo=UTC)
    assert state.finished_at == datetime(2024, 3, 5, 7, 33, 4, tzinfo=UTC)
    assert state.capabilities == APP_ACTIONS
    # The app runs nginx:latest: no version.
    assert state.canary_version is None
    assert app_version(fixture(ARGO_APP)).problem == "image nginx:latest names no version"


def test_operation_state():
    operation = parse_application(fixture(ARGO_APP)).operation
    assert operation is not None
    assert operation.phase is OperationPhase.SUCCEEDED
    assert operation.message == "successfully synced (all tasks run)"
    assert operation.revision == REV
    assert operation.initiated_by == "foo@example.com"
    assert not operation.automated
    assert operation.finished_at == datetime(2024, 3, 5, 7, 33, 4, tzinfo=UTC)


def test_history_entries_are_past_deployments():
    history = parse_application(fixture(ARGO_APP)).history
    assert [h.id for h in history] == list(range(14, 24))
    first = history[0]
    assert first.revision == REV
    assert first.started_at == datetime(2024, 3, 4, 22, 0, 5, tzinfo=UTC)
    assert first.deployed_at == datetime(2024, 3, 4, 22, 0, 6, tzinfo=UTC)
    assert not first.redeploy
    # Every later entry re-synced the same revision: none is a new change.
    assert all(h.redeploy for h in history[1:])


def test_history_tolerates_junk_and_multi_source_entries():
    obj = fixture(ARGO_APP)
    obj["status"]["history"] = [
        {"id": "x"},
        "junk",
        {"id": 1, "revisions": ["abc", "def"], "initiatedBy": {"automated": True}},
    ]
    history = parse_application(obj).history
    assert len(history) == 1
    assert history[0].revision == "abc,def"
    assert history[0].automated


@pytest.mark.parametrize(
    ("phase", "expected", "message"),
    [
        ("Running", RolloutPhase.PROGRESSING, "sync running: waiting for healthy state"),
        ("Terminating", RolloutPhase.PROGRESSING, "terminating: waiting for healthy state"),
        ("Failed", RolloutPhase.DEGRADED, "sync failed: waiting for healthy state"),
        ("Error", RolloutPhase.DEGRADED, "sync error: waiting for healthy state"),
        ("Reticulating", RolloutPhase.UNKNOWN, "operation in a phase not understood"),
    ],
)
def test_operation_phases(phase, expected, message):
    state = parse_application(running_application(phase, "waiting for healthy state")).rollout
    assert state.phase is expected
    assert state.message == message
    assert not state.fully_promoted
    assert state.finished_at is None


@pytest.mark.parametrize(
    ("health", "sync", "expected", "kind"),
    [
        ("Degraded", "Synced", RolloutPhase.DEGRADED, PauseKind.NONE),
        ("Missing", "Synced", RolloutPhase.DEGRADED, PauseKind.NONE),
        ("Missing", "OutOfSync", RolloutPhase.PAUSED, PauseKind.INDEFINITE_STEP),
        ("Suspended", "Synced", RolloutPhase.PAUSED, PauseKind.INDEFINITE_STEP),
        ("Progressing", "Synced", RolloutPhase.PROGRESSING, PauseKind.NONE),
        ("Healthy", "OutOfSync", RolloutPhase.PAUSED, PauseKind.INDEFINITE_STEP),
        ("Healthy", "Unknown", RolloutPhase.UNKNOWN, PauseKind.NONE),
        ("Unknown", "Synced", RolloutPhase.UNKNOWN, PauseKind.NONE),
        ("Sparkling", "Synced", RolloutPhase.UNKNOWN, PauseKind.NONE),
    ],
)
def test_health_and_sync(health, sync, expected, kind):
    obj = fixture(ARGO_APP)  # edited: health and sync status
    obj["status"]["health"] = {"status": health}
    obj["status"]["sync"]["status"] = sync
    state = parse_application(obj).rollout
    assert state.phase is expected
    assert state.pause_kind is kind
    assert state.fully_promoted is (expected is RolloutPhase.HEALTHY)


def test_out_of_sync_with_automated_sync_is_progressing_and_cannot_roll_back():
    obj = fixture(ARGO_APP)  # edited: automated sync on, git moved on
    obj["spec"]["syncPolicy"]["automated"] = {"prune": True, "selfHeal": True}
    obj["status"]["sync"].update(status="OutOfSync", revision="f00dfeed")
    parsed = parse_application(obj)
    assert parsed.auto_sync
    state = parsed.rollout
    assert state.phase is RolloutPhase.PROGRESSING
    assert state.message == "OutOfSync: automated sync will apply it"
    assert (state.stable_revision, state.canary_revision) == (REV, "f00dfeed")
    assert state.capabilities == frozenset()
    with pytest.raises(ActionFailed, match="while automated sync is on"):
        rollback_request(parsed)


def test_automated_block_switched_off_is_not_auto_sync():
    obj = fixture(ARGO_APP)
    obj["spec"]["syncPolicy"]["automated"] = {"enabled": False}
    assert not parse_application(obj).auto_sync


def test_drift_at_the_deployed_revision_has_no_stable_revision():
    obj = fixture(ARGO_APP)
    obj["status"]["sync"].update(status="OutOfSync", revision=REV)
    state = parse_application(obj).rollout
    assert state.stable_revision == ""
    assert not state.fully_promoted


def test_health_message_and_error_conditions_are_shown():
    obj = fixture(ARGO_APP)
    obj["status"]["health"] = {"status": "Degraded", "message": "Deployment has 0/3 ready"}
    obj["status"]["conditions"] = [
        {"type": "SyncError", "message": "one or more objects failed to apply"},
        {"type": "OrphanedResourceWarning", "message": "2 orphans"},
    ]
    parsed = parse_application(obj)
    assert parsed.rollout.message == (
        "health Degraded: Deployment has 0/3 ready; SyncError: one or more objects failed to apply"
    )
    assert len(parsed.conditions) == 2


def test_garbage_application_is_unknown():
    parsed = parse_application({"metadata": [], "status": "x"})
    assert parsed.rollout.phase is RolloutPhase.UNKNOWN
    assert parsed.operation is None
    assert parsed.history == ()


def test_application_list():
    listing = {"metadata": {}, "items": [fixture(ARGO_APP), "junk", {"metadata": {}}]}
    assert list(parse_applications(listing)) == ["velero-test"]
    assert parse_applications({"metadata": {}, "items": None}) == {}
    with pytest.raises(BadResponse):
        parse_applications({"error": "nope"})


def test_version_from_a_named_image():
    obj = app(summary={"images": ["registry.example.com/shop/cart:1.12.3", "nginx:latest"]})
    assert app_version(obj, "shop/cart").version == "1.12.3"
    assert app_version(obj, "registry.example.com/shop/cart").version == "1.12.3"
    assert app_version(obj).problem == (
        "the app runs 2 images; name the one that carries the version"
    )
    assert "no image 'api'" in app_version(obj, "api").problem
    assert parse_application(obj, image="shop/cart").rollout.canary_version == "1.12.3"
    assert app_version(app(summary={})).problem == "Argo CD reports no images for this app"


def test_error_body():
    body = {
        "error": "rollback cannot be initiated when auto-sync is enabled",
        "code": 9,
        "message": "rollback cannot be initiated when auto-sync is enabled",
    }
    assert error_message(body) == (
        "FailedPrecondition: rollback cannot be initiated when auto-sync is enabled"
    )
    assert error_message({"code": 5}) == "NotFound"
    assert error_message("junk") == ""
