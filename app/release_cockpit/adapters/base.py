"""The adapter contracts: what a CI source, health source, alert source, deploy target and
flag source do.

Every adapter:

- is built from a ``BackendSettings`` (URL, secret already resolved, timeouts, and its own
  raw ``options`` table, which it validates against its declared ``OPTIONS``);
- declares the actions it can perform in ``CAPABILITIES`` so the UI offers only those;
- raises only ``app.errors.AdapterError`` subclasses from its public coroutines;
- keeps parsing in pure module-level functions that tests feed recorded payloads.

The contracts stay together in this one module (a little over 450 lines) so that someone
writing an adapter reads one file: the kinds, the declarations, the offer and the errors.
"""

from __future__ import annotations

import asyncio
import math
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar, runtime_checkable

import httpx

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
from release_cockpit.errors import ActionFailed, AdapterError, ConfigError, NotFound, Problem

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
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The adapter's own secrets (``SECRETS``) by name, resolved from ``<name>_env`` or
    ``<name>_file``; never logged, scrubbed from answers like ``token``."""

    def problem(self, option: str, message: str, hint: str = "") -> Problem:
        key = f"backends.{self.name}.{option}"
        return Problem(self.file, self.lines.get(key), key, message, hint)


@dataclass(frozen=True, slots=True)
class SecretSpec:
    """A secret an adapter needs besides ``token`` (Datadog's API and application keys).

    A config names where it is, never the secret itself: ``<name>_env`` (an environment
    variable) or ``<name>_file`` (a file), exactly as ``token_env``/``token_file`` do.
    """

    name: str
    help: str
    required: bool = True

    @property
    def keys(self) -> tuple[str, str]:
        """The two config keys that may hold its location."""
        return f"{self.name}_env", f"{self.name}_file"


@dataclass(frozen=True, slots=True)
class ProbeResult:
    """What `release-cockpit check` prints per backend.

    ``problem`` names what went wrong when the booleans alone would mislead: "wrong path"
    (the server answered 404: the URL is not the API's root), "bad answer" (it answered
    something that is not its API). ``url`` is the URL the probe requested, shown with
    a wrong path so the person sees what was asked.
    """

    reachable: bool
    authorised: bool
    latency_ms: float | None
    detail: str = ""
    problem: str = ""
    url: str = ""

    @property
    def ok(self) -> bool:
        return self.reachable and self.authorised and not self.problem

    @property
    def verdict(self) -> str:
        """The word `check` prints: ok, UNREACHABLE, NOT AUTHORISED, WRONG PATH..."""
        if self.ok:
            return "ok"
        if self.problem:
            return self.problem.upper()
        return "NOT AUTHORISED" if self.reachable else "UNREACHABLE"


@dataclass(frozen=True, slots=True)
class TargetCheck:
    """What `check` found for one thing a release line points at on a backend (its CI
    project, its rollout, a query): whether it is usable, in one line, and what a
    person should know besides (runs that carry no version, a query with no data now)."""

    ok: bool
    detail: str
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    """What will not stop the cockpit but may mislead a person (shown as warnings, no
    change to the exit code): runs none of which carries a version, say."""


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


def census_check(target: Target, census: RunCensus) -> TargetCheck:
    """A CI target's check from its runs: counted, and a warning when none has a version."""
    warnings: tuple[str, ...] = ()
    if census.seen and not census.versioned:
        warnings = (
            f"no recent run of {target.label} carries a version ({census.seen} seen): "
            "they are shown as 'version unknown', never as a release; if releases run "
            "here, set the CI backend's version options (`release-cockpit adapters`)",
        )
    return TargetCheck(True, census.summary(), census.details(), warnings)


def failed_check(error: AdapterError) -> TargetCheck:
    """A failed TargetCheck in the error's words, with its next step."""
    text = " ".join(error.message.split())
    return TargetCheck(False, text, (error.hint,) if error.hint else ())


def validate_options(
    specs: Mapping[str, OptionSpec],
    settings: BackendSettings,
    secrets: Sequence[SecretSpec] = (),
) -> dict[str, Any]:
    """Check an adapter's options (and that its required ``secrets`` were resolved); report
    every problem at once with file and line.

    Raises:
        ConfigError: unknown, missing or mistyped options, or a missing secret.
    """
    import difflib

    problems: list[Problem] = []
    values: dict[str, Any] = {}
    secret_keys = [key for spec in secrets for key in spec.keys]
    for key, value in settings.options.items():
        spec = specs.get(key)
        if spec is None:
            # A misspelt built-in key (token_evn) lands here too, so suggest those as well.
            known = [*specs, *BUILT_IN_BACKEND_KEYS, *secret_keys]
            close = difflib.get_close_matches(key, known, n=1)
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
    for secret in secrets:
        if secret.required and not settings.secrets.get(secret.name):
            env_key, file_key = secret.keys
            problems.append(
                settings.problem(
                    env_key,
                    f"{settings.type} needs {secret.help}",
                    f"set {env_key} (an environment variable's name) or {file_key} (a file "
                    "holding it); the secret itself never goes in the config",
                )
            )
    if problems:
        raise ConfigError(problems)
    return values


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
        found: dict[Target, TargetCheck] = {}
        for target in targets:
            answer = answers.get(target)
            if answer is None:
                found[target] = TargetCheck(False, f"{self.name} gave no answer for it")
            elif isinstance(answer, AdapterError):
                found[target] = failed_check(answer)
            else:
                found[target] = census_check(target, RunCensus.of(answer))
        return found

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
        found: dict[Target, TargetCheck] = {}
        for target in targets:
            answer = answers.get(target)
            if answer is None:
                found[target] = TargetCheck(False, f"{self.name} gave no answer for it")
            elif isinstance(answer, AdapterError):
                found[target] = failed_check(answer)
            else:
                running = answer.stable_version or "unknown version"
                found[target] = TargetCheck(True, f"found: {answer.phase.value}, running {running}")
        return found

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


ListScope = TypeVar("ListScope", bound=Hashable)


async def listed_by_scope(
    targets: Sequence[Target],
    scope_of: Callable[[Target], ListScope],
    name_of: Callable[[Target], str],
    read: Callable[[ListScope], Awaitable[Mapping[str, RolloutState]]],
    *,
    backend: str,
    what: str,
) -> dict[Target, RolloutState | AdapterError]:
    """Read one list per scope (a namespace) and pick each target's object from it.

    The usual shape of a deploy adapter's ``rollouts``: Kubernetes lists cost one request
    per namespace however many releases live there. A missing object is a ``NotFound``
    for its own target only.
    """
    scopes: dict[ListScope, list[Target]] = {}
    for target in targets:
        scopes.setdefault(scope_of(target), []).append(target)
    order = list(scopes)
    answers = await asyncio.gather(*(read(scope) for scope in order), return_exceptions=True)
    found: dict[Target, RolloutState | AdapterError] = {}
    for scope, answer in zip(order, answers, strict=True):
        if isinstance(answer, BaseException) and not isinstance(answer, AdapterError):
            raise answer
        for target in scopes[scope]:
            if isinstance(answer, AdapterError):
                found[target] = answer
                continue
            state = answer.get(name_of(target))
            found[target] = state or NotFound(
                f"{what} {scope}/{name_of(target)} not found",
                backend=backend,
                hint="check the service's deploy keys in the config",
            )
    return found
