"""The adapter contracts: what a CI source, health source, alert source, deploy target and
flag source do.

Every adapter:

- is built from a ``BackendSettings`` (URL, secret already resolved, timeouts, and its own
  raw ``options`` table, which it validates against its declared ``OPTIONS``);
- declares the actions it can perform in ``CAPABILITIES`` so the UI offers only those;
- raises only ``app.errors.AdapterError`` subclasses from its public coroutines;
- keeps parsing in pure module-level functions that tests feed recorded payloads.

The contracts stay together in this one module so that someone writing an adapter reads
one file: the kinds, the declarations, the offer and the errors. What an adapter is built
from is in ``backend_settings.py``, what ``check`` reports in ``check_results.py``, a
health source's answers in ``query_results.py`` and the list-per-namespace helper of
deploy adapters in ``scoped_lists.py``.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import httpx

from release_cockpit.adapters.backend_settings import (
    BackendSettings,
    OptionSpec,
    SecretSpec,
    validate_options,
)
from release_cockpit.adapters.check_results import (
    ProbeResult,
    TargetCheck,
    census_check,
    checks_per_target,
    failed_check,
)
from release_cockpit.adapters.query_results import QueryResult, Series
from release_cockpit.domain import (
    Action,
    Alert,
    ChangeSet,
    CIRun,
    Release,
    ReleaseLine,
    RolloutState,
    Target,
    TargetKey,
)
from release_cockpit.domain.actions import TITLES, ActionWords
from release_cockpit.domain.ci import RunCensus
from release_cockpit.domain.flags import FlagState
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.errors import ActionFailed, AdapterError

if TYPE_CHECKING:
    # http.py imports this module for BackendSettings; the name is only needed for types.
    from release_cockpit.adapters.http import HttpClient


class Feature(Enum):
    """What an adapter offers besides its kind's contract."""

    HISTORY = "history"
    """Past deployments for the DORA backfill (``HistorySource``)."""
    BATCHING = "batching"
    """Many targets (projects, queries) per request: requests grow with backends, not lines."""


