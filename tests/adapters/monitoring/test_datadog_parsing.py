"""Datadog: sites, headers, rate limits and error bodies."""

from __future__ import annotations

import pytest

from release_cockpit.adapters.monitoring.datadog_parsing import (
    API_KEY_HEADER,
    APP_KEY_HEADER,
    api_base_url,
    auth_headers,
    check_errors,
    error_messages,
    parse_rate_limit,
)
from release_cockpit.errors import BadResponse
from tests.support.adapters import load


@pytest.mark.parametrize(
    ("site", "url"),
    [
        ("datadoghq.com", "https://api.datadoghq.com"),
        ("us1", "https://api.datadoghq.com"),
        ("US3", "https://api.us3.datadoghq.com"),
        ("us5.datadoghq.com", "https://api.us5.datadoghq.com"),
        ("eu", "https://api.datadoghq.eu"),
        ("datadoghq.eu", "https://api.datadoghq.eu"),
        ("https://app.datadoghq.eu/", "https://api.datadoghq.eu"),
        ("ap1", "https://api.ap1.datadoghq.com"),
        ("ap2.datadoghq.com", "https://api.ap2.datadoghq.com"),
        ("uk1", "https://api.uk1.datadoghq.com"),
        ("us1-fed", "https://api.ddog-gov.com"),
        ("ddog-gov.com", "https://api.ddog-gov.com"),
        ("us2.ddog-gov.com", "https://api.us2.ddog-gov.com"),
        ("api.us5.datadoghq.com", "https://api.us5.datadoghq.com"),
    ],
)
def test_site_to_api_base_url(site, url):
    assert api_base_url(site) == url


@pytest.mark.parametrize("site", ["datadog.com", "", "us4", "evil.example.com/datadoghq.com"])
def test_unknown_site_is_refused_with_the_list(site):
    with pytest.raises(ValueError, match="not a Datadog site") as caught:
        api_base_url(site)
    assert "datadoghq.eu" in str(caught.value)


def test_auth_headers_carry_both_keys():
    assert auth_headers("api", "app") == {"DD-API-KEY": "api", "DD-APPLICATION-KEY": "app"}
    assert (API_KEY_HEADER, APP_KEY_HEADER) == ("DD-API-KEY", "DD-APPLICATION-KEY")


def test_recorded_rate_limit_headers():
    limit = parse_rate_limit(load("datadog/v2-logs-events-429-rate-limited.meta.json")["headers"])
    assert limit is not None
    assert limit.limit == 10
    assert limit.period_seconds == 10
    assert limit.remaining == 9
    assert limit.reset_seconds == 3.0  # seconds until the reset, not an epoch
    assert limit.name == "logs_public_search_api"


def test_rate_limit_headers_any_case_and_garbage():
    assert parse_rate_limit({"Content-Type": "application/json"}) is None
    limit = parse_rate_limit({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "nan"})
    assert limit is not None
    assert limit.remaining == 0
    assert limit.reset_seconds is None
    odd = parse_rate_limit({"x-ratelimit-limit": "many", "x-ratelimit-reset": "-4"})
    assert odd is not None
    assert odd.limit is None
    assert odd.reset_seconds == 0.0


@pytest.mark.parametrize(
    ("fixture", "text"),
    [
        ("datadog/v2-query-timeseries-400.json", "API input validation failed"),
        ("datadog/v1-monitor-get-404.json", "Monitor not found"),
        ("datadog/v1-monitor-list-400.json", "Invalid group_state filters."),
        ("datadog/v1-monitor-search-400.json", "'notastatus' is not a valid monitor status"),
    ],
)
def test_recorded_error_bodies(fixture, text):
    body = load(fixture)
    assert any(text in m for m in error_messages(body))
    with pytest.raises(BadResponse, match="Datadog"):
        check_errors(body, "query")


def test_error_objects_and_non_errors():
    assert error_messages({"errors": [{"title": "Forbidden", "detail": "no"}, 3, None]}) == (
        "Forbidden no",
        "3",
    )
    assert error_messages({"data": {}}) == ()
    assert error_messages("nope") == ()
    check_errors({"errors": []}, "query")  # an empty list is not an error
