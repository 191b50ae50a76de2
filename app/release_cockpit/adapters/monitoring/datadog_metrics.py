"""Datadog v2 metric queries, built and read as pure functions.

``POST /api/v2/query/timeseries`` and ``POST /api/v2/query/scalar``
(https://docs.datadoghq.com/api/latest/metrics/#query-timeseries-data-across-multiple-products)
take several named queries and formulas in one JSON:API body (``from``/``to`` in epoch
milliseconds), so one request serves every release line: either one query per service
(``per_service``) or one ``by {service}`` query whose series are split by their group tag
(``split_by_service``). Canary and baseline are two named queries of one request
(``canary_baseline``). Errors in the answer are read by ``datadog_parsing``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from release_cockpit.adapters.monitoring.datadog_parsing import as_number, check_errors
from release_cockpit.adapters.monitoring.promql import (
    SERVICE_PLACEHOLDER,
    samples_by_service,
    series_by_service,
)
from release_cockpit.adapters.payload import (
    as_dict,
    as_int,
    as_list,
    as_str,
    dig,
    require_dict,
)
from release_cockpit.adapters.query_results import QueryResult, Sample, Series
from release_cockpit.errors import BadResponse

# --- v2 metric queries: building ---------------------------------------------------------

TIMESERIES_PATH = "/api/v2/query/timeseries"
SCALAR_PATH = "/api/v2/query/scalar"

# Query names are referenced by formulas ("a / b * 100"), so they must be identifiers.
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
# Characters Datadog allows in a tag value (https://docs.datadoghq.com/getting_started/tagging/):
# a service name outside this set cannot be put in a scope without breaking the query.
_TAG_VALUE = re.compile(r"^[A-Za-z0-9_\-./:]+$")
_SCALAR_AGGREGATORS = frozenset(
    {"avg", "min", "max", "sum", "last", "area", "l2norm", "percentile"}
)


@dataclass(frozen=True, slots=True)
class MetricQuery:
    """One named metrics query: ``avg:trace.http.request.errors{service:checkout}``."""

    name: str
    query: str
    aggregator: str = "avg"  # only sent to the scalar endpoint, which requires one


@dataclass(frozen=True, slots=True)
class Formula:
    """A formula over query names (``errors / hits * 100``); ``alias`` names its output."""

    formula: str
    alias: str = ""


@dataclass(frozen=True, slots=True)
class QueryBatch:
    """Several queries (and formulas) sent as one request.

    ``outputs`` is what the answer is keyed by, in order: the answer's ``query_index`` is an
    index into the formulas when there are any, else into the queries (Datadog's
    TimeseriesResponseSeries.query_index). ``services`` maps an output to the service it
    measures when the batch was built per service.
    """

    queries: tuple[MetricQuery, ...]
    formulas: tuple[Formula, ...] = ()
    services: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.queries:
            raise ValueError("a Datadog query batch needs at least one query")
        names = [q.name for q in self.queries]
        for name in names:
            if not _NAME.match(name):
                raise ValueError(
                    f"{name!r} is not a valid Datadog query name "
                    "(a letter, then letters, digits or _)"
                )
        if len(set(names)) != len(names):
            raise ValueError(f"Datadog query names must be unique, got {names}")
        for query in self.queries:
            if query.aggregator not in _SCALAR_AGGREGATORS:
                raise ValueError(f"{query.aggregator!r} is not a Datadog scalar aggregator")

    @property
    def outputs(self) -> tuple[str, ...]:
        if self.formulas:
            return tuple(f.alias or f.formula for f in self.formulas)
        return tuple(q.name for q in self.queries)


def _ms(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("Datadog query times must be timezone-aware")
    return int(when.timestamp() * 1000)


def _attributes(batch: QueryBatch, start: datetime, end: datetime, scalar: bool) -> dict[str, Any]:
    if end <= start:
        raise ValueError("a Datadog query window must end after it starts")
    queries: list[dict[str, Any]] = []
    for query in batch.queries:
        item: dict[str, Any] = {"data_source": "metrics", "name": query.name, "query": query.query}
        if scalar:
            item["aggregator"] = query.aggregator
        queries.append(item)
    attributes: dict[str, Any] = {"from": _ms(start), "to": _ms(end), "queries": queries}
    if batch.formulas:
        attributes["formulas"] = [
            {"formula": f.formula, **({"alias": f.alias} if f.alias else {})}
            for f in batch.formulas
        ]
    return attributes


def timeseries_request(
    batch: QueryBatch, start: datetime, end: datetime, interval_seconds: float | None = None
) -> dict[str, Any]:
    """The JSON body of ``POST /api/v2/query/timeseries``.

    ``interval_seconds`` asks for that point spacing (sent in milliseconds); Datadog may
    widen it for long windows.

    Raises:
        ValueError: a naive datetime or an empty window.
    """
    attributes = _attributes(batch, start, end, scalar=False)
    if interval_seconds is not None:
        attributes["interval"] = max(1, int(interval_seconds * 1000))
    return {"data": {"type": "timeseries_request", "attributes": attributes}}


def scalar_request(batch: QueryBatch, start: datetime, end: datetime) -> dict[str, Any]:
    """The JSON body of ``POST /api/v2/query/scalar`` (one number per query and group).

    Raises:
        ValueError: a naive datetime or an empty window.
    """
    attributes = _attributes(batch, start, end, scalar=True)
    return {"data": {"type": "scalar_request", "attributes": attributes}}


def _check_service(service: str) -> str:
    if not _TAG_VALUE.match(service):
        raise ValueError(
            f"service {service!r} cannot be used in a Datadog tag scope "
            "(letters, digits and _ - . / : only)"
        )
    return service


def per_service(template: str, services: Sequence[str], aggregator: str = "avg") -> QueryBatch:
    """One named query per service (``s0``, ``s1``, ...) from a ``$service`` template.

    Safe for any query shape: each service gets its own query text, and the answer is
    keyed back to the service by query index, so no group tag is needed.

    Raises:
        ValueError: no placeholder, no services, or a name Datadog cannot scope by.
    """
    if SERVICE_PLACEHOLDER not in template:
        raise ValueError(f"the Datadog query template has no {SERVICE_PLACEHOLDER}")
    unique = list(dict.fromkeys(services))
    if not unique:
        raise ValueError("no services to query")
    queries = tuple(
        MetricQuery(f"s{i}", template.replace(SERVICE_PLACEHOLDER, _check_service(s)), aggregator)
        for i, s in enumerate(unique)
    )
    return QueryBatch(queries, services={f"s{i}": s for i, s in enumerate(unique)})


def service_scope(services: Sequence[str]) -> str:
    """``service IN (checkout,payments)``: a scope for one ``by {service}`` query.

    Datadog metric scopes take ``IN`` lists
    (https://docs.datadoghq.com/metrics/advanced-filtering/); a template written as
    ``...{$service} by {service}`` with this scope measures every service at once, and
    ``split_by_service`` sorts the answer back. Datadog does not mix the symbolic
    scope syntax with the functional one: write ``{$service AND env:prod}``, not
    ``{$service,env:prod}``.

    Raises:
        ValueError: no services, or a name Datadog cannot scope by.
    """
    unique = [_check_service(s) for s in dict.fromkeys(services)]
    if not unique:
        raise ValueError("no services to query")
    return f"service IN ({','.join(unique)})"


def canary_baseline(canary: str, baseline: str, aggregator: str = "avg") -> QueryBatch:
    """Canary and baseline as the two named queries ``canary`` and ``baseline`` of one request."""
    return QueryBatch(
        (MetricQuery("canary", canary, aggregator), MetricQuery("baseline", baseline, aggregator))
    )


# --- v2 metric queries: parsing ---------------------------------------------------------


def tag_labels(tags: Iterable[object]) -> dict[str, str]:
    """``["service:checkout", "env:prod"]`` -> labels; a bare tag ``foo`` -> ``{"foo": ""}``.

    A key that repeats keeps its first value (Datadog allows ``env:a`` and ``env:b`` on one
    monitor; a label map holds one value per key).
    """
    labels: dict[str, str] = {}
    for tag in tags:
        text = as_str(tag, 400)
        if not text:
            continue
        key, _, value = text.partition(":")
        labels.setdefault(key, value)
    return labels


def _unit_name(unit: object) -> str:
    """``[{short_name: "%"}, null]`` -> ``"%"``; ``[{bytes}, {second}]`` -> ``"B/s"``."""
    parts = [as_dict(u) for u in as_list(unit)]
    names = [as_str(p.get("short_name") or p.get("name"), 40) for p in parts]
    names = [n for n in names if n]
    return "/".join(names)


def _attributes_of(payload: object, what: str) -> dict[str, Any]:
    body = require_dict(payload, f"Datadog {what} answer")
    check_errors(body, what)
    attributes = dig(body, "data", "attributes")
    if not isinstance(attributes, dict):
        raise BadResponse(
            f"Datadog {what} answer has no data.attributes", hint="check the site and API path"
        )
    return attributes


@dataclass(frozen=True, slots=True)
class TimeseriesAnswer:
    """A timeseries answer split per output (formula or query name).

    ``series[output]`` holds one ``Series`` per group, labelled by its group tags, with
    null points dropped (Datadog sends null for "no data in this interval"); an output
    with no series at all maps to ``()``, which means no data, never a healthy zero.
    """

    series: Mapping[str, tuple[Series, ...]]
    units: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def latest(self, output: str) -> QueryResult:
        """The newest non-null point of each series of one output, as an instant result."""
        samples = tuple(
            Sample(one.labels, one.points[-1][1], one.points[-1][0])
            for one in self.series.get(output, ())
            if one.points
        )
        return QueryResult("datadog-timeseries", samples, self.notes)


def parse_timeseries(payload: object, outputs: Sequence[str]) -> TimeseriesAnswer:
    """``POST /api/v2/query/timeseries`` -> series per output.

    ``series[i]`` pairs with ``values[i]``; ``times`` (epoch ms) is shared by all. Times are
    returned in seconds like every other ``Series``. A series whose ``query_index`` is not
    one of ``outputs`` is reported in ``notes`` and skipped.

    Raises:
        BadResponse: an error body or no ``data.attributes``.
    """
    attributes = _attributes_of(payload, "timeseries query")
    times = [as_number(t) for t in as_list(attributes.get("times"))]
    found: dict[str, list[Series]] = {name: [] for name in outputs}
    units: dict[str, str] = {}
    notes: list[str] = []
    values = as_list(attributes.get("values"))
    for i, meta in enumerate(as_list(attributes.get("series"))):
        meta = as_dict(meta)
        index = as_int(meta.get("query_index"))
        if index is None and len(outputs) == 1:
            index = 0
        if index is None or not 0 <= index < len(outputs):
            notes.append(f"series {i} has query_index {meta.get('query_index')!r}; skipped")
            continue
        row = as_list(values[i]) if i < len(values) else []
        points: list[tuple[float, float]] = []
        for at, value in zip(times, row, strict=False):
            number = as_number(value)
            if at is not None and number is not None:
                points.append((at / 1000.0, number))
        output = outputs[index]
        found[output].append(Series(tag_labels(as_list(meta.get("group_tags"))), tuple(points)))
        unit = _unit_name(meta.get("unit"))
        if unit:
            units.setdefault(output, unit)
    return TimeseriesAnswer(
        {name: tuple(items) for name, items in found.items()}, units, tuple(notes)
    )


def parse_scalar(
    payload: object, outputs: Sequence[str], at: float = 0.0
) -> dict[str, QueryResult]:
    """``POST /api/v2/query/scalar`` -> one instant result per output.

    Columns of ``type: number`` are named after their formula or query and hold one value
    per group; ``type: group`` columns (named after the tag key) hold each group's tag
    values as a list, in the same row order. A null value (no data) is left out, so an
    output with no data is an empty result. ``at`` stamps the samples (the query's end).

    Raises:
        BadResponse: an error body or no ``data.attributes``.
    """
    attributes = _attributes_of(payload, "scalar query")
    columns = [as_dict(c) for c in as_list(attributes.get("columns"))]
    group_columns = [c for c in columns if c.get("type") == "group"]
    rows: list[dict[str, str]] = []
    for column in group_columns:
        keys = [k for k in as_str(column.get("name"), 200).split(",") if k]
        for r, cell in enumerate(as_list(column.get("values"))):
            while len(rows) <= r:
                rows.append({})
            cell_values = [as_str(v, 400) for v in (cell if isinstance(cell, list) else [cell])]
            for k, key in enumerate(keys):
                if k < len(cell_values):
                    # Tag values may come bare ("checkout") or as "service:checkout".
                    rows[r][key] = cell_values[k].removeprefix(f"{key}:")
    results: dict[str, QueryResult] = {}
    notes: list[str] = []
    for column in columns:
        if column.get("type") == "group":
            continue
        name = as_str(column.get("name"), 200)
        if name not in outputs:
            notes.append(f"column {name!r} is not one of the queries sent; skipped")
            continue
        samples: list[Sample] = []
        for r, value in enumerate(as_list(column.get("values"))):
            number = as_number(value)
            if number is not None:
                samples.append(Sample(rows[r] if r < len(rows) else {}, number, at))
        results[name] = QueryResult("datadog-scalar", tuple(samples))
    return {
        name: QueryResult(
            "datadog-scalar", results[name].samples if name in results else (), tuple(notes)
        )
        for name in outputs
    }


def by_service(answer: TimeseriesAnswer, batch: QueryBatch) -> dict[str, tuple[Series, ...]]:
    """A ``per_service`` batch's answer keyed by service instead of query name."""
    return {service: answer.series.get(name, ()) for name, service in batch.services.items()}


def split_by_service(
    series: Iterable[Series], services: Sequence[str]
) -> dict[str, tuple[Series, ...]]:
    """One ``by {service}`` query's series split by their ``service`` group tag.

    The same split as Prometheus templates (``promql.series_by_service``). Datadog stores
    tag values lower-cased, so configure service names in lower case.
    """
    return series_by_service(series, services)


def split_samples_by_service(
    result: QueryResult, services: Sequence[str]
) -> dict[str, QueryResult]:
    """A scalar (or ``latest``) result split by the ``service`` group tag."""
    split = samples_by_service(result.samples, services)
    return {
        s: QueryResult(result.result_type, items, result.warnings) for s, items in split.items()
    }
