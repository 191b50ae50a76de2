"""What a backend's answer body becomes: read under a size cap, then decoded as JSON with
lone surrogates made valid; a streamed body (a Kubernetes watch) cut into lines.

Apart from ``http.py`` because neither step depends on how the request was made: both
are pure functions of the bytes received.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson

from release_cockpit.domain.text import clean_text, valid_payload
from release_cockpit.errors import BadResponse

MAX_BODY_MIB = 32
MAX_BODY_BYTES = MAX_BODY_MIB << 20
"""Bodies above this (or ``max_response_mib``) are refused: no poll needs more, and it
bounds the memory one backend can take."""


def _amount(cap: int) -> str:
    return f"{cap >> 20} MiB" if cap >> 20 else f"{cap} bytes"


async def read_capped(
    chunks: AsyncIterator[bytes], max_mib: int | None, name: str, where: str
) -> bytes:
    """The whole body, refused once it passes ``max_mib`` MiB (``max_response_mib``, when
    set) or else ``MAX_BODY_BYTES``, so one backend cannot take the memory.

    Raises:
        BadResponse: the body is bigger.
    """
    parts: list[bytes] = []
    size = 0
    cap = max_mib << 20 if max_mib else MAX_BODY_BYTES
    async for chunk in chunks:
        size += len(chunk)
        if size > cap:
            raise BadResponse(
                f"{name} sent more than {_amount(cap)} for {where}",
                backend=name,
                hint=f"narrow the query or ask for fewer items per poll, or raise "
                f"backends.{name}.max_response_mib",
            )
        parts.append(chunk)
    return b"".join(parts)


async def split_lines(
    chunks: AsyncIterator[bytes], cap: int, name: str, where: str
) -> AsyncIterator[bytes]:
    """The non-blank lines of a streamed body (newline-delimited JSON, as a Kubernetes
    watch sends), each as soon as its newline arrives; a last line without one is given
    at the end. A line longer than ``cap`` bytes is refused, so a stream that never sends
    a newline cannot take the memory.

    Raises:
        BadResponse: a line is longer than ``cap``.
    """
    pending = b""
    async for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        for line in lines:
            if line.strip():
                yield line
        if len(pending) > cap:
            raise BadResponse(
                f"{name} sent a line longer than {_amount(cap)} in the stream of {where}",
                backend=name,
                hint=f"raise backends.{name}.max_response_mib if the objects are that large",
            )
    if pending.strip():
        yield pending


def _loads(raw: bytes) -> Any:
    """orjson (https://github.com/ijl/orjson) reads a 500-rollout list in a quarter of
    json's time, on the event loop of every poll. What it refuses (not UTF-8, lone
    surrogates, integers past 64 bits, nesting past 1024) goes to ``json``, whose
    answer and errors are the reference."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def decode_json(name: str, response: httpx.Response) -> Any:
    """The JSON body of a response (None when empty).

    Raises:
        BadResponse: not JSON (e.g. an HTML page from a proxy), or truncated.
    """
    if not response.content:
        return None
    try:
        data = _loads(response.content)
    except (ValueError, RecursionError):
        kind = clean_text(response.headers.get("content-type", "no content type"), 80)
        snippet = clean_text(" ".join(response.text[:120].split()), 120)
        raise BadResponse(
            f"{name} sent a body that is not valid JSON ({kind}): {snippet!r}",
            backend=name,
            hint=f"check that backends.{name}.url points at the API, not a web page "
            "or a login proxy",
        ) from None
    # JSON may carry lone surrogates ("\\ud800"); made valid here, once, so nothing
    # downstream (SQLite, the terminal, json.dumps) can fail on a backend's text.
    return valid_payload(data) if may_hold_surrogates(response.content) else data


_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


def may_hold_surrogates(raw: bytes) -> bool:
    """Whether a JSON body can decode to lone surrogates: a ``\\uD800``-``\\uDFFF``
    escape, or raw surrogate bytes (json.loads decodes bytes with surrogatepass)."""
    return b"\xed" in raw or _SURROGATE_ESCAPE.search(raw) is not None
