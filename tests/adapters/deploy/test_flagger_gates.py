"""Flagger's load tester gates: which webhook each action needs and the call it makes,
on recorded Canaries (tests/fixtures/flagger/SOURCES.md)."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.deploy.flagger_gates import (
    Gate,
    close_rollback_request,
    gate_request,
    gate_url,
)
from release_cockpit.adapters.deploy.flagger_parsing import parse_canary
from release_cockpit.domain import Action
from release_cockpit.errors import ActionFailed
from tests.support.kube_fixtures import LOADTESTER, canary, with_analysis

# -- load tester gates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "url"),
    [
        (Action.PROMOTE, f"{LOADTESTER}/gate/open"),
        (Action.RESUME, f"{LOADTESTER}/gate/open"),
        (Action.PAUSE, f"{LOADTESTER}/gate/close"),
        (Action.ABORT, f"{LOADTESTER}/rollback/open"),
    ],
)
def test_gate_requests(action, url):
    parsed = parse_canary(with_analysis(canary("progressing")))
    request = gate_request(parsed, action)
    assert (request.method, request.url) == ("POST", url)
    assert request.body == {"name": "podinfo", "namespace": "default"}
    assert "canary default/podinfo" in request.effect


def test_abort_says_the_rollback_gate_must_be_closed_again():
    parsed = parse_canary(with_analysis(canary("progressing")))
    assert "until it is closed (/rollback/close)" in gate_request(parsed, Action.ABORT).effect
    closing = close_rollback_request(parsed)
    assert closing.url == f"{LOADTESTER}/rollback/close"


def test_no_gate_no_action():
    parsed = parse_canary(canary("progressing"))
    with pytest.raises(ActionFailed, match="cannot promote from here") as caught:
        gate_request(parsed, Action.PROMOTE)
    assert caught.value.hint == (
        "it needs a confirm-promotion webhook at the load tester's /gate/check"
    )
    with pytest.raises(ActionFailed, match="cannot rollback"):
        gate_request(parsed, Action.ROLLBACK)
    with pytest.raises(ActionFailed, match="no rollback webhook"):
        close_rollback_request(parsed)


@pytest.mark.parametrize(
    ("webhook", "gate", "url"),
    [
        ("http://lt.test:8080/gate/check", Gate.OPEN, "http://lt.test:8080/gate/open"),
        ("https://lt.test/prefix/gate/check/", Gate.CLOSE, "https://lt.test/prefix/gate/close"),
        ("http://lt.test/rollback/check?x=1", Gate.OPEN_ROLLBACK, "http://lt.test/rollback/open"),
        ("http://lt.test/gate/halt", Gate.OPEN, None),
        ("http://lt.test/gate/check", Gate.OPEN_ROLLBACK, None),
        ("ftp://lt.test/gate/check", Gate.OPEN, None),
        ("/gate/check", Gate.OPEN, None),
        ("http://[::1/gate/check", Gate.OPEN, None),
    ],
)
def test_gate_url(webhook, gate, url):
    assert gate_url(webhook, gate) == url
