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

from release_cockpit.domain.alerts import Alert
from release_cockpit.domain.release import Release
from release_cockpit.domain.snapshot import CockpitSnapshot


def to_jsonable(value: Any) -> Any:
    """Convert a domain value into JSON-compatible data (NaN/Inf become strings)."""
    if isinstance(value, Release):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"id": value.id, **data}
    if isinstance(value, Alert):
        data = {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {**data, "labels": dict(value.labels)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        # A field marked ``json: False`` is for screens only (a signal's full history).
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.metadata.get("json", True)
        }
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


def read_at(release: Release, now: datetime) -> dict[str, Any]:
    """``to_jsonable`` of a release with its clock texts read at ``now``: a stage's detail
    as the screen shows it ("soak 2m17s left") and the rollout's ETA."""
    data: dict[str, Any] = to_jsonable(release)
    for stage, shown in zip(release.stages, data["stages"], strict=True):
        shown["detail"] = stage.text(now)
    data["eta"] = to_jsonable(release.eta(now))
    return data


def time_left(release: Release, now: datetime) -> dict[str, float | None]:
    """Seconds until the pause ends, the soak ends and the rollout should be done."""

    def seconds(moment: datetime | None) -> float | None:
        return None if moment is None else max((moment - now).total_seconds(), 0.0)

    rollout = release.rollout
    return {
        "pause": seconds(rollout.pause_ends_at) if rollout else None,
        "soak": seconds(release.soak_ends_at),
        "eta": seconds(release.eta(now)),
    }


def actions_document(snapshot: CockpitSnapshot, key: str) -> dict[str, Any]:
    """The control actions a release's backends offer: each with whether it applies now
    (and why not), and why its backends offer no more (``note``, "" when nothing is missing).
    Empty in a read-only session."""
    return {
        "offered": [
            {"action": c.action.value, "available": c.available, "refusal": c.refusal}
            for c in snapshot.choices(key)
        ],
        "note": snapshot.action_note(key),
    }


def snapshot_document(snapshot: CockpitSnapshot) -> dict[str, Any]:
    """The `status --json` document: the snapshot plus the roll-up a script needs first.

    ``status`` is the word the TUI's badge shows for each release (failing, waiting,
    warning, unknown, ok) and ``worst`` the worst of them: the exit code follows it.
    """
    releases = [
        {
            **read_at(r, snapshot.taken_at),
            "status": r.attention.status_word.lower(),
            "time_left": time_left(r, snapshot.taken_at),
            "actions": actions_document(snapshot, r.key),
        }
        for r in snapshot.releases
    ]
    return {
        "taken_at": snapshot.taken_at.isoformat(),
        "worst": snapshot.worst.status_word.lower(),
        "releases": releases,
        "sources": to_jsonable(snapshot.sources),
        "stores": [{**to_jsonable(s), "text": s.text} for s in snapshot.stores],
        "clock_note": snapshot.clock_note,
    }
