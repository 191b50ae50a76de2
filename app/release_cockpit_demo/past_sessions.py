"""What the simulated team's earlier cockpit sessions recorded about its past releases.

GitHub Deployments (``deployments.py``) give the demo's backfill when each past release
started, finished and how it ended. What no backend API carries is what a cockpit that
had been open during those releases would have kept: the time each stage took, the size
of each change set, and the answers people gave to "how confident were you?" and "how
much friction did it take?". This module makes that up, deterministically (seeded by the
repository and version, never by a random generator), as plain values; the demo command
stores them beside the backfilled history so the metrics screen, ``dora --demo`` and
``export --demo`` have something to show.

The simulated team behaves like the research says teams do: bigger change sets fail more
often and take longer in test; people who rolled back answer with less confidence and
more friction. Each service has its own slow stage (a long test suite, a slow checklist,
a cautious canary), so "where the time goes" differs between services.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from release_cockpit_demo.line import ACTORS, RERUN_ACTOR

MINUTE = 60.0
STAGES = ("plan", "build", "test", "pre-release", "deploy", "monitor")
"""The six stages, in the order the cockpit records them."""
_SLOW = ("test", "pre-release", "deploy", "build", "monitor")
"""Each service's slow stage, by a hash of its name."""
_MINUTES = {
    "plan": (2.0, 8.0),
    "build": (3.0, 9.0),
    "test": (6.0, 18.0),
    "pre-release": (4.0, 20.0),
    "deploy": (8.0, 25.0),
    "monitor": (15.0, 30.0),
}
"""A stage's usual length in minutes (low, high) before the service's own slowness."""
_NOTES = (
    "",
    "",
    "canary dashboards lagged; decided on the error ratio alone",
    "",
    "had to chase an approver for the checklist",
    "",
    "rollback was quick, finding the bad commit was not",
)


def unit(*salt: object) -> float:
    """A number in [0, 1) fixed by ``salt``: the same on every run."""
    digest = hashlib.sha256("|".join(str(part) for part in salt).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


@dataclass(frozen=True, slots=True)
class PastStage:
    name: str
    state: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class PastAnswer:
    who: str
    at: float
    moment: str
    confidence: int | None
    friction: int | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class PastSession:
    """One past release as a cockpit would have recorded it."""

    commits: int
    pull_requests: int
    first_commit_at: float
    stages: tuple[PastStage, ...]
    answers: tuple[PastAnswer, ...]


def _scale(value: float, low: int, high: int) -> int:
    return max(low, min(high, low + int(value * (high - low + 1))))


def past_session(
    service: str, version: str, started_at: float, ended_at: float | None, outcome: str
) -> PastSession:
    """The stages, change set and answers of one past release.

    Args:
        service: the service name.
        version: the version released.
        started_at: when its deploy started (epoch seconds).
        ended_at: when its outcome was final, None if unknown.
        outcome: ``succeeded``, ``failed``, ``rolled_back`` or ``aborted``.
    """
    failed = outcome in ("failed", "rolled_back", "aborted")
    draw = unit(service, version, "batch")
    commits = (
        _scale(draw, 14, 45) if failed else _scale(draw**2, 1, 22)
    )  # failures come from big batches, mostly
    pulls = max(1, round(commits * (0.3 + 0.4 * unit(service, version, "prs"))))
    slow = _SLOW[int(unit(service, "slow") * len(_SLOW))]
    lengths = {}
    for name in STAGES:
        low, high = _MINUTES[name]
        minutes = low + (high - low) * unit(service, version, name)
        if name == slow:
            minutes *= 2.5
        if name == "test":
            minutes *= 1 + commits / 40  # a bigger change runs (and reruns) more tests
        lengths[name] = minutes * MINUTE
    # Plan to pre-release come before the deploy started; monitor follows it.
    cursor = started_at - sum(lengths[n] for n in STAGES[:4])
    stages = []
    for name in STAGES:
        end = cursor + lengths[name]
        state = "passed"
        if name == "deploy" and failed:
            end = ended_at if ended_at is not None and ended_at > cursor else end
            state = "failed"
        stages.append(PastStage(name, state, cursor, end))
        cursor = end
        if name == "deploy" and failed:
            break
    answers = []
    last = stages[-1].end
    if unit(service, version, "asked") < (0.9 if failed else 0.55):
        who = ACTORS[int(unit(service, version, "who") * len(ACTORS))]
        moment = "rollback" if outcome == "rolled_back" else "abort" if failed else "promote"
        base = unit(service, version, "confidence")
        confidence = _scale(base, 1, 3) if failed else _scale(base, 3, 5)
        friction = (
            _scale(unit(service, version, "friction"), 3, 5)
            if failed
            else _scale(unit(service, version, "friction"), 1, 3)
        )
        note = _NOTES[int(unit(service, version, "note") * len(_NOTES))]
        answers.append(PastAnswer(who, last + 2 * MINUTE, moment, confidence, friction, note))
        if failed and unit(service, version, "second") < 0.5:
            answers.append(
                PastAnswer(RERUN_ACTOR, last + 9 * MINUTE, "finished", 2, _scale(base, 3, 5))
            )
    # The oldest commit: a few hours of work per commit before planning started, so lead
    # time grows with the batch (as the compare API's commit dates do).
    first = stages[0].start - (2 + commits * 1.5 * unit(service, version, "lead")) * 3600.0
    return PastSession(commits, pulls, first, tuple(stages), tuple(answers))
