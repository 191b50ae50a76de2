"""What an adapter is built from: its backend's settings, the options and secrets it
declares, and the check of the config's ``[backends.NAME]`` table against them.

Apart from the adapter contracts because config checks and the HTTP layer need these
without an adapter: every problem names the file, line and key of the option.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from release_cockpit.errors import ConfigError, Problem

BUILT_IN_BACKEND_KEYS = (
    "type",
    "url",
    "token_env",
    "token_file",
    "interval",
    "timeout",
    "verify_tls",
    "ca_file",
)


@dataclass(frozen=True, slots=True)
class OptionSpec:
    """One option an adapter accepts under ``[backends.NAME]``."""

    type: type
    help: str
    default: Any = None
    required: bool = False
    minimum: float | None = None  # inclusive bounds for numeric options
    maximum: float | None = None

    def range_text(self) -> str:
        if self.minimum is not None and self.maximum is not None:
            return f"must be between {self.minimum:g} and {self.maximum:g}"
        if self.minimum is not None:
            return f"must be at least {self.minimum:g}"
        return f"must be at most {self.maximum:g}"

    def out_of_range(self, value: Any) -> bool:
        if not isinstance(value, int | float) or isinstance(value, bool):
            return False
        low = self.minimum is not None and value < self.minimum
        return low or (self.maximum is not None and value > self.maximum)


@dataclass(frozen=True, slots=True)
class BackendSettings:
    """What an adapter is built from. ``token`` is the resolved secret, never logged.

    ``file`` and ``lines`` (key path -> line number) let an adapter report a bad option
    with the exact place in the config file. ``ca_file`` is a PEM bundle of the CAs to
    trust instead of the default ones (an internal CA), already ``~``-expanded.
    """

    name: str
    type: str
    url: str
    token: str | None = field(default=None, repr=False)
    timeout: float = 10.0
    verify_tls: bool = True
    options: Mapping[str, Any] = field(default_factory=dict)
    file: str = "<config>"
    lines: Mapping[str, int] = field(default_factory=dict)
    ca_file: str | None = None
    secrets: Mapping[str, str] = field(default_factory=dict, repr=False)
    """The adapter's own secrets (``SECRETS``) by name, resolved from ``<name>_env`` or
    ``<name>_file``; never logged, scrubbed from answers like ``token``."""

    def problem(self, option: str, message: str, hint: str = "") -> Problem:
        key = f"backends.{self.name}.{option}"
        return Problem(self.file, self.lines.get(key), key, message, hint)


@dataclass(frozen=True, slots=True)
class SecretSpec:
    """A secret an adapter needs besides ``token`` (Datadog's API and application keys).

    A config names where it is, never the secret itself: ``<name>_env`` (an environment
    variable) or ``<name>_file`` (a file), exactly as ``token_env``/``token_file`` do.
    """

    name: str
    help: str
    required: bool = True

    @property
    def keys(self) -> tuple[str, str]:
        """The two config keys that may hold its location."""
        return f"{self.name}_env", f"{self.name}_file"


def validate_options(
    specs: Mapping[str, OptionSpec],
    settings: BackendSettings,
    secrets: Sequence[SecretSpec] = (),
) -> dict[str, Any]:
    """Check an adapter's options (and that its required ``secrets`` were resolved); report
    every problem at once with file and line.

    Raises:
        ConfigError: unknown, missing or mistyped options, or a missing secret.
    """
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    secret_keys = [key for spec in secrets for key in spec.keys]
    for key, value in settings.options.items():
        spec = specs.get(key)
        if spec is None:
            # A misspelt built-in key (token_evn) lands here too, so suggest those as well.
            known = [*specs, *BUILT_IN_BACKEND_KEYS, *secret_keys]
            close = difflib.get_close_matches(key, known, n=1)
            hint = (
                f"did you mean '{close[0]}'?"
                if close
                else (f"{settings.type} accepts: {', '.join(sorted(specs)) or 'no options'}")
            )
            problems.append(settings.problem(key, f"unknown option for {settings.type}", hint))
            continue
        ok = isinstance(value, spec.type) and not (spec.type is int and isinstance(value, bool))
        if spec.type is float and isinstance(value, int) and not isinstance(value, bool):
            ok, value = True, float(value)
        if not ok:
            problems.append(
                settings.problem(
                    key,
                    f"expected {spec.type.__name__}, got {type(value).__name__}",
                    spec.help,
                )
            )
            continue
        if spec.out_of_range(value):
            problems.append(settings.problem(key, spec.range_text(), spec.help))
            continue
        values[key] = value
    for key, spec in specs.items():
        if key in values:
            continue
        if spec.required and key not in settings.options:
            problems.append(settings.problem(key, "missing required option", spec.help))
        elif not spec.required:
            values[key] = spec.default
    for secret in secrets:
        if secret.required and not settings.secrets.get(secret.name):
            env_key, file_key = secret.keys
            problems.append(
                settings.problem(
                    env_key,
                    f"{settings.type} needs {secret.help}",
                    f"set {env_key} (an environment variable's name) or {file_key} (a file "
                    "holding it); the secret itself never goes in the config",
                )
            )
    if problems:
        raise ConfigError(problems)
    return values
