"""Datadog: sites, auth headers, rate limits and error bodies, as pure functions.

Nothing here does I/O: an adapter class builds the request with these functions, sends it
through the shared HTTP layer and hands the JSON back to the parsers.

- Sites: one API host per Datadog site (the "API endpoint" table on every API page, e.g.
  https://docs.datadoghq.com/api/latest/metrics/query-timeseries-data-across-multiple-products/).
- Errors: ``{"errors": ["..."]}`` with 400/403/404 (and 429), for v1 and v2 alike.
- Metric queries are built and read in ``datadog_metrics.py``, monitors (an alert source)
  in ``datadog_monitors.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from release_cockpit.adapters.payload import (
    as_dict,
    as_int,
    as_list,
    as_str,
)
from release_cockpit.errors import BadResponse

# --- sites and headers -------------------------------------------------------------------

API_KEY_HEADER = "DD-API-KEY"
APP_KEY_HEADER = "DD-APPLICATION-KEY"

# Site name (as Datadog's docs and the agent's DD_SITE spell it) and its short alias -> API
# host. The "API endpoint" table of every page at https://docs.datadoghq.com/api/latest/
# lists these nine; US1-FED is ddog-gov.com. Getting a site wrong gives 403 with a valid
# key, which looks like a permissions problem, so an unknown site is refused up front.
_SITES: dict[str, str] = {
    "datadoghq.com": "api.datadoghq.com",
    "us3.datadoghq.com": "api.us3.datadoghq.com",
    "us5.datadoghq.com": "api.us5.datadoghq.com",
    "datadoghq.eu": "api.datadoghq.eu",
    "ap1.datadoghq.com": "api.ap1.datadoghq.com",
    "ap2.datadoghq.com": "api.ap2.datadoghq.com",
    "uk1.datadoghq.com": "api.uk1.datadoghq.com",
    "ddog-gov.com": "api.ddog-gov.com",
    "us2.ddog-gov.com": "api.us2.ddog-gov.com",
}
_ALIASES: dict[str, str] = {
    "us1": "datadoghq.com",
    "us3": "us3.datadoghq.com",
    "us5": "us5.datadoghq.com",
    "eu": "datadoghq.eu",
    "eu1": "datadoghq.eu",
    "ap1": "ap1.datadoghq.com",
    "ap2": "ap2.datadoghq.com",
    "uk1": "uk1.datadoghq.com",
    "us1-fed": "ddog-gov.com",
    "gov": "ddog-gov.com",
    "us2-fed": "us2.ddog-gov.com",
}


def known_sites() -> tuple[str, ...]:
    """Every accepted site name, for the config error's hint."""
    return (*_SITES, *_ALIASES)


def api_base_url(site: str) -> str:
    """``https://api.<site>`` for a Datadog site.

    Accepts the site (``datadoghq.eu``), its alias (``eu``, ``us1-fed``) or a URL copied
    from the browser (``https://app.datadoghq.eu``, ``api.us5.datadoghq.com``).

    Raises:
        ValueError: not a Datadog site; the message lists the accepted ones.
    """
    text = site.strip().lower().removeprefix("https://").removeprefix("http://").rstrip("/")
    text = _ALIASES.get(text, text)
    for prefix in ("app.", "api."):
        if text.startswith(prefix) and text.removeprefix(prefix) in _SITES:
            text = text.removeprefix(prefix)
    host = _SITES.get(text)
    if host is None:
        raise ValueError(f"{site!r} is not a Datadog site; use one of: {', '.join(known_sites())}")
    return f"https://{host}"


def auth_headers(api_key: str, application_key: str) -> dict[str, str]:
    """Both keys: reads need the application key as well as the API key
    (https://docs.datadoghq.com/api/latest/authentication/)."""
    return {API_KEY_HEADER: api_key, APP_KEY_HEADER: application_key}


# --- rate limits and errors -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Datadog's ``X-RateLimit-*`` headers (https://docs.datadoghq.com/api/latest/rate-limits/).

    ``reset_seconds`` is seconds until the window resets (not an epoch); ``period_seconds``
    the window length; ``name`` the limit bucket (limits differ per endpoint).
    """

    limit: int | None
    period_seconds: int | None
    remaining: int | None
    reset_seconds: float | None
    name: str = ""


def parse_rate_limit(headers: Mapping[str, str]) -> RateLimit | None:
    """The rate-limit headers of one answer, or None when it carries none.

    Header names are matched case-insensitively (recordings show them lower-cased).
    """
    lowered = {str(k).lower(): str(v).strip() for k, v in headers.items()}

    def header(name: str) -> int | None:
        return as_int(lowered.get(f"x-ratelimit-{name}"))

    keys = ("limit", "period", "remaining", "reset", "name")
    if not any(f"x-ratelimit-{k}" in lowered for k in keys):
        return None
    reset = lowered.get("x-ratelimit-reset")
    try:
        reset_seconds = float(reset) if reset else None
    except ValueError:
        reset_seconds = None
    if reset_seconds is not None and not math.isfinite(reset_seconds):
        reset_seconds = None
    return RateLimit(
        limit=header("limit"),
        period_seconds=header("period"),
        remaining=header("remaining"),
        reset_seconds=max(0.0, reset_seconds) if reset_seconds is not None else None,
        name=as_str(lowered.get("x-ratelimit-name"), 100),
    )


def error_messages(payload: object) -> tuple[str, ...]:
    """The messages of Datadog's ``{"errors": [...]}`` body; () when it is not one.

    v1 and v2 send strings; JSON:API-style objects (``{"title", "detail"}``) are read too.
    """
    messages: list[str] = []
    for item in as_list(as_dict(payload).get("errors")):
        if isinstance(item, dict):
            text = " ".join(
                t for t in (as_str(item.get("title"), 200), as_str(item.get("detail"), 500)) if t
            )
        else:
            text = as_str(item, 500)
        if text:
            messages.append(text)
    return tuple(messages)


def check_errors(payload: object, what: str) -> None:
    """Raise for an error body, whatever the HTTP status said.

    Raises:
        BadResponse: the body carries ``errors``.
    """
    messages = error_messages(payload)
    if messages:
        raise BadResponse(
            f"Datadog {what} failed: {'; '.join(messages)}",
            hint="check the query and that the keys have the timeseries_query / monitors_read "
            "permissions",
        )


def as_number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
