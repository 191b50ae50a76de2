"""The adapter contracts: what a CI source, health source, alert source and deploy target do.

Every adapter:

- is built from a ``BackendSettings`` (URL, secret already resolved, timeouts, and its own
  raw ``options`` table, which it validates against its declared ``OPTIONS``);
- declares the actions it can perform in ``CAPABILITIES`` so the UI offers only those;
- raises only ``app.errors.AdapterError`` subclasses from its public coroutines;
- keeps parsing in pure module-level functions that tests feed recorded payloads.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

import httpx

from release_cockpit.domain import Action, Alert, ChangeSet, CIRun, RolloutState
from release_cockpit.errors import ConfigError, Problem

if TYPE_CHECKING:
    # http.py imports this module for BackendSettings; the name is only needed for types.
    from release_cockpit.adapters.http import HttpClient


BUILT_IN_BACKEND_KEYS = (
    "type",
    "url",
    "token_env",
    "token_file",
    "interval",
    "timeout",
    "verify_tls",
    "ca_file",
)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One option an adapter accepts under ``[backends.NAME]``."""

    type: type
    help: str
    default: Any = None
    required: bool = False
    minimum: float | None = None  # inclusive bounds for numeric options
    maximum: float | None = None

    def range_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"must be between {self.minimum:g} and {self.maximum:g}"
        if self.minimum is not None:
            return f"must be at least {self.minimum:g}"
        return f"must be at most {self.maximum:g}"

    def out_of_range(self, value: Any) -> bool:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        low = self.minimum is not None and value < self.minimum
        return low or (self.maximum is not None and value > self.maximum)


@dataclass(frozen=True, slots=True)
class BackendSettings:
    """What an adapter is built from. ``token`` is the resolved secret, never logged.

    ``file`` and ``lines`` (key path -> line number) let an adapter report a bad option
    with the exact place in the config file. ``ca_file`` is a PEM bundle of the CAs to
    trust instead of the default ones (an internal CA), already ``~``-expanded.
    """

    name: str
    type: str
    url: str
    token: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    verify_tls: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    file: str = "<config>"
    lines: Mapping[str, int] = field(default_factory=dict)
    ca_file: str | None = None

    def problem(self, option: str, message: str, hint: str = "") -> Problem:
        key = f"backends.{self.name}.{option}"
        return Problem(self.file, self.lines.get(key), key, message, hint)


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What `release-cockpit check` prints per backend."""

    reachable: bool
    authorised: bool
    latency_ms: float | None
    detail: str = ""


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of one series at one time. ``value`` may be NaN or +/-Inf."""

    labels: Mapping[str, str]
    value: float
    at: float


@dataclass(frozen=True, slots=True)
class Series:
    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """An instant query's answer, normalised across result types."""

    result_type: str
    samples: tuple[Sample, ...]
    warnings: tuple[str, ...] = ()

    def single_value(self, worst_high: bool = True) -> float | None:
        """One number for a signal: the only series, or the worst of several; None if empty.

        NaN samples are skipped when others exist, so one idle pod does not hide the rest.
        """
        values = [s.value for s in self.samples]
        if not values:
            return None
        real = [v for v in values if not math.isnan(v)]
        if not real:
            return math.nan
        return max(real) if worst_high else min(real)


@dataclass(frozen=True, slots=True)
class CITarget:
    """Which pipeline of a CI backend a release line follows."""

    project: str  # GitHub "owner/repo", GitLab project path or id, Buildbot builder
    workflow: str | None = None  # GitHub workflow file name or id


@dataclass(frozen=True, slots=True)
class DeployRef:
    """Which rollout of a deploy backend a release line follows."""

    namespace: str
    name: str


@dataclass(frozen=True, slots=True)
class ActionResult:
    """What a control call did, for the audit record and the toast."""

    action: Action
    ok: bool
    detail: str
    requests: tuple[str, ...] = ()  # "PATCH /apis/...": what was sent, for the audit


