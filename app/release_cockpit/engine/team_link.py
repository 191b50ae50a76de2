"""What the engine does differently in a team: poll only what it was elected for.

Glue between the engine and ``PollCoordinator``: which backends are shared and under what
signature (a cockpit with another config for a backend polls it apart), starting and
stopping the engine's poll loops as roles change, sharing what this cockpit polled,
applying what the holder shared, and marking each source with who polls it. Kept apart
from ``engine.py`` so the single-cockpit path reads as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import TYPE_CHECKING

from release_cockpit.config.schema import Config
from release_cockpit.engine.checklist_poller import SOURCE as CHECKLIST
from release_cockpit.engine.checklist_poller import automatic_items
from release_cockpit.engine.poll_coordinator import PollCoordinator, Role
from release_cockpit.engine.poll_loop import PollLoop, PollOutcome
from release_cockpit.engine.poll_result import PollResult
from release_cockpit.engine.postgres_file import PostgresTarget
from release_cockpit.engine.source_record import SourceRecord
from release_cockpit.engine.store import Store

if TYPE_CHECKING:
    from release_cockpit.engine.controls import Controls


def canonical(value: object) -> str:
    """``value`` as text that is the same in every process.

    ``repr`` is not: a ``frozenset``'s order follows the process's hash seed
    (https://docs.python.org/3/reference/datamodel.html#object.__hash__), so two cockpits
    with one config hashed the same backend into two scopes and both polled it.
    """
    return json.dumps(_plain(value), sort_keys=True, separators=(",", ":"))


def _plain(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return [type(value).__name__, fields]
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, Mapping):
        return [[_plain(k), _plain(v)] for k, v in sorted(value.items(), key=lambda i: str(i[0]))]
    if isinstance(value, set | frozenset):
        return sorted((_plain(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return repr(value)


def signature(config: Config, source: str) -> str:
    """What this config polls of ``source``: its settings and every line's use of it."""
    if source == CHECKLIST:
        return canonical(automatic_items(config))
    backend = config.backends[source]
    parts = [canonical((backend.type, backend.url, backend.options, backend.interval))]
    for key, svc in sorted(config.services.items()):
        uses = [
            svc.ci if svc.ci and svc.ci.backend == source else None,
            svc.deploy if svc.deploy and svc.deploy.backend == source else None,
            svc.alerts if svc.alerts and svc.alerts.backend == source else None,
            tuple(r for r in svc.signals if r.backend == source),
        ]
        if any(uses):
            parts.append(canonical((key, svc.service, svc.environment, *uses)))
    return "\n".join(parts)


class TeamLink:
    """The engine's team mode: one coordinator, the engine's loops driven by it."""

    def __init__(
        self,
        target: PostgresTarget,
        name: str,
        config: Config,
        store: Store,
        loops: Mapping[str, PollLoop],
        controls: Controls,
        *,
        apply: Callable[[PollOutcome], None],
        publish: Callable[[], None],
    ) -> None:
        self.store = store
        self.loops = loops
        self.controls = controls
        self._apply = apply
        self._publish = publish
        self._stops: set[asyncio.Task[None]] = set()
        self.coordinator = PollCoordinator(
            target,
            {source: signature(config, source) for source in loops},
            {source: loop.interval for source, loop in loops.items()},
            name,
            on_role=self._on_role,
            on_outcome=self._on_shared,
            on_baseline_wanted=self._baseline,
            on_refresh=lambda source: self.loops[source].refresh(),
            on_intents=self._intents_changed,
            on_status=publish,
        )
        controls.on_claims = self.coordinator.intents_changed

    async def start(self) -> None:
        await self.coordinator.start()
        await self._read_intents()

    async def stop(self) -> None:
        await self.coordinator.stop()
        if self._stops:
            await asyncio.gather(*self._stops, return_exceptions=True)

    def _on_role(self, source: str, role: Role) -> None:
        loop = self.loops[source]
        if role is Role.FOLLOWING:
            task = asyncio.get_running_loop().create_task(loop.stop())
            self._stops.add(task)
            task.add_done_callback(self._stops.discard)
        else:
            loop.start()

    def _on_shared(self, outcome: PollOutcome) -> None:
        if outcome.source in self.loops:
            self._apply(outcome)

    def _baseline(self, source: str) -> PollOutcome | None:
        interval = self.loops[source].interval
        if source == CHECKLIST:  # its results carry their own times; no source record
            if not self.store.checks:
                return None
            result = PollResult(source, checks={k: dict(v) for k, v in self.store.checks.items()})
            return PollOutcome(source, True, 0.0, None, interval, 0, result)
        record = self.store.sources.get(source)
        if record is None or record.updated_at is None:
            return None  # nothing polled yet: newcomers take the increments
        result = self.store.baseline(source)
        return PollOutcome(source, True, record.latency_ms or 0.0, None, interval, 0, result)

    def _intents_changed(self) -> None:
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().create_task(self._read_intents())

    async def _read_intents(self) -> None:
        with contextlib.suppress(Exception):  # a claim is re-checked under its lock anyway
            await self.controls.claims.refresh()
            self._publish()

    def after_outcome(self, outcome: PollOutcome) -> None:
        """Share what this cockpit polled, when it polls for the team."""
        if self.coordinator.role(outcome.source) is Role.LEADING:
            self.coordinator.share(outcome)

    def refresh(self, source: str) -> bool:
        """Ask the holder to poll ``source`` now; False when this cockpit polls it."""
        if self.coordinator.role(source) is Role.FOLLOWING:
            self.coordinator.request_refresh(source)
            return True
        return False

    def annotate(self, sources: Mapping[str, SourceRecord]) -> None:
        """Mark each source with who polls it, for the sources screen."""
        for source, record in sources.items():
            sharing = self.coordinator.sharing.get(source)
            if sharing is None:
                continue
            following = sharing.role is Role.FOLLOWING
            record.polled_by = sharing.holder if following else ""
            record.polled_at = sharing.polled_at if following else None
            record.team_note = "" if following else sharing.text(datetime.now(UTC))
