"""Shared wire formatting for the demo payloads: timestamps, ids, ETags, JSON bodies.

Backend-specific payload builders live beside this module (``github_payloads``,
``k8s_payloads``, ``monitoring_payloads``); they all format times and ids the same way.
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

JSON = dict[str, Any]


@functools.lru_cache(maxsize=8192)
def rfc3339(at: float, *, millis: bool = False) -> str:
    """``2026-11-27T09:00:00Z`` (GitHub, Kubernetes) or with milliseconds (Alertmanager)."""
    moment = datetime.fromtimestamp(at, tz=UTC)
    if millis:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@functools.lru_cache(maxsize=4096)
def stable_uid(*parts: str) -> str:
    """A UUID that is the same every run for the same object (Kubernetes metadata.uid)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "/".join(parts)))


def short_hash(*parts: str, size: int = 16) -> str:
    return hashlib.sha256("|".join(parts).encode()).hexdigest()[:size]


def dump(payload: object) -> bytes:
    """Compact JSON, UTF-8; non-ASCII and control characters escaped the way JSON requires."""
    return json.dumps(payload, separators=(",", ":")).encode()


def etag(body: bytes) -> str:
    """A weak validator over the body, the form GitHub sends for JSON (``W/"..."``)."""
    return f'W/"{hashlib.sha256(body).hexdigest()}"'


def etag_matches(header: str, tag: str) -> bool:
    """Whether an ``If-None-Match`` header matches ``tag``: it may list several validators,
    and the weak comparison ignores the ``W/`` prefix (RFC 9110, 13.1.2)."""
    wanted = tag.removeprefix("W/")
    return any(
        part.strip() == "*" or part.strip().removeprefix("W/") == wanted
        for part in header.split(",")
    )
