"""GitLab error bodies and rate-limit headers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from release_cockpit.adapters.ci.gitlab_errors import error_text, parse_rate_limit

# -- errors and rate limits --------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"message": "404 Project Not Found"}, "404 Project Not Found"),
        ({"message": {"ref": ["is empty"], "base": ["must exist", "bad"]}}, None),
        (
            {"error": "insufficient_scope", "error_description": "The request requires higher"},
            "insufficient_scope: The request requires higher",
        ),
        ({"error": "404 Not Found"}, "404 Not Found"),
        ({"errors": [{"message": "Invalid token"}]}, "Invalid token"),
        ({"message": "bad\x1b[31m red\u202e"}, "bad[31m red"),
        ([1, 2], ""),
        (None, ""),
    ],
)
def test_error_text(payload, expected):
    text = error_text(payload)
    if expected is None:
        assert text == "ref is empty; base must exist, bad"
    else:
        assert text == expected


def test_rate_limit_headers_case_insensitive():
    headers = {
        "ratelimit-limit": "600",
        "RateLimit-Observed": "6",
        "RATELIMIT-REMAINING": "594",
        "RateLimit-Reset": "1563325137",
        "RateLimit-ResetTime": "Wed, 17 Jul 2019 00:58:57 GMT",
    }
    limit = parse_rate_limit(headers, now=1563325000.0)
    assert (limit.limit, limit.observed, limit.remaining) == (600, 6, 594)
    assert limit.reset_at == 1563325137.0
    assert limit.retry_after is None
    assert limit.known


def test_rate_limit_reset_time_and_retry_after():
    now = datetime(2019, 7, 17, 0, 58, 0, tzinfo=UTC).timestamp()
    limit = parse_rate_limit(
        {"RateLimit-ResetTime": "Wed, 17 Jul 2019 00:58:57 GMT", "Retry-After": "57"}, now
    )
    assert limit.reset_at == pytest.approx(now + 57)
    assert limit.retry_after == 57.0
    assert limit.remaining is None


def test_missing_rate_limit_headers_are_unknown_not_plenty():
    limit = parse_rate_limit({"Content-Type": "application/json", "RateLimit-Limit": "x"}, 0.0)
    assert not limit.known
    assert limit.remaining is None
