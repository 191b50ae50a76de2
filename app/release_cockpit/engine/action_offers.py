"""What each release's backends offer to do, in their own words, and the action rules.

The offer side of the control path (``engine.controls`` checks, audits and sends): which
actions a release's deploy, CI and flag backends can take, why a backend offers fewer
than the release type could, which flag is the kill switch, and which backend acts.
Read-only sessions are offered nothing. Reads only the config, the adapters' offers and
the rules, so the snapshot builder may ask off the event loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from release_cockpit.adapters.base import Adapter, FlagSource
from release_cockpit.config.schema import Config
from release_cockpit.domain import Action, CockpitSnapshot, FlagLink, Release
from release_cockpit.domain.action_policy import ActionRules
from release_cockpit.domain.actions import (
    CI_ACTIONS,
    DEPLOY_ACTIONS,
    FLAG_ACTIONS,
    ActionWords,
    kill_switch,
)
from release_cockpit.domain.flags import not_read


def action_rules(config: Config, read_only: str = "") -> ActionRules:
    """The rules from the config; ``read_only`` says why the session is read-only, if it is
    (the flag), else the config's own ``[cockpit] read_only`` applies."""
    where = str(config.path) if config.path else "the config file"
    if not read_only and config.cockpit.read_only:
        read_only = f"read_only = true under [cockpit] in {where}"
    return ActionRules(
        read_only=read_only,
        environments=config.environments,
        freezes=config.freezes,
        policies=config.policies,
        config_name=where,
    )


class ActionOffers:
    """The actions each release's backends offer, and the words they use for them."""

    def __init__(self, config: Config, adapters: Mapping[str, Adapter], rules: ActionRules) -> None:
        self.config = config
        self.adapters = adapters
        self.rules = rules

    def offered(self, key: str) -> frozenset[Action]:
        """What the release's backends can do (empty in read-only mode)."""
        svc = self.config.services.get(key)
        if svc is None or self.rules.read_only_for(svc.environment):
            return frozenset()
        found: set[Action] = set()
        if svc.deploy and svc.deploy.backend in self.adapters:
            offer = self.adapters[svc.deploy.backend].offer(svc.deploy.target)
            found |= offer.actions & DEPLOY_ACTIONS
        if svc.ci and svc.ci.backend in self.adapters:
            found |= self.adapters[svc.ci.backend].CAPABILITIES & CI_ACTIONS
        link = self.kill_switch_link(key)
        if link is not None:
            found |= self.adapters[link.backend].offer(link.target).actions & FLAG_ACTIONS
        return frozenset(found)

    def note(self, release: Release) -> str:
        """Why the release's deploy or flag backend offers fewer actions than its type could
        ("" when they say nothing; read-only sessions have no notes)."""
        svc = self.config.services.get(release.key)
        if svc is None or self.rules.read_only_for(svc.environment):
            return ""
        notes = []
        links = [(svc.deploy.backend, svc.deploy.target)] if svc.deploy else []
        flag = self.kill_switch_link(release.key)
        if flag is not None:
            links.append((flag.backend, flag.target))
        for backend, target in links:
            adapter = self.adapters.get(backend)
            note = adapter.offer(target).note if adapter is not None else ""
            if note:
                notes.append(f"{backend}: {note}")
        return "; ".join(notes)

    def notes(self, snapshot: CockpitSnapshot) -> dict[str, str]:
        """``note`` of every release in ``snapshot`` that has one, by release key."""
        found = {release.key: self.note(release) for release in snapshot.releases}
        return {key: note for key, note in found.items() if note}

    def kill_switch_link(self, key: str) -> FlagLink | None:
        """The flag "flag off" and "flag on" act on: the line's first, if a flag source
        reads it."""
        svc = self.config.services.get(key)
        link = svc.flags[0] if svc is not None and svc.flags else None
        if link is None or not isinstance(self.adapters.get(link.backend), FlagSource):
            return None
        return link

    def next_rule_change(self, now: datetime) -> datetime | None:
        """When a freeze window next opens or closes: the choices change then, without any
        new data (the snapshot builder wakes for it)."""
        edges = [t for f in self.rules.freezes for t in (f.start, f.end) if t > now]
        return min(edges, default=None)

    def backend(self, key: str, action: Action) -> str:
        svc = self.config.services[key]
        if action in CI_ACTIONS:
            return svc.ci.backend if svc.ci else ""
        if action in FLAG_ACTIONS:
            link = self.kill_switch_link(key)
            return link.backend if link else ""
        return svc.deploy.backend if svc.deploy else ""

    def words(self, release: Release, action: Action, backend: str) -> ActionWords:
        """The acting adapter's words; a flag source speaks of the flag, not the rollout."""
        adapter = self.adapters[backend]
        link = self.kill_switch_link(release.key) if action in FLAG_ACTIONS else None
        if link is not None and isinstance(adapter, FlagSource):
            flag = kill_switch(release) or not_read(link.flag, link.environment)
            return adapter.switch_words(action, flag, link.target)
        return adapter.describe(action, release)


__all__ = ["ActionOffers", "action_rules"]
