"""Datadog metrics as a health source: the v2 scalar and timeseries query APIs.

Wire contract: ``POST /api/v2/query/scalar`` (a signal's current value: each query reduced
over the last ``window`` by ``aggregator``) and ``POST /api/v2/query/timeseries``
(sparklines, backfill and canary-vs-baseline windows), both with several named queries
and formulas in one JSON:API body
(https://docs.datadoghq.com/api/latest/metrics/#query-scalar-data-across-multiple-products).
The query text a signal holds, and how a ``$service`` template becomes one request for
every service, is in ``datadog_queries.py``; request bodies and answers in
``datadog_metrics.py``; site, keys and rate limits in ``datadog_api.py``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec, SecretSpec
from release_cockpit.adapters.base import Feature, HealthSource
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.http import HttpClient, attributed
from release_cockpit.adapters.monitoring import datadog_api, datadog_queries
from release_cockpit.adapters.monitoring.datadog_metrics import (
    SCALAR_PATH,
    TIMESERIES_PATH,
    parse_scalar,
    parse_timeseries,
    scalar_request,
    timeseries_request,
)
from release_cockpit.adapters.monitoring.datadog_queries import (
    Batch,
    SignalQuery,
    literal_batch,
    parse_signal_query,
    service_batch,
)
from release_cockpit.adapters.monitoring.promql import samples_by_service, series_by_service
from release_cockpit.adapters.query_results import QueryResult, Series
from release_cockpit.domain import parse_duration
from release_cockpit.errors import BadResponse, ConfigError

_AGGREGATORS = ("avg", "min", "max", "sum", "last", "area", "l2norm", "percentile")


class Datadog(HealthSource):
    """Datadog metrics (v2 query API): named queries and formulas, batched across services."""

    TYPE: ClassVar[str] = "datadog"
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **datadog_api.OPTIONS,
        "window": OptionSpec(
            str,
            "how far back a signal's current value looks: each query is reduced over this "
            "window by the aggregator (Datadog's metrics arrive a minute or two late)",
            "5m",
        ),
        "aggregator": OptionSpec(
            str, f"how a query is reduced to one value: {', '.join(_AGGREGATORS)}", "avg"
        ),
    }
    SECRETS: ClassVar[tuple[SecretSpec, ...]] = datadog_api.SECRETS
    FEATURES = frozenset({Feature.BATCHING})

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        problems = []
        try:
            window = parse_duration(str(self.options["window"]))
        except ValueError as exc:
            problems.append(settings.problem("window", str(exc), 'e.g. window = "5m"'))
            window = timedelta(minutes=5)
        if window <= timedelta(0):
            problems.append(settings.problem("window", "must be longer than 0", 'e.g. "5m"'))
        aggregator = str(self.options["aggregator"])
        if aggregator not in _AGGREGATORS:
            problems.append(
                settings.problem(
                    "aggregator", f"unknown aggregator {aggregator!r}", ", ".join(_AGGREGATORS)
                )
            )
        if problems:
            raise ConfigError(problems)
        self.window = window
        self.aggregator = aggregator
        self.api = datadog_api.DatadogApi(settings, transport=transport)
        self.http: HttpClient = self.api.http

    @classmethod
    def base_url(cls, options: Mapping[str, Any]) -> str | None:
        return datadog_api.site_url(options)

    @classmethod
    def query_problems(cls, query: str) -> list[str]:
        return datadog_queries.signal_problems(query)

    def rate_limit_remaining(self) -> int | None:
        """Requests left in the scarcest of Datadog's per-endpoint buckets."""
        return self.api.remaining()

    def _parse(self, query: str) -> SignalQuery:
        try:
            return parse_signal_query(query, self.aggregator)
        except ValueError as exc:
            raise BadResponse(
                f"{self.name}: the signal's Datadog query cannot be sent: {exc}",
                backend=self.name,
                hint="fix the signal's query in the config (see README, Datadog queries)",
            ) from None

    async def _scalar(self, batch: Batch, at: datetime | None) -> QueryResult:
        end = at or datetime.now(UTC)
        body = scalar_request(batch.request, end - self.window, end)
        answer = await self.api.post(SCALAR_PATH, body)
        found = parse_scalar(answer.data, batch.sent, at=end.timestamp())
        return datadog_queries.samples_of(batch, found)

    async def _timeseries(
        self, batch: Batch, start: datetime, end: datetime, step_seconds: float
    ) -> tuple[Series, ...]:
        body = timeseries_request(batch.request, start, end, step_seconds)
        answer = await self.api.post(TIMESERIES_PATH, body)
        parsed = parse_timeseries(answer.data, batch.sent)
        return datadog_queries.series_of(batch, parsed.series)

    async def query(self, query: str, at: datetime | None = None) -> QueryResult:
        """The signal's current value: ``POST /api/v2/query/scalar`` over ``window``.

        Raises:
            BadResponse: a query the config should not have let through, or Datadog's
                ``errors`` body.
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            return await self._scalar(literal_batch(self._parse(query)), at)

    async def query_range(
        self, query: str, start: datetime, end: datetime, step_seconds: float
    ) -> tuple[Series, ...]:
        """Series over [start, end] every ``step_seconds`` (``/api/v2/query/timeseries``).

        Raises:
            BadResponse: a bad query or Datadog's ``errors`` body.
            AdapterError: any other backend failure.
        """
        with attributed(self.name):
            return await self._timeseries(
                literal_batch(self._parse(query)), start, end, step_seconds
            )

    def _batch(self, template: str, services: Sequence[str]) -> Batch:
        try:
            return service_batch(self._parse(template), services)
        except ValueError as exc:
            raise BadResponse(
                f"{self.name}: {exc}",
                backend=self.name,
                hint="Datadog stores tags in lower case: name the service as its tag reads",
            ) from None

    async def query_services(
        self, template: str, services: Sequence[str], at: datetime | None = None
    ) -> dict[str, QueryResult]:
        """One scalar request for every service of a ``$service`` template, split by the
        ``service`` label; a service without data gets an empty result (no data).

        Raises:
            BadResponse: a bad query or Datadog's ``errors`` body.
            AdapterError: any other backend failure (it applies to every service).
        """
        with attributed(self.name):
            result = await self._scalar(self._batch(template, services), at)
        split = samples_by_service(result.samples, services)
        return {
            s: QueryResult(result.result_type, found, result.warnings) for s, found in split.items()
        }

    async def query_range_services(
        self,
        template: str,
        services: Sequence[str],
        start: datetime,
        end: datetime,
        step_seconds: float,
    ) -> dict[str, tuple[Series, ...]]:
        """One timeseries request for every service of a ``$service`` template.

        Raises:
            BadResponse: a bad query or Datadog's ``errors`` body.
            AdapterError: any other backend failure (it applies to every service).
        """
        with attributed(self.name):
            series = await self._timeseries(
                self._batch(template, services), start, end, step_seconds
            )
        return series_by_service(series, services)

    async def probe(self) -> ProbeResult:
        """Both keys against ``/api/v2/validate_keys`` (one cheap request).

        Raises:
            AdapterError: never; failures are described in the result.
        """
        return await run_probe(self.api.http, self.api.validate)
