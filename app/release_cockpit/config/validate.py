"""Strict checking helpers: a problem collector, typed readers for TOML values, "did you mean".

The loader reads every table through a :class:`Reader`; a bad value becomes a
:class:`~app.errors.Problem` and reading carries on, so one run reports every mistake in the
file instead of the first one.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import parse_qsl, urlsplit

from release_cockpit.config.locate import join
from release_cockpit.domain.formatting import parse_duration

if TYPE_CHECKING:
    from release_cockpit.domain.signal_rules import Threshold
from release_cockpit.errors import ConfigError, Problem

T = TypeVar("T")
D = TypeVar("D")

SECRET_MESSAGE = "secrets must not be in the config"
SECRET_HINT = "put it in an environment variable and set token_env, or in a file and set token_file"
_SECRET_NAMES = frozenset(
    {"token", "password", "passwd", "secret", "apikey", "api_key", "authorization", "bearer"}
    | {"app_key", "appkey", "application_key", "api_key_value", "app_key_value"}
)
_SECRET_SUFFIXES = ("_token", "_password", "_secret")
_DURATION_HINT = "write a duration like '500ms', '30s', '5m' or '1h30m', or a number of seconds"
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TOML_AT = re.compile(r"\s*\(at line (\d+), column (\d+)\)$")
_TOML_HINTS = (
    ("Invalid value", 'strings need quotes, e.g. interval = "30s"'),
    ("Expected newline", 'one key = value per line; strings need quotes, e.g. interval = "30s"'),
    ("Cannot declare", "each table may appear only once; merge the duplicates"),
    ("Cannot overwrite", "each key may appear only once in a table; remove one"),
    ("Cannot mutate", "each key may appear only once in a table; remove one"),
    ("Expected '=' after a key", "write key = value; quote keys that contain spaces"),
    ("Unterminated", "close the string that starts on this line"),
    ("Unclosed", "close the array or table that starts on this line"),
)


def is_secret_key(key: str) -> bool:
    """True for key names that can only hold a credential (token, password, secret, ...)."""
    lowered = key.lower()
    return lowered in _SECRET_NAMES or lowered.endswith(_SECRET_SUFFIXES)


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """The closest choice to a misspelt ``word``, or None when nothing is close."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def suggest(word: str, choices: Collection[str], what: str = "valid keys") -> str:
    """A hint for an unknown name: ``did you mean 'x'?`` or the list of valid names."""
    close = did_you_mean(word, choices)
    if close is not None:
        return f"did you mean '{close}'?"
    if not choices:
        return f"there are no {what}"
    return f"{what}: {', '.join(sorted(choices))}"


class Invalid(Exception):
    """Raised by a value checker; the reader turns it into a Problem for the key."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint


class Problems:
    """Collects problems for one file; knows the line of every key path."""

    def __init__(self, file: str, lines: Mapping[str, int]) -> None:
        self.file = file
        self.lines = lines
        self.items: list[Problem] = []

    def line(self, key: str) -> int | None:
        """The line of ``key``, else of the nearest enclosing table that is written down."""
        while key:
            if key in self.lines:
                return self.lines[key]
            cut = max(key.rfind("."), key.rfind("["))
            key = key[:cut] if cut > 0 else ""
        return None

    def add(self, key: str, message: str, hint: str = "") -> None:
        self.items.append(Problem(self.file, self.line(key), key, message, hint))

    def raise_if_any(self) -> None:
        """Raise every collected problem at once, in file order.

        Raises:
            ConfigError: at least one problem was collected.
        """
        if self.items:
            ordered = sorted(self.items, key=lambda p: p.line if p.line is not None else 0)
            raise ConfigError(ordered)


class Reader:
    """Typed access to one TOML table that records problems instead of raising."""

    def __init__(self, problems: Problems, path: str, data: Mapping[str, Any]) -> None:
        self.problems = problems
        self.path = path
        self.data = data

    def key(self, name: str) -> str:
        return join(self.path, name)

    def problem(self, name: str, message: str, hint: str = "") -> None:
        self.problems.add(self.key(name), message, hint)

    def unknown(self, allowed: Collection[str]) -> dict[str, Any]:
        """Report keys outside ``allowed`` (secrets get their own message); return them."""
        extra = {k: v for k, v in self.data.items() if k not in allowed}
        for name in extra:
            if is_secret_key(name):
                self.problem(name, SECRET_MESSAGE, SECRET_HINT)
            else:
                self.problem(name, "unknown key", suggest(name, allowed))
        return extra

    def options(self, reserved: Collection[str]) -> dict[str, Any]:
        """The keys outside ``reserved``, raw; keys named like secrets are refused."""
        return {k: v for k, v in self.data.items() if k not in reserved and self._safe(k, v)}

    def _safe(self, key: str, value: Any, path: str = "") -> bool:
        path = join(path or self.path, key)
        if is_secret_key(key):
            self.problems.add(path, SECRET_MESSAGE, SECRET_HINT)
            return False
        if isinstance(value, dict):
            # Check every nested key (no short-circuit) so each secret gets its own problem.
            verdicts = [self._safe(k, v, path) for k, v in value.items()]
            return all(verdicts)
        return True

    def has(self, name: str) -> bool:
        return name in self.data

    def convert(self, name: str, check: Callable[[Any], T]) -> T | None:
        try:
            return check(self.data[name])
        except Invalid as bad:
            self.problem(name, bad.message, bad.hint)
            return None

    def required(self, name: str, check: Callable[[Any], T], hint: str = "") -> T | None:
        """The checked value, or None after recording why it is missing or wrong."""
        if name not in self.data:
            where = f"[{self.path}]" if self.path else "the top level"
            self.problem(name, f"missing required key '{name}' in {where}", hint)
            return None
        return self.convert(name, check)

    def optional(self, name: str, check: Callable[[Any], T], default: D) -> T | D:
        """The checked value, or ``default`` when absent or wrong (wrong is recorded)."""
        if name not in self.data:
            return default
        value = self.convert(name, check)
        return default if value is None else value

    def table(self, name: str) -> Reader | None:
        """A sub-table reader; None when absent or not a table (recorded)."""
        if name not in self.data:
            return None
        value = self.convert(name, toml_table)
        return None if value is None else Reader(self.problems, self.key(name), value)


def show(value: Any) -> str:
    """A short, TOML-like rendering of a (non-secret) value for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if len(value) <= 40 else value[:37] + "..."
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return repr(value)


