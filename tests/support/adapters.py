"""Adapter test helpers: recorded fixtures on disk, a scripted backend, backend settings."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from release_cockpit.adapters.backend_settings import BackendSettings

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
TOKEN = "ghp_s3cretT0kenValue"  # a fake token; tests assert it never leaks
DD_KEYS = {"api_key": "dd-api-k3y-0123456789abcdef", "app_key": "dd-app-k3y-fedcba9876543210"}
"""Fake Datadog API and application keys; tests assert they never leak."""


def load(relative: str) -> Any:
    """A JSON fixture from tests/fixtures."""
    return json.loads((FIXTURES / relative).read_text(encoding="utf-8"))


def meta_headers(relative: str) -> dict[str, str]:
    """The recorded response headers of a ``.meta.json`` fixture."""
    return dict(load(relative)["headers"])


Reply = httpx.Response | Callable[[httpx.Request], httpx.Response] | Exception


WATCH_FORBIDDEN = {
    "kind": "Status",
    "apiVersion": "v1",
    "metadata": {},
    "status": "Failure",
    "message": 'rollouts.argoproj.io is forbidden: User "system:serviceaccount:ops:cockpit" '
    'cannot watch resource "rollouts" in API group "argoproj.io" in the namespace "shop"',
    "reason": "Forbidden",
    "details": {"group": "argoproj.io", "kind": "rollouts"},
    "code": 403,
}
"""What an API server answers a watch that RBAC does not allow (the ``watch`` verb)."""


class Backend:
    """A scripted backend: answers per (method, path) in order, the last one repeating.

    Every request is kept in ``requests`` so tests can assert exactly what was sent.
    """

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[Reply]] = {}
        self.requests: list[httpx.Request] = []
        self.watches: list[httpx.Request] = []
        """Kubernetes watch requests (``?watch=``), kept apart from ``requests``: script
        them with ``on("WATCH", path, ...)``; unscripted, they are refused with 403 as
        RBAC without the ``watch`` verb would, and the adapter lists every poll."""
        self.transport = httpx.MockTransport(self._handle)

    def on(self, method: str, path: str, *replies: Reply) -> Backend:
        self.routes.setdefault((method, path), []).extend(replies)
        return self

    def json(self, method: str, path: str, body: Any, status: int = 200, **headers: str) -> Backend:
        return self.on(method, path, httpx.Response(status, json=body, headers=headers))

    def _handle(self, request: httpx.Request) -> httpx.Response:
        key = (request.method, request.url.path)
        if "watch" in request.url.params:
            self.watches.append(request)
            key = ("WATCH", request.url.path)
            if key not in self.routes:
                return httpx.Response(403, json=WATCH_FORBIDDEN)
        else:
            self.requests.append(request)
        replies = self.routes.get(key)
        if not replies:
            raise AssertionError(f"unexpected request {request.method} {request.url}")
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    def sent(self, method: str | None = None) -> list[httpx.Request]:
        return [r for r in self.requests if method is None or r.method == method]


def make_settings(
    type_name: str,
    *,
    name: str = "test-backend",
    url: str = "https://backend.test",
    token: str | None = TOKEN,
    secrets: dict[str, str] | None = None,
    **options: Any,
) -> BackendSettings:
    return BackendSettings(
        name=name,
        type=type_name,
        url=url,
        token=token,
        timeout=5.0,
        options=options,
        secrets=secrets or {},
    )
