"""Prometheus as a health source: instant and range PromQL queries over the HTTP API.

Wire contract: the HTTP API (https://prometheus.io/docs/prometheus/latest/querying/api/):
envelope, result types and errors.
Queries are POSTed as forms so long PromQL never hits URL-length limits (a batched
template for hundreds of services is several kilobytes). Templates: ``promql.py``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any, ClassVar

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import HealthSource
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, attributed, json_client
from release_cockpit.adapters.monitoring.promql import ServiceLabelBatching
from release_cockpit.adapters.payload import as_dict, as_list, as_str, clean_labels, require_dict
from release_cockpit.adapters.query_results import QueryResult, Sample, Series
from release_cockpit.errors import BadResponse


def _check_envelope(payload: object) -> dict[str, Any]:
    """The ``data`` object of a success envelope.

    Raises:
        BadResponse: an error envelope (even with HTTP 200) or no data.
    """
    body = require_dict(payload, "Prometheus answer")
    if body.get("status") != "success":
        kind = as_str(body.get("errorType"), 60) or "error"
        text = as_str(body.get("error"), 500) or "no error text"
        raise BadResponse(
            f"Prometheus query failed: {kind}: {text}",
            hint="check the signal's query in the config (try it in the Prometheus UI)",
        )
    data = body.get("data")
    if not isinstance(data, dict):
        raise BadResponse("Prometheus answer has no 'data' object", hint="check the API URL")
    return data


_REFUSED = frozenset({400, 422})
"""Prometheus answers a query it cannot parse with 400 ``bad_data`` and one it cannot
run with 422 ``execution`` (https://prometheus.io/docs/prometheus/latest/querying/api/#format-overview);
both carry its own explanation, read here rather than as a generic HTTP error."""
_PARAMETER = re.compile(r'^invalid parameter "query": ')


def refusal(status: int, body: object) -> BadResponse:
    """The error for a query Prometheus refused: "does not parse" for a syntax error, in
    Prometheus's own words (``1:16: parse error: unclosed left parenthesis``).

    ``body`` is the raw answer (bytes) or its decoded JSON.
    """
    payload: object = body
    if isinstance(body, bytes | str):
        try:
            payload = json.loads(body)
        except ValueError:
            payload = {}
    envelope = as_dict(payload)
    kind = as_str(envelope.get("errorType"), 60) or f"HTTP {status}"
    text = _PARAMETER.sub("", as_str(envelope.get("error"), 500)) or "no error text"
    if kind == "bad_data" and "parse error" in text:
        return BadResponse(
            f"the query does not parse: {text}",
            hint="fix the query in the config; Prometheus's expression browser (/graph) "
            "shows where",
        )
    return BadResponse(
        f"Prometheus refused the query ({kind}): {text}",
        hint="fix the query in the config (try it in Prometheus's expression browser)",
    )


def _notes(payload: object) -> tuple[str, ...]:
    body = as_dict(payload)
    warnings = [as_str(w, 500) for w in as_list(body.get("warnings"))]
    infos = [f"info: {as_str(i, 500)}" for i in as_list(body.get("infos"))]
    return tuple(w for w in (*warnings, *infos) if w and w != "info: ")


def _point(pair: object, what: str) -> tuple[float, float]:
    """``[<unix seconds>, "<value>"]`` -> (time, value); values are strings so NaN/Inf work.

    Raises:
        BadResponse: not a pair of a number and a numeric string.
    """
    if not isinstance(pair, list) or len(pair) != 2:
        raise BadResponse(f"Prometheus {what}: expected [time, value], got {pair!r:.80}")
    at, value = pair
    try:
        return float(at), float(value)
    except (TypeError, ValueError):
        raise BadResponse(f"Prometheus {what}: {value!r:.40} is not a number") from None


def parse_query(payload: object) -> QueryResult:
    """An instant query answer -> samples, whatever the result type.

    vector: one sample per series; matrix: the last point of each series; scalar: one
    unlabelled sample; string: one sample when it holds a number. Native-histogram
    samples (``histogram``/``histograms`` instead of values) are skipped: a signal needs
    one number. Warnings and infos come back in ``warnings``.

    Raises:
        BadResponse: an error envelope or a malformed result.
    """
    data = _check_envelope(payload)
    result_type = as_str(data.get("resultType"), 40)
    result = data.get("result")
    notes = list(_notes(payload))
    samples: list[Sample] = []
    if result_type in ("scalar", "string"):
        if result_type == "string":
            try:
                at, value = _point(result, "string result")
            except BadResponse:
                text = result[-1] if isinstance(result, list) and result else result
                notes.append(f"string result {as_str(text, 80)!r} is not a number")
                return QueryResult(result_type, (), tuple(notes))
        else:
            at, value = _point(result, "scalar result")
        samples.append(Sample({}, value, at))
    elif result_type in ("vector", "matrix"):
        for series in as_list(result):
            if not isinstance(series, dict):
                continue
            labels = clean_labels(series.get("metric"))
            if result_type == "vector":
                if "value" not in series:
                    continue
                at, value = _point(series["value"], "vector sample")
            else:
                values = as_list(series.get("values"))
                if not values:
                    continue
                at, value = _point(values[-1], "matrix sample")
            samples.append(Sample(labels, value, at))
    else:
        notes.append(f"unknown result type {result_type!r}; no value read")
    return QueryResult(result_type, tuple(samples), tuple(notes))


def parse_range(payload: object) -> tuple[Series, ...]:
    """A range query answer (a matrix) -> one series per label set.

    Raises:
        BadResponse: an error envelope, a result that is not a matrix, or bad points.
    """
    data = _check_envelope(payload)
    if data.get("resultType") != "matrix":
        raise BadResponse(
            f"Prometheus range query returned {as_str(data.get('resultType'), 40)!r}, not a matrix"
        )
    series: list[Series] = []
    for item in as_list(data.get("result")):
        if not isinstance(item, dict):
            continue
        points = tuple(_point(p, "range sample") for p in as_list(item.get("values")))
        series.append(Series(clean_labels(item.get("metric")), points))
    return tuple(series)


def _seconds(when: datetime) -> str:
    return f"{when.timestamp():.3f}"


class Prometheus(ServiceLabelBatching, HealthSource):
    """A Prometheus-compatible query API (Prometheus, Thanos Querier, Mimir, VictoriaMetrics)."""

    TYPE: ClassVar[str] = "prometheus"
    http: HttpClient
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {**HTTP_OPTIONS}

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        self.http = json_client(settings, transport=transport)

    async def query(self, query: str, at: datetime | None = None) -> QueryResult:
        """Evaluate ``query`` now (or at ``at``) with ``POST /api/v1/query``.

        Raises:
            BadResponse: the error envelope (bad_data, execution, timeout, ...).
            AdapterError: any other backend failure.
        """
        form = {"query": query}
        if at is not None:
            form["time"] = _seconds(at)
        with attributed(self.name):
            answer = await self.http.post_form("/api/v1/query", form, allow=_REFUSED)
            if answer.status in _REFUSED:
                raise refusal(answer.status, answer.data)
            return parse_query(answer.data)

    async def query_range(
        self, query: str, start: datetime, end: datetime, step_seconds: float
    ) -> tuple[Series, ...]:
        """Evaluate ``query`` over [start, end] every ``step_seconds`` (``/api/v1/query_range``).

        Raises:
            BadResponse: the error envelope or a non-matrix answer.
            AdapterError: any other backend failure.
        """
        form = {
            "query": query,
            "start": _seconds(start),
            "end": _seconds(end),
            "step": f"{step_seconds:g}",
        }
        with attributed(self.name):
            answer = await self.http.post_form("/api/v1/query_range", form, allow=_REFUSED)
            if answer.status in _REFUSED:
                raise refusal(answer.status, answer.data)
            return parse_range(answer.data)

    async def probe(self) -> ProbeResult:
        """GET /-/ready: 200 once Prometheus serves queries, 503 while it starts or stops.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            response = await self.http.send("GET", "/-/ready")
            return as_str(response.text, 200).strip() or "ready"

        return await run_probe(self.http, check, api_path="/api/v1")
