"""The board's ``/`` filter: a query of terms that each release must match (pure, no Textual).

A query is words separated by spaces; a release is shown when it matches every term.
A term is ``value`` (matched against service, team, environment, state and id) or
``field:value`` with field ``service``, ``team``, ``env``, ``cluster`` (the deploy backend
the release runs on) or ``state``; ``!`` in front
negates it (k9s style). Matching ignores case and looks for the value inside the field, so
``env:prod`` matches ``production`` and ``!state:done`` hides finished releases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from release_cockpit.domain import Release

FIELDS: dict[str, str] = {
    "service": "service",
    "svc": "service",
    "team": "team",
    "env": "environment",
    "environment": "environment",
    "cluster": "cluster",
    "state": "state",
    "status": "state",
}


@dataclass(frozen=True, slots=True)
class Term:
    """One word of the query: an optional field, the value looked for, and negation."""

    value: str
    field: str | None = None
    negate: bool = False

    def matches(self, release: Release) -> bool:
        haystack = _fields(release)
        if self.field is None:
            found = any(self.value in text for text in haystack.values())
        else:
            found = self.value in haystack[self.field]
        return found != self.negate


@dataclass(frozen=True, slots=True)
class ReleaseFilter:
    """A parsed query; the empty filter matches every release."""

    terms: tuple[Term, ...] = ()
    text: str = ""

    @classmethod
    def parse(cls, query: str) -> ReleaseFilter:
        terms: list[Term] = []
        for word in query.lower().split():
            negate = word.startswith("!")
            word = word.lstrip("!")
            field: str | None = None
            name, colon, rest = word.partition(":")
            if colon and name in FIELDS:
                field, word = FIELDS[name], rest
            if word:
                terms.append(Term(word, field, negate))
        return cls(tuple(terms), " ".join(query.split()))

    @property
    def active(self) -> bool:
        return bool(self.terms)

    def matches(self, release: Release) -> bool:
        return all(term.matches(release) for term in self.terms)

    def apply(self, releases: Sequence[Release]) -> list[Release]:
        return [release for release in releases if self.matches(release)]


def _fields(release: Release) -> dict[str, str]:
    return {
        "service": release.service.lower(),
        "team": release.team.lower(),
        "environment": release.environment.lower(),
        "cluster": release.cluster.lower(),
        "state": f"{release.attention.label} {release.verdict.level.name.lower()}",
        "id": release.id.lower(),
    }
