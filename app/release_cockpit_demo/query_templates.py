"""The demo world's health queries: its two signals and the PromQL templates it answers.

The generated cockpit config writes these queries and the Prometheus endpoint recognises
exactly them (``match_query``), so both sides agree on one definition.
"""

from __future__ import annotations

import re
from enum import Enum


class Signal(Enum):
    """The two health metrics every demo service has; ``metrics`` computes their values."""

    ERROR_RATIO = "error-ratio"
    P99_LATENCY = "p99-latency"


class Query(Enum):
    """The PromQL templates the demo Prometheus evaluates; the demo config uses exactly these.

    Each is a ``$service`` template (README "Query templates"): the cockpit sends one query
    for all services, with ``service=~"a|b|c"``, and every answer series carries the
    ``service`` label. ERROR_RATIO and P99_LATENCY select the canary track; P99_BY_TRACK
    also keeps ``track`` and answers one series per service and track that has traffic.
    """

    ERROR_RATIO = "error-ratio"
    P99_LATENCY = "p99-latency"
    P99_BY_TRACK = "p99-by-track"

    @property
    def signal(self) -> Signal:
        """The metric the query measures."""
        return Signal.ERROR_RATIO if self is Query.ERROR_RATIO else Signal.P99_LATENCY

    @property
    def template(self) -> str:
        return _TEMPLATES[self]

    def query(self, *services: str) -> str:
        """The query the cockpit sends for ``services``: an escaped regex alternation."""
        alternation = "|".join(_REGEX_META.sub(r"\\\1", name) for name in services)
        # Inside a PromQL double-quoted string a backslash is an escape: double it.
        return self.template.replace(_SERVICE, alternation.replace("\\", "\\\\"))


# The label values of the per-track query's series.
CANARY_TRACK = "canary"
STABLE_TRACK = "stable"

_SERVICE = "$service"
_REGEX_META = re.compile(r"([\\.+*?()|\[\]{}^$])")
_TEMPLATES = {
    Query.ERROR_RATIO: (
        'sum by (service) (rate(http_requests_total{service=~"$service",track="canary",'
        'code=~"5.."}[1m])) / sum by (service) (rate(http_requests_total'
        '{service=~"$service",track="canary"}[1m]))'
    ),
    Query.P99_LATENCY: (
        "histogram_quantile(0.99, sum by (le, service) (rate("
        'http_request_duration_seconds_bucket{service=~"$service",track="canary"}[5m])))'
    ),
    Query.P99_BY_TRACK: (
        "histogram_quantile(0.99, sum by (le, service, track) (rate("
        'http_request_duration_seconds_bucket{service=~"$service"}[5m])))'
    ),
}


# A double-quoted PromQL string's content: anything but a quote, backslash escapes included.
_SELECTOR_VALUE = r'(?P<services>(?:[^"\\]|\\.)*)'


def _pattern(template: str) -> re.Pattern[str]:
    # Whitespace is insignificant in PromQL between tokens; compare with all of it removed.
    squeezed = "".join(template.split())
    # The selector appears more than once; later mentions must select the same services.
    escaped = re.escape(squeezed).replace(re.escape(_SERVICE), _SELECTOR_VALUE, 1)
    return re.compile(escaped.replace(re.escape(_SERVICE), "(?P=services)"))


_PATTERNS = {query: _pattern(query.template) for query in Query}


def _unquote(text: str) -> str:
    """A PromQL double-quoted string's content without its escapes (``\\\\`` -> ``\\``)."""
    return re.sub(r"\\(.)", r"\1", text)


def match_query(text: str) -> tuple[Query, str] | None:
    """Which template a query follows and the service regex it selects, or None.

    The regex is the matcher's value as Prometheus sees it (string escapes removed); it is
    anchored when evaluated, as Prometheus anchors ``=~``.
    """
    squeezed = "".join(text.split())
    for query, pattern in _PATTERNS.items():
        match = pattern.fullmatch(squeezed)
        if match:
            return query, _unquote(match.group("services"))
    return None
