"""Loki metric queries (LogQL ``rate``, ``count_over_time``, ``sum by``) as pure functions.

``GET /loki/api/v1/query`` and ``/loki/api/v1/query_range`` answer in Prometheus's envelope
(``{status, data{resultType, result}}``) plus ``data.stats`` and optional ``warnings``, and
metric samples are ``[<unix seconds>, "<value>"]`` exactly as in Prometheus, so the
Prometheus parser reads them (imported, not copied). What differs:

- a log query answers ``resultType: "streams"`` (log lines, nanosecond string timestamps),
  which is no signal: it is refused with a message that says how to make it one;
- errors are plain text bodies (400 for a bad query or a limit, 499/504/500 otherwise),
  not a JSON error envelope.

API: https://grafana.com/docs/loki/latest/reference/loki-http-api/ ; LogQL metric queries:
https://grafana.com/docs/loki/latest/query/metric_queries/
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from release_cockpit.adapters.monitoring import prometheus
from release_cockpit.adapters.monitoring.promql import service_regex
from release_cockpit.adapters.payload import as_str, dig
from release_cockpit.adapters.query_results import QueryResult, Series
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import AdapterError, BadResponse, Timeout

QUERY_PATH = "/loki/api/v1/query"
QUERY_RANGE_PATH = "/loki/api/v1/query_range"
TENANT_HEADER = "X-Scope-OrgID"

LOG_QUERY_HINT = "a log query, not a metric query: wrap it in rate(...)"
_LOG_QUERY = (
    "Loki answered log lines (resultType streams) for the signal's query: "
    f'{LOG_QUERY_HINT}, e.g. sum(rate({{app="x"}} |= "error" [5m]))'
)


def _refuse_streams(payload: object) -> None:
    if dig(payload, "data", "resultType") == "streams":
        raise BadResponse(_LOG_QUERY, hint=LOG_QUERY_HINT)


def _as_loki(exc: BadResponse) -> BadResponse:
    """The Prometheus parser's error, worded for Loki."""
    return BadResponse(exc.message.replace("Prometheus", "Loki"), hint=exc.hint)


def parse_query(payload: object) -> QueryResult:
    """An instant metric query answer -> samples (vector, scalar; matrix -> last points).

    Warnings (top-level ``warnings``) come back in ``QueryResult.warnings``; ``data.stats``
    is ignored.

    Raises:
        BadResponse: a log-lines answer, an error envelope or a malformed result.
    """
    _refuse_streams(payload)
    try:
        return prometheus.parse_query(payload)
    except BadResponse as exc:
        raise _as_loki(exc) from None


def parse_range(payload: object) -> tuple[Series, ...]:
    """A range metric query answer (a matrix) -> one series per label set.

    An empty label set (``sum(...)`` without ``by``) is a valid series.

    Raises:
        BadResponse: a log-lines answer, an error envelope, a non-matrix or bad points.
    """
    _refuse_streams(payload)
    try:
        return prometheus.parse_range(payload)
    except BadResponse as exc:
        raise _as_loki(exc) from None


def error_for(status: int, body: bytes | str) -> AdapterError:
    """Loki's plain-text error body as our error type.

    400 is the query's fault (parse error, a limit, or a log query sent as an instant
    query); 499 and 504 are timeouts or cancellations; anything else is a backend failure.
    """
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = clean_text(" ".join(text.split()), 500) or f"HTTP {status} with no message"
    if status in (499, 504):
        return Timeout(
            f"Loki gave up on the query ({status}): {text}",
            hint="shorten the range or the [window], or raise Loki's query timeout",
        )
    if status == 400:
        if "log queries are not supported as an instant query" in text or "log query" in text:
            return BadResponse(f"Loki refused the query: {text}", hint=LOG_QUERY_HINT)
        return BadResponse(
            f"Loki refused the query: {text}",
            hint="check the signal's LogQL in the config (try it in Grafana Explore)",
        )
    return BadResponse(f"Loki failed ({status}): {text}", hint="check Loki's health (/ready)")


