"""The demo's Flagger load tester (mounted under ``/loadtester``): the manual gates.

As ``pkg/loadtester/server.go`` in fluxcd/flagger (https://docs.flagger.app/usage/webhooks#manual-gating):
``POST {"name", "namespace"}`` to ``/gate/open`` or ``/gate/close`` flips the gate that a
confirm-promotion webhook at ``/gate/check`` asks, ``/rollback/open`` and
``/rollback/close`` the one a rollback webhook at ``/rollback/check`` asks; the opens and
closes answer 202 Accepted, the checks 200 when open and 403 when closed. Gates live in
memory and stay as set until changed.
"""

from __future__ import annotations

import json

from release_cockpit_demo.extras import apply_gates
from release_cockpit_demo.scenarios import DeployFamily
from release_cockpit_demo.wire import Request, Response, text_response
from release_cockpit_demo.world import World

_GATES = {
    "/gate/open": ("gate_open", True),
    "/gate/close": ("gate_open", False),
    "/rollback/open": ("rollback_open", True),
    "/rollback/close": ("rollback_open", False),
}
_CHECKS = {"/gate/check": "gate_open", "/rollback/check": "rollback_open"}


class LoadTesterRoutes:
    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path not in _GATES and path not in _CHECKS:
            return text_response(404, "404 page not found\n")
        if request.method != "POST":
            return text_response(405, "Method Not Allowed\n")
        try:
            body = json.loads(request.body or b"null")
            key = (str(body["namespace"]), str(body["name"]))
        except (ValueError, KeyError, TypeError):
            return text_response(400, "Error reading body\n")
        with self.world.lock:
            line = next(
                (
                    x
                    for x in self.world.of_family(DeployFamily.FLAGGER, key[0])
                    if x.service == key[1]
                ),
                None,
            )
            extras = self.world.extras[line.service] if line is not None else None
            if path in _CHECKS:
                is_open = extras is not None and getattr(extras, _CHECKS[path])
                return text_response(
                    200 if is_open else 403, "Approved\n" if is_open else "Forbidden\n"
                )
            if line is not None and extras is not None:
                field, value = _GATES[path]
                setattr(extras, field, value)
                # Flagger checks the gate at its next analysis interval; the demo's is now.
                apply_gates(line, extras, self.world.advance([line]))
        action = "opened" if _GATES[path][1] else "closed"
        return text_response(202, f"{path.split('/')[1].title()} {action}\n")
