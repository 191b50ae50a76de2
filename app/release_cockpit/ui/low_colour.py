"""Semantic colours for 16- and 8-colour terminals, where a theme's palette cannot be kept.

On a 16-colour terminal (``TERM=xterm``, ``TERM=linux``, ``--color 16``) every colour is
mapped to the nearest of the 16 ANSI colours (Rich's ``Color.downgrade``), whatever it
meant: the Okabe-Ito vermillion of FAILING became ANSI yellow, like PROD and close to
WAITING. So there each state gets an ANSI colour chosen for its meaning: failing red,
waiting yellow, ok green (cyan in the colour-blind theme), unknown magenta; a theme may
choose others in a ``[low-colour]`` table. The colours are given as Rich's own values
for the 16 standard colours (``rich._palettes.STANDARD_PALETTE``), which downgrade to
exactly that colour's number; an 8-colour terminal shows the bright ones (90-97) as
their base colour, or not at all, so each state's base colour differs too.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from release_cockpit.errors import ThemeError

# Rich's STANDARD_PALETTE, in ANSI order (SGR 30-37, then 90-97).
ANSI16: dict[str, str] = {
    "black": "#000000",
    "red": "#aa0000",
    "green": "#00aa00",
    "yellow": "#aa5500",
    "blue": "#0000aa",
    "magenta": "#aa00aa",
    "cyan": "#00aaaa",
    "white": "#aaaaaa",
    "bright_black": "#555555",
    "bright_red": "#ff5555",
    "bright_green": "#55ff55",
    "bright_yellow": "#ffff55",
    "bright_blue": "#5555ff",
    "bright_magenta": "#ff55ff",
    "bright_cyan": "#55ffff",
    "bright_white": "#ffffff",
}

DEFAULT_LOW_COLOUR: dict[str, str] = {
    "stage-passed": "green",
    "stage-failed": "red",
    "stage-running": "cyan",
    "stage-waiting": "yellow",
    "stage-pending": "white",
    "stage-skipped": "bright_black",
    "stage-unknown": "magenta",
    "verdict-ok": "green",
    "verdict-warning": "yellow",
    "verdict-failing": "red",
    "verdict-inconclusive": "yellow",
    "verdict-unknown": "magenta",
    "env-production": "bright_magenta",
    "env-staging": "cyan",
    "source-stale": "yellow",
}
"""Failing red, waiting yellow, ok green: apart on 16 colours and on 8."""

PREFIX = "low-colour-"
"""Where a theme's ``[low-colour]`` choices travel inside its variables."""
LOW_COLOUR_SYSTEMS = frozenset({"standard", "windows"})
"""Rich's names for the 16-colour systems (``windows``: the legacy Windows console)."""


def is_low_colour(color_system: str | None) -> bool:
    return color_system in LOW_COLOUR_SYSTEMS


def parse_low_colour(path: Path, raw: object) -> dict[str, str]:
    """A theme file's ``[low-colour]`` table, as prefixed variables.

    Raises:
        ThemeError: it is not a table, names an unknown state, or a colour that is not one
            of the 16 ANSI names.
    """
    if not isinstance(raw, dict):
        raise ThemeError(f"{path}: [low-colour] must be a table", hint="write [low-colour]")
    chosen: dict[str, str] = {}
    for key, value in raw.items():
        if key not in DEFAULT_LOW_COLOUR:
            raise ThemeError(
                f"{path}: unknown key 'low-colour.{key}'",
                hint=f"use one of: {', '.join(DEFAULT_LOW_COLOUR)}",
            )
        if not isinstance(value, str) or value not in ANSI16:
            raise ThemeError(
                f"{path}: 'low-colour.{key}' = {value!r} is not an ANSI colour name",
                hint=f"use one of: {', '.join(ANSI16)}",
            )
        chosen[PREFIX + key] = value
    return chosen


def low_colour_variables(theme_variables: Mapping[str, str]) -> dict[str, str]:
    """The semantic variables for a 16- or 8-colour terminal: the theme's ``[low-colour]``
    choices over the defaults, as colours that downgrade to exactly those ANSI colours."""
    return {
        name: ANSI16[theme_variables.get(PREFIX + name, default)]
        for name, default in DEFAULT_LOW_COLOUR.items()
    }
