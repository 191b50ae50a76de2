"""Kubernetes lists kept current by watches: list once, then follow the changes.

Polling a list re-reads every object of a namespace each interval, changed or not; on an
idle cluster that was most of what an idle cockpit did. A watch is how Kubernetes clients
stay current instead (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):

1. ``GET`` the list; remember its ``metadata.resourceVersion``.
2. ``GET`` the same path with ``watch=1&resourceVersion=…&allowWatchBookmarks=true`` and
   apply each ``ADDED``/``MODIFIED``/``DELETED`` event as it streams in. ``BOOKMARK``
   events only move the resourceVersion on.
3. The server ends the stream after ``timeoutSeconds``; watch again from the last
   resourceVersion, over the same connection.
4. ``410 Gone`` (an ``ERROR`` event whose Status has code 410, reason ``Expired``, or the
   HTTP status itself) means the history since that version is gone: list again.

A poll then reads the kept list without a request. The poll stays what the engine trusts
for freshness, so a watch is only believed while it is open: a stream that broke, expired
or stayed silent past ``WATCH_SECONDS`` plus the request timeout (a connection that died
without a close) is dropped, and the next poll lists again. A watch the server refuses or
cannot serve (RBAC without ``watch``, a proxy that buffers or cuts streams, a server that
ignores ``watch=1``) is not retried for ``REFUSED_PAUSE``; until then every poll lists,
as before, and the sources screen says why. The backend option ``watch = false`` lists
every poll from the start. After the cockpit's own write in a namespace
(an action), that namespace's lists are listed again at the next read: the action's
confirming poll must not race the watch event that reports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import orjson

from release_cockpit.adapters.http import HttpClient
from release_cockpit.adapters.payload import as_dict, as_str, dig, require_dict
from release_cockpit.domain.text import clean_text
from release_cockpit.errors import AdapterError, BadResponse, Timeout, Unreachable

WATCH_SECONDS = 20
"""``timeoutSeconds`` asked of the server: it ends a quiet watch this often, so a silent
connection is known to be alive (or dead) within this plus the request timeout."""
MIN_WATCH_SECONDS = 2.0
"""A watch the server ends sooner than this, three times running, is not being served."""
SHORT_WATCHES = 3
REFUSED_PAUSE = 300.0
"""Seconds of plain listing after a watch was refused, before one is tried again."""


class WatchExpired(Exception):
    """The resourceVersion a watch started from is too old (410): list again."""


def _key(obj: dict[str, Any]) -> str:
    meta = as_dict(obj.get("metadata"))
    return f"{as_str(meta.get('namespace'), 253)}/{as_str(meta.get('name'), 253)}"


def list_state(document: object, what: str) -> tuple[dict[str, dict[str, Any]], str]:
    """A Kubernetes List's items by ``namespace/name`` and its ``metadata.resourceVersion``.

    Raises:
        BadResponse: not a list object (no ``items``).
    """
    body = require_dict(document, what)
    raw = body.get("items")
    if raw is None and "items" in body:
        raw = []
    if not isinstance(raw, list):
        raise BadResponse(
            f"{what}: the answer has no 'items' list",
            hint="check that the backend URL points at the Kubernetes API server",
        )
    items = {_key(item): item for item in raw if isinstance(item, dict)}
    return items, as_str(dig(body, "metadata", "resourceVersion"), 100)


def apply_event(items: dict[str, dict[str, Any]], line: bytes, what: str) -> tuple[str, bool]:
    """Apply one watch event (one line of the stream) to ``items``.

    Returns the resourceVersion to watch from next ("" when the event names none) and
    whether the items changed.

    Raises:
        WatchExpired: an ``ERROR`` event with code 410: list again.
        BadResponse: an ``ERROR`` event with another Status, or a line that is not an
            event (a server that ignored ``watch=1`` and sent the list itself).
    """
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        raise BadResponse(
            f"the watch of {what} sent a line that is not JSON: {clean_text(line[:80], 80)!r}",
            hint="a proxy may be rewriting the stream; the cockpit lists every poll instead",
        ) from None
    kind = event.get("type") if isinstance(event, dict) else None
    obj = event.get("object") if isinstance(event, dict) else None
    if not isinstance(kind, str) or not isinstance(obj, dict):
        raise BadResponse(
            f"the watch of {what} sent something that is not a watch event",
            hint="the server may not support watch=1; the cockpit lists every poll instead",
        )
    version = as_str(dig(obj, "metadata", "resourceVersion"), 100)
    if kind == "ERROR":
        if obj.get("code") == 410 or obj.get("reason") in ("Expired", "Gone"):
            raise WatchExpired(as_str(obj.get("message"), 300))
        raise BadResponse(
            f"the watch of {what} failed: {as_str(obj.get('message'), 300) or 'no message'}"
            f" ({as_str(obj.get('reason'), 60) or obj.get('code')})",
        )
    if kind in ("ADDED", "MODIFIED"):
        key = _key(obj)
        changed = items.get(key) != obj
        items[key] = obj
        return version, changed
    if kind == "DELETED":
        return version, items.pop(_key(obj), None) is not None
    if kind == "BOOKMARK":
        return version, False
    raise BadResponse(f"the watch of {what} sent an event of unknown type {clean_text(kind, 40)!r}")


class WatchedList:
    """One list path, listed once and then followed by a watch task of its own."""

    def __init__(
        self,
        http: HttpClient,
        path: str,
        what: str,
        *,
        watch: bool = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.http = http
        self.path = path
        self.what = what
        self.watch = watch
        self._clock = clock
        self._items: dict[str, dict[str, Any]] = {}
        self._version = ""
        self._task: asyncio.Task[None] | None = None
        self._open = False
        """The server accepted the watch (until it fails): only then is the kept list
        trusted; a poll before that lists as it always did."""
        self._lock = asyncio.Lock()
        self._refused_until = 0.0
        self.refusal = ""
        """Why watching is paused (the sources screen says it); "" while it is not."""
        self.lists = 0
        """Lists sent (once, then again only after a watch ended or was forgotten)."""

    @property
    def watching(self) -> bool:
        return self._open and self._task is not None and not self._task.done()

    async def read(self) -> tuple[dict[str, Any], ...]:
        """The list's items as they are now, by namespace and name: kept by the open watch,
        or listed again (and watched). An item that changed is a new object; one that did
        not is the very object returned before, so callers may compare by identity.

        Raises:
            AdapterError: the list request failed.
        """
        async with self._lock:
            if not self.watching:
                await self._relist()
            return tuple(self._items[k] for k in sorted(self._items))

    async def _relist(self) -> None:
        answer = await self.http.get_json(self.path)
        items, version = list_state(answer.data, self.what)
        self.lists += 1
        self._items, self._version = items, version
        starting = self._task is None or self._task.done()
        if self.watch and starting and version and self._clock() >= self._refused_until:
            self.refusal = ""
            self._task = asyncio.create_task(self._follow(), name=f"watch:{self.path}")

    async def _follow(self) -> None:
        """Watch from the listed version until the watch fails; never raises."""
        short = 0
        try:
            while True:
                began = self._clock()
                await self._watch_once()
                short = short + 1 if self._clock() - began < MIN_WATCH_SECONDS else 0
                if short >= SHORT_WATCHES:
                    self._refuse("the server ends every watch at once")
                    return
        except WatchExpired:
            return  # the next read lists again
        except (Timeout, Unreachable):
            return  # the connection broke or went silent: the next read lists again
        except AdapterError as exc:
            self._refuse(clean_text(str(exc), 200))
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug here must not end the adapter; listing still works
            self._refuse(f"unexpected {type(exc).__name__}: {clean_text(str(exc), 200)}")
        finally:
            self._open = False

    async def _watch_once(self) -> None:
        params: dict[str, str | int] = {
            "watch": "1",
            "resourceVersion": self._version,
            "allowWatchBookmarks": "true",
            "timeoutSeconds": WATCH_SECONDS,
        }
        idle = WATCH_SECONDS + max(self.http.settings.timeout, 5.0)
        async with self.http.stream_lines(
            self.path, params=params, idle_timeout=idle, allow=frozenset({410})
        ) as answer:
            if answer.status == 410:
                raise WatchExpired("410 Gone")
            self._open = True
            async for line in answer.lines:
                version, _ = apply_event(self._items, line, self.what)
                if version:
                    self._version = version

    def _refuse(self, why: str) -> None:
        self._refused_until = self._clock() + REFUSED_PAUSE
        self.refusal = why

    async def aclose(self) -> None:
        """Stop watching; a later read lists again."""
        self._open = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class KubeLists:
    """The watched lists of one adapter, by path."""

    def __init__(
        self,
        http: HttpClient,
        *,
        watch: object = True,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``watch``: the backend's ``watch`` option; False lists every read."""
        self.http = http
        self.watch = watch is not False
        self._clock = clock
        self._lists: dict[str, WatchedList] = {}

    async def read(self, path: str, what: str) -> tuple[dict[str, Any], ...]:
        """The list at ``path`` as it is now (see ``WatchedList.read``).

        Raises:
            AdapterError: the list request failed.
        """
        watched = self._lists.get(path)
        if watched is None:
            watched = WatchedList(self.http, path, what, watch=self.watch, clock=self._clock)
            self._lists[path] = watched
        return await watched.read()

    async def forget(self, namespace: str) -> None:
        """After this cockpit wrote in ``namespace``: its lists are listed again at the
        next read, so an action's confirming poll reads its own write instead of racing
        the watch event that reports it (the watch starts again from the new list)."""
        scope = f"/namespaces/{quote(namespace, safe='')}/"
        await asyncio.gather(*(w.aclose() for path, w in self._lists.items() if scope in path))

    def note(self) -> str:
        """How the lists are read, for the sources screen."""
        if not self._lists or not self.watch:
            return ""
        watching = sum(1 for w in self._lists.values() if w.watching)
        refused = sorted({w.refusal for w in self._lists.values() if w.refusal})
        text = f"watching {watching} of {len(self._lists)} lists"
        if refused:
            text += f"; listing every poll for the others: {refused[0]}"
        return text

    async def aclose(self) -> None:
        await asyncio.gather(*(w.aclose() for w in self._lists.values()))
