"""The production-readiness checklist: the Pre-release stage a human signs off.

Manual items are ticked in the UI (who and when are stored per release version, so a new
version starts unticked); automatic items are a query with a threshold or an HTTP probe
with an expected status, checked by the engine. Everything here is pure: the engine hands
in the ticks and the latest check results, this module says what the stage looks like.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from release_cockpit.domain.formatting import format_duration
from release_cockpit.domain.stages import Stage, StageName, StageState


class ItemKind(Enum):
    MANUAL = "manual"
    QUERY = "query"  # a health-backend query whose value must pass a threshold
    HTTP = "http"  # an HTTP GET that must answer with the expected status


@dataclass(frozen=True, slots=True)
class ChecklistItem:
    """One configured item. Exactly one of the kinds' fields is meaningful."""

    name: str
    kind: ItemKind = ItemKind.MANUAL
    backend: str = ""
    query: str = ""
    pass_below: float | None = None
    pass_above: float | None = None
    url: str = ""
    expect_status: int = 200

    @property
    def condition(self) -> str:
        """What passing means, in words: ``value < 0.01`` or ``HTTP 200``."""
        if self.kind is ItemKind.QUERY:
            if self.pass_below is not None:
                return f"value < {self.pass_below:g}"
            return f"value > {self.pass_above:g}"
        if self.kind is ItemKind.HTTP:
            return f"HTTP {self.expect_status}"
        return "ticked by a person"


@dataclass(frozen=True, slots=True)
class Tick:
    """A person's sign-off of a manual item for one release version."""

    item: str
    by: str
    at: datetime
    ticked: bool = True


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The latest answer of an automatic item."""

    passed: bool
    detail: str
    at: datetime


def check_query(item: ChecklistItem, value: float | None, at: datetime) -> CheckResult:
    """Judge a query item's value; no value or NaN never passes."""
    if value is None or value != value:
        return CheckResult(False, "the query returned no data", at)
    if item.pass_below is not None:
        ok = value < item.pass_below
    else:
        ok = item.pass_above is not None and value > item.pass_above
    relation = "meets" if ok else "fails"
    return CheckResult(ok, f"value {value:g} {relation} {item.condition}", at)


def check_http(item: ChecklistItem, status: int | None, error: str, at: datetime) -> CheckResult:
    """Judge an HTTP probe's answer; a transport error is a failure with its reason."""
    if status is None:
        return CheckResult(False, error or "no answer", at)
    ok = status == item.expect_status
    expected = "" if ok else f" (expected {item.expect_status})"
    return CheckResult(ok, f"answered HTTP {status}{expected}", at)


@dataclass(frozen=True, slots=True)
class ItemState:
    """One item as the panel and detail screen show it."""

    item: ChecklistItem
    done: bool
    detail: str
    by: str = ""
    at: datetime | None = None
    failed: bool = False  # an automatic check answered and did not pass


@dataclass(frozen=True, slots=True)
class Checklist:
    items: tuple[ItemState, ...]

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def complete(self) -> bool:
        return self.done == self.total

    @property
    def summary(self) -> str:
        """``checklist 7/9``: what the panel shows."""
        return f"checklist {self.done}/{self.total}"

    def missing(self) -> tuple[str, ...]:
        return tuple(i.item.name for i in self.items if not i.done)


def build_checklist(
    items: Sequence[ChecklistItem],
    ticks: Mapping[str, Tick],
    results: Mapping[str, CheckResult],
    now: datetime,
) -> Checklist:
    """Combine configuration, stored ticks and check results into the release's checklist."""
    states: list[ItemState] = []
    for item in items:
        if item.kind is ItemKind.MANUAL:
            tick = ticks.get(item.name)
            if tick is not None and tick.ticked:
                ago = format_duration(now - tick.at)
                states.append(
                    ItemState(item, True, f"ticked by {tick.by} {ago} ago", tick.by, tick.at)
                )
            else:
                states.append(ItemState(item, False, "not ticked yet"))
            continue
        result = results.get(item.name)
        if result is None:
            states.append(ItemState(item, False, "not checked yet"))
        else:
            states.append(
                ItemState(
                    item, result.passed, result.detail, at=result.at, failed=not result.passed
                )
            )
    return Checklist(tuple(states))


def checklist_stage(checklist: Checklist, ci: Stage) -> Stage:
    """The Pre-release stage: CI's pre-release jobs (if any) and the checklist together.

    A failing automatic check fails the stage; unticked manual items make it wait for a
    person; checks that have not answered yet keep it running.
    """
    failed = [i for i in checklist.items if i.failed]
    open_manual = [i for i in checklist.items if not i.done and i.item.kind is ItemKind.MANUAL]
    summary = checklist.summary
    if failed:
        first = failed[0]
        own = Stage(
            StageName.PRE_RELEASE, StageState.FAILED, f"{summary}: {first.item.name} {first.detail}"
        )
    elif checklist.complete:
        own = Stage(StageName.PRE_RELEASE, StageState.PASSED, summary)
    elif open_manual:
        names = ", ".join(f"'{i.item.name}'" for i in open_manual)
        own = Stage(StageName.PRE_RELEASE, StageState.WAITING, f"{summary}: tick {names}")
    else:
        own = Stage(StageName.PRE_RELEASE, StageState.RUNNING, f"{summary}: checks running")
    if ci.state is StageState.SKIPPED:
        return own
    worse = min((own, ci), key=lambda s: _URGENCY.index(s.state))
    detail = f"{ci.detail}; {own.detail}" if ci.detail else own.detail
    return Stage(StageName.PRE_RELEASE, worse.state, detail, ci.started_at, ci.finished_at)


# Most urgent first: the combined stage takes the more urgent of CI's and the checklist's.
_URGENCY = (
    StageState.FAILED,
    StageState.WAITING,
    StageState.UNKNOWN,
    StageState.RUNNING,
    StageState.PENDING,
    StageState.PASSED,
    StageState.SKIPPED,
)
