"""OFREP: single and bulk evaluations, failures, reasons outside the enum, 304s."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.flags.ofrep_parsing import (
    BULK_PATH,
    ErrorCode,
    Reason,
    bulk_headers,
    evaluation_body,
    flag_path,
    flag_states,
    parse_bulk,
    parse_single,
)
from release_cockpit.domain.flags import FlagSource, FlagSwitch
from release_cockpit.errors import AuthError, BadResponse, NotFound, RateLimited
from tests.support.adapters import load


def test_request_helpers():
    assert BULK_PATH == "/ofrep/v1/evaluate/flags"
    assert flag_path("checkout v2/x") == "/ofrep/v1/evaluate/flags/checkout%20v2%2Fx"
    with pytest.raises(ValueError, match="empty"):
        flag_path(" ")
    sent = load("ofrep/spec-evaluate-flag-200.meta.json")["request_body"]
    body = evaluation_body(
        "user-123", {"email": "user@example.com", "custom-plan": "premium", "country": "CA"}
    )
    assert body == sent
    assert evaluation_body() == {"context": {}}
    assert bulk_headers("abc123xyz") == {"If-None-Match": "abc123xyz"}
    assert bulk_headers(None) == {}


def test_spec_single_success():
    evaluation = parse_single(load("ofrep/spec-evaluate-flag-200.json"))
    assert evaluation.ok
    assert evaluation.reason is Reason.TARGETING_MATCH
    state = evaluation.state("production")
    assert state.switch is FlagSwitch.ON
    assert state.value == "true"
    assert state.variant == "enabled"
    assert state.rollout == "targeted"
    assert state.source is FlagSource.OFREP


def test_gofeatureflag_single_with_a_reason_outside_the_spec():
    evaluation = parse_single(load("ofrep/gofeatureflag-evaluate-flag-200.json"))
    assert evaluation.reason is Reason.DEFAULT
    assert evaluation.metadata == {"gofeatureflag_cacheable": True}
    state = evaluation.state()
    assert state.on is None  # a number is not on or off
    assert state.value == "1"


@pytest.mark.parametrize(
    ("fixture", "status", "code"),
    [
        ("ofrep/spec-evaluate-flag-400-invalid-context.json", 400, ErrorCode.INVALID_CONTEXT),
        ("ofrep/spec-evaluate-flag-404-flag-not-found.json", 404, ErrorCode.FLAG_NOT_FOUND),
        (
            "ofrep/gofeatureflag-evaluate-flag-400-targeting-key-missing.json",
            400,
            ErrorCode.TARGETING_KEY_MISSING,
        ),
        (
            "ofrep/gofeatureflag-evaluate-flag-400-invalid-context.json",
            400,
            ErrorCode.INVALID_CONTEXT,
        ),
    ],
)
def test_single_failures_are_unknown_not_off(fixture, status, code):
    evaluation = parse_single(load(fixture), status)
    assert evaluation.error_code is code
    state = evaluation.state("production")
    assert state.switch is FlagSwitch.UNKNOWN
    assert state.error.startswith(code.value)
    assert state.value == ""


def test_single_whole_failures_raise():
    with pytest.raises(BadResponse, match="An internal server error"):
        parse_single(load("ofrep/spec-evaluate-flag-500.json"), 500)
    with pytest.raises(NotFound, match="Not Found") as caught:
        parse_single(load("ofrep/gofeatureflag-evaluate-flag-404-empty-key.json"), 404)
    assert "base URL" in caught.value.hint
    with pytest.raises(AuthError):
        parse_single(None, 401)
    with pytest.raises(RateLimited):
        parse_single("", 429)
    with pytest.raises(BadResponse):
        parse_single({"value": True}, 200)  # no key


def test_spec_bulk_mixes_successes_and_failures():
    meta = load("ofrep/spec-evaluate-flags-bulk-200.meta.json")
    answer = parse_bulk(
        load("ofrep/spec-evaluate-flags-bulk-200.json"), 200, meta["headers"]["ETag"]
    )
    assert answer.etag == "abc123xyz"
    assert answer.metadata == {"version": "v12"}
    (stream,) = answer.event_streams
    assert stream.type == "sse"
    assert stream.inactivity_delay_seconds == 120
    assert "sse.example.com" not in repr(stream)  # stream URLs may carry tokens
    states = flag_states(answer, ["discount-banner", "theme-color", "non-existent-flag", "absent"])
    assert states["discount-banner"].switch is FlagSwitch.ON
    assert states["theme-color"].switch is FlagSwitch.UNKNOWN
    assert states["theme-color"].value == "blue"
    assert states["theme-color"].rollout == "same for everyone"
    assert states["non-existent-flag"].switch is FlagSwitch.UNKNOWN
    assert states["non-existent-flag"].error.startswith("FLAG_NOT_FOUND")
    assert states["absent"].error == "not in the OFREP answer"
    assert states["absent"].switch is FlagSwitch.UNKNOWN


def test_gofeatureflag_bulk_values_of_every_type():
    answer = parse_bulk(load("ofrep/gofeatureflag-evaluate-flags-bulk-200.json"))
    by_key = {f.key: f for f in answer.flags}
    assert len(by_key) == 9
    disabled = by_key["disable-flag"].state()
    assert disabled.switch is FlagSwitch.UNKNOWN  # value null: nothing to read as off
    assert disabled.reason == "DISABLED"
    assert disabled.rollout == "flag disabled"
    assert by_key["flag-only-for-admin"].state().switch is FlagSwitch.OFF
    split = by_key["new-admin-access"].state()
    assert (split.switch, split.rollout, split.variant) == (
        FlagSwitch.ON,
        "split between variants",
        "True",
    )
    assert (
        by_key["array-flag"].state().value
        == '["batmanDefault", "supermanDefault", "superherosDefault"]'
    )
    assert by_key["test-flag-rule-apply"].state().value == '{"test": "test"}'
    assert all(f.reason is Reason.DEFAULT for f in answer.flags if f.reason_text == "DEFAULT")
    assert answer.event_streams == ()


def test_bulk_not_modified_and_failures():
    answer = parse_bulk(None, 304, "abc123xyz")
    assert answer.not_modified
    assert answer.etag == "abc123xyz"
    assert answer.flags == ()
    with pytest.raises(BadResponse, match="INVALID_CONTEXT"):
        parse_bulk(load("ofrep/spec-evaluate-flags-bulk-400.json"), 400)
    with pytest.raises(BadResponse, match="unexpected EOF"):
        parse_bulk(load("ofrep/gofeatureflag-evaluate-flags-bulk-400-invalid-context.json"), 400)
    with pytest.raises(BadResponse, match="no 'flags'"):
        parse_bulk({"flags": "x"})


def test_unknown_codes_reasons_and_types():
    answer = parse_bulk(
        {
            "flags": [
                {"key": "a", "value": True, "reason": "SOMETHING_NEW"},
                {"key": "b", "errorCode": "QUOTA", "errorDetails": "too many"},
                {"key": "c", "value": "true", "reason": "STATIC"},
                {"key": "d", "value": {"x": 1}, "reason": None},
                "junk",
                {"key": "e\x1b[2J", "value": 1.5, "variant": 3},
            ],
            "eventStreams": [
                {"type": "sse", "endpoint": {"origin": "https://x", "requestUri": "/s"}}
            ],
        }
    )
    a, b, c, d, e = answer.flags
    assert a.reason is Reason.OTHER
    assert a.state().reason == "SOMETHING_NEW"
    assert a.state().switch is FlagSwitch.ON
    assert b.error_code is ErrorCode.OTHER
    assert b.state().error.startswith("OTHER: QUOTA")
    assert c.state().switch is FlagSwitch.UNKNOWN  # the string "true" is not a boolean
    assert d.reason is Reason.UNKNOWN
    assert "\x1b" not in e.key
    assert e.variant == "3"
    assert answer.event_streams[0].url == "https://x/s"
