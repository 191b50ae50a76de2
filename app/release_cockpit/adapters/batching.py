"""The optional batched side of a health source: one query template for many services.

Not part of the ``HealthSource`` contract: a backend that can answer a template for many
services at once implements ``ServiceBatching`` and the engine uses it; any other health
source gets one query per service with ``$service`` replaced by the service name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable

from release_cockpit.adapters.query_results import QueryResult, Series


@runtime_checkable
class ServiceBatching(Protocol):
    """Template queries for many services in one request each."""

    async def query_services(
        self, template: str, services: Sequence[str], at: datetime | None = None
    ) -> dict[str, QueryResult]:
        """Evaluate ``template`` for every service in one query; one result per service.

        Raises:
            AdapterError: any backend failure (it applies to every service of the batch).
        """
        ...

    async def query_range_services(
        self,
        template: str,
        services: Sequence[str],
        start: datetime,
        end: datetime,
        step_seconds: float,
    ) -> dict[str, tuple[Series, ...]]:
        """Evaluate ``template`` over a window for every service in one range query.

        Raises:
            AdapterError: any backend failure (it applies to every service of the batch).
        """
        ...
