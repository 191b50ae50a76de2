"""Query templates for Prometheus: one PromQL query for many services, split back per service.

A template names ``$service`` once per selector, always as ``service=~"$service"``, and
keeps ``service`` in every aggregation's ``by (...)`` (the config loader checks both). A
batch puts an anchored regex alternation of the services there (``a|b|c``; Prometheus
anchors ``=~`` matchers, querying_basics "Time series selectors") and sorts the answer's
series by their ``service`` label. A literal query (no placeholder) is sent as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Protocol

from release_cockpit.adapters.query_results import QueryResult, Sample, Series
from release_cockpit.config.rules import SERVICE_PLACEHOLDER

__all__ = [
    "SERVICE_PLACEHOLDER",
    "expand",
    "is_template",
    "samples_by_service",
    "series_by_service",
    "service_regex",
]

# RE2 metacharacters (github.com/google/re2/wiki/Syntax); a service name is literal text.
_META = re.compile(r"([\\.+*?()|\[\]{}^$])")


def is_template(query: str) -> bool:
    return SERVICE_PLACEHOLDER in query


def service_regex(services: Iterable[str]) -> str:
    """``a|b\\.c``: each name with RE2 metacharacters escaped, deduplicated, in order."""
    unique = dict.fromkeys(services)
    return "|".join(_META.sub(r"\\\1", name) for name in unique)


def expand(template: str, services: Iterable[str]) -> str:
    """The template with the placeholder replaced by the services' alternation.

    The alternation goes inside a double-quoted PromQL string, where a backslash starts an
    escape (Go string syntax), so each regex backslash is doubled; a quote cannot occur in
    the escaped names, but is escaped anyway.
    """
    text = service_regex(services).replace("\\", "\\\\").replace('"', '\\"')
    return template.replace(SERVICE_PLACEHOLDER, text)


def samples_by_service(
    samples: Iterable[Sample], services: Sequence[str]
) -> dict[str, tuple[Sample, ...]]:
    """Each asked-for service's samples; a service without series gets an empty tuple."""
    found: dict[str, list[Sample]] = {service: [] for service in services}
    for sample in samples:
        bucket = found.get(sample.labels.get("service", ""))
        if bucket is not None:
            bucket.append(sample)
    return {service: tuple(items) for service, items in found.items()}


def series_by_service(
    series: Iterable[Series], services: Sequence[str]
) -> dict[str, tuple[Series, ...]]:
    """Each asked-for service's range series; a service without series gets ()."""
    found: dict[str, list[Series]] = {service: [] for service in services}
    for one in series:
        bucket = found.get(one.labels.get("service", ""))
        if bucket is not None:
            bucket.append(one)
    return {service: tuple(items) for service, items in found.items()}


class _Queries(Protocol):
    async def query(self, query: str, at: datetime | None = None) -> QueryResult: ...

    async def query_range(
        self, query: str, start: datetime, end: datetime, step_seconds: float
    ) -> tuple[Series, ...]: ...


class ServiceLabelBatching:
    """``Feature.BATCHING`` for a Prometheus-compatible API (Prometheus, Loki): one query
    for every service of a ``$service`` template, its answer split by the ``service``
    label; a service without series gets an empty result. Mixed into the adapter, whose
    own ``query`` and ``query_range`` it calls."""

    async def query_services(
        self: _Queries, template: str, services: Sequence[str], at: datetime | None = None
    ) -> dict[str, QueryResult]:
        """One instant query for every service, split by service.

        Raises:
            AdapterError: any backend failure (it applies to every service).
        """
        result = await self.query(expand(template, services), at)
        split = samples_by_service(result.samples, services)
        return {
            service: QueryResult(result.result_type, samples, result.warnings)
            for service, samples in split.items()
        }

    async def query_range_services(
        self: _Queries,
        template: str,
        services: Sequence[str],
        start: datetime,
        end: datetime,
        step_seconds: float,
    ) -> dict[str, tuple[Series, ...]]:
        """One range query for every service, split by service.

        Raises:
            AdapterError: any backend failure (it applies to every service).
        """
        series = await self.query_range(expand(template, services), start, end, step_seconds)
        return series_by_service(series, services)
