"""The demo's flag systems: an Unleash admin API (``/unleash``) and an OFREP endpoint
(``/flagd``), both over one ``FlagBoard``.

Unleash, as its admin API documents (https://docs.getunleash.io/reference/api/unleash):
``GET /api/admin/projects``, ``GET /api/admin/projects/{project}/features/{feature}`` (with
a weak ETag, 304 on ``If-None-Match``, as Express answers) and ``POST .../environments/
{environment}/on`` or ``/off``, which answer 200 with an empty body. Errors are
``{id, name, message, details}``. This Unleash runs without authentication (Unleash's
``AUTH_TYPE=none``), as the other demo backends do.

OFREP, as open-feature/protocol ``service/openapi.yaml`` specifies it:
``POST /ofrep/v1/evaluate/flags`` with ``{"context": {...}}`` answers every flag with an
``ETag``, or 304 to a matching ``If-None-Match``; a body that is not JSON is a 400
``{errorCode: PARSE_ERROR, errorDetails}``. There is no verb to change a flag.
"""

from __future__ import annotations

import json
import re

from release_cockpit_demo.payloads import dump, etag, etag_matches
from release_cockpit_demo.wire import (
    JSON_TYPE,
    TEXT_TYPE,
    Request,
    Response,
    json_response,
    text_response,
)
from release_cockpit_demo.world import World

_FEATURE = re.compile(r"^/api/admin/projects/(?P<project>[^/]+)/features/(?P<feature>[^/]+)$")
_SWITCH = re.compile(
    r"^/api/admin/projects/(?P<project>[^/]+)/features/(?P<feature>[^/]+)"
    r"/environments/(?P<environment>[^/]+)/(?P<verb>on|off)$"
)
BULK = "/ofrep/v1/evaluate/flags"


def _not_found(message: str) -> Response:
    return json_response(
        404,
        {
            "id": "5d7c4e2a-0b1f-4f5e-9a51-7b0e3c1d2f40",
            "name": "NotFoundError",
            "message": message,
            "details": [{"message": message}],
        },
    )


def _conditional(request: Request, payload: object) -> Response:
    body = dump(payload)
    tag = etag(body)
    match = request.header("If-None-Match")
    if match and etag_matches(match, tag):
        return Response(304, b"", JSON_TYPE, (("ETag", tag),))
    return Response(200, body, JSON_TYPE, (("ETag", tag),))


class UnleashRoutes:
    """The part of Unleash's admin API the cockpit uses."""

    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        board = self.world.flags
        if request.method == "GET" and path == "/api/admin/projects":
            with self.world.lock:
                return json_response(200, board.projects())
        feature = _FEATURE.match(path)
        if request.method == "GET" and feature:
            with self.world.lock:
                payload = board.feature(feature["feature"])
            if payload is None or feature["project"] != payload["project"]:
                return _not_found(f"Could not find feature flag with name {feature['feature']}")
            return _conditional(request, payload)
        switch = _SWITCH.match(path)
        if switch:
            if request.method != "POST":
                return text_response(405, "Method Not Allowed\n")
            with self.world.lock:
                known = board.feature(switch["feature"])
                done = (
                    known is not None
                    and known["project"] == switch["project"]
                    and board.switch(
                        switch["feature"], switch["environment"], switch["verb"] == "on"
                    )
                )
            if not done:
                return _not_found(
                    f"Could not find environment {switch['environment']} of feature flag "
                    f"{switch['feature']}"
                )
            return Response(200, b"", TEXT_TYPE)
        return _not_found(f"Could not find {path}")


class OfrepRoutes:
    """flagd's OFREP endpoint over the same flags: evaluation only."""

    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request) -> Response:
        if request.path.rstrip("/") != BULK:
            return json_response(404, {"message": "Not Found"})
        if request.method != "POST":
            return json_response(405, {"message": "Method Not Allowed"})
        try:
            body = json.loads(request.body or b"{}")
            context = body.get("context", {}) if isinstance(body, dict) else None
            if not isinstance(context, dict):
                raise ValueError("context must be an object")
        except ValueError as exc:
            return json_response(400, {"errorCode": "PARSE_ERROR", "errorDetails": str(exc)})
        with self.world.lock:
            payload = self.world.flags.evaluate(context)
        return _conditional(request, payload)
