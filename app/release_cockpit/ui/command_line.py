"""The ``:`` command line, k9s style: parse what was typed into one command (pure, no Textual).

``:checkout`` or ``:release checkout`` opens a release (by key, service or id, exact
first, then by prefix, then anywhere in it); ``:env prod`` filters the board to an
environment; ``:filter QUERY`` sets the ``/`` filter; ``:theme NAME`` switches theme;
``:pause``, ``:resume`` and ``:q`` do what they say.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from release_cockpit.domain import Release


class Verb(enum.Enum):
    RELEASE = "release"
    ENV = "env"
    FILTER = "filter"
    THEME = "theme"
    PAUSE = "pause"
    RESUME = "resume"
    QUIT = "quit"
    EMPTY = "empty"


_ALIASES: dict[str, Verb] = {
    "release": Verb.RELEASE,
    "rel": Verb.RELEASE,
    "open": Verb.RELEASE,
    "env": Verb.ENV,
    "environment": Verb.ENV,
    "filter": Verb.FILTER,
    "theme": Verb.THEME,
    "pause": Verb.PAUSE,
    "resume": Verb.RESUME,
    "q": Verb.QUIT,
    "quit": Verb.QUIT,
}

HELP = ":NAME opens a release | :env NAME | :filter QUERY | :theme NAME | :pause | :q"


@dataclass(frozen=True, slots=True)
class Command:
    verb: Verb
    argument: str = ""


def parse_command(text: str) -> Command:
    """What ``text`` asks for; an unknown first word is a release to open."""
    words = text.strip().lstrip(":").split(maxsplit=1)
    if not words:
        return Command(Verb.EMPTY)
    first, rest = words[0], words[1] if len(words) > 1 else ""
    verb = _ALIASES.get(first.lower())
    if verb is None:
        return Command(Verb.RELEASE, text.strip().lstrip(":").strip())
    return Command(verb, rest.strip())


def find_release(releases: Sequence[Release], text: str) -> Release | None:
    """The release ``text`` names: exact key, service or id first, then prefix, then substring."""
    wanted = text.strip().lower()
    if not wanted:
        return None

    def names(release: Release) -> tuple[str, ...]:
        return (release.key.lower(), release.service.lower(), release.id.lower())

    for test in (
        lambda name: name == wanted,
        lambda name: name.startswith(wanted),
        lambda name: wanted in name,
    ):
        for release in releases:
            if any(test(name) for name in names(release)):
                return release
    return None
