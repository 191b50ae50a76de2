"""The Prometheus (``/prometheus``) and Alertmanager (``/alertmanager``) endpoints.

Prometheus recognises exactly the demo config's query templates (``query_templates.Query``) with
any ``service=~"..."`` regex, anchored as Prometheus anchors it, so one query answers for
many services (a batch); anything else gets the real ``bad_data`` error envelope, and
parameter errors use the upstream wording (web/api/v1/api.go). Every series carries its
``service`` label; a template keeping ``track`` answers one series per service and track
with traffic, as ``sum by (le, service, track)`` does. Alertmanager serves
``/api/v2/alerts`` with the ``active``/``silenced``/``inhibited`` flags and repeated
``filter`` matchers, and errors as a JSON string body, as its OpenAPI spec declares.
"""

from __future__ import annotations

import functools
import math
import re
import time
from datetime import datetime

from release_cockpit_demo import monitoring_payloads as mon
from release_cockpit_demo.query_templates import Query, match_query
from release_cockpit_demo.wire import Request, Response, json_response, text_response
from release_cockpit_demo.world import Line, World

MAX_POINTS = 11_000  # Prometheus refuses range queries with more points per series
_DURATION = re.compile(r"^(?:(\d+)h)?(?:(\d+)m(?!s))?(?:(\d+)s)?(?:(\d+)ms)?$")


class BadParameter(ValueError):
    """A request parameter Prometheus would reject with ``bad_data``."""


def parse_time(name: str, text: str) -> float:
    """Unix seconds (float) or RFC 3339, as Prometheus accepts.

    Raises:
        BadParameter: neither form.
    """
    try:
        value = float(text)
    except ValueError:
        try:
            value = datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
        except ValueError:
            raise BadParameter(
                f'invalid parameter "{name}": cannot parse "{text}" to a valid timestamp'
            ) from None
    if math.isnan(value) or math.isinf(value):
        raise BadParameter(
            f'invalid parameter "{name}": cannot parse "{text}" to a valid timestamp'
        )
    return value


def parse_step(text: str) -> float:
    """Float seconds or a Prometheus duration (``15s``, ``1m30s``).

    Raises:
        BadParameter: neither form.
    """
    try:
        return float(text)
    except ValueError:
        match = _DURATION.fullmatch(text)
        if not match or not any(match.groups()):
            raise BadParameter(
                f'invalid parameter "step": cannot parse "{text}" to a valid duration'
            ) from None
        hours, minutes, seconds, millis = (int(g or 0) for g in match.groups())
        return hours * 3600 + minutes * 60 + seconds + millis / 1000


def _bad(message: str) -> Response:
    return json_response(400, mon.prometheus_error("bad_data", message))


@functools.lru_cache(maxsize=64)
def _selector(regex: str) -> re.Pattern[str]:
    """A ``=~`` matcher's regex, compiled once (batches repeat every poll).

    Raises:
        BadParameter: not a valid regular expression.
    """
    try:
        return re.compile(regex)
    except re.error as exc:
        raise BadParameter(
            f'invalid parameter "query": error parsing regexp: {exc}: `{regex}`'
        ) from None


