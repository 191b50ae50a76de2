"""The immutable picture the engine publishes: every release and every source, at one time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from release_cockpit.domain.freshness import SourceStatus
from release_cockpit.domain.release import Release
from release_cockpit.domain.verdict import VerdictLevel


@dataclass(frozen=True, slots=True)
class CockpitSnapshot:
    """What every view renders. ``generation`` grows by one per published snapshot."""

    taken_at: datetime
    releases: tuple[Release, ...]
    sources: tuple[SourceStatus, ...]
    generation: int = 0

    def release(self, key: str) -> Release | None:
        return next((r for r in self.releases if r.key == key), None)

    @property
    def worst_level(self) -> VerdictLevel:
        return max((r.verdict.level for r in self.releases), default=VerdictLevel.OK)