@dataclass(frozen=True, slots=True)
class Offer:
    """The actions a backend performs for one target, and why some it declares are missing.

    ``CAPABILITIES`` says what an adapter type can do; an option or a target key may narrow
    it (Flagger acts only through a load tester the config names; Argo CD reaches a
    Rollout's actions only when the line names the Rollout). ``note`` says why, so the
    actions menu can explain an empty or short list instead of hiding it.
    """

    actions: frozenset[Action]
    note: str = ""


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What a control call did, for the audit record and the toast."""

    action: Action
    ok: bool
    detail: str
    requests: tuple[str, ...] = ()  # "PATCH /apis/...": what was sent, for the audit


class Adapter(ABC):
    """Base of every adapter: declarations, settings, option validation, probe, close."""

    KIND: ClassVar[str] = ""
    TYPE: ClassVar[str] = ""
    TARGET: ClassVar[tuple[TargetKey, ...]] = ()
    OPTIONS: ClassVar[Mapping[str, OptionSpec]] = {}
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset()
    FEATURES: ClassVar[frozenset[Feature]] = frozenset()
    VERSIONS: ClassVar[str] = ""
    SECRETS: ClassVar[tuple[SecretSpec, ...]] = ()
    """Secrets besides ``token``, each read from ``<name>_env`` or ``<name>_file``."""
    http: HttpClient | None = None

    def __init__(
        self,
        settings: BackendSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.options = validate_options(self.OPTIONS, settings, self.SECRETS)
        self.transport = transport

    @classmethod
    def base_url(cls, options: Mapping[str, Any]) -> str | None:
        """The API URL this backend's options imply when the config leaves ``url`` out
        (Datadog's ``site``); None when ``url`` is required.

        Raises:
            ValueError: an option that should name the URL names none (the message says
                which values work).
        """
        return None

    @classmethod
    def query_problems(cls, query: str) -> list[str]:
        """Why a signal or checklist query cannot be sent as written (a ``$service``
        template this backend cannot batch, say); empty when it can. Checked when the
        config is loaded, with the file and line of the query."""
        return []

    def secret(self, name: str) -> str:
        """A resolved secret of ``SECRETS`` ("" when an optional one is not configured)."""
        return self.settings.secrets.get(name, "")

    @property
    def name(self) -> str:
        return self.settings.name

    @abstractmethod
    async def probe(self) -> ProbeResult:
        """Check reachability and authorisation with one cheap request.

        Raises:
            AdapterError: never for an unreachable backend; that is a ProbeResult.
        """

    async def probe_targets(self, targets: Sequence[Target]) -> dict[Target, TargetCheck]:
        """Whether each target (a line's CI project, its rollout...) exists and can be read
        here, for `check`, with as few requests as the poll would make; empty when this
        kind of backend has no target to check (an alert source). The kinds' bases answer
        by reading the targets as a poll does (``runs_for``, ``rollouts``); override it
        when a cheaper request tells as much.

        Raises:
            AdapterError: never; a target that cannot be read is a failed TargetCheck.
        """
        return {}

    async def aclose(self) -> None:
        """Release connections."""
        if self.http is not None:
            await self.http.aclose()

    def rate_limit_remaining(self) -> int | None:
        """Requests left in the backend's quota, when it tells us."""
        return self.http.rate_limit_remaining if self.http is not None else None

    def usage_note(self) -> str:
        """A line for the sources screen about how this backend is read ("" for none):
        a budget in the backend's own units, or why a cheaper path is not used."""
        return ""

    def last_latency_ms(self) -> float | None:
        """How long the last request took, for the sources screen."""
        return self.http.last_latency_ms if self.http is not None else None

    def offer(self, target: Target) -> Offer:
        """The actions this backend performs for ``target`` now: ``CAPABILITIES`` unless an
        option, a target key or the object last read narrows them (say why in the note)."""
        return Offer(self.CAPABILITIES)

    def describe(self, action: Action, release: Release) -> ActionWords:
        """What ``action`` on ``release`` will do, in this backend's own terms: the words the
        confirmation shows and the audit record keeps. Every adapter with CAPABILITIES
        overrides it (a test checks): a generic sentence is no confirmation."""
        return ActionWords(
            target=f"{self.TYPE} '{self.name}'",
            current=release.version or "unknown version",
            goal=TITLES[action].lower(),
            effect=f"asks {self.name} to {TITLES[action].lower()} {release.service}",
        )

    def unable(self, action: Action, what: str) -> ActionFailed:
        """The error for an action this adapter does not perform (or not on this target)."""
        return ActionFailed(
            f"{self.name} cannot {TITLES[action].lower()} {what}",
            backend=self.name,
            hint="the release's configuration changed; restart the cockpit",
        )


class CISource(Adapter):
    """Runs of a pipeline, with jobs and steps; actions on a run (retry...)."""

    KIND = "ci"

    @abstractmethod
    async def runs(self, target: Target) -> tuple[CIRun, ...]:
        """Recent runs, newest first, with jobs filled in for the newest run of each version.

        Raises:
            AdapterError: any backend failure.
        """

    async def runs_for(
        self, targets: Sequence[Target]
    ) -> dict[Target, tuple[CIRun, ...] | AdapterError]:
        """Runs of several targets; each failure is that target's own. Adapters that can
        read many targets in one request (``Feature.BATCHING``) override this."""
        answers = await asyncio.gather(*(self.runs(t) for t in targets), return_exceptions=True)
        found: dict[Target, tuple[CIRun, ...] | AdapterError] = {}
        for target, answer in zip(targets, answers, strict=True):
            if isinstance(answer, BaseException) and not isinstance(answer, AdapterError):
                raise answer
            found[target] = answer
        return found

    async def probe_targets(self, targets: Sequence[Target]) -> dict[Target, TargetCheck]:
        """Each target's recent runs, read as a poll reads them (``runs_for``): how many,
        how many carry a version, why the others carry none (``RunCensus``). A project
        that does not exist fails its check; one whose runs carry no version warns.

        Raises:
            AdapterError: never.
        """
        try:
            answers = await self.runs_for(targets)
        except AdapterError as exc:
            return dict.fromkeys(targets, failed_check(exc))
        return checks_per_target(
            self.name,
            targets,
            answers,
            lambda target, runs: census_check(target, RunCensus.of(runs)),
        )

    @abstractmethod
    async def changes(self, target: Target, base: str, head: str) -> ChangeSet | None:
        """The commits between two released versions (the adapter maps versions to tags),
        or None when the backend cannot tell.

        Raises:
            AdapterError: any backend failure.
        """

    async def act(self, action: Action, target: Target, run: CIRun) -> ActionResult:
        """Perform one of ``CAPABILITIES`` on a run, as the backend's own UI would.

        Raises:
            ActionFailed: the backend refused, or the action does not apply.
            AdapterError: any other backend failure.
        """
        raise self.unable(action, f"run {run.id}")


class HealthSource(Adapter):
    """Signal values: an instant value and a recent series."""

    KIND = "health"

    @abstractmethod
    async def query(self, query: str, at: datetime | None = None) -> QueryResult:
        """Evaluate a query now (or at ``at``).

        Raises:
            AdapterError: any backend failure, including the backend's error envelope.
        """

    @abstractmethod
    async def query_range(
        self, query: str, start: datetime, end: datetime, step_seconds: float
    ) -> tuple[Series, ...]:
        """Evaluate a query over a window, for sparklines and backfill.

        Raises:
            AdapterError: any backend failure, including the backend's error envelope.
        """


class AlertSource(Adapter):
    """Active alerts; matching them to releases happens in the domain, not here."""

    KIND = "alerts"

    @abstractmethod
    async def alerts(self) -> tuple[Alert, ...]:
        """Every active, unsilenced, uninhibited alert (one call for all releases).

        Raises:
            AdapterError: any backend failure.
        """


class DeployTarget(Adapter):
    """Rollout state and the control actions the backend supports."""

    KIND = "deploy"

    @abstractmethod
    async def rollouts(
        self, targets: Sequence[Target]
    ) -> dict[Target, RolloutState | AdapterError]:
        """The state of every target, read with as few requests as the backend allows (one
        list per namespace, say, not one request per release). A target that is not found
        maps to a ``NotFound`` naming it; the others keep their answers.

        Raises:
            AdapterError: never for one target's failure; only for a bug-like condition.
        """

    async def probe_targets(self, targets: Sequence[Target]) -> dict[Target, TargetCheck]:
        """Each target's rollout, read as a poll reads them (``rollouts``): not found fails.

        Raises:
            AdapterError: never.
        """
        try:
            answers = await self.rollouts(targets)
        except AdapterError as exc:
            return dict.fromkeys(targets, failed_check(exc))
        return checks_per_target(self.name, targets, answers, _rollout_found)

    @abstractmethod
    async def act(self, action: Action, target: Target) -> ActionResult:
        """Perform a control action exactly as the backend's own CLI or UI would.

        Raises:
            ActionFailed: the backend refused or the action does not apply now.
            AdapterError: any other backend failure.
        """


@dataclass(frozen=True, slots=True)
class HistoryRead:
    """Past deployments as read, and what could not be read: one line per deployment
    (or commit range) left out, so a partial read keeps what arrived and says what not."""

    records: list[ReleaseRecord]
    missing: tuple[str, ...] = ()


class FlagSource(Adapter):
    """Feature flags guarding releases: their state per environment, and on/off where the
    backend can switch them (``CAPABILITIES`` holds ``FLAG_OFF``/``FLAG_ON``)."""

    KIND = "flags"

    @abstractmethod
    async def flags(self, targets: Sequence[Target]) -> dict[Target, FlagState | AdapterError]:
        """The state of every flag named by ``targets``, read with as few requests as the
        backend allows (one bulk evaluation, one read per flag for all its environments).
        A flag the backend does not know maps to a ``NotFound`` for its own target.

        Raises:
            AdapterError: never for one flag's failure; only for a bug-like condition.
        """

    def offer_if_named(self, target: Target, keys: Sequence[str]) -> Offer:
        """``CAPABILITIES`` when ``target`` names every key a switch needs; else none, and
        the note says which key to set (a config read without the registry may lack the
        ``environment`` the loader fills in)."""
        missing = [key for key in keys if not target.get(key)]
        if not missing:
            return Offer(self.CAPABILITIES)
        flag = target.get("flag") or "the flag"
        return Offer(
            frozenset(),
            f"cannot switch {flag}: set {' and '.join(missing)} in [[services.KEY.flags]]",
        )

    def switch_words(self, action: Action, flag: FlagState, target: Target) -> ActionWords:
        """What switching the flag of ``target`` (now ``flag``) does, in this backend's
        terms. The release's flag, not the release, decides the words: a flag backend acts
        on a flag, whatever the rollout does. Every flag source that switches overrides it
        (a test checks)."""
        return ActionWords(
            target=f"flag {flag.key}",
            current=flag.summary,
            goal="unchanged",
            effect=f"{self.name} ({self.TYPE}) cannot switch flags",
        )

    async def act(self, action: Action, target: Target) -> ActionResult:
        """Turn the flag of ``target`` off (``FLAG_OFF``) or on (``FLAG_ON``).

        Raises:
            ActionFailed: the backend refused, or it cannot switch flags.
            AdapterError: any other backend failure.
        """
        raise self.unable(action, f"flag {target.get('flag')}")


@runtime_checkable
class HistorySource(Protocol):
    """``Feature.HISTORY``: past deployments of a release line, for the DORA backfill."""

    async def history(
        self, line: ReleaseLine, target: Target, since: datetime
    ) -> list[ReleaseRecord] | HistoryRead:
        """Releases of ``line`` deployed since ``since``, with the times DORA needs; a
        ``HistoryRead`` when some deployments could not be read (the rest are kept).

        Raises:
            AdapterError: a failure that leaves nothing to keep.
        """
        ...


def _runs_counted(target: Target, runs: tuple[CIRun, ...]) -> TargetCheck:
    return census_check(target, RunCensus.of(runs))


def _rollout_found(target: Target, rollout: RolloutState) -> TargetCheck:
    running = rollout.stable_version or "unknown version"
    return TargetCheck(True, f"found: {rollout.phase.value}, running {running}")
