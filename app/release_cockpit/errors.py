"""Typed errors that reach people: each has a title and says what to do next.

Tree::

    CockpitError(title, message, hint)
    ├── ConfigError          a config file problem (carries every Problem found)
    ├── ThemeError           a theme file that cannot be used
    ├── ActionRefused        the action path said no: read-only, policy, freeze, in flight
    └── AdapterError         anything a backend did; raised only at the adapter boundary
        ├── Unreachable      connection refused, DNS failure, TLS failure
        ├── Timeout          no answer within the client's timeout
        ├── AuthError        401/403 that is not a rate limit
        ├── NotFound         404 for something the config names
        ├── RateLimited      429 or a 403 with the quota spent; carries when to retry
        ├── BadResponse      garbage: non-JSON, wrong shape, error envelope
        └── ActionFailed     a control call the backend refused (409, 422, ...)

Adapters translate every httpx and parsing failure into one of these, so the engine
and UI only ever handle this tree.
"""

from __future__ import annotations

from dataclasses import dataclass


class CockpitError(Exception):
    """Root of every error the cockpit shows to a person."""

    title = "release-cockpit error"
    bad_input = False
    """True when the person's input caused it (a config, a flag, an environment variable):
    commands exit 2 for those, as for a usage error."""

    def __init__(self, message: str, *, title: str | None = None, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong in a config file, located precisely enough to fix it.

    Attributes:
        file: path of the file the problem is in.
        line: 1-based line number, or None when the key is missing altogether.
        key: dotted key path, e.g. ``services.checkout.signals[0].fail_above``.
        message: what is wrong.
        hint: how to fix it ("did you mean ...?", "write a duration like '30s'").
    """

    file: str
    line: int | None
    key: str
    message: str
    hint: str = ""

    def render(self) -> str:
        """One line a person can act on: ``file:line: key: message (hint)``."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.key}: {self.message}" if self.key else f"{where}: {self.message}"
        return f"{text}. {self.hint}" if self.hint else text


class ConfigError(CockpitError):
    """The config cannot be used; ``problems`` lists every problem found, not just the first."""

    title = "Invalid configuration"
    bad_input = True

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        lines = "\n".join(p.render() for p in self.problems)
        count = len(self.problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(
            f"{count} {noun} in the configuration:\n{lines}",
            hint="fix the lines above, then run `release-cockpit check`",
        )


class ThemeError(CockpitError):
    """A theme file that cannot be loaded; the app skips it and keeps going."""

    title = "Theme not loaded"


class ActionRefused(CockpitError):
    """An action the cockpit will not send; ``rule`` names what refused it."""

    title = "Action refused"

    def __init__(self, message: str, *, rule: str, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.rule = rule


class AdapterError(CockpitError):
    """Something a backend did wrong, already translated to our terms."""

    title = "Backend error"

    def __init__(self, message: str, *, backend: str = "", hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.backend = backend


class Unreachable(AdapterError):
    title = "Backend unreachable"


class Timeout(AdapterError):
    title = "Backend timed out"


class AuthError(AdapterError):
    title = "Not authorised"


class NotFound(AdapterError):
    title = "Not found"


class RateLimited(AdapterError):
    """The backend asked us to slow down; ``retry_after`` is seconds from now, if known."""

    title = "Rate limited"

    def __init__(
        self,
        message: str,
        *,
        backend: str = "",
        retry_after: float | None = None,
        hint: str = "",
    ) -> None:
        super().__init__(message, backend=backend, hint=hint)
        self.retry_after = retry_after


class BadResponse(AdapterError):
    title = "Bad response"


class ActionFailed(AdapterError):
    title = "Action failed"
