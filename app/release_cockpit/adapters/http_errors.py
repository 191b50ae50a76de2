"""What a failed HTTP exchange means: our error type, whether to retry, and how long to wait.

Pure functions of a response (or a transport exception) and the time, so the whole
error policy of ``http.py`` is testable without a network:

- 401/403 -> AuthError; 404 -> NotFound; other 4xx/5xx -> BadResponse with the backend's
  own error text; transport failures -> Unreachable or Timeout.
- 429, or 403 with the quota spent / a Retry-After / a "rate limit" message ->
  RateLimited, waiting per GitHub's documented order (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api):
  Retry-After, else the reset time when the quota is spent, else a floor.
- 429 and 502/503/504 are retried; a wait above ``max_retry_after`` is not waited inside
  a request but raised as RateLimited(retry_after) so the engine backs off instead.
- Requests that change things are retried only when the backend cannot have acted on
  them: the connection never opened, or it answered 429.
"""

from __future__ import annotations

import email.utils
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import httpx

from release_cockpit.domain.text import clean_text
from release_cockpit.errors import (
    AdapterError,
    AuthError,
    BadResponse,
    NotFound,
    RateLimited,
    Timeout,
    Unreachable,
)

RETRY_STATUSES = frozenset({429, 502, 503, 504})
ERROR_TEXT_LIMIT = 300

_TAG = re.compile(r"<[^>]*>")


@dataclass(frozen=True, slots=True)
class Failure:
    """The error to raise, and whether (and after how long) to try again first.

    ``wait`` None with ``retry`` True means "use the exponential backoff".
    """

    error: AdapterError
    retry: bool = False
    wait: float | None = None


@contextmanager
def attributed(backend: str) -> Iterator[None]:
    """Stamp ``backend`` on any AdapterError raised inside (pure parsers do not know it)."""
    try:
        yield
    except AdapterError as exc:
        if not exc.backend:
            exc.backend = backend
        raise


