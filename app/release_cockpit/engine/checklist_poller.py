"""Runs the automatic items of every readiness checklist: queries and HTTP probes.

Its own poll loop (never stacking, backing off like the others), so a slow probe URL
delays only the checklist, and each result is stored per item with its time.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Mapping

from release_cockpit.adapters.base import Adapter, HealthSource
from release_cockpit.adapters.http_probe import HttpProbe
from release_cockpit.config.schema import Config
from release_cockpit.domain.checklist import (
    ChecklistItem,
    CheckResult,
    ItemKind,
    check_http,
    check_query,
)
from release_cockpit.engine.batching import QueryBatcher
from release_cockpit.engine.clock import Clock
from release_cockpit.engine.poll_loop import PollLoop, PollOutcome
from release_cockpit.engine.poll_result import PollResult
from release_cockpit.errors import AdapterError

SOURCE = "checklist"
MIN_INTERVAL = 10.0  # probes hit production endpoints: never more often than this


def automatic_items(config: Config) -> list[tuple[str, ChecklistItem]]:
    return [
        (key, item)
        for key, svc in config.services.items()
        for item in svc.checklist
        if item.kind is not ItemKind.MANUAL
    ]


class ChecklistPoller:
    """Checks every automatic checklist item once per poll."""

    def __init__(
        self,
        config: Config,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        probe: HttpProbe,
    ) -> None:
        self.items = automatic_items(config)
        self.services = config.services
        self.adapters = adapters
        self.clock = clock
        self.probe = probe

    async def poll(self) -> PollResult:
        """One request per distinct query (a ``$service`` template is one batched query for
        every line that uses it) and one probe per distinct URL, shared by the items."""
        result = PollResult(SOURCE)
        queries: dict[tuple[str, str], list[tuple[str, ChecklistItem]]] = defaultdict(list)
        urls: dict[str, list[tuple[str, ChecklistItem]]] = defaultdict(list)
        for key, item in self.items:
            if item.kind is ItemKind.HTTP:
                urls[item.url].append((key, item))
            else:
                queries[(item.backend, item.query)].append((key, item))
        await asyncio.gather(
            *(self._query(result, b, q, group) for (b, q), group in queries.items()),
            *(self._probe(result, url, group) for url, group in urls.items()),
        )
        return result

    @staticmethod
    def _record(into: PollResult, key: str, item: ChecklistItem, result: CheckResult) -> None:
        into.checks.setdefault(key, {})[item.name] = result

    async def _probe(
        self, into: PollResult, url: str, group: list[tuple[str, ChecklistItem]]
    ) -> None:
        status, error = await self.probe.status(url, f"checklist item '{group[0][1].name}'")
        for key, item in group:
            self._record(into, key, item, check_http(item, status, error, self.clock.now()))

    async def _query(
        self, into: PollResult, backend: str, query: str, group: list[tuple[str, ChecklistItem]]
    ) -> None:
        adapter = self.adapters.get(backend)
        if not isinstance(adapter, HealthSource):
            return
        services = {key: self.services[key].service for key, _ in group}
        try:
            results = await QueryBatcher(adapter, services).instant(query, list(services))
        except AdapterError as exc:
            for key, item in group:
                self._record(
                    into, key, item, CheckResult(False, f"query failed: {exc}", self.clock.now())
                )
            return
        for key, item in group:
            value = results[key].single_value(worst_high=item.pass_below is not None)
            self._record(into, key, item, check_query(item, value, self.clock.now()))


class ChecklistLoop:
    """The checklist's own poll loop and probe client; idle when no item is automatic."""

    def __init__(
        self,
        config: Config,
        adapters: Mapping[str, Adapter],
        clock: Clock,
        on_outcome: Callable[[PollOutcome], None],
    ) -> None:
        timeout = config.polling.timeout.total_seconds()
        self.probe = HttpProbe(timeout=timeout)
        self.poller = ChecklistPoller(config, adapters, clock, self.probe)
        self.loop: PollLoop | None = None
        if self.poller.items:
            self.loop = PollLoop(
                SOURCE,
                self.poller.poll,
                interval=max(config.polling.interval.total_seconds(), MIN_INTERVAL),
                timeout=timeout * 2,
                max_backoff=config.polling.max_backoff.total_seconds(),
                clock=clock,
                on_outcome=on_outcome,
            )

    def start(self) -> None:
        if self.loop is not None:
            self.loop.start()

    async def poll_once(self) -> None:
        if self.loop is not None:
            await self.loop.poll_once()

    async def stop(self) -> None:
        if self.loop is not None:
            await self.loop.stop()
        await self.probe.aclose()