class Adapter(ABC):
    """Base of every adapter: settings, option validation, probe, close."""

    KIND: ClassVar[str] = ""
    TYPE: ClassVar[str] = ""
    OPTIONS: ClassVar[Mapping[str, OptionSpec]] = {}
    CAPABILITIES: ClassVar[frozenset[Action]] = frozenset()
    http: HttpClient | None = None

    def __init__(
        self,
        settings: BackendSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.options = validate_options(self.OPTIONS, settings)
        self.transport = transport

    @property
    def name(self) -> str:
        return self.settings.name

    @abstractmethod
    async def probe(self) -> ProbeResult:
        """Check reachability and authorisation with one cheap request.

        Raises:
            AdapterError: never for an unreachable backend; that is a ProbeResult.
        """

    async def aclose(self) -> None:
        """Release connections."""
        if self.http is not None:
            await self.http.aclose()

    def rate_limit_remaining(self) -> int | None:
        """Requests left in the backend's quota, when it tells us."""
        return self.http.rate_limit_remaining if self.http is not None else None

    def last_latency_ms(self) -> float | None:
        """How long the last request took, for the sources screen."""
        return self.http.last_latency_ms if self.http is not None else None


def validate_options(specs: Mapping[str, OptionSpec], settings: BackendSettings) -> dict[str, Any]:
    """Check an adapter's options; report every problem at once with file and line.

    Raises:
        ConfigError: unknown, missing or mistyped options.
    """
    import difflib

    problems: list[Problem] = []
    values: dict[str, Any] = {}
    for key, value in settings.options.items():
        spec = specs.get(key)
        if spec is None:
            # A misspelt built-in key (token_evn) lands here too, so suggest those as well.
            close = difflib.get_close_matches(key, [*specs, *BUILT_IN_BACKEND_KEYS], n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else (f"{settings.type} accepts: {', '.join(sorted(specs)) or 'no options'}")
            )
            problems.append(settings.problem(key, f"unknown option for {settings.type}", hint))
            continue
        ok = isinstance(value, spec.type) and not (spec.type is int and isinstance(value, bool))
        if spec.type is float and isinstance(value, int) and not isinstance(value, bool):
            ok, value = True, float(value)
        if not ok:
            problems.append(
                settings.problem(
                    key,
                    f"expected {spec.type.__name__}, got {type(value).__name__}",
                    spec.help,
                )
            )
            continue
        if spec.out_of_range(value):
            problems.append(settings.problem(key, spec.range_text(), spec.help))
            continue
        values[key] = value
    for key, spec in specs.items():
        if key in values:
            continue
        if spec.required and key not in settings.options:
            problems.append(settings.problem(key, "missing required option", spec.help))
        elif not spec.required:
            values[key] = spec.default
    if problems:
        raise ConfigError(problems)
    return values


class CISource(Adapter):
    """Runs of a pipeline, with jobs and steps; retry of failed jobs."""

    KIND = "ci"

    @abstractmethod
    async def runs(self, target: CITarget) -> tuple[CIRun, ...]:
        """Recent runs, newest first, with jobs filled in for the newest run of each version.

        Raises:
            AdapterError: any backend failure.
        """

    @abstractmethod
    async def changes(self, target: CITarget, base: str, head: str) -> ChangeSet | None:
        """The commits between two released versions (the adapter maps versions to tags),
        or None when the backend cannot tell.

        Raises:
            AdapterError: any backend failure.
        """

    @abstractmethod
    async def retry(self, target: CITarget, run: CIRun) -> ActionResult:
        """Re-run the failed jobs of a run.

        Raises:
            ActionFailed: the backend refused.
            AdapterError: any other backend failure.
        """


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
    async def rollouts(self, namespace: str) -> dict[str, RolloutState]:
        """Every rollout in a namespace, by name (one list call, not one per release).

        Raises:
            AdapterError: any backend failure.
        """

    @abstractmethod
    async def act(self, action: Action, ref: DeployRef) -> ActionResult:
        """Perform a control action exactly as the backend's own CLI would.

        Raises:
            ActionFailed: the backend refused or the action does not apply now.
            AdapterError: any other backend failure.
        """
