"""What the demo's Kubernetes lists answer to ``?watch=1``: a stream of watch events.

As an API server sends them (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
one JSON event per line, ``ADDED``/``MODIFIED``/``DELETED`` with the whole object, and,
for a client that allows them, a ``BOOKMARK`` with the list's resourceVersion just before
the stream ends at ``timeoutSeconds`` (as the API server's watch cache does).

The demo keeps no history of changes. A watch from the list's current resourceVersion
starts quiet; one from any other version first gets every object as ``MODIFIED``, which
leaves a client where a replay of the missed events would. The world is looked at every
``TICK`` seconds and an event goes out for each object that differs from what was sent.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator

from release_cockpit_demo import k8s_api
from release_cockpit_demo.payloads import JSON, dump
from release_cockpit_demo.wire import JSON_TYPE, Request, Response, json_response

TICK = 1.0
"""Seconds between looks at the world: a change reaches a watching client within this."""
DEFAULT_SECONDS = 300
"""A watch without ``timeoutSeconds`` ends after this (API servers pick 30-60 minutes)."""
MAX_SECONDS = 1800

Snapshot = Callable[[], tuple[list[JSON], int]]
"""The list's items as they are now, and the list's resourceVersion."""


class BadWatch(ValueError):
    """A watch request this server cannot serve (its message is the Status message)."""


def watch_seconds(value: str | None) -> int:
    """``timeoutSeconds`` as the stream's length.

    Raises:
        BadWatch: not a non-negative integer.
    """
    if value is None or value == "":
        return DEFAULT_SECONDS
    try:
        seconds = int(value)
    except ValueError:
        raise BadWatch(f"invalid value for timeoutSeconds: {value!r}") from None
    if seconds < 0:
        raise BadWatch(f"timeoutSeconds must not be negative: {seconds}")
    return min(seconds, MAX_SECONDS) or DEFAULT_SECONDS


def _key(item: JSON) -> str:
    meta = item.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


def _event(kind: str, obj: JSON) -> bytes:
    return dump({"type": kind, "object": obj}) + b"\n"


def watch_events(
    snapshot: Snapshot,
    *,
    since: str,
    seconds: float,
    bookmarks: bool,
    kind: str,
    api_version: str,
    closing: threading.Event,
    tick: float = TICK,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[bytes]:
    """The event lines of one watch, until ``seconds`` pass or ``closing`` is set."""
    items, version = snapshot()
    sent = {_key(item): item for item in items}
    if since != str(version):
        for item in sent.values():
            yield _event("MODIFIED", item)
    end = clock() + seconds
    while (left := end - clock()) > 0:
        if closing.wait(min(tick, left)):
            return
        items, version = snapshot()
        now = {_key(item): item for item in items}
        for key, item in now.items():
            before = sent.get(key)
            if before is not item and before != item:
                yield _event("MODIFIED" if key in sent else "ADDED", item)
        for key in sent.keys() - now.keys():
            yield _event("DELETED", sent[key])
        sent = now
    if bookmarks:
        marker = {"kind": kind, "apiVersion": api_version}
        yield _event("BOOKMARK", {**marker, "metadata": {"resourceVersion": str(version)}})


def is_watch(request: Request) -> bool:
    """The request asks for a watch rather than a list."""
    return (request.param("watch") or "").lower() in ("1", "true")


def watch_response(
    request: Request, snapshot: Snapshot, kind: str, api_version: str, closing: threading.Event
) -> Response:
    """The streamed answer to a watch of the list ``snapshot`` reads (400 for a bad one)."""
    try:
        seconds = watch_seconds(request.param("timeoutSeconds"))
    except BadWatch as exc:
        return json_response(400, k8s_api.status_json(400, "BadRequest", str(exc)))
    events = watch_events(
        snapshot,
        since=request.param("resourceVersion") or "",
        seconds=seconds,
        bookmarks=(request.param("allowWatchBookmarks") or "").lower() == "true",
        kind=kind,
        api_version=api_version,
        closing=closing,
    )
    return Response(200, content_type=JSON_TYPE, stream=events)


def list_or_watch(
    request: Request, snapshot: Snapshot, kind: str, api_version: str, closing: threading.Event
) -> Response:
    """The list ``snapshot`` reads, or a watch of it when the request asks for one."""
    if is_watch(request):
        return watch_response(request, snapshot, kind, api_version, closing)
    items, version = snapshot()
    return json_response(200, k8s_api.list_json(f"{kind}List", api_version, items, version))
