"""The immutable picture the engine publishes: every release and every source, at one time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from release_cockpit.domain.actions import ActionChoice
from release_cockpit.domain.freshness import SourceStatus
from release_cockpit.domain.release import Release
from release_cockpit.domain.release_enums import Attention
from release_cockpit.domain.rollout import Action
from release_cockpit.domain.store_status import StoreStatus
from release_cockpit.domain.verdict import VerdictLevel


@dataclass(frozen=True, slots=True)
class CockpitSnapshot:
    """What every view renders. ``generation`` grows by one per published snapshot."""

    taken_at: datetime
    releases: tuple[Release, ...]
    sources: tuple[SourceStatus, ...]
    generation: int = 0
    stores: tuple[StoreStatus, ...] = ()
    """The cockpit's own stores (history, audit log) when one is not working, or all."""
    actions: Mapping[str, tuple[ActionChoice, ...]] = field(default_factory=dict)
    """Release key -> the actions its backends offer and whether each applies now."""
    action_notes: Mapping[str, str] = field(default_factory=dict)
    """Release key -> why its backends offer fewer actions than their type could (Flagger
    without a load tester...), for the actions menu; absent when nothing is missing."""
    clock_note: str = ""
    """Set once the system clock jumped away from the session's steady clock: the session
    keeps its own time (never a verdict from a jump) and says so."""
    changed: frozenset[str] | None = field(default=None, compare=False)
    """The diff for views: keys of the releases whose content changed since the previous
    snapshot (None: unknown, treat every release as changed). A release whose only news
    is that its sources answered again (the same data, younger) is not in it: its object
    is new (the detail's "updated 3s ago" moves) but nothing a panel draws changed."""
    _by_key: Mapping[str, Release] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # ``release(key)`` is asked per key press and per screen; a scan of 500 releases
        # each time showed in the latency figures.
        object.__setattr__(self, "_by_key", {r.key: r for r in self.releases})

    def choices(self, key: str) -> tuple[ActionChoice, ...]:
        return self.actions.get(key, ())

    def action_note(self, key: str) -> str:
        return self.action_notes.get(key, "")

    def available(self, key: str, action: Action) -> bool:
        """Whether ``action`` would be accepted for release ``key`` as of this snapshot."""
        return any(c.action is action and c.available for c in self.choices(key))

    def release(self, key: str) -> Release | None:
        return self._by_key.get(key)

    @property
    def worst_level(self) -> VerdictLevel:
        return max((r.verdict.level for r in self.releases), default=VerdictLevel.OK)

    @property
    def worst(self) -> Attention:
        """The release that most needs someone: what `status` exits with and the JSON's
        ``worst`` (the same word the TUI's badges and header count)."""
        return min((r.attention for r in self.releases), default=Attention.DONE)