def backend_error_text(response: httpx.Response) -> str:
    """The backend's own explanation from an error body, cleaned and truncated.

    Knows GitHub/GitLab/Kubernetes ``message`` (with GitHub's validation ``errors``),
    Prometheus ``errorType``/``error``, Alertmanager's bare JSON string, Datadog's
    ``errors`` list and GraphQL's ``errors`` objects; other bodies (an HTML error page)
    give their text without tags.
    """
    try:
        payload: Any = json.loads(response.content) if response.content else None
    except ValueError:
        payload = None
    text = ""
    if isinstance(payload, str):
        text = payload
    elif isinstance(payload, dict):
        if isinstance(payload.get("error"), str):
            kind = payload.get("errorType")
            text = f"{kind}: {payload['error']}" if isinstance(kind, str) else payload["error"]
        elif isinstance(payload.get("message"), str):
            text = payload["message"]
            details = [
                e["message"]
                for e in payload.get("errors") or []
                if isinstance(e, dict) and isinstance(e.get("message"), str)
            ]
            if details:
                text = f"{text}: {'; '.join(details)}"
        elif isinstance(payload.get("errors"), list):
            # GraphQL (GitLab) sends objects with a message; Datadog sends strings.
            text = "; ".join(
                e["message"]
                if isinstance(e, dict) and isinstance(e.get("message"), str)
                else str(e)
                for e in payload["errors"]
            )
    elif payload is None and response.content:
        text = _TAG.sub(" ", response.content[:4096].decode("utf-8", "replace"))
    return clean_text(" ".join(text.split()), ERROR_TEXT_LIMIT)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delta seconds or an HTTP date."""
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def parse_reset(value: str | None, now: float) -> float | None:
    """Epoch seconds of a quota reset header.

    GitHub and GitLab send epoch seconds; Buildkite and Datadog send seconds until the
    reset. Values too small to be an epoch are taken as a delta.
    """
    if value is None:
        return None
    try:
        number = float(value.strip())
    except ValueError:
        return None
    return number if number > 1e9 else now + max(0.0, number)


def header_int(headers: httpx.Headers, *names: str) -> int | None:
    """The first of ``names`` present, as an int (httpx headers are case-insensitive)."""
    for name in names:
        value = headers.get(name)
        if value is not None:
            try:
                return int(value.strip())
            except ValueError:
                return None
    return None


def reset_header(headers: httpx.Headers) -> str | None:
    value = headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset")
    return value if isinstance(value, str) else None


def auth_hint(backend: str) -> str:
    """Where the token comes from, never the token itself."""
    return (
        f"check the token of backends.{backend} (the variable named by token_env or the file "
        "named by token_file) and its permissions"
    )


def status_error(backend: str, response: httpx.Response, where: str) -> AdapterError:
    """The error for a non-rate-limit error status."""
    status = response.status_code
    text = backend_error_text(response)
    detail = f": {text}" if text else ""
    if status in (401, 403):
        return AuthError(
            f"{backend} refused access to {where} (HTTP {status}){detail}",
            backend=backend,
            hint=auth_hint(backend),
        )
    if status == 404:
        return NotFound(
            f"{backend} has no {where} (HTTP 404){detail}",
            backend=backend,
            hint="check the project, namespace or name in the config and the token's access",
        )
    return BadResponse(
        f"{backend} answered HTTP {status} for {where}{detail}",
        backend=backend,
        hint="the backend reported an error; it may pass, or check its logs",
    )


def classify_status(
    backend: str,
    response: httpx.Response,
    where: str,
    *,
    now: float,
    safe: bool,
    max_retry_after: float,
    rate_limit_floor: float | None = None,
    reset_when_limited: bool = False,
) -> Failure:
    """What an error status (>= 400, or an unfollowed 3xx) means for this request.

    ``reset_when_limited``: a 429 waits for the quota's reset header even when the
    remaining count is not 0 (Datadog; GitHub's secondary limits must not, their reset is
    the primary quota's).
    """
    headers = response.headers
    status = response.status_code
    retry_after = parse_retry_after(headers.get("retry-after"), now)
    spent = header_int(headers, "x-ratelimit-remaining", "ratelimit-remaining") == 0
    text = backend_error_text(response)
    limited = status == 429 or (
        status == 403 and (spent or retry_after is not None or "rate limit" in text.lower())
    )
    if limited:
        wait = retry_after
        if wait is None and (spent or (reset_when_limited and status == 429)):
            reset = parse_reset(reset_header(headers), now)
            wait = None if reset is None else max(0.0, reset - now)
        if wait is None:
            wait = rate_limit_floor
        when = f"; retry in {wait:.0f}s" if wait is not None else ""
        limited_error = RateLimited(
            f"{backend} rate limit reached (HTTP {status}){when}" + (f": {text}" if text else ""),
            backend=backend,
            retry_after=wait,
            hint=f"the cockpit backs off by itself; raise backends.{backend}.interval to poll "
            "less often",
        )
        # A rate-limited request was not acted on, so even a POST may be sent again.
        return Failure(limited_error, retry=wait is None or wait <= max_retry_after, wait=wait)
    if status in RETRY_STATUSES and retry_after is not None and retry_after > max_retry_after:
        return Failure(
            RateLimited(
                f"{backend} is unavailable (HTTP {status}) for {where} and asks to wait "
                f"{retry_after:.0f}s" + (f": {text}" if text else ""),
                backend=backend,
                retry_after=retry_after,
                hint="the cockpit backs off by itself and polls again after that",
            )
        )
    error = status_error(backend, response, where)
    return Failure(error, retry=safe and status in RETRY_STATUSES, wait=retry_after)


def transport_failure(
    backend: str, exc: Exception, what: str, *, timeout: float, safe: bool
) -> Failure:
    """What an httpx exception means; ``what`` is "METHOD path" for the message."""
    if isinstance(exc, httpx.TimeoutException):
        # No connection means no request reached the backend: always safe to retry.
        unsent = isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
        return Failure(
            Timeout(
                f"{backend} did not answer {what} within {timeout:g}s",
                backend=backend,
                hint=f"raise backends.{backend}.timeout or check the backend's load",
            ),
            retry=unsent or (safe and isinstance(exc, httpx.ReadTimeout)),
        )
    if isinstance(exc, httpx.TransportError):
        unsent = isinstance(exc, httpx.ConnectError)
        return Failure(
            Unreachable(
                f"cannot reach {backend} for {what}: {clean_text(exc, 200) or type(exc).__name__}",
                backend=backend,
                hint=f"check backends.{backend}.url, the network and that the server is up",
            ),
            retry=unsent
            or (safe and isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError)),
        )
    if isinstance(exc, httpx.InvalidURL):
        return Failure(
            Unreachable(
                f"{backend}: invalid URL for {what}: {clean_text(exc, 200)}",
                backend=backend,
                hint=f"fix backends.{backend}.url",
            )
        )
    return Failure(
        BadResponse(
            f"{backend} sent an unusable response to {what}: "
            f"{clean_text(exc, 200) or type(exc).__name__}",
            backend=backend,
            hint="check the backend and any proxy in front of it",
        )
    )
