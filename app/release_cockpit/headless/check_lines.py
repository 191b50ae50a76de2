"""`check`, per release line: does what each line points at exist, and does each query parse?

A backend that answers its probe can still be useless to a line: a builder or workflow
that does not exist, a rollout in another namespace, PromQL with a syntax error, a CI
project none of whose runs carries a version. Each is checked the way the cockpit will
use it, once per distinct target or query:

- a CI target: its recent runs are read as a poll reads them (``CISource.probe_targets``,
  batched like ``runs_for``): how many, how many carry a version, and why the others
  carry none;
- a deploy target: its rollout is read (``DeployTarget.probe_targets``, one list per
  namespace as a poll does);
- a signal's or a checklist item's query: evaluated now through the engine's own
  ``QueryBatcher`` (templates batched as the poller batches them), so a query the
  backend refuses fails in the backend's words ("the query does not parse: ...");
- a canary-vs-baseline signal on a line with no deploy backend is compared only while
  the canary selector matches data: when it matches none now, a warning says the
  comparison may never run.

Adapters answer through the contract's hooks, so a third-party adapter is checked too
(``docs/adapters.md``, "What `check` asks").
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from release_cockpit.adapters.base import Adapter, HealthSource
from release_cockpit.adapters.check_results import TargetCheck
from release_cockpit.adapters.check_results import failed_check as failed
from release_cockpit.adapters.query_results import QueryResult
from release_cockpit.config.schema import Config
from release_cockpit.domain import ReleaseLine, SignalRule, Target
from release_cockpit.domain.checklist import ItemKind
from release_cockpit.engine.batching import QueryBatcher
from release_cockpit.errors import AdapterError


@dataclass(frozen=True, slots=True)
class TargetLine:
    """One thing a line points at, and what checking it found."""

    what: str
    """``ci github (project=acme/checkout)``, ``signal "5xx ratio" (prometheus)``."""
    result: TargetCheck


@dataclass(frozen=True, slots=True)
class LineReport:
    """Everything `check` found for one release line."""

    line: ReleaseLine
    targets: tuple[TargetLine, ...]
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return all(t.result.ok for t in self.targets)

    @property
    def title(self) -> str:
        return f"{self.line.key} ({self.line.service} to {self.line.environment})"


Query = tuple[str, str]
"""(backend, query text): one evaluation, shared by the lines that use it."""


def _queries(lines: Sequence[ReleaseLine]) -> dict[Query, list[str]]:
    """Every signal's and query checklist item's (backend, query) -> the keys using it."""
    found: dict[Query, list[str]] = defaultdict(list)
    for line in lines:
        for rule in line.signals:
            found[(rule.backend, rule.query)].append(line.key)
        for item in line.checklist:
            if item.kind is ItemKind.QUERY:
                found[(item.backend, item.query)].append(line.key)
    return {query: list(dict.fromkeys(keys)) for query, keys in found.items()}


async def _evaluate(
    adapter: Adapter, query: str, keys: list[str], service_of: Mapping[str, str]
) -> dict[str, QueryResult] | TargetCheck:
    """The query's answer per key, as the poller would get it; a failed check if refused."""
    if not isinstance(adapter, HealthSource):
        return TargetCheck(False, f"{adapter.name} ({adapter.TYPE}) cannot evaluate queries")
    try:
        return await QueryBatcher(adapter, service_of).instant(query, keys)
    except AdapterError as exc:
        return failed(exc)


def _answer_check(result: QueryResult) -> TargetCheck:
    count = len(result.samples)
    detail = f"answers; {count} series now" if count else "answers; no data now"
    return TargetCheck(True, detail, result.warnings)


