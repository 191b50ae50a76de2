"""Runs the automatic items of every readiness checklist: queries and HTTP probes.

Its own poll loop (never stacking, backing off like the others), so a slow probe URL
delays only the checklist, and each result is stored per item with its time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping

from app.adapters.base import Adapter, HealthSource
from app.adapters.http_probe import HttpProbe
from app.config.schema import Config
from app.domain.checklist import ChecklistItem, CheckResult, ItemKind, check_http, check_query
from app.engine.clock import Clock
from app.engine.poll_loop import PollLoop, PollOutcome
from app.engine.store import Store
from app.errors import AdapterError

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
        store: Store,
        clock: Clock,
        probe: HttpProbe,
    ) -> None:
        self.items = automatic_items(config)
        self.adapters = adapters
        self.store = store
        self.clock = clock
        self.probe = probe

    async def poll(self) -> None:
        await asyncio.gather(*(self._check(key, item) for key, item in self.items))

    async def _check(self, key: str, item: ChecklistItem) -> None:
        if item.kind is ItemKind.HTTP:
            status, error = await self.probe.status(item.url, f"checklist item '{item.name}'")
            result = check_http(item, status, error, self.clock.now())
        else:
            adapter = self.adapters.get(item.backend)
            if not isinstance(adapter, HealthSource):
                return
            try:
                answer = await adapter.query(item.query)
            except AdapterError as exc:
                result = CheckResult(False, f"query failed: {exc}", self.clock.now())
            else:
                value = answer.single_value(worst_high=item.pass_below is not None)
                result = check_query(item, value, self.clock.now())
        self.store.checks.setdefault(key, {})[item.name] = result


class ChecklistLoop:
    """The checklist's own poll loop and probe client; idle when no item is automatic."""

    def __init__(
        self,
        config: Config,
        adapters: Mapping[str, Adapter],
        store: Store,
        clock: Clock,
        on_change: Callable[[], object],
    ) -> None:
        timeout = config.polling.timeout.total_seconds()
        self.probe = HttpProbe(timeout=timeout)
        self.poller = ChecklistPoller(config, adapters, store, clock, self.probe)
        self.loop: PollLoop | None = None
        if self.poller.items:
            self.loop = PollLoop(
                SOURCE,
                self.poller.poll,
                interval=max(config.polling.interval.total_seconds(), MIN_INTERVAL),
                timeout=timeout * 2,
                max_backoff=config.polling.max_backoff.total_seconds(),
                clock=clock,
                on_outcome=self._changed,
            )
        self._on_change = on_change

    def _changed(self, _outcome: PollOutcome) -> None:
        self._on_change()

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
