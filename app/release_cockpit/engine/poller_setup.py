"""What the engine polls, built from the config: one poller per backend in use, its
interval and timeout, and the freshness record each backend starts with.

Pure wiring, done once when the engine is made: only backends some release line uses are
polled, and each gets a staleness limit of at least three of its own intervals.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

from release_cockpit.adapters.base import (
    Adapter,
    AlertSource,
    CISource,
    DeployTarget,
    FlagSource,
    HealthSource,
)
from release_cockpit.config.schema import Config
from release_cockpit.domain import SignalRule
from release_cockpit.engine.clock import Clock
from release_cockpit.engine.flag_poller import FlagPoller
from release_cockpit.engine.poll_result import PollResult, PollView
from release_cockpit.engine.pollers import AlertPoller, CIPoller, DeployPoller, HealthPoller
from release_cockpit.engine.source_record import SourceRecord


class Poller(Protocol):
    """What a poll loop runs: one poll of one backend against the store's read-only view."""

    async def poll(self, view: PollView) -> PollResult: ...


def poll_interval(config: Config, name: str) -> float:
    """Seconds between polls of backend ``name``: its own interval, else the default."""
    backend = config.backends[name]
    return (backend.interval or config.polling.interval).total_seconds()


def poll_timeout(config: Config, name: str) -> float:
    """A poll makes a few requests in sequence (list, then jobs, then compare)."""
    backend = config.backends[name]
    per_request = (backend.timeout or config.polling.timeout).total_seconds()
    return per_request * 3


def signal_rules(config: Config) -> list[tuple[str, SignalRule]]:
    """Every signal rule of every release line, with the line's key."""
    return [(key, rule) for key, svc in config.services.items() for rule in svc.signals]


def source_records(config: Config, adapters: Mapping[str, Adapter]) -> dict[str, SourceRecord]:
    """Only backends some service uses are polled; each gets a staleness limit that
    is at least three of its own intervals, so one slow poll never looks stale."""
    records: dict[str, SourceRecord] = {}
    signal_intervals: dict[str, float] = {}
    for _, rule in signal_rules(config):
        current = signal_intervals.get(rule.backend, 0.0)
        signal_intervals[rule.backend] = max(current, rule.interval.total_seconds())
    for name in used_backends(config, adapters):
        adapter = adapters[name]
        interval = poll_interval(config, name)
        slowest = max(interval, signal_intervals.get(name, 0.0))
        stale = max(config.polling.stale_after, timedelta(seconds=3 * slowest))
        records[name] = SourceRecord(name, adapter.KIND, interval, stale)
    return records


def used_backends(config: Config, adapters: Mapping[str, Adapter]) -> list[str]:
    """The backends some release line uses, in config order (only these are polled)."""
    used: dict[str, None] = {}
    for svc in config.services.values():
        if svc.ci:
            used[svc.ci.backend] = None
        if svc.deploy:
            used[svc.deploy.backend] = None
        for rule in svc.signals:
            used[rule.backend] = None
        if svc.alerts:
            used[svc.alerts.backend] = None
        for link in svc.flags:
            used[link.backend] = None
    return [name for name in used if name in adapters]


def build_pollers(
    config: Config,
    adapters: Mapping[str, Adapter],
    sources: Mapping[str, SourceRecord],
    clock: Clock,
) -> dict[str, Poller]:
    """One poller per polled backend, by what the adapter is, with the targets it serves."""
    services = config.services
    pollers: dict[str, Poller] = {}
    for name, record in sources.items():
        adapter = adapters[name]
        if isinstance(adapter, CISource):
            targets = {
                key: svc.ci.target
                for key, svc in services.items()
                if svc.ci and svc.ci.backend == name
            }
            pollers[name] = CIPoller(
                name,
                adapter,
                targets,
                clock,
                interval=record.interval,
                stale_after=record.stale_after.total_seconds(),
            )
        elif isinstance(adapter, HealthSource):
            rules = [(k, r) for k, r in signal_rules(config) if r.backend == name]
            service_of = {key: services[key].service for key, _ in rules}
            deployed = frozenset(k for k, _ in rules if services[k].deploy is not None)
            pollers[name] = HealthPoller(name, adapter, rules, service_of, deployed, clock)
        elif isinstance(adapter, AlertSource):
            pollers[name] = AlertPoller(name, adapter, clock)
        elif isinstance(adapter, DeployTarget):
            refs = {
                key: svc.deploy.target
                for key, svc in services.items()
                if svc.deploy and svc.deploy.backend == name
            }
            pollers[name] = DeployPoller(name, adapter, refs, clock)
        elif isinstance(adapter, FlagSource):
            flags = {
                key: [link.target for link in svc.flags if link.backend == name]
                for key, svc in services.items()
            }
            pollers[name] = FlagPoller(name, adapter, {k: v for k, v in flags.items() if v}, clock)
    return pollers


__all__ = [
    "Poller",
    "build_pollers",
    "poll_interval",
    "poll_timeout",
    "signal_rules",
    "source_records",
    "used_backends",
]
