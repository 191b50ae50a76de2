"""One query per signal template, not per release: batching health queries across services.

Signals of different services whose query is the same ``$service`` template are measured
together: a backend that implements ``ServiceBatching`` gets one query for all of them and
splits the answer per service; any other health source gets one query per distinct
service. Signals with the same literal query (no placeholder) share one request too.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import datetime

from release_cockpit.adapters.base import HealthSource
from release_cockpit.adapters.batching import ServiceBatching
from release_cockpit.adapters.query_results import QueryResult, Series
from release_cockpit.config.rules import SERVICE_PLACEHOLDER


def is_template(query: str) -> bool:
    return SERVICE_PLACEHOLDER in query


class QueryBatcher:
    """Answers a query for a group of release lines with as few requests as possible."""

    def __init__(self, adapter: HealthSource, service_of: Mapping[str, str]) -> None:
        """``service_of`` maps a release-line key to the service name its template takes."""
        self.adapter = adapter
        self.service_of = service_of

    def _services(self, keys: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(self.service_of[key] for key in keys))

    async def instant(self, query: str, keys: Sequence[str]) -> dict[str, QueryResult]:
        """The query's result for each key (a template answers each key's service).

        Raises:
            AdapterError: the batch failed; it applies to every key.
        """
        if not is_template(query):
            result = await self.adapter.query(query)
            return dict.fromkeys(keys, result)
        services = self._services(keys)
        if isinstance(self.adapter, ServiceBatching):
            by_service = await self.adapter.query_services(query, services)
        else:
            answers = await asyncio.gather(
                *(self.adapter.query(query.replace(SERVICE_PLACEHOLDER, s)) for s in services)
            )
            by_service = dict(zip(services, answers, strict=True))
        return {key: by_service[self.service_of[key]] for key in keys}

    async def range(
        self,
        query: str,
        keys: Sequence[str],
        start: datetime,
        end: datetime,
        step_seconds: float,
    ) -> dict[str, tuple[Series, ...]]:
        """The query's range series for each key.

        Raises:
            AdapterError: the batch failed; it applies to every key.
        """
        if not is_template(query):
            series = await self.adapter.query_range(query, start, end, step_seconds)
            return dict.fromkeys(keys, series)
        services = self._services(keys)
        if isinstance(self.adapter, ServiceBatching):
            by_service = await self.adapter.query_range_services(
                query, services, start, end, step_seconds
            )
        else:
            answers = await asyncio.gather(
                *(
                    self.adapter.query_range(
                        query.replace(SERVICE_PLACEHOLDER, s), start, end, step_seconds
                    )
                    for s in services
                )
            )
            by_service = dict(zip(services, answers, strict=True))
        return {key: by_service[self.service_of[key]] for key in keys}