def _comparison_warning(rule: SignalRule, line: ReleaseLine, result: QueryResult) -> str:
    """Why a canary-vs-baseline signal may never be compared, or ""."""
    spec = rule.baseline
    if spec is None or line.deploy is not None:
        return ""
    if any(all(m.matches(s.labels) for m in spec.canary) for s in result.samples):
        return ""
    selector = ", ".join(f'{m.label}{m.op}"{m.value}"' for m in spec.canary)
    return (
        f'signal "{rule.name}" may never be compared: no deploy backend says when a canary '
        f"takes traffic, and its canary selector ({selector}) matches no series now; it is "
        "compared only while canary data exists (shown 'not compared' until then)"
    )


def checked_backends(line: ReleaseLine) -> tuple[str, ...]:
    """The backends whose targets or queries `check` reads for ``line``."""
    names = [link.backend for link in (line.ci, line.deploy) if link is not None]
    names += [rule.backend for rule in line.signals]
    names += [item.backend for item in line.checklist if item.kind is ItemKind.QUERY]
    return tuple(dict.fromkeys(names))


async def check_lines(config: Config, adapters: Mapping[str, Adapter]) -> list[LineReport]:
    """Check every release line's targets and queries, each distinct one once; only on
    the ``adapters`` given (the backends that answered their probe)."""
    lines = list(config.services.values())
    targets: dict[tuple[str, Target], None] = {}
    for line in lines:
        for link in (line.ci, line.deploy):
            if link is not None and link.backend in adapters:
                targets[(link.backend, link.target)] = None
    queries = {q: keys for q, keys in _queries(lines).items() if q[0] in adapters}
    service_of = {line.key: line.service for line in lines}

    per_backend: dict[str, list[Target]] = defaultdict(list)
    for backend, target in targets:
        per_backend[backend].append(target)

    async def probe(backend: str, wanted: list[Target]) -> dict[Target, TargetCheck]:
        try:
            return await adapters[backend].probe_targets(wanted)
        except AdapterError as exc:  # an adapter that broke its contract: still a result
            return dict.fromkeys(wanted, failed(exc))

    probed, evaluated = await asyncio.gather(
        asyncio.gather(*(probe(b, wanted) for b, wanted in per_backend.items())),
        asyncio.gather(
            *(_evaluate(adapters[b], q, keys, service_of) for (b, q), keys in queries.items())
        ),
    )
    by_target = {
        (backend, target): check
        for backend, checks in zip(per_backend, probed, strict=True)
        for target, check in checks.items()
    }
    by_query = dict(zip(queries, evaluated, strict=True))
    return [_report(line, by_target, by_query) for line in lines]


def _report(
    line: ReleaseLine,
    by_target: Mapping[tuple[str, Target], TargetCheck],
    by_query: Mapping[Query, dict[str, QueryResult] | TargetCheck],
) -> LineReport:
    found: list[TargetLine] = []
    warnings: list[str] = []
    for kind, link in (("ci", line.ci), ("deploy", line.deploy)):
        if link is None:
            continue
        result = by_target.get((link.backend, link.target))
        if result is not None:
            found.append(TargetLine(f"{kind} {link.backend} ({link.target.label})", result))
            warnings += result.warnings
    for rule in line.signals:
        answer = by_query.get((rule.backend, rule.query))
        if answer is None:
            continue  # its backend did not answer its probe
        what = f'signal "{rule.name}" ({rule.backend})'
        if isinstance(answer, TargetCheck):
            found.append(TargetLine(what, answer))
            continue
        found.append(TargetLine(what, _answer_check(answer[line.key])))
        warning = _comparison_warning(rule, line, answer[line.key])
        if warning:
            warnings.append(warning)
    for item in line.checklist:
        if item.kind is not ItemKind.QUERY:
            continue
        answer = by_query.get((item.backend, item.query))
        if answer is None:
            continue
        what = f'checklist "{item.name}" ({item.backend})'
        result = answer if isinstance(answer, TargetCheck) else _answer_check(answer[line.key])
        found.append(TargetLine(what, result))
    return LineReport(line, tuple(found), tuple(warnings))
