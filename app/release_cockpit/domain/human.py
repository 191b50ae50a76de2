"""The release's human side: how confident the person acting was, how much friction it took.

The release process asks for perceptual data beside the system data (DORA): after a
promote, rollback or abort, and when a release someone acted on finishes, the cockpit
asks once, optionally, for two numbers from 1 to 5 and a note. Answers are kept with the
release (who, when) and shown only as a group's median and count, per service or team,
never per person, and not at all below ``MIN_ANSWERS`` answers: with one or two answers a
"team median" is one person's answer.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from release_cockpit.domain.dora import WEEK, Group, median
from release_cockpit.domain.history import _utc
from release_cockpit.domain.moment import Moment as Moment  # where it was first defined

MIN_ANSWERS = 3
"""Below this many answers a group's figures are hidden."""
SCALE = range(1, 6)


@dataclass(frozen=True, slots=True)
class Answer:
    """One person's answer for one release. Either number may be None (skipped).

    Attributes:
        key: the release line key.
        version: the release's version.
        who: the person (as the audit log names them); stored, never shown in aggregates.
        at: when they answered.
        moment: what prompted the question.
        confidence: 1 (not at all) to 5 (fully confident).
        friction: 1 (none) to 5 (a fight all the way).
        note: optional free text.
        service, team, environment, production: the release's, filled when read back.
    """

    key: str
    version: str
    who: str
    at: datetime
    moment: Moment
    confidence: int | None = None
    friction: int | None = None
    note: str = ""
    service: str = ""
    team: str = ""
    environment: str = ""
    production: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "at", _utc(self.at, "at"))
        for name in ("confidence", "friction"):
            value = getattr(self, name)
            if value is not None and value not in SCALE:
                raise ValueError(f"{name} must be 1 to 5, got {value}")

    def to_json(self) -> dict[str, object]:
        """For `export`: the answers given on one release, with who and when."""
        return {
            "who": self.who,
            "at": self.at.isoformat(),
            "moment": self.moment.value,
            "confidence": self.confidence,
            "friction": self.friction,
            "note": self.note,
        }


@dataclass(frozen=True, slots=True)
class Perception:
    """One figure (confidence or friction) of one group: the median and the count, or
    hidden below ``MIN_ANSWERS``; and the weekly medians (None for a week under the
    minimum) to put beside the change failure rate."""

    median: float | None
    count: int
    weekly: tuple[float | None, ...]

    @property
    def hidden(self) -> bool:
        return self.count < MIN_ANSWERS

    def to_json(self) -> dict[str, object]:
        return {
            "median": None if self.hidden else self.median,
            "count": self.count,
            "hidden": self.hidden,
            "weekly_median": list(self.weekly),
        }

    def text(self) -> str:
        """``4 of 5 (n=7)``, or why it is hidden."""
        if self.hidden:
            return f"hidden (n={self.count} < {MIN_ANSWERS})" if self.count else "-"
        assert self.median is not None
        return f"{self.median:g} of 5 (n={self.count})"


@dataclass(frozen=True, slots=True)
class HumanFigures:
    group: Group
    key: str
    confidence: Perception
    friction: Perception

    def to_json(self) -> dict[str, object]:
        return {
            "group": self.group.value,
            "key": self.key,
            "confidence": self.confidence.to_json(),
            "friction": self.friction.to_json(),
        }


def _perception(
    values: Sequence[tuple[datetime, int]], now: datetime, window: timedelta
) -> Perception:
    weeks = max(1, math.ceil(window / WEEK))
    weekly: list[float | None] = []
    for i in range(weeks):
        start, end = now - (weeks - i) * WEEK, now - (weeks - i - 1) * WEEK
        week = [v for at, v in values if start < at <= end]
        weekly.append(median(week) if len(week) >= MIN_ANSWERS else None)
    numbers = [v for _, v in values]
    found = median(numbers) if len(numbers) >= MIN_ANSWERS else None
    return Perception(found, len(numbers), tuple(weekly))


def human_figures(
    answers: Iterable[Answer],
    now: datetime,
    window: timedelta,
    group: Group,
    *,
    production_only: bool = True,
) -> list[HumanFigures]:
    """Per group key (sorted; one for ``Group.ALL``), the answers given in the window."""
    start = now - window
    chosen = [a for a in answers if start < a.at <= now and (a.production or not production_only)]

    def key_of(answer: Answer) -> str:
        if group is Group.SERVICE:
            return answer.service
        if group is Group.TEAM:
            return answer.team
        if group is Group.ENVIRONMENT:
            return answer.environment
        return "all"

    keys = sorted({key_of(a) for a in chosen}) if group is not Group.ALL else ["all"]
    result = []
    for key in keys:
        mine = [a for a in chosen if key_of(a) == key]
        confidence = [(a.at, a.confidence) for a in mine if a.confidence is not None]
        friction = [(a.at, a.friction) for a in mine if a.friction is not None]
        result.append(
            HumanFigures(
                group,
                key,
                _perception(confidence, now, window),
                _perception(friction, now, window),
            )
        )
    return result
