"""Every fault the matrix injects, with what the cockpit must then show for the source.

``title`` is the SourceStatus ``error_title`` (the error type's title, see
``app/errors.py``); ``message`` a fragment of its ``error`` text; ``retry_after`` the
least delay before the next poll when the backend asked for one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from tests.support.fault_server import Behaviour, Fault

HUGE_CAP = 1 << 20
"""The body cap the matrix runs with (the real one is 32 MiB; see tests/faults/test_body_cap.py)."""

_JSON = (("Content-Type", "application/json"),)
_HTML = (("Content-Type", "text/html; charset=utf-8"),)


@dataclass(frozen=True, slots=True)
class FaultCase:
    fault: Fault
    title: str
    message: str
    retry_after: float | None = None
    flaps: bool = False

    @property
    def id(self) -> str:
        return self.fault.id


def _status(
    status: int, body: object, headers: tuple[tuple[str, str], ...] = _JSON, suffix: str = ""
) -> Fault:
    raw = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    return Fault(f"http-{status}{suffix}", status=status, headers=headers, body=raw)


SIGN_IN_PAGE = (
    "<!DOCTYPE html><html><head><title>Sign in - Corporate SSO</title></head>"
    "<body><h1>Please sign in</h1><form method=post></form></body></html>"
)

CASES = (
    FaultCase(Fault("connection-refused", Behaviour.REFUSE), "Backend unreachable", "cannot reach"),
    FaultCase(Fault("dns-failure", Behaviour.UNRESOLVABLE), "Backend unreachable", "cannot reach"),
    FaultCase(Fault("timeout", Behaviour.HANG), "Backend timed out", "did not answer"),
    FaultCase(Fault("slow-drip", Behaviour.DRIP), "Backend timed out", "poll took longer than"),
    FaultCase(
        _status(401, {"message": "Bad credentials"}),
        "Not authorised",
        "(HTTP 401): Bad credentials",
    ),
    FaultCase(
        _status(403, {"message": "Resource not accessible by integration"}),
        "Not authorised",
        "(HTTP 403): Resource not accessible by integration",
    ),
    FaultCase(_status(404, {"message": "Not Found"}), "Not found", "(HTTP 404): Not Found"),
    FaultCase(
        _status(
            429,
            {"message": "Too many requests"},
            (*_JSON, ("Retry-After", "7")),
            "-retry-after",
        ),
        "Rate limited",
        "rate limit reached (HTTP 429); retry in 7s",
        retry_after=7.0,
    ),
    FaultCase(
        _status(429, {"message": "Too many requests"}, suffix="-no-retry-after"),
        "Rate limited",
        "rate limit reached (HTTP 429)",
    ),
    FaultCase(
        _status(500, {"message": "internal error"}),
        "Bad response",
        "answered HTTP 500 for /",
    ),
    FaultCase(
        _status(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", _HTML),
        "Bad response",
        "answered HTTP 502 for /",
    ),
    FaultCase(
        _status(503, "upstream connect error", (("Content-Type", "text/plain"),)),
        "Bad response",
        "HTTP 503",
    ),
    FaultCase(
        Fault("html-page-as-json", headers=_JSON, body=SIGN_IN_PAGE.encode()),
        "Bad response",
        "not valid JSON (application/json): '<!DOCTYPE html>",
    ),
    FaultCase(
        Fault("truncated-body", Behaviour.TRUNCATE),
        "Backend unreachable",
        "peer closed connection without sending complete message body",
    ),
    FaultCase(
        Fault("invalid-json", body=b'{"status": "success", "data": {"result": [1, 2,'),
        "Bad response",
        "not valid JSON",
    ),
    FaultCase(
        Fault("wrong-shape", body=b'{"kind": "Status", "surprise": [1, 2, 3]}'),
        "Bad response",
        "",
    ),
    FaultCase(Fault("huge-body", Behaviour.HUGE, size=2 * HUGE_CAP), "Bad response", "more than"),
    FaultCase(
        _status(503, {"message": "flapping"}, suffix="-flapping"),
        "Bad response",
        "HTTP 503",
        flaps=True,
    ),
)
