"""Reading untrusted JSON payloads: typed accessors that never raise on a wrong shape.

Backends add, drop and null fields over time, so the pure parsers read every field
through these helpers: a missing or mistyped field becomes an empty value, and every
string is cleaned (``clean_text``) on the way in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from release_cockpit.domain.text import clean_text
from release_cockpit.errors import BadResponse


def as_dict(value: object) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty dict."""
    return value if isinstance(value, dict) else {}


def as_list(value: object) -> list[Any]:
    """``value`` if it is a JSON array, else an empty list."""
    return value if isinstance(value, list) else []


def as_str(value: object, limit: int = 2000) -> str:
    """A cleaned string; None and containers become ""."""
    if value is None or isinstance(value, dict | list):
        return ""
    return clean_text(value, limit)


def as_int(value: object) -> int | None:
    """An integer from a JSON number or a numeric string (Kubernetes sends some as strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def dig(value: object, *keys: str) -> Any:
    """Follow object keys; None as soon as one is missing or not an object."""
    current: Any = value
    for key in keys:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp (``2026-11-27T09:00:00Z``, fractions allowed) as an aware datetime.

    A timestamp without an offset is taken as UTC; anything unparsable is None.
    """
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def clean_labels(value: object) -> dict[str, str]:
    """A label/annotation map with cleaned keys and values; non-objects give {}."""
    labels: Mapping[str, Any] = as_dict(value)
    return {as_str(k, 200): as_str(v) for k, v in labels.items()}


def require_dict(payload: object, what: str) -> dict[str, Any]:
    """The payload as a JSON object.

    Raises:
        BadResponse: the payload is not an object.
    """
    if not isinstance(payload, dict):
        raise BadResponse(
            f"{what}: expected a JSON object, got {type(payload).__name__}",
            hint="check that the backend URL points at the API root",
        )
    return payload


def require_list(payload: object, what: str) -> list[Any]:
    """The payload as a JSON array.

    Raises:
        BadResponse: the payload is not an array.
    """
    if not isinstance(payload, list):
        raise BadResponse(
            f"{what}: expected a JSON array, got {type(payload).__name__}",
            hint="check that the backend URL points at the API root",
        )
    return payload


LONGEST = timedelta(days=3660)
"""Longer than any real pause, build or timeout: a duration past it is a backend's garbage."""


def after(start: datetime | None, seconds: float | None) -> datetime | None:
    """``start`` plus a duration a backend sent, or None when either is missing or the
    duration is negative, not finite or absurd (1e30 seconds would overflow ``datetime``)."""
    if start is None or seconds is None:
        return None
    if not math.isfinite(seconds) or not 0 <= seconds <= LONGEST.total_seconds():
        return None
    try:
        return start + timedelta(seconds=seconds)
    except OverflowError:  # near datetime.max
        return None
