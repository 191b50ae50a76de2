"""Plain-JSON form of domain values, for `status --json`, exports and scripts.

Generic over dataclasses so a new field shows up in the JSON without anyone remembering
to add it; enums become their values, times ISO 8601 strings, durations seconds.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

from app.domain.alerts import Alert
from app.domain.release import Release
from app.domain.snapshot import CockpitSnapshot


def to_jsonable(value: Any) -> Any:
    """Convert a domain value into JSON-compatible data (NaN/Inf become strings)."""
    if isinstance(value, Release):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"id": value.id, **data}
    if isinstance(value, Alert):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {**data, "labels": dict(value.labels)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value if not isinstance(value.value, int) else value.name.lower()
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return sorted(to_jsonable(v) for v in value)
    if isinstance(value, tuple | list):
        return [to_jsonable(v) for v in value]
    return value


def snapshot_document(snapshot: CockpitSnapshot) -> dict[str, Any]:
    """The `status --json` document: the snapshot plus the roll-up a script needs first."""
    return {
        "taken_at": snapshot.taken_at.isoformat(),
        "worst": snapshot.worst_level.label,
        "releases": to_jsonable(snapshot.releases),
        "sources": to_jsonable(snapshot.sources),
    }