# --- LogQL helpers ---------------------------------------------------------------------

_SELECTOR = re.compile(r"^\{\s*(.*?)\s*\}$", re.DOTALL)
_LABEL = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RANGE = re.compile(r"^\d+(ms|s|m|h|d|w|y)$")


def logql_string(value: str) -> str:
    """A double-quoted LogQL string (Go syntax: backslash and quote escaped)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def with_matcher(selector: str, label: str, value: str) -> str:
    """``{app="checkout"}`` + ``track``, ``canary`` -> ``{app="checkout", track="canary"}``.

    Raises:
        ValueError: not a bare stream selector, or not a label name.
    """
    match = _SELECTOR.match(selector.strip())
    if match is None:
        raise ValueError(f'{selector!r} is not a LogQL stream selector like {{app="checkout"}}')
    if not _LABEL.match(label):
        raise ValueError(f"{label!r} is not a LogQL label name")
    inner = match.group(1).rstrip(", ")
    added = f"{label}={logql_string(value)}"
    return "{" + (f"{inner}, {added}" if inner else added) + "}"


def error_rate_query(
    selector: str,
    *,
    errors: str = '|~ "(?i)error"',
    window: str = "5m",
    by: Sequence[str] = (),
) -> str:
    """The share of log lines that are errors: ``sum(rate(errors)) / sum(rate(all))``.

    ``errors`` is a LogQL line filter or parser stage (``|= "level=error"``,
    ``| json | status >= 500``); ``by`` keeps labels (``service``, ``track``) so one query
    can be split per service or per track. A window with no lines at all divides by zero
    and yields no sample, which reads as no data, never as 0% errors.

    Raises:
        ValueError: a bad selector, window or label.
    """
    if not _SELECTOR.match(selector.strip()):
        raise ValueError(f'{selector!r} is not a LogQL stream selector like {{app="checkout"}}')
    if not _RANGE.match(window):
        raise ValueError(f"{window!r} is not a LogQL range like 5m")
    for label in by:
        if not _LABEL.match(label):
            raise ValueError(f"{label!r} is not a LogQL label name")
    grouping = f" by ({', '.join(by)})" if by else ""
    stream = selector.strip()
    errors_part = f"sum{grouping} (rate({stream} {errors.strip()} [{window}]))"
    total_part = f"sum{grouping} (rate({stream} [{window}]))"
    return f"{errors_part} / {total_part}"


def canary_baseline_error_rate(
    selector: str,
    *,
    track_label: str = "track",
    canary: str = "canary",
    baseline: str = "baseline",
    errors: str = '|~ "(?i)error"',
    window: str = "5m",
) -> str:
    """One query for both populations: the error rate ``by (<track_label>)`` over the
    canary's and the baseline's streams, so one request per poll serves the comparison;
    split the answer with ``by_track``.

    Raises:
        ValueError: a bad selector, window or label.
    """
    alternation = service_regex((canary, baseline))  # RE2-escaped, as for PromQL templates
    scoped = with_matcher(selector, track_label, "__placeholder__").replace(
        f'{track_label}="__placeholder__"', f"{track_label}=~{logql_string(alternation)}"
    )
    return error_rate_query(scoped, errors=errors, window=window, by=(track_label,))


def by_track(
    result: QueryResult,
    *,
    track_label: str = "track",
    canary: str = "canary",
    baseline: str = "baseline",
) -> tuple[float | None, float | None]:
    """(canary, baseline) values of a ``canary_baseline_error_rate`` answer; None when a
    population has no sample (no lines in the window: no data)."""
    values: dict[str, float] = {}
    for sample in result.samples:
        values.setdefault(sample.labels.get(track_label, ""), sample.value)
    return values.get(canary), values.get(baseline)


def tenant_headers(tenant: str) -> dict[str, str]:
    """``X-Scope-OrgID`` for a multi-tenant Loki (several tenants: ``a|b``)."""
    return {TENANT_HEADER: as_str(tenant, 200)} if tenant else {}
