"""What ``release-cockpit check`` reports: per backend (``ProbeResult``) and per thing a
release line points at on it (``TargetCheck``), with the helpers that build a target's check
from a read that worked or failed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from release_cockpit.domain import Target
from release_cockpit.domain.ci import RunCensus
from release_cockpit.errors import AdapterError


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


_T = TypeVar("_T")


def checks_per_target(
    backend: str,
    targets: Sequence[Target],
    answers: Mapping[Target, _T | AdapterError],
    judge: Callable[[Target, _T], TargetCheck],
) -> dict[Target, TargetCheck]:
    """Each target's check from one batched read: its own error, no answer at all, or
    ``judge`` of what came back (one target's failure never fails the others)."""
    found: dict[Target, TargetCheck] = {}
    for target in targets:
        answer = answers.get(target)
        if answer is None:
            found[target] = TargetCheck(False, f"{backend} gave no answer for it")
        elif isinstance(answer, AdapterError):
            found[target] = failed_check(answer)
        else:
            found[target] = judge(target, answer)
    return found
