"""Serve the demo world over real HTTP on loopback, one path prefix per backend.

``/github``, ``/gitlab``, ``/jenkins``, ``/prometheus``, ``/alertmanager``, ``/datadog``,
``/k8s`` (Argo Rollouts, Deployments, Flagger canaries), ``/argocd``, ``/loadtester``
(Flagger's), ``/unleash`` and ``/flagd`` (OFREP) answer in the real backends' wire
formats, so the demo runs the cockpit's real adapters. The server is the standard
library's ``ThreadingHTTPServer`` in a daemon thread; it binds to loopback only (it has
no authentication and accepts control PATCHes and POSTs) and writes nothing to stdout or
stderr, because the TUI owns the terminal.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from types import TracebackType
from urllib.parse import parse_qs, unquote, urlsplit

from release_cockpit_demo.argocd_routes import ArgoCDRoutes
from release_cockpit_demo.datadog_routes import DatadogRoutes
from release_cockpit_demo.flag_routes import OfrepRoutes, UnleashRoutes
from release_cockpit_demo.github_routes import GitHubRoutes
from release_cockpit_demo.gitlab_routes import GitLabRoutes
from release_cockpit_demo.jenkins_routes import JenkinsRoutes
from release_cockpit_demo.k8s_routes import K8sRoutes
from release_cockpit_demo.loadtester_routes import LoadTesterRoutes
from release_cockpit_demo.loopback import LoopbackHandler, LoopbackServer
from release_cockpit_demo.monitoring_routes import AlertmanagerRoutes, PrometheusRoutes
from release_cockpit_demo.release_lines import DEFAULT_RELEASES
from release_cockpit_demo.scenarios import CIFamily
from release_cockpit_demo.wire import Request, Response, json_response, text_response
from release_cockpit_demo.world import Clock, World

LOOPBACK = ("127.0.0.1", "::1", "localhost")


class DemoApp:
    """Routes a request to the backend its path prefix names."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.closing = threading.Event()
        """Set when the server stops: open watch streams end."""
        self.routes = {
            "/github": GitHubRoutes(world).handle,
            "/prometheus": PrometheusRoutes(world).handle,
            "/alertmanager": AlertmanagerRoutes(world).handle,
            "/k8s": K8sRoutes(world, self.closing).handle,
            "/datadog": DatadogRoutes(world).handle,
            "/gitlab": GitLabRoutes(world).handle,
            "/jenkins": JenkinsRoutes(world).handle,
            "/argocd": ArgoCDRoutes(world).handle,
            "/loadtester": LoadTesterRoutes(world).handle,
            "/unleash": UnleashRoutes(world).handle,
            "/flagd": OfrepRoutes(world).handle,
        }

    def handle(self, request: Request) -> Response:
        for prefix, route in self.routes.items():
            if request.path == prefix or request.path.startswith(prefix + "/"):
                rest = request.path[len(prefix) :] or "/"
                return route(_with_path(request, prefix, rest))
        if request.path in ("/", ""):
            return json_response(200, {"backends": sorted(self.routes)})
        if request.path == "/status":
            # The company's status page, which the demo's readiness checklist probes.
            return json_response(200, {"status": "operational"})
        return text_response(404, "404 page not found\n")


def _with_path(request: Request, prefix: str, path: str) -> Request:
    return Request(
        request.method,
        path,
        request.query,
        request.headers,
        request.body,
        request.base_url,
        prefix,
    )


class _Server(LoopbackServer):
    def __init__(self, address: tuple[str, int], app: DemoApp) -> None:
        self.app = app
        super().__init__(address, _Handler)


