"""Loki as a health source: LogQL metric queries through its Prometheus-compatible query API.

Wire contract: ``/loki/api/v1/query`` and ``/loki/api/v1/query_range``
(https://grafana.com/docs/loki/latest/reference/loki-http-api/), POSTed as forms like the
Prometheus adapter does (Loki accepts ``application/x-www-form-urlencoded`` bodies), so a
batched template is never limited by URL length. Answers and errors are read by
``loki_parsing.py``: a metric query (``rate``, ``count_over_time``, ``sum by``) answers a
vector or matrix exactly as Prometheus does; a log query (``{app="x"} |= "error"``) is
refused with how to make it a signal; errors are plain text.

``$service`` templates batch like PromQL ones: write the stream selector as
``{service=~"$service"}`` and keep ``service`` in every ``sum by (...)``. An error-log rate
of the canary against the baseline is one query ``by (service, track)`` used by a
``mode = "canary-vs-baseline"`` signal (``loki_parsing.canary_baseline_error_rate``).
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import ClassVar

import httpx

from release_cockpit.adapters.backend_probe import run_probe
from release_cockpit.adapters.backend_settings import BackendSettings, OptionSpec
from release_cockpit.adapters.base import Feature, HealthSource
from release_cockpit.adapters.check_results import ProbeResult
from release_cockpit.adapters.http import HTTP_OPTIONS, HttpClient, JsonResponse, attributed, bearer
from release_cockpit.adapters.monitoring import loki_parsing
from release_cockpit.adapters.monitoring.promql import ServiceLabelBatching
from release_cockpit.adapters.payload import as_str
from release_cockpit.adapters.query_results import QueryResult, Series
from release_cockpit.config.rules import template_problems

# Loki's query errors are plain text with these statuses; the parser words them.
_READ_ERRORS = frozenset({400, 499})


def _seconds(when: datetime) -> str:
    """Loki reads a decimal number as Unix seconds (``loghttp.parseTimestamp``)."""
    return f"{when.timestamp():.3f}"


class Loki(ServiceLabelBatching, HealthSource):
    """Grafana Loki: LogQL metric queries (rate, count_over_time) as signal values."""

    TYPE: ClassVar[str] = "loki"
    http: HttpClient
    OPTIONS: ClassVar[dict[str, OptionSpec]] = {
        **HTTP_OPTIONS,
        "tenant": OptionSpec(
            str,
            "the X-Scope-OrgID tenant of a multi-tenant Loki (several: a|b); default: none",
            "",
        ),
        "basic_user": OptionSpec(
            str,
            "send the token as the password of HTTP basic auth with this user (Grafana "
            "Cloud: the stack's Loki user id); default: the token as a bearer token",
            "",
        ),
    }
    FEATURES = frozenset({Feature.BATCHING})

    def __init__(
        self, settings: BackendSettings, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        super().__init__(settings, transport=transport)
        user = str(self.options["basic_user"] or "")
        if user and settings.token:
            pair = base64.b64encode(f"{user}:{settings.token}".encode()).decode()
            auth = {"Authorization": f"Basic {pair}"}
        else:
            auth = bearer(settings)
        headers = {
            "Accept": "application/json",
            **auth,
            **loki_parsing.tenant_headers(str(self.options["tenant"] or "")),
        }
        self.http = HttpClient(settings, headers=headers, transport=transport)

    @classmethod
    def query_problems(cls, query: str) -> list[str]:
        """LogQL templates follow the PromQL rules: ``{service=~"$service"}``, ``by (service)``."""
        return template_problems(query)

    async def _post(self, path: str, form: dict[str, str]) -> object:
        answer: JsonResponse = await self.http.post_form(path, form, allow=_READ_ERRORS)
        if answer.status in _READ_ERRORS:
            body = answer.data if isinstance(answer.data, bytes | str) else b""
            raise loki_parsing.error_for(answer.status, body)
        return answer.data

    async def query(self, query: str, at: datetime | None = None) -> QueryResult:
        """Evaluate a LogQL metric query now (or at ``at``): ``/loki/api/v1/query``.

        Raises:
            BadResponse: a log query (not a metric), a bad query or a limit.
            Timeout: Loki gave up on the query (499, 504).
            AdapterError: any other backend failure.
        """
        form = {"query": query}
        if at is not None:
            form["time"] = _seconds(at)
        with attributed(self.name):
            return loki_parsing.parse_query(await self._post(loki_parsing.QUERY_PATH, form))

    async def query_range(
        self, query: str, start: datetime, end: datetime, step_seconds: float
    ) -> tuple[Series, ...]:
        """Evaluate a LogQL metric query over [start, end] (``/loki/api/v1/query_range``).

        Raises:
            BadResponse: a log query, a bad query, a limit or a non-matrix answer.
            Timeout: Loki gave up on the query (499, 504).
            AdapterError: any other backend failure.
        """
        form = {
            "query": query,
            "start": _seconds(start),
            "end": _seconds(end),
            "step": f"{step_seconds:g}",
        }
        with attributed(self.name):
            payload = await self._post(loki_parsing.QUERY_RANGE_PATH, form)
            return loki_parsing.parse_range(payload)

    async def probe(self) -> ProbeResult:
        """GET /ready: 200 "ready" once Loki serves queries, 503 while it starts.

        Raises:
            AdapterError: never; failures are described in the result.
        """

        async def check() -> str:
            response = await self.http.send("GET", "/ready")
            return f"Loki {as_str(response.text, 100).strip() or 'ready'}"

        return await run_probe(self.http, check, api_path="/loki/api/v1")
