"""Theme files (TOML) turned into Textual themes, plus the semantic colour variables widgets use.

A theme file holds Textual's base colours and a ``[variables]`` table of semantic colours
(stage states, verdict levels, environments, stale data), and optionally a
``[low-colour]`` table: the ANSI colour of each state on 16- and 8-colour terminals
(``ui.low_colour``). Widget CSS refers only to those
variables, so a theme recolours every state without touching code. A broken file is
reported as a ``ThemeError`` and skipped; it never stops the app.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Mapping
from pathlib import Path

from textual.app import App
from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

from release_cockpit.errors import ThemeError
from release_cockpit.paths import bundled_themes_dir, user_themes_dir
from release_cockpit.ui.low_colour import parse_low_colour

DEFAULT_THEME = "cockpit-dark"

BASE_COLOURS: tuple[str, ...] = (
    "primary",
    "secondary",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "success",
    "warning",
    "error",
)

SEMANTIC_VARIABLES: tuple[str, ...] = (
    "stage-passed",
    "stage-failed",
    "stage-running",
    "stage-waiting",
    "stage-pending",
    "stage-skipped",
    "stage-unknown",
    "verdict-ok",
    "verdict-warning",
    "verdict-failing",
    "verdict-inconclusive",
    "verdict-unknown",
    "env-production",
    "env-staging",
    "source-stale",
)

_KNOWN_KEYS = frozenset({"name", "dark", "ansi", "boost", "variables", "low-colour", *BASE_COLOURS})

# Where each semantic variable falls back to in a theme that does not define it (Textual's
# built-in themes, or a user theme written before a variable existed). Values are keys of
# the colour system Textual generates from the theme's base colours.
_FALLBACKS: dict[str, str] = {
    "stage-passed": "success",
    "stage-failed": "error",
    "stage-running": "primary-lighten-1",
    "stage-waiting": "warning",
    "stage-pending": "foreground-muted",
    "stage-skipped": "foreground-muted",
    "stage-unknown": "secondary-lighten-2",
    "verdict-ok": "success",
    "verdict-warning": "warning",
    "verdict-failing": "error",
    "verdict-inconclusive": "warning-lighten-1",
    "verdict-unknown": "secondary-lighten-2",
    "env-production": "accent",
    "env-staging": "primary-lighten-1",
    "source-stale": "warning",
}


def semantic_defaults(colours: Mapping[str, str]) -> dict[str, str]:
    """Fallback semantic variables derived from a theme's generated colour system."""
    return {name: colours[source] for name, source in _FALLBACKS.items() if source in colours}


def _check_colour(path: Path, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ThemeError(
            f"{path}: '{key}' must be a colour string, not {type(value).__name__}",
            hint='write a colour like "#4c9be8"',
        )
    try:
        Color.parse(value)
    except ColorParseError as exc:
        raise ThemeError(
            f"{path}: '{key}' = {value!r} is not a colour",
            hint='write a colour like "#4c9be8" or "rgb(76, 155, 232)"',
        ) from exc
    return value


def _unknown_key_error(path: Path, key: str) -> ThemeError:
    close = difflib.get_close_matches(key, sorted(_KNOWN_KEYS), n=1)
    hint = f"did you mean '{close[0]}'?" if close else "remove it"
    return ThemeError(f"{path}: unknown key '{key}'", hint=hint)


def theme_from_mapping(data: Mapping[str, object], path: Path) -> Theme:
    """Validate one parsed theme table and build the Textual theme.

    Raises:
        ThemeError: a key is unknown, a value has the wrong type or is not a colour.
    """
    for key in data:
        if key not in _KNOWN_KEYS:
            raise _unknown_key_error(path, key)
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeError(f"{path}: 'name' is missing", hint='add name = "my-theme"')
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{path}: 'dark' must be true or false", hint="write dark = true")
    ansi = data.get("ansi", False)
    if not isinstance(ansi, bool):
        raise ThemeError(f"{path}: 'ansi' must be true or false", hint="write ansi = true")
    if "primary" not in data:
        raise ThemeError(f"{path}: 'primary' is missing", hint='add primary = "#4c9be8"')
    colours = {
        key: _check_colour(path, key, data[key]) for key in (*BASE_COLOURS, "boost") if key in data
    }
    raw_variables = data.get("variables", {})
    if not isinstance(raw_variables, dict):
        raise ThemeError(f"{path}: [variables] must be a table", hint="write [variables]")
    variables: dict[str, str] = {}
    for key, value in raw_variables.items():
        if key in SEMANTIC_VARIABLES:
            variables[key] = _check_colour(path, f"variables.{key}", value)
        elif isinstance(value, str):
            # Textual's own variables (footer-key-foreground, ...) are not all colours.
            variables[key] = value
        else:
            raise ThemeError(f"{path}: 'variables.{key}' must be a string", hint="quote the value")
    variables.update(parse_low_colour(path, data.get("low-colour", {})))
    if ansi:
        # Textual's CSS for ANSI themes needs variables (``$ansi-background``, cursor and
        # selection colours) that only its own ANSI themes define; without them the app
        # would fail to start, so they come from the matching built-in theme.
        builtin = BUILTIN_THEMES["ansi-dark" if dark else "ansi-light"]
        variables = {**builtin.variables, **variables}
    return Theme(
        name=name.strip(),
        primary=colours["primary"],
        secondary=colours.get("secondary"),
        accent=colours.get("accent"),
        foreground=colours.get("foreground"),
        background=colours.get("background"),
        surface=colours.get("surface"),
        panel=colours.get("panel"),
        success=colours.get("success"),
        warning=colours.get("warning"),
        error=colours.get("error"),
        boost=colours.get("boost"),
        dark=dark,
        ansi=ansi,
        variables=variables,
    )


def load_theme_file(path: Path) -> Theme:
    """Read and validate one theme file.

    Raises:
        ThemeError: the file cannot be read, is not TOML, or is not a valid theme.
    """
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThemeError(f"{path}: cannot read: {exc.strerror}", hint="check the path") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ThemeError(f"{path}: not valid TOML: {exc}", hint="fix the syntax") from exc
    return theme_from_mapping(data, path)


def load_themes(
    bundled_dir: Path | None = None, user_dir: Path | None = None
) -> tuple[list[Theme], list[ThemeError]]:
    """Every usable theme from the bundled and user directories, and what went wrong.

    ``None`` means the default directory (``app.paths``); a directory that does not exist
    holds no themes. User themes come after bundled ones, so a user theme with a bundled
    theme's name replaces it when the caller registers them in order.
    """
    themes: list[Theme] = []
    errors: list[ThemeError] = []
    for directory in (bundled_dir or bundled_themes_dir(), user_dir or user_themes_dir()):
        if not directory.is_dir():
            continue
        for path in sorted(directory.glob("*.toml")):
            try:
                themes.append(load_theme_file(path))
            except ThemeError as exc:
                errors.append(exc)
    return themes, errors


def install_themes(
    app: App[None], requested: str, bundled_dir: Path | None, user_dir: Path | None
) -> list[ThemeError]:
    """Register every usable theme with ``app`` and switch to ``requested`` (or the default
    when it does not exist); the themes that could not be loaded are returned, to be said."""
    themes, errors = load_themes(bundled_dir, user_dir)
    for theme in themes:
        app.register_theme(theme)
    if requested in app.available_themes:
        app.theme = requested
    elif DEFAULT_THEME in app.available_themes:
        app.theme = DEFAULT_THEME
    return errors
