"""The Jenkins endpoints of the demo server (mounted under ``/jenkins``, its context path).

``/api/json`` answers every job under its folder with the ``tree=`` selection applied;
``/job/<folder>/job/<name>/<N>/api/json``, ``wfapi/describe``,
``wfapi/pendingInputActions`` and stage node describes serve builds and their Pipeline
stages; ``/whoAmI/api/json`` and ``/crumbIssuer/api/json`` what their names say. Control
POSTs react: ``input/<id>/proceedEmpty`` and ``abort`` answer the waiting input step,
``stop`` aborts a build (302 to the build, as Jenkins redirects), ``buildWithParameters``
queues a rebuild (201 with the queue item's ``Location``).

CSRF as Jenkins does it (https://www.jenkins.io/doc/book/security/csrf-protection/): a
POST without ``Authorization`` (an API token is exempt; the demo takes any Basic
credentials as one) needs the ``Jenkins-Crumb`` that ``crumbIssuer`` issued to the same
session (``JSESSIONID`` cookie), else 403 "No valid crumb was included in the request".
One simplification: a rebuild while the last build still runs is refused (409) instead
of waiting in the queue.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import re
import threading
from typing import Any

from release_cockpit_demo import jenkins_payloads as jp
from release_cockpit_demo.line import Line
from release_cockpit_demo.scenarios import CIFamily
from release_cockpit_demo.wire import Request, Response, json_response
from release_cockpit_demo.world import World

VERSION = "2.479.3"
"""What the ``X-Jenkins`` header says."""
HTML = "text/html;charset=utf-8"
_BUILD = re.compile(r"/job/(?P<folder>[^/]+)/job/(?P<name>[^/]+)(?:/(?P<rest>.*))?")
_COOKIE = re.compile(r"JSESSIONID\.demo=([0-9a-f]+)")
_NODE = re.compile(r"execution/node/(\d+)/wfapi/describe")
USER = "oncall-sam"
"""Who answers inputs anonymously in the demo."""


class JenkinsRoutes:
    def __init__(self, world: World) -> None:
        self.world = world
        self._sessions: dict[str, str] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def handle(self, request: Request) -> Response:
        response = self._route(request)
        return Response(
            response.status,
            response.body,
            response.content_type,
            (*response.headers, ("X-Jenkins", VERSION), ("X-Content-Type-Options", "nosniff")),
        )

    def _route(self, request: Request) -> Response:
        path = request.path.rstrip("/") or "/"
        web = f"{request.base_url}{request.prefix}"
        if request.method == "GET" and path == "/api/json":
            with self.world.lock:
                lines = list(self.world.built_by(CIFamily.JENKINS))
                now = self.world.advance(lines)
                return _selected(request, jp.root_json(lines, now, web))
        if request.method == "GET" and path == "/whoAmI/api/json":
            return json_response(200, self._who(request))
        if request.method == "GET" and path == "/crumbIssuer/api/json":
            return self._crumb(request)
        match = _BUILD.fullmatch(path)
        line = self._line(match["folder"], match["name"]) if match else None
        if match is None or line is None:
            return _not_found()
        rest = match["rest"] or ""
        if request.method == "POST":
            if not self._crumb_ok(request):
                return Response(
                    403,
                    b"<html><body>No valid crumb was included in the request</body></html>",
                    HTML,
                )
            return self._control(request, line, rest, web)
        if request.method != "GET":
            return Response(405, b"", HTML)
        with self.world.lock:
            now = self.world.advance([line])
            return self._read(request, line, rest, now, web)

    def _line(self, folder: str, name: str) -> Line | None:
        full = f"{folder}/{name}".lower()
        return next(
            (
                line
                for line in self.world.built_by(CIFamily.JENKINS)
                if line.spec.repo.lower() == full
            ),
            None,
        )

    # --- reads ------------------------------------------------------------------------

    def _read(self, request: Request, line: Line, rest: str, now: float, web: str) -> Response:
        if rest in ("api/json", ""):
            if rest == "":
                return Response(200, f"<html><body>{line.spec.repo}</body></html>".encode(), HTML)
            return _selected(request, jp.job_json(line, now, web))
        number, _, tail = rest.partition("/")
        run = next((r for r in jp.visible_builds(line, now) if str(r.number) == number), None)
        if run is None:
            return _not_found()
        prefix = request.prefix
        if tail == "":
            return Response(200, f"<html><body>#{run.number}</body></html>".encode(), HTML)
        if tail == "api/json":
            return _selected(request, jp.build_json(line, run, now, web))
        if tail == "wfapi/describe":
            return json_response(200, jp.run_json(line, run, now, prefix))
        if tail == "wfapi/pendingInputActions":
            return json_response(200, jp.pending_inputs(line, run, now, prefix))
        node = _NODE.fullmatch(tail)
        if node is not None:
            found = jp.stage_nodes(line, run, int(node.group(1)), now, prefix)
            return json_response(200, found) if found is not None else _not_found()
        return _not_found()

    # --- controls ---------------------------------------------------------------------

    def _control(self, request: Request, line: Line, rest: str, web: str) -> Response:
        with self.world.lock:
            now = self.world.advance([line])
            if rest in ("build", "buildWithParameters"):
                rebuilt = line.rebuild(now)
                if rebuilt is None:
                    return Response(
                        409,
                        b"<html><body>A build of this job is still running or passed</body></html>",
                        HTML,
                    )
                item = 9_000 + next(self._ids)
                return Response(201, b"", HTML, (("Location", f"{web}/queue/item/{item}/"),))
            number, _, tail = rest.partition("/")
            run = next((r for r in jp.visible_builds(line, now) if str(r.number) == number), None)
            if run is None:
                return _not_found()
            if tail == "stop":
                line.cancel_run(run, now)
                return Response(
                    302, b"", HTML, (("Location", f"{jp.job_url(line, web)}{run.number}/"),)
                )
            answer = re.fullmatch(r"input/([^/]+)/(proceedEmpty|abort)", tail)
            if answer is None or answer.group(1) != jp.input_id(run):
                return _not_found()
            approved = answer.group(2) == "proceedEmpty"
            if not line.answer_gate(run, now, approved=approved, actor=self._user(request) or USER):
                return _not_found()  # the input is no longer waiting
            return Response(200, b"", HTML)

    # --- who and CSRF -----------------------------------------------------------------

    @staticmethod
    def _user(request: Request) -> str:
        header = request.header("Authorization")
        if not header.lower().startswith("basic "):
            return ""
        try:
            decoded = base64.b64decode(header[6:]).decode("utf-8", "replace")
        except ValueError:
            return ""
        return decoded.split(":", 1)[0]

    def _who(self, request: Request) -> dict[str, Any]:
        user = self._user(request)
        return {
            "_class": "hudson.security.WhoAmI",
            "anonymous": not user,
            "authenticated": bool(user),
            "authorities": ["authenticated"] if user else [],
            "name": user or "anonymous",
        }

    def _session(self, request: Request) -> tuple[str, bool]:
        found = _COOKIE.search(request.header("Cookie"))
        if found is not None and found.group(1) in self._sessions:
            return found.group(1), False
        with self._lock:
            session = hashlib.sha256(f"session-{next(self._ids)}".encode()).hexdigest()[:24]
            self._sessions[session] = hashlib.sha256(f"crumb-{session}".encode()).hexdigest()[:32]
        return session, True

    def _crumb(self, request: Request) -> Response:
        session, new = self._session(request)
        payload = {
            "_class": "hudson.security.csrf.DefaultCrumbIssuer",
            "crumb": self._sessions[session],
            "crumbRequestField": "Jenkins-Crumb",
        }
        headers: tuple[tuple[str, str], ...] = ()
        if new:
            headers = (("Set-Cookie", f"JSESSIONID.demo={session}; Path=/; HttpOnly"),)
        return json_response(200, payload, headers)

    def _crumb_ok(self, request: Request) -> bool:
        if self._user(request):
            return True  # an API token needs no crumb
        found = _COOKIE.search(request.header("Cookie"))
        crumb = self._sessions.get(found.group(1)) if found else None
        return crumb is not None and request.header("Jenkins-Crumb") == crumb


def _selected(request: Request, payload: dict[str, Any]) -> Response:
    tree = request.param("tree")
    if tree is None:
        return json_response(200, payload)
    try:
        return json_response(200, jp.select(payload, jp.parse_tree(tree)))
    except ValueError as exc:
        return Response(400, f"<html><body>Invalid tree: {exc}</body></html>".encode(), HTML)


def _not_found() -> Response:
    return Response(404, b"<html><body><h2>HTTP ERROR 404 Not Found</h2></body></html>", HTML)