class PrometheusRoutes:
    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if path == "/-/ready" and request.method in ("GET", "HEAD"):
            return text_response(200, "Prometheus Server is Ready.\n")
        if path == "/-/healthy" and request.method in ("GET", "HEAD"):
            return text_response(200, "Prometheus Server is Healthy.\n")
        if path in ("/api/v1/query", "/api/v1/query_range"):
            if request.method not in ("GET", "POST"):
                return text_response(405, "Method Not Allowed\n")
            try:
                if path == "/api/v1/query":
                    return self._query(request)
                return self._query_range(request)
            except BadParameter as exc:
                return _bad(str(exc))
        return text_response(404, "404 page not found\n")

    def _tick(self, line: Line, query: Query, value: float) -> float:
        """A ticking service's error ratio moves by 0.01 % each wall-clock second."""
        if query is not Query.ERROR_RATIO or line.service not in self.world.ticking:
            return value
        return value + (int(time.time()) % 10) * 0.0001

    def _target(self, request: Request) -> tuple[list[Line], Query] | Response:
        query = request.param("query")
        if not query:
            return _bad('invalid parameter "query": 1:1: parse error: no expression found in input')
        matched = match_query(query)
        if matched is None:
            return _bad(
                f'invalid parameter "query": the demo Prometheus only evaluates the demo '
                f"config's signal templates (5xx ratio, p99 latency, p99 by track); got {query!r}"
            )
        selector = _selector(matched[1])
        lines = [line for line in self.world.lines if selector.fullmatch(line.service)]
        return lines, matched[0]

    def _query(self, request: Request) -> Response:
        target = self._target(request)
        if isinstance(target, Response):
            return target
        lines, query = target
        at_text = request.param("time")
        with self.world.lock:
            now = self.world.advance(lines) if lines else self.world.now()
            # The simulation cannot see the future: later times are evaluated at now.
            at = min(parse_time("time", at_text), now) if at_text else now
            samples = [
                ({"service": line.service, **labels}, at, self._tick(line, query, v))
                for line in lines
                for labels, v in line.samples(query, at)
            ]
        return json_response(200, mon.vector(samples))

    def _query_range(self, request: Request) -> Response:
        target = self._target(request)
        if isinstance(target, Response):
            return target
        lines, query = target
        texts = {name: request.param(name) for name in ("start", "end", "step")}
        for name, text in texts.items():
            if not text:
                raise BadParameter(
                    f'invalid parameter "{name}": cannot parse "" to a valid '
                    f"{'duration' if name == 'step' else 'timestamp'}"
                )
        start = parse_time("start", texts["start"] or "")
        end = parse_time("end", texts["end"] or "")
        step = parse_step(texts["step"] or "")
        if end < start:
            raise BadParameter(
                'invalid parameter "end": end timestamp must not be before start time'
            )
        if step <= 0:
            raise BadParameter(
                "zero or negative query resolution step widths are not accepted. "
                "Try a positive integer"
            )
        if (end - start) / step > MAX_POINTS:
            raise BadParameter(
                "exceeded maximum resolution of 11,000 points per timeseries. "
                "Try decreasing the query resolution (?step=XX)"
            )
        with self.world.lock:
            now = self.world.advance(lines) if lines else self.world.now()
            # A series appears once it has a point in the range; tracks come and go with traffic.
            series: dict[tuple[tuple[str, str], ...], list[tuple[float, float]]] = {}
            count = int((min(end, now) - start) // step) + 1 if start <= now else 0
            for line in lines:
                for i in range(count):
                    at = start + i * step
                    for labels, v in line.samples(query, at):
                        key = tuple(sorted({"service": line.service, **labels}.items()))
                        series.setdefault(key, []).append((at, v))
        # Prometheus sorts a range result by label set (promql/engine.go, execEvalStmt).
        result = [(dict(key), points) for key, points in sorted(series.items())]
        return json_response(200, mon.matrix(result))


_MATCHER = re.compile(
    r"^\s*(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*"
    r'(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<bare>[^"]*?))\s*$'
)
_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


class BadMatcher(ValueError):
    pass


def parse_matcher(text: str) -> tuple[str, str, str]:
    """``name="value"`` (also ``!=``, ``=~``, ``!~``) -> (name, op, value).

    Raises:
        BadMatcher: any other form.
    """
    match = _MATCHER.match(text.strip().removeprefix("{").removesuffix("}"))
    if not match:
        raise BadMatcher(f"bad matcher format: {text}")
    raw = match["quoted"] if match["quoted"] is not None else match["bare"] or ""
    value = re.sub(r"\\(.)", r"\1", raw)
    if match["op"] in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as exc:
            raise BadMatcher(f"bad matcher format: {text}: {exc}") from None
    return match["name"], match["op"], value


def matches(matcher: tuple[str, str, str], labels: dict[str, str]) -> bool:
    name, op, value = matcher
    actual = labels.get(name, "")
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    found = re.fullmatch(value, actual) is not None  # Alertmanager anchors regex matchers
    return found if op == "=~" else not found


class AlertmanagerRoutes:
    def __init__(self, world: World) -> None:
        self.world = world

    def handle(self, request: Request) -> Response:
        path = request.path.rstrip("/")
        if request.method != "GET":
            return json_response(405, "method not allowed")
        if path in ("/-/ready", "/-/healthy"):
            return text_response(200, "OK")
        if path == "/api/v2/status":
            return json_response(200, mon.alertmanager_status(self.world.start))
        if path == "/api/v2/alerts":
            return self._alerts(request)
        return json_response(404, f"path {path} was not found")

    def _alerts(self, request: Request) -> Response:
        flags: dict[str, bool] = {}
        for name in ("active", "silenced", "inhibited", "unprocessed"):
            text = request.param(name)
            if text is None:
                flags[name] = True
            elif text in _TRUE or text in _FALSE:
                flags[name] = text in _TRUE
            else:
                return json_response(400, f'{name} in query must be of type bool: "{text}"')
        try:
            matchers = [parse_matcher(text) for text in request.params().get("filter", [])]
        except BadMatcher as exc:
            return json_response(400, str(exc))
        receiver = request.param("receiver")
        try:
            receiver_re = re.compile(receiver) if receiver else None
        except re.error:
            return json_response(400, f"failed to parse receiver param: {receiver}")
        with self.world.lock:
            now = self.world.advance()
            alerts = [mon.watchdog(self.world.start)]
            for line in self.world.lines:
                alerts.extend(mon.line_alerts(line, now))
            kept = [
                mon.alert_json(alert, now)
                for alert in alerts
                if (flags["active"] or alert.state != "active")
                and (flags["silenced"] or not alert.silenced_by)
                and (flags["inhibited"] or not alert.inhibited_by)
                and all(matches(m, alert.labels) for m in matchers)
                and (receiver_re is None or receiver_re.fullmatch(alert.receiver))
            ]
        return json_response(200, kept)
