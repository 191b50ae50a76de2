"""The Datadog endpoint (``/datadog``): v2 metric queries, v1 monitors, key checks, rate limits.

Wire formats as Datadog documents them (https://docs.datadoghq.com/api/latest/metrics/ and
https://docs.datadoghq.com/api/latest/monitors/), for the metrics the demo's Datadog line
reports (APM-style names, ``DATADOG_METRICS``):

- ``POST /api/v2/query/scalar`` and ``/api/v2/query/timeseries``: a JSON:API body with named
  queries (``<agg>:<metric>{<scope>} by {service}``, the scope's terms joined by ``AND``:
  ``service IN (a,b)``, ``service:a``, ``track:canary``, ``version:canary``) and formulas
  of the form ``a / b``; answers with ``group`` and ``number`` columns or ``series`` /
  ``times`` / ``values``; unknown metrics answer no series, as Datadog does. A scalar is the
  value at the window's end (the simulation has no use for averaging over it).
- ``GET /api/v1/monitor``: one monitor per alert rule and Datadog line, Alert when the
  simulated rule fires, else OK, with priority, tags and a templated message.
- ``GET /api/v2/validate_keys`` and ``/api/v1/validate``.
- Every answer needs both ``DD-API-KEY`` and ``DD-APPLICATION-KEY`` (403 otherwise) and
  carries ``X-RateLimit-*`` headers from a per-endpoint bucket.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from release_cockpit_demo.query_templates import Query, Signal
from release_cockpit_demo.scenarios import RUNBOOK_BASE
from release_cockpit_demo.wire import Request, Response, json_response
from release_cockpit_demo.world import Line, World

HITS = "trace.http.request.hits"
ERRORS = "trace.http.request.errors"
P99 = "trace.http.request.duration.by.service.99p"
REQUESTS_PER_INTERVAL = 600.0  # hits in each answer point: the error count is ratio x this

ERROR_RATIO_TEMPLATE = (
    f"errors = sum:{ERRORS}{{$service AND version:canary}} by {{service}}.as_count(); "
    f"hits = sum:{HITS}{{$service AND version:canary}} by {{service}}.as_count(); "
    "errors / hits as ratio"
)
P99_TEMPLATE = f"avg:{P99}{{$service AND version:canary}} by {{service}}"
P99_BY_TRACK_TEMPLATE = (
    f"canary = avg:{P99}{{$service AND track:canary}} by {{service}}; "
    f"baseline = avg:{P99}{{$service AND track:stable}} by {{service}}"
)
"""The Datadog line's signal templates, as the demo config writes them."""

RATE_LIMIT = 1200
RATE_PERIOD = 60
_BUCKETS = {
    "/api/v2/query/scalar": "query_scalar",
    "/api/v2/query/timeseries": "query_timeseries",
    "/api/v1/monitor": "monitors_list",
}
_QUERY = re.compile(
    r"^\s*(?P<agg>[a-z0-9]+):(?P<metric>[A-Za-z0-9_.]+)\{(?P<scope>[^}]*)\}"
    r"(?:\s*by\s*\{(?P<by>[^}]*)\})?(?P<count>\.as_count\(\))?\s*$"
)
_FORMULA = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(?:/\s*([A-Za-z][A-Za-z0-9_]*)\s*)?$")


class BadQuery(ValueError):
    """A request Datadog would answer with 400 and an ``errors`` list."""


