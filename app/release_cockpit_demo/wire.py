"""The demo server's request and response values, independent of ``http.server``.

Routes take a ``Request`` and return a ``Response``; only ``server`` touches sockets, so
every route can be unit-tested without a network.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from release_cockpit_demo.payloads import dump

JSON_TYPE = "application/json; charset=utf-8"
TEXT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request, the backend prefix already removed from ``path``."""

    method: str
    path: str
    query: Mapping[str, list[str]] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    base_url: str = ""
    prefix: str = ""

    def header(self, name: str) -> str:
        """A request header by case-insensitive name, "" when absent."""
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), "")

    @property
    def content_type(self) -> str:
        return self.header("Content-Type").split(";", 1)[0].strip().lower()

    def params(self) -> dict[str, list[str]]:
        """Query-string parameters merged with a form body (Prometheus accepts both)."""
        merged = {key: list(values) for key, values in self.query.items()}
        if self.body and self.content_type == "application/x-www-form-urlencoded":
            form = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            for key, values in form.items():
                merged.setdefault(key, []).extend(values)
        return merged

    def param(self, name: str) -> str | None:
        values = self.params().get(name)
        return values[0] if values else None


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: tuple[tuple[str, str], ...] = ()
    stream: Iterator[bytes] | None = None
    """A body sent piece by piece as it is produced (chunked), instead of ``body``: a
    Kubernetes watch."""


def json_response(
    status: int, payload: object, headers: tuple[tuple[str, str], ...] = ()
) -> Response:
    return Response(status, dump(payload), JSON_TYPE, headers)


def text_response(status: int, text: str) -> Response:
    return Response(status, text.encode(), TEXT_TYPE)
