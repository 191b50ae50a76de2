"""Kubernetes ``Status`` error bodies as typed errors, on recorded Status objects."""

from __future__ import annotations

from release_cockpit.adapters.deploy.kubernetes_errors import (
    parse_status,
    status_error,
    status_summary,
)
from release_cockpit.errors import ActionFailed, AuthError, BadResponse, NotFound, RateLimited
from tests.support.kube_fixtures import fixture


def test_not_found_status():
    status = parse_status(fixture("kubernetes/status-404-notfound.json"))
    assert status is not None
    assert (status.code, status.reason, status.kind, status.name) == (
        404,
        "NotFound",
        "pods",
        "grafana",
    )
    assert status_summary(status) == 'pods grafana not found: pods "grafana" not found'
    error = status_error(fixture("kubernetes/status-404-notfound.json"), 404)
    assert isinstance(error, NotFound)


def test_already_exists_status_without_kind_is_still_a_status():
    status = parse_status(fixture("kubernetes/status-409-alreadyexists.json"))
    assert status is not None
    assert (status.code, status.reason) == (409, "AlreadyExists")
    assert status_summary(status) == (
        'namespaces default already exists: namespaces "default" already exists'
    )


def conflict_body() -> dict:
    """Edited from the recorded 409: reason Conflict with the apiserver's optimistic-lock
    message (no recording of this one was found)."""
    body = fixture("kubernetes/status-409-alreadyexists.json")
    body.update(
        reason="Conflict",
        message='Operation cannot be fulfilled on deployments.apps "cart": the object has been '
        "modified; please apply your changes to the latest version and try again",
        details={"name": "cart", "group": "apps", "kind": "deployments"},
    )
    return body


def test_conflict_says_someone_else_changed_it():
    status = parse_status(conflict_body())
    assert status is not None
    text = status_summary(status, "deployment shop/cart")
    assert text == (
        "deployment shop/cart was changed by someone else after it was read; nothing was "
        "applied (409 Conflict)"
    )
    error = status_error(conflict_body(), 409, target="deployment shop/cart", mutating=True)
    assert isinstance(error, ActionFailed)
    assert error.hint == "reload: the panel shows the new state; decide again"


def test_failed_json_patch_test_op_reads_as_a_conflict_too():
    body = {
        "kind": "Status",
        "status": "Failure",
        "message": "Testing value /x failed",
        "code": 422,
    }
    status = parse_status(body)
    assert status is not None
    assert "changed by someone else" in status_summary(status)


def test_expired_status():
    body = fixture("kubernetes/status-410-expired.json")
    status = parse_status(body)
    assert status is not None
    assert status.reason == "Expired"
    assert status_summary(status).startswith(
        "the resourceVersion asked for is too old (410 Expired)"
    )
    error = status_error(body, 410)
    assert isinstance(error, BadResponse)
    assert error.hint == "list again"


def test_forbidden_status():
    body = fixture("kubernetes/status-404-notfound.json")  # edited into a 403
    body.update(
        code=403,
        reason="Forbidden",
        message='deployments.apps "cart" is forbidden: User "ci" cannot patch resource '
        '"deployments" in API group "apps" in the namespace "shop"',
    )
    status = parse_status(body)
    assert status is not None
    assert status_summary(status).startswith('forbidden: deployments.apps "cart" is forbidden')
    error = status_error(body, 403, mutating=True)
    assert isinstance(error, AuthError)
    assert "kubectl auth can-i" in error.hint


def test_invalid_status_lists_its_causes():
    body = {
        "status": "Failure",
        "reason": "Invalid",
        "code": 422,
        "message": 'Deployment.apps "cart" is invalid',
        "details": {"causes": [{"field": "spec.replicas", "message": "must be >= 0"}, "junk"]},
    }
    status = parse_status(body)
    assert status is not None
    assert status_summary(status) == (
        "the API server rejected the change as invalid: spec.replicas: must be >= 0"
    )


def test_other_bodies():
    assert parse_status({"kind": "Deployment"}) is None
    assert parse_status("oops") is None
    error = status_error("<html>bad gateway</html>", 502)
    assert isinstance(error, BadResponse)
    assert "HTTP 502" in error.message
    throttled = status_error(
        {
            "status": "Failure",
            "reason": "TooManyRequests",
            "code": 429,
            "details": {"retryAfterSeconds": 3},
        },
        429,
    )
    assert isinstance(throttled, RateLimited)
    assert throttled.retry_after == 3
    unauthorised = status_error({"status": "Failure", "code": 401, "reason": "Unauthorized"}, 401)
    assert isinstance(unauthorised, AuthError)
    hostile = parse_status({"status": "Failure", "message": "\x1b]0;pwned\x07bad"}, 500)
    assert hostile is not None
    assert "\x1b" not in status_summary(hostile)
