"""One poll's outcome as JSON text, for the cockpit that polls to share with the others.

The polling cockpit writes what its poll learned (the ``PollResult`` and how the poll went)
into the team's database; the others read it back and apply it to their own store, as if
they had polled. Never pickle: the text is structured back into the exact domain types
(``cattrs``, type-directed and strict: https://catt.rs/), so a row someone wrote by hand
can at worst be refused as malformed, never run code. Errors travel as their class name
(one of ``release_cockpit.errors``' adapter errors), message, hint and ``retry_after``.
Python's ``json`` keeps NaN and infinities (a measurement may be NaN); the column is text,
not ``jsonb``, which would refuse them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from release_cockpit.domain import Alert, ChangeSet, CIRun, Measurement, RolloutState
from release_cockpit.domain.checklist import CheckResult
from release_cockpit.engine.poll_loop import PollOutcome
from release_cockpit.engine.poll_result import Backfill, PollResult, Usage
from release_cockpit.errors import (
    ActionFailed,
    AdapterError,
    AuthError,
    BadResponse,
    NotFound,
    RateLimited,
    Timeout,
    Unreachable,
)

_ERRORS: dict[str, type[AdapterError]] = {
    cls.__name__: cls
    for cls in (
        AdapterError,
        Unreachable,
        Timeout,
        AuthError,
        NotFound,
        RateLimited,
        BadResponse,
        ActionFailed,
    )
}


class MalformedShare(ValueError):
    """A shared row that does not read back as a poll outcome."""


@dataclass(frozen=True, slots=True)
class _Error:
    kind: str
    message: str
    hint: str = ""
    backend: str = ""
    title: str = ""
    retry_after: float | None = None


@dataclass(slots=True)
class _Result:
    source: str
    answered: list[str] = field(default_factory=list)
    failed: list[tuple[str, _Error]] = field(default_factory=list)
    ci_runs: dict[str, tuple[CIRun, ...]] = field(default_factory=dict)
    changesets: list[tuple[tuple[str, str, str], ChangeSet | None]] = field(default_factory=list)
    rollouts: dict[str, RolloutState] = field(default_factory=dict)
    gone_rollouts: list[str] = field(default_factory=list)
    alerts: tuple[Alert, ...] | None = None
    backfills: list[Backfill] = field(default_factory=list)
    measurements: list[tuple[str, str, Measurement]] = field(default_factory=list)
    not_compared: list[tuple[tuple[str, str], str]] = field(default_factory=list)
    checks: dict[str, dict[str, CheckResult]] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    error: _Error | None = None


@dataclass(slots=True)
class _Outcome:
    source: str
    ok: bool
    latency_ms: float
    error: _Error | None
    next_delay: float
    consecutive_failures: int
    result: _Result | None = None
    baseline: bool = False


@cache
def _converter() -> Any:
    from cattrs.preconf.json import make_converter

    return make_converter(forbid_extra_keys=True)


def _error_out(error: AdapterError | None) -> _Error | None:
    if error is None:
        return None
    retry = error.retry_after if isinstance(error, RateLimited) else None
    kind = type(error).__name__ if type(error).__name__ in _ERRORS else "AdapterError"
    return _Error(kind, error.message, error.hint, error.backend, error.title, retry)


def _error_in(wire: _Error | None) -> AdapterError | None:
    if wire is None:
        return None
    cls = _ERRORS.get(wire.kind)
    if cls is None:
        raise MalformedShare(f"unknown error kind {wire.kind!r}")
    if cls is RateLimited:
        error: AdapterError = RateLimited(
            wire.message, backend=wire.backend, retry_after=wire.retry_after, hint=wire.hint
        )
    else:
        error = cls(wire.message, backend=wire.backend, hint=wire.hint)
    if wire.title:
        error.title = wire.title
    return error


def _result_out(result: PollResult) -> _Result:
    return _Result(
        source=result.source,
        answered=list(result.answered),
        failed=[(t, e) for t, err in result.failed.items() if (e := _error_out(err))],
        ci_runs=dict(result.ci_runs),
        changesets=list(result.changesets.items()),
        rollouts=dict(result.rollouts),
        gone_rollouts=list(result.gone_rollouts),
        alerts=result.alerts,
        backfills=list(result.backfills),
        measurements=list(result.measurements),
        not_compared=list(result.not_compared.items()),
        checks={k: dict(v) for k, v in result.checks.items()},
        usage=result.usage,
        error=_error_out(result.error),
    )


def _result_in(wire: _Result) -> PollResult:
    failed: dict[str, AdapterError] = {}
    for target, error in wire.failed:
        found = _error_in(error)
        if found is not None:
            failed[target] = found
    return PollResult(
        source=wire.source,
        answered=list(wire.answered),
        failed=failed,
        ci_runs=dict(wire.ci_runs),
        changesets=dict(wire.changesets),
        rollouts=dict(wire.rollouts),
        gone_rollouts=list(wire.gone_rollouts),
        alerts=wire.alerts,
        backfills=list(wire.backfills),
        measurements=list(wire.measurements),
        not_compared=dict(wire.not_compared),
        checks={k: dict(v) for k, v in wire.checks.items()},
        usage=wire.usage,
        error=_error_in(wire.error),
    )


def encode(outcome: PollOutcome, *, baseline: bool = False) -> str:
    """The outcome as JSON text (``baseline``: a whole-state result for newcomers)."""
    wire = _Outcome(
        source=outcome.source,
        ok=outcome.ok,
        latency_ms=outcome.latency_ms,
        error=_error_out(outcome.error),
        next_delay=outcome.next_delay,
        consecutive_failures=outcome.consecutive_failures,
        result=_result_out(outcome.result) if outcome.result is not None else None,
        baseline=baseline,
    )
    return json.dumps(_converter().unstructure(wire), separators=(",", ":"))


def decode(text: str) -> tuple[PollOutcome, bool]:
    """(the outcome, whether it is a baseline).

    Raises:
        MalformedShare: the text is not a poll outcome this cockpit can read.
    """
    try:
        wire = _converter().structure(json.loads(text), _Outcome)
        result = _result_in(wire.result) if wire.result is not None else None
        outcome = PollOutcome(
            source=wire.source,
            ok=wire.ok,
            latency_ms=wire.latency_ms,
            error=_error_in(wire.error),
            next_delay=wire.next_delay,
            consecutive_failures=wire.consecutive_failures,
            result=result,
        )
    except MalformedShare:
        raise
    except Exception as exc:  # cattrs' ClassValidationError, json's ValueError, TypeError
        raise MalformedShare(f"{type(exc).__name__}: {str(exc)[:300]}") from exc
    return outcome, wire.baseline