def _errors(status: int, *messages: str) -> Response:
    return json_response(status, {"errors": list(messages)})


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One named query the demo evaluates: which metric, which services, which track."""

    name: str
    metric: str
    services: tuple[str, ...] | None  # None: every service
    track: str | None


def parse_metric_query(name: str, text: str) -> MetricQuery:
    """``sum:trace.http.request.errors{service IN (a,b) AND version:canary} by {service}``.

    Raises:
        BadQuery: not a query the demo can read.
    """
    match = _QUERY.match(text)
    if match is None:
        raise BadQuery(f"Error parsing query: unable to parse {text}")
    services: tuple[str, ...] | None = None
    track = None
    for term in re.split(r"\s+AND\s+", match["scope"].strip()):
        term = term.strip()
        found = re.fullmatch(r"service\s+IN\s*\(([^)]*)\)", term)
        if found:
            services = tuple(s.strip() for s in found[1].split(",") if s.strip())
        elif term.startswith("service:"):
            services = (term.removeprefix("service:"),)
        elif term.startswith("track:"):
            track = term.removeprefix("track:")
        elif term and term != "*" and ":" not in term:
            raise BadQuery(f"Error parsing query: unexpected scope term {term!r}")
    return MetricQuery(name, match["metric"], services, track)


def _value(line: Line, query: MetricQuery, at: float) -> float | None:
    """What one service reports for one query at ``at``; None for no data."""
    if query.metric in (HITS, ERRORS):
        samples = line.samples(Query.ERROR_RATIO, at)
        if not samples:
            return None  # the canary version does not report its requests
        ratio = samples[0][1]
        return REQUESTS_PER_INTERVAL * (ratio if query.metric == ERRORS else 1.0)
    if query.metric == P99:
        if query.track is None:
            samples = line.samples(Query.P99_LATENCY, at)
            return samples[0][1] if samples else None
        for labels, value in line.samples(Query.P99_BY_TRACK, at):
            if labels.get("track") == query.track:
                return value
        return None  # no traffic on that track
    return None


def _formula(text: str, values: dict[str, float | None]) -> float | None:
    match = _FORMULA.match(text)
    if match is None or match[1] not in values or (match[2] and match[2] not in values):
        raise BadQuery(f"Error parsing formula: the demo evaluates 'a' or 'a / b', got {text!r}")
    top = values[match[1]]
    if not match[2]:
        return top
    bottom = values[match[2]]
    if top is None or bottom is None or bottom == 0:
        return None
    return top / bottom


class DatadogRoutes:
    def __init__(self, world: World) -> None:
        self.world = world
        self.spent: dict[str, tuple[int, int]] = {}  # bucket -> (window, requests)

    def _limit_headers(self, path: str) -> tuple[tuple[str, str], ...]:
        bucket = _BUCKETS.get(path)
        if bucket is None:
            return ()
        now = self.world.now()
        window = int(now // RATE_PERIOD)
        seen, used = self.spent.get(bucket, (window, 0))
        used = used + 1 if seen == window else 1
        self.spent[bucket] = (window, used)
        reset = RATE_PERIOD - int(now % RATE_PERIOD)
        return (
            ("X-RateLimit-Limit", str(RATE_LIMIT)),
            ("X-RateLimit-Period", str(RATE_PERIOD)),
            ("X-RateLimit-Remaining", str(max(RATE_LIMIT - used, 0))),
            ("X-RateLimit-Reset", str(reset)),
            ("X-RateLimit-Name", bucket),
        )

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if not request.header("DD-API-KEY") or (
            path != "/api/v1/validate" and not request.header("DD-APPLICATION-KEY")
        ):
            return _errors(403, "Forbidden")
        headers = self._limit_headers(path)
        try:
            if path in ("/api/v2/query/scalar", "/api/v2/query/timeseries"):
                if request.method != "POST":
                    return _errors(405, "Method Not Allowed")
                answer = self._metrics(request, scalar=path.endswith("scalar"))
            elif path == "/api/v1/monitor" and request.method == "GET":
                answer = self._monitors(request)
            elif path == "/api/v2/validate_keys":
                answer = {"status": "ok"}
            elif path == "/api/v1/validate":
                answer = {"valid": True}
            else:
                return _errors(404, "Not found")
        except BadQuery as exc:
            return json_response(400, {"errors": [str(exc)]}, headers)
        return json_response(200, answer, headers)

    # --- metrics ---------------------------------------------------------------------

    def _metrics(self, request: Request, *, scalar: bool) -> object:
        try:
            body = json.loads(request.body or b"{}")
            attributes = body["data"]["attributes"]
            start = float(attributes["from"]) / 1000
            end = float(attributes["to"]) / 1000
            queries = [
                parse_metric_query(str(q["name"]), str(q["query"])) for q in attributes["queries"]
            ]
            formulas = [
                (str(f.get("alias") or f["formula"]), str(f["formula"]))
                for f in attributes.get("formulas") or []
            ]
            interval = float(attributes.get("interval") or 60_000) / 1000
        except (ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, BadQuery):
                raise
            raise BadQuery(f"API input validation failed: {type(exc).__name__}: {exc}") from None
        if end <= start:
            raise BadQuery("API input validation failed: 'to' must be after 'from'")
        wanted = {s for q in queries if q.services for s in q.services}
        every = any(q.services is None for q in queries)
        with self.world.lock:
            lines = [ln for ln in self.world.lines if every or ln.service in wanted]
            now = self.world.advance(lines) if lines else self.world.now()
            end = min(end, now)
            times = [end] if scalar else _steps(start, end, max(interval, 1.0))
            table = {
                line.service: [self._point(line, queries, formulas, at) for at in times]
                for line in lines
            }
        outputs = [alias for alias, _ in formulas] or [q.name for q in queries]
        if scalar:
            return _scalar(table, outputs)
        return _timeseries(table, outputs, times)

    @staticmethod
    def _point(
        line: Line, queries: Sequence[MetricQuery], formulas: Sequence[tuple[str, str]], at: float
    ) -> dict[str, float | None]:
        values = {
            q.name: _value(line, q, at)
            if q.services is None or line.service in q.services
            else None
            for q in queries
        }
        if not formulas:
            return values
        return {alias: _formula(text, values) for alias, text in formulas}

    # --- monitors --------------------------------------------------------------------

    def _monitors(self, request: Request) -> object:
        if (request.param("page") or "0") not in ("0", ""):
            return []
        with self.world.lock:
            now = self.world.advance()
            lines = [ln for ln in self.world.lines if ln.spec.health == "datadog"]
            return [m for ln in lines for m in _line_monitors(ln, now)]


def _steps(start: float, end: float, interval: float) -> list[float]:
    first = (start // interval + 1) * interval
    count = int((end - first) // interval) + 1 if end >= first else 0
    return [first + i * interval for i in range(min(count, 1500))]


def _scalar(table: dict[str, list[dict[str, float | None]]], outputs: list[str]) -> object:
    services = sorted(table)
    columns: list[dict[str, object]] = [
        {"name": "service", "type": "group", "values": [[s] for s in services]}
    ]
    for output in outputs:
        values = [table[s][0].get(output) if table[s] else None for s in services]
        columns.append({"name": output, "type": "number", "values": values, "meta": {"unit": None}})
    return {"data": {"type": "scalar_response", "attributes": {"columns": columns}}}


def _timeseries(
    table: dict[str, list[dict[str, float | None]]], outputs: list[str], times: list[float]
) -> object:
    series: list[dict[str, object]] = []
    values: list[list[float | None]] = []
    for index, output in enumerate(outputs):
        for service in sorted(table):
            row = [point.get(output) for point in table[service]]
            if all(v is None for v in row):
                continue  # Datadog leaves out a group with no data at all
            series.append(
                {"group_tags": [f"service:{service}"], "query_index": index, "unit": None}
            )
            values.append(row)
    attributes = {"series": series, "times": [int(t * 1000) for t in times], "values": values}
    return {"data": {"id": "0", "type": "timeseries_response", "attributes": attributes}}


_RULES = (
    (Signal.ERROR_RATIO, "5xx ratio high", 1, "high-error-rate", "5xx ratio on the canary"),
    (Signal.P99_LATENCY, "p99 latency high", 3, "slow-requests", "p99 latency"),
)
"""(signal, monitor name, priority, runbook page, what the message says is too high)."""


def _iso(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).isoformat().replace("+00:00", "Z")


def _line_monitors(line: Line, now: float) -> list[dict[str, object]]:
    """A line's monitors as ``GET /api/v1/monitor`` lists them (MonitorOverallStates)."""
    found = []
    for offset, (signal, title, priority, runbook, text) in enumerate(_RULES):
        since = line.firing_since(signal, now)
        service = line.service
        found.append(
            {
                "id": 7_000_000 + line.spec.index * 10 + offset,
                "name": f"{service} {title}",
                "type": "query alert",
                "query": f"avg(last_5m):avg:{P99 if offset else ERRORS}{{service:{service}}} > 0",
                "message": (
                    f"{{{{#is_alert}}}}{text} of {service} is above its threshold."
                    "{{/is_alert}}"
                    f"{{{{#is_recovery}}}}Recovered.{{{{/is_recovery}}}}\n"
                    f"Runbook: {RUNBOOK_BASE}/{service}/{runbook}\n"
                    f"@pagerduty-{line.spec.team}"
                ),
                "tags": [
                    f"service:{service}",
                    f"env:{line.spec.environment}",
                    f"team:{line.spec.team}",
                ],
                "options": {"silenced": {}, "notify_no_data": True},
                "priority": priority,
                "overall_state": "Alert" if since is not None else "OK",
                "overall_state_modified": _iso(since if since is not None else line.created_at),
                "matching_downtimes": [],
                "multi": False,
                "created": _iso(line.created_at),
            }
        )
    return found
