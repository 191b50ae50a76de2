"""A loopback HTTP server that answers like a healthy backend, or misbehaves on purpose.

``FaultServer(routes)`` serves a route table (see ``tests/support/fault_backends.py``) on
127.0.0.1 with an ephemeral port, in a daemon thread. ``set_fault`` switches it, at any
moment, to one of the ways real backends fail: a closed port, an answer that never comes,
bytes that trickle in, an error status, an HTML page, a cut-off or oversized body. Setting
the fault back to None makes it healthy again on the same address, so recovery can be
tested without restarting anything.

Connections are kept alive (HTTP/1.1) as real backends do; a misbehaving answer closes
its connection, and REFUSE closes every open one with the listening socket, so a closed
port really refuses instead of a pooled connection answering.
"""

from __future__ import annotations

import contextlib
import json
import re
import socket
import ssl
import threading
from dataclasses import dataclass
from enum import Enum
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlsplit

from release_cockpit_demo.loopback import LoopbackHandler, LoopbackServer

HOLD_SECONDS = 30.0
"""Longest a hanging answer is held; switching the fault releases it at once."""
DRIP_GAP = 0.1
"""Seconds between dripped bytes: below any read timeout, so only a total deadline helps."""


@dataclass(frozen=True, slots=True)
class Request:
    """One request as the route functions and the tests see it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Reply:
    """An answer with its own status, for routes that are not simply 200."""

    status: int
    payload: Any


Payload = Any
"""A JSON value, a ``str`` (sent as text/plain), ``bytes`` (sent as JSON as they are), a
``Reply``, or a function of the ``Request`` returning one of those."""


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: str
    """A regular expression that must match the whole request path."""
    body: Payload

    def matches(self, method: str, path: str) -> bool:
        return self.method == method and re.fullmatch(self.pattern, path) is not None


class Behaviour(Enum):
    ANSWER = "answer"  # status/headers/body of the fault, or the happy body
    REFUSE = "refuse"  # nothing listens on the port
    UNRESOLVABLE = "unresolvable"  # the host name does not resolve (fault_world.Resolver)
    HANG = "hang"  # the request is read, no answer comes
    DRIP = "drip"  # headers, then one byte per DRIP_GAP
    TRUNCATE = "truncate"  # Content-Length promises more than is sent, then the close
    HUGE = "huge"  # a body of ``size`` bytes


@dataclass(frozen=True, slots=True)
class Fault:
    """One way to misbehave. ``body`` None means "the happy body"."""

    id: str
    behaviour: Behaviour = Behaviour.ANSWER
    status: int = 200
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)
    body: bytes | None = None
    size: int = 0


class _HttpServer(LoopbackServer):
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], owner: FaultServer) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.owner.tls is not None:
            # The handshake happens in the handler thread, so a client that rejects our
            # certificate cannot stall the accept loop.
            sock = self.owner.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address


class _Handler(LoopbackHandler):
    server: _HttpServer
    timeout = 10

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(self.timeout)
            self.request.do_handshake()
        super().setup()

    def do_GET(self) -> None:
        with contextlib.suppress(OSError):
            self.server.owner.serve(self)

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET


class FaultServer:
    """Serves ``routes`` on loopback; ``set_fault`` makes it misbehave, None heals it.

    Attributes:
        requests: every request received, oldest first (the last few hundred).
        fault: the current misbehaviour, or None.
    """

    def __init__(
        self,
        routes: tuple[Route, ...],
        *,
        tls: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.routes = routes
        self.tls = tls
        self.host = host
        self.fault: Fault | None = None
        self.requests: list[Request] = []
        self.port = 0
        self._server: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._release = threading.Event()
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        scheme = "https" if self.tls is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    def start(self) -> FaultServer:
        self._listen()
        return self

    def stop(self) -> None:
        self._release.set()
        self._close_listener()

    def __enter__(self) -> FaultServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def set_fault(self, fault: Fault | None) -> None:
        """Misbehave from the next request on (None: behave). Held answers are released."""
        previous, self.fault = self.fault, fault
        refuse = fault is not None and fault.behaviour is Behaviour.REFUSE
        was_refusing = previous is not None and previous.behaviour is Behaviour.REFUSE
        if refuse and not was_refusing:
            self._close_listener()
        elif was_refusing and not refuse:
            self._listen()
        elif self._server is not None:
            # Every request from now on meets the new behaviour, on a new connection (a
            # name that stops resolving only matters when the client connects again).
            self._server.close_connections()
        released, self._release = self._release, threading.Event()
        released.set()

    def received(self, path_part: str = "") -> list[Request]:
        with self._lock:
            return [r for r in self.requests if path_part in r.path]

    def _listen(self) -> None:
        if self._server is not None:
            return
        # The first bind picks a free port; later binds (after a REFUSE) reuse it.
        self._server = _HttpServer(("127.0.0.1", self.port), self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=f"fault-server:{self.port}",
            daemon=True,
        )
        self._thread.start()

    def _close_listener(self) -> None:
        server, thread = self._server, self._thread
        self._server, self._thread = None, None
        if server is not None:
            server.shutdown()
            server.server_close()
            server.close_connections()
        if thread is not None:
            thread.join(timeout=5)

    # --- answering --------------------------------------------------------------------

    def _read(self, handler: _Handler) -> Request:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length > 0 else b""
        split = urlsplit(handler.path)
        request = Request(
            handler.command,
            split.path,
            parse_qs(split.query, keep_blank_values=True),
            dict(handler.headers.items()),
            body,
        )
        with self._lock:
            self.requests.append(request)
            del self.requests[:-500]
        return request

    def happy(self, request: Request) -> tuple[int, str, bytes]:
        """(status, content type, body) of the healthy answer to ``request``."""
        route = next((r for r in self.routes if r.matches(request.method, request.path)), None)
        if route is None:
            return 404, "application/json", b'{"message": "Not Found"}'
        payload = route.body(request) if callable(route.body) else route.body
        status = 200
        if isinstance(payload, Reply):
            status, payload = payload.status, payload.payload
        if isinstance(payload, bytes):
            return status, "application/json", payload
        if isinstance(payload, str):
            return status, "text/plain; charset=utf-8", payload.encode()
        return status, "application/json", json.dumps(payload).encode()

    def serve(self, handler: _Handler) -> None:
        request = self._read(handler)
        fault, release = self.fault, self._release
        status, content_type, body = self.happy(request)
        if fault is None or fault.behaviour in (Behaviour.REFUSE, Behaviour.UNRESOLVABLE):
            # A request that still got here (it was sent before the switch, or the name
            # resolves again) gets the healthy answer.
            self._send(handler, status, (("Content-Type", content_type),), body)
            return
        behaviour = fault.behaviour
        handler.close_connection = True
        if behaviour is Behaviour.HANG:
            release.wait(HOLD_SECONDS)
            return
        if behaviour is Behaviour.DRIP:
            self._head(handler, 200, fault.headers, len(body))
            for index in range(len(body)):
                if release.wait(DRIP_GAP):
                    return
                handler.wfile.write(body[index : index + 1])
                handler.wfile.flush()
            return
        if behaviour is Behaviour.TRUNCATE:
            self._head(handler, 200, fault.headers, len(body))
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            return
        if behaviour is Behaviour.HUGE:
            self._head(handler, 200, fault.headers, fault.size)
            chunk = b" " * 65536
            for _ in range(0, fault.size, len(chunk)):
                handler.wfile.write(chunk)
            return
        self._send(handler, fault.status, fault.headers, body if fault.body is None else fault.body)

    @staticmethod
    def _head(
        handler: _Handler, status: int, headers: tuple[tuple[str, str], ...], length: int
    ) -> None:
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(length))
        if handler.close_connection:
            # Say so, or the client may pool the connection and lose a race with the close.
            handler.send_header("Connection", "close")
        handler.end_headers()

    def _send(
        self, handler: _Handler, status: int, headers: tuple[tuple[str, str], ...], body: bytes
    ) -> None:
        self._head(handler, status, headers, len(body))
        if handler.command != "HEAD":
            handler.wfile.write(body)