class _Handler(LoopbackHandler):
    server: _Server
    server_version = "release-cockpit-demo"
    sys_version = ""
    timeout = 60  # idle keep-alive connections are closed after this

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        split = urlsplit(self.path)
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        request = Request(
            method=self.command,
            path=unquote(split.path),
            query=parse_qs(split.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            body=body,
            base_url=f"http://{host}",
        )
        try:
            response = self.server.app.handle(request)
        except Exception as exc:  # a demo bug must answer, not hang the client
            response = text_response(500, f"demo world error: {type(exc).__name__}: {exc}\n")
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        for name, value in response.headers:
            self.send_header(name, value)
        if response.stream is not None:
            self._stream(response.stream)
            return
        if response.status != 304:
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status != 304:
            self.wfile.write(response.body)

    def _stream(self, pieces: Iterator[bytes]) -> None:
        """Send ``pieces`` as HTTP/1.1 chunks, each as soon as it is made; the client
        hanging up (or the server closing) ends it."""
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for piece in pieces:
                if piece:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except OSError:
            self.close_connection = True
        finally:
            close = getattr(pieces, "close", None)
            if close is not None:
                close()


class DemoServer:
    """The demo world served on loopback: ``start()`` in a thread, or ``serve_forever()``.

    Example::

        with DemoServer(releases=7) as server:
            config = demo_config_text(server.url)
    """

    def __init__(
        self,
        releases: int = DEFAULT_RELEASES,
        *,
        clock: Clock = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
        ticking: int = 0,
        families: Sequence[str] = (),
        ci: CIFamily | None = None,
    ) -> None:
        """``ticking`` services (the first ones) change one signal value every wall-clock
        second even when ``clock`` is frozen: the benchmarks' "one value per second".
        ``families`` adds named lines beyond the default ones (``release_lines.FAMILIES``);
        ``ci`` builds every line of a larger world on that CI system (benchmarks)."""
        if host not in LOOPBACK:
            raise ValueError(
                f"the demo world binds to loopback only (127.0.0.1 or ::1), not {host!r}: "
                "it has no authentication and accepts control actions"
            )
        self.world = World(releases, clock=clock, families=families, ci=ci)
        self.world.ticking = frozenset(spec.service for spec in self.world.specs[:ticking])
        self.app = DemoApp(self.world)
        self.closing = self.app.closing
        self._address = ("127.0.0.1" if host == "localhost" else host, port)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._foreground = False
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` once bound.

        Raises:
            RuntimeError: the server has not been started.
        """
        if self._server is None:
            raise RuntimeError("the demo server is not running; call start() first")
        host, port = self._server.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode()
        return f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"

    def _bind(self) -> _Server:
        with self._lock:
            if self._server is None:
                self.closing.clear()
                self._server = _Server(self._address, self.app)
            return self._server

    def start(self) -> str:
        """Serve in a daemon thread; returns the base URL. Calling it twice is harmless."""
        server = self._bind()
        if self._thread is None:
            self._thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},  # also how long stop() waits
                name="demo-world",
                daemon=True,
            )
            self._thread.start()
        return self.url

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background server stops (``stop()`` from another thread).

        Waits in short slices so Ctrl+C (KeyboardInterrupt) reaches the caller promptly.
        Returns True once stopped, False when ``timeout`` seconds passed first.
        """
        thread = self._thread
        deadline = None if timeout is None else time.monotonic() + timeout
        while thread is not None and thread.is_alive():
            left = 0.5 if deadline is None else min(0.5, deadline - time.monotonic())
            if left <= 0:
                return False
            thread.join(left)
        return True

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (``release-cockpit demo-world``)."""
        server = self._bind()
        self._foreground = True
        try:
            server.serve_forever(poll_interval=0.5)
        finally:
            self._foreground = False
            self._close()

    def stop(self) -> None:
        """Stop serving, drop open connections and release the port. Idempotent.

        Call it from another thread than the one in ``serve_forever`` (that one stops on
        KeyboardInterrupt); ``shutdown`` waits for the serving loop to notice.
        """
        self.closing.set()
        server, thread = self._server, self._thread
        if server is not None and (thread is not None or self._foreground):
            server.shutdown()
        if thread is not None:
            thread.join(timeout=5)
        self._close()

    def _close(self) -> None:
        self.closing.set()
        with self._lock:
            server, self._server, self._thread = self._server, None, None
        if server is not None:
            server.close_connections()
            server.server_close()

    def __enter__(self) -> DemoServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