def _kind(value: Any) -> str:
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array"}
    return names.get(type(value), "table" if isinstance(value, dict) else type(value).__name__)


def wrong(expected: str, value: Any) -> Invalid:
    shown = f"'{show(value)}'" if isinstance(value, str) else show(value)
    return Invalid(f"expected {expected}, got {shown} ({_kind(value)})")


def toml_table(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise wrong("a table", value)
    return value


def text(value: Any) -> str:
    if not isinstance(value, str):
        raise wrong("a string", value)
    return value


def non_empty(value: Any) -> str:
    if not text(value).strip():
        raise Invalid("must not be empty")
    return str(value)


def boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise wrong("true or false", value)
    return value


def integer(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong("an integer", value)
    return value


def at_least(low: int, hint: str = "") -> Callable[[Any], int]:
    """An integer checker with a lower bound."""

    def check(value: Any) -> int:
        number = integer(value)
        if number < low:
            bound = "must not be negative" if low == 0 else f"must be {low} or more"
            raise Invalid(f"{bound}, got {number}", hint)
        return number

    return check


def number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise wrong("a number", value)
    if not math.isfinite(value):
        raise Invalid(f"must be a finite number, got {show(value)}")
    return float(value)


def strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise wrong("an array of strings", value)
    bad = [item for item in value if not isinstance(item, str)]
    if bad:
        raise Invalid(f"expected an array of strings, got {show(bad[0])} in it")
    return tuple(value)


def duration(value: Any) -> timedelta:
    """A duration: ``"30s"``, ``"1h30m"`` or a number of seconds; never negative."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise Invalid(f"expected a duration like '30s', got {show(value)}", _DURATION_HINT)
    try:
        span = parse_duration(value) if isinstance(value, str) else timedelta(seconds=float(value))
    except (ValueError, OverflowError) as exc:
        raise Invalid(f"expected a duration like '30s', got {show(value)}", _DURATION_HINT) from exc
    if span < timedelta(0):
        raise Invalid(f"must not be negative, got {show(value)}", _DURATION_HINT)
    return span


def positive_duration(value: Any) -> timedelta:
    span = duration(value)
    if span <= timedelta(0):
        raise Invalid(f"must be longer than zero, got {show(value)}", _DURATION_HINT)
    return span


def regex(value: Any) -> str:
    pattern = text(value)
    try:
        re.compile(pattern)
    except re.error as exc:
        raise Invalid(
            f"invalid regular expression: {exc}", "write a Python regular expression"
        ) from exc
    return pattern


def aware_datetime(value: Any) -> datetime:
    """A TOML offset date-time or an RFC 3339 string; a time zone is required."""
    hint = "write an RFC 3339 time with a zone, e.g. 2026-11-27T09:00:00Z"
    moment = value
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise Invalid(f"expected a date and time, got '{show(value)}'", hint) from exc
    if not isinstance(moment, datetime):
        raise Invalid(wrong("a date and time", value).message, hint)
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Invalid(f"needs a time zone, got {show(value)}", hint)
    return moment


def choice(options: Collection[str]) -> Callable[[Any], str]:
    """A string checker that accepts one of ``options`` and suggests the closest otherwise."""

    def check(value: Any) -> str:
        word = text(value)
        if word not in options:
            raise Invalid(
                f"'{show(word)}' is not one of {', '.join(sorted(options))}",
                suggest(word, options, "choose from"),
            )
        return word

    return check


def syntax_problem(file: str, reason: str) -> Problem:
    """A Problem for a tomllib error, with its line and a hint for the usual mistakes."""
    found = _TOML_AT.search(reason)
    line: int | None = None
    if found:
        line = int(found.group(1))
        reason = f"{reason[: found.start()]} at line {line}, column {found.group(2)}"
    hint = next(
        (h for prefix, h in _TOML_HINTS if reason.startswith(prefix)),
        "fix the TOML syntax on that line (see https://toml.io)",
    )
    return Problem(file, line, "", f"not valid TOML: {reason}", hint)


def http_url(value: Any) -> str:
    """An http(s) URL with a host and no credentials in it."""
    url = non_empty(value).strip()
    example = 'e.g. url = "https://prometheus.example.com"'
    try:
        parts = urlsplit(url)
        port = parts.port  # raises ValueError past 65535 or for a non-number
        hostname = parts.hostname
    except ValueError as exc:  # "http://[::1" (unclosed bracket), ":99999"
        raise Invalid(f"not a URL: '{show(url)}' ({exc})", example) from None
    if "@" in parts.netloc or any(is_secret_key(k) for k, _ in parse_qsl(parts.query)):
        raise Invalid(f"{SECRET_MESSAGE} (the URL holds credentials)", SECRET_HINT)
    if parts.scheme not in ("http", "https") or not hostname:
        raise Invalid(f"expected an http:// or https:// URL, got '{show(url)}'", example)
    if port == 0:
        raise Invalid(f"port 0 is not a port to connect to, in '{show(url)}'", example)
    return url


def env_name(value: Any) -> str:
    """The name of an environment variable (the value itself is never shown)."""
    # Never echo the value: someone may have pasted the token itself here.
    if not _ENV_NAME.match(text(value)):
        raise Invalid(
            "token_env must be the NAME of an environment variable",
            'e.g. token_env = "GITHUB_TOKEN"; the token itself goes in that variable',
        )
    return str(value)


def array_of_tables(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise Invalid(
            "expected an array of tables", "write each signal as [[services.KEY.signals]]"
        )
    return [toml_table(item) for item in value]


def threshold(r: Reader) -> Threshold | None:
    """Exactly one of fail_above / fail_below, and a warning on the same side, before it."""
    # Here, not at the top: the TUI reads [cockpit] with this module before its first frame.
    from release_cockpit.domain.signal_rules import Direction, Threshold

    above = r.optional("fail_above", number, None)
    below = r.optional("fail_below", number, None)
    if r.has("fail_above") and r.has("fail_below"):
        r.problem(
            "fail_below",
            "set fail_above or fail_below, not both",
            "a signal fails on one side of its threshold",
        )
        return None
    if not r.has("fail_above") and not r.has("fail_below"):
        r.problems.add(
            r.path,
            "missing threshold: set fail_above or fail_below",
            "e.g. fail_above = 0.05 for an error ratio",
        )
        return None
    fail = above if above is not None else below
    if fail is None:
        return None
    direction = Direction.ABOVE if r.has("fail_above") else Direction.BELOW
    side, other = ("above", "below") if direction is Direction.ABOVE else ("below", "above")
    if r.has(f"warn_{other}"):
        r.problem(
            f"warn_{other}",
            f"warn_{other} does not go with fail_{side}",
            f"use warn_{side}: warnings come before failure on the same side",
        )
    warn = r.optional(f"warn_{side}", number, None)
    if warn is not None and (warn >= fail if side == "above" else warn <= fail):
        relation = "lower" if side == "above" else "higher"
        r.problem(
            f"warn_{side}",
            f"warn_{side} ({warn:g}) must be {relation} than fail_{side} ({fail:g})",
            "the warning band sits between normal values and the failing bound",
        )
        return None
    return Threshold(direction, fail, warn)
