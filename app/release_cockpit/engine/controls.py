"""The one path every control action takes.

intent -> rules (read-only, support, state, freeze, policy) -> confirmation (the UI shows
the plan; the typed name is checked here too) -> audit "started", durable -> backend call
with a timeout -> audit "finished" with result and duration -> the release shows the action
as sent until a poll confirms it. One action in flight per release: a second attempt is
refused (and audited as refused), never queued. Across cockpits on one store, the target
is claimed (``intents``) before the audit's start record: a second person's attempt is
refused with who is acting ("alice is promoting payments (started 12s ago)"). Refusals
after the confirmation are audited; the UI asking whether a key is available (``check``)
is not an attempt.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from release_cockpit.adapters.base import (
    ActionResult,
    Adapter,
    CISource,
    DeployTarget,
    FlagSource,
)
from release_cockpit.adapters.sent_requests import sent_requests, unanswered
from release_cockpit.config.schema import Config
from release_cockpit.domain import Action, CockpitSnapshot, Release
from release_cockpit.domain.action_policy import ActionRules
from release_cockpit.domain.action_status import ActionPhase
from release_cockpit.domain.actions import (
    CI_ACTIONS,
    FLAG_ACTIONS,
    TITLES,
    ActionChoice,
    ActionPlan,
    plan,
)
from release_cockpit.domain.audit import Outcome
from release_cockpit.domain.checklist import ItemKind, Tick
from release_cockpit.domain.intent import Intent, intent_target
from release_cockpit.engine.action_offers import ActionOffers
from release_cockpit.engine.action_tracker import CONFIRM_WITHIN
from release_cockpit.engine.audit_log import ActionStart, AuditLog
from release_cockpit.engine.clock import Clock
from release_cockpit.engine.database import Database
from release_cockpit.engine.intents import Claims
from release_cockpit.engine.sqlite_file import StoreError
from release_cockpit.engine.store import Store
from release_cockpit.engine.stored_records import StoredRecords
from release_cockpit.errors import (
    ActionFailed,
    ActionRefused,
    AdapterError,
    Timeout,
    Unreachable,
)

LATE_CHECK_EVERY = 1.0
"""Seconds between looks at the tracker for an unanswered action's effect."""


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    """What the UI tells the person after the call."""

    plan: ActionPlan
    ok: bool
    text: str
    audit_id: int


class Controls:
    """Checks, confirms, audits and sends control actions for the engine's releases."""

    def __init__(
        self,
        config: Config,
        adapters: Mapping[str, Adapter],
        store: Store,
        rules: ActionRules,
        clock: Clock,
        *,
        database: Database | None,
        on_change: Callable[[], object] = lambda: None,
        refresh: Callable[[str], None] = lambda _source: None,
    ) -> None:
        """``database`` holds the audit log (None, or one without an audit log: every
        action is refused, with the database's error as the reason)."""
        self.config = config
        self.adapters = adapters
        self.store = store
        self.rules = rules
        self.offers = ActionOffers(config, adapters, rules)
        self.clock = clock
        self.database = database
        self.audit = database.audit if database is not None else None
        self.audit_error = database.error if database is not None else None
        self.tracker = store.actions
        self._on_change = on_change
        self._refresh = refresh
        self._busy: dict[str, tuple[Action, datetime]] = {}
        self._in_flight: set[int] = set()
        self.stored = StoredRecords(database, self._in_flight)
        self._watchers: set[asyncio.Task[None]] = set()
        self.timeout = config.cockpit.action_timeout.total_seconds()
        intents = database.intents if database is not None else None
        self.claims = Claims(intents, self._db_call, lambda: self.on_claims())
        self.on_claims: Callable[[], object] = lambda: None
        """Called when this cockpit claims or releases a target (team mode notifies)."""

    async def _db_call(self, fn: Callable[..., object], *args: object) -> object:
        assert self.database is not None  # Claims has no store without a database
        return await self.database.call(fn, *args)

    @property
    def read_only(self) -> bool:
        return bool(self.rules.read_only)

    def release(self, key: str) -> Release | None:
        snapshot = self.store.last
        if snapshot is None:
            return None
        return next((r for r in snapshot.releases if r.key == key), None)

    def choice_row(self, release: Release) -> tuple[ActionChoice, ...] | None:
        """Every action the release's backends offer, and why each would be refused now
        (None when they offer nothing). Reads only the rules, the adapters' offers and the
        actions in flight, so the snapshot builder may call it off the event loop."""
        offered = self.offers.offered(release.key)
        if not offered:
            return None
        now = self.clock.now()
        row = []
        for action in sorted(offered, key=lambda a: a.value):
            refused = self._refusal(release, action, now, offered)
            if refused is None and self.claims.others:
                # Whether someone else holds the target needs the target's words: the
                # whole check, only while the team has claims at all.
                try:
                    self._check(release, action)
                except ActionRefused as exc:
                    refused = exc
            row.append(ActionChoice(action, refused.message if refused else ""))
        return tuple(row)

    def choices(self, snapshot: CockpitSnapshot) -> dict[str, tuple[ActionChoice, ...]]:
        """``choice_row`` of every release in ``snapshot`` that is offered anything."""
        rows = {release.key: self.choice_row(release) for release in snapshot.releases}
        return {key: row for key, row in rows.items() if row is not None}

    def check(self, key: str, action: Action) -> ActionPlan:
        """The plan the confirmation shows, or the refusal (not audited: nothing was tried).

        Raises:
            ActionRefused: a rule refuses the action now.
        """
        release = self.release(key)
        if release is None:
            raise ActionRefused(
                f"no data for {key} yet", rule="no data", hint="wait for the first poll"
            )
        return self._check(release, action)

    def _refusal(
        self,
        release: Release,
        action: Action,
        now: datetime,
        offered: frozenset[Action] | None = None,
    ) -> ActionRefused | None:
        """Why ``action`` is refused now by the rules or this cockpit's own actions (the
        team's claims aside: ``_check`` adds those), or None. ``offered``: the release's
        offered actions when the caller has them already (a choice row asks eight times)."""
        key = release.key
        if offered is None:
            offered = self.offers.offered(key)
        refusal = self.rules.check(release, action, offered, now)
        if refusal is not None:
            return ActionRefused(refusal.reason, rule=refusal.rule, hint=refusal.next_step)
        busy = self._busy.get(key)
        if busy is not None:
            return ActionRefused(
                f"{TITLES[busy[0]].lower()} on {release.service} is still in flight",
                rule="one action at a time",
                hint="wait for it to finish; the panel shows its result",
            )
        if self.tracker.awaiting(key) is action:
            return ActionRefused(
                f"{TITLES[action].lower()} was already sent for {release.service} and the "
                "backend has not shown its effect yet",
                rule="double press",
                hint="wait for the next poll (r polls now) before sending it again",
            )
        return None

    def _check(self, release: Release, action: Action) -> ActionPlan:
        refused = self._refusal(release, action, self.clock.now())
        if refused is not None:
            raise refused
        typed, because = self.rules.confirmation(release, action)
        backend = self.offers.backend(release.key, action)
        words = self.offers.words(release, action, backend)
        held = self.claims.holder(intent_target(backend, words.target), self.clock.now())
        if held is not None:
            raise ActionRefused(
                held.sentence(self.clock.now()),
                rule="one action at a time",
                hint="wait for it to finish; the audit log (L) shows its result",
            )
        return plan(release, action, backend, words, type_to_confirm=typed, typed_because=because)

    def _start_record(self, plan: ActionPlan) -> ActionStart:
        return ActionStart(
            plan.key,
            plan.release_id,
            plan.service,
            plan.environment,
            plan.action.value,
            plan.target,
            {"backend": plan.backend, "from": plan.current, "to": plan.goal},
        )

    async def _refuse(self, plan: ActionPlan, error: ActionRefused) -> ActionRefused:
        database, audit = self.database, self.audit
        if database is not None and audit is not None:
            # The refusal itself is what the person sees; nothing was sent either way.
            with contextlib.suppress(StoreError):
                reason = f"{error.rule}: {error.message}"
                await database.call(audit.refused, self._start_record(plan), reason)
        return error

    async def run(self, plan: ActionPlan, typed_name: str | None = None) -> ActionOutcome:
        """Send a confirmed action, audited before and after.

        Raises:
            ActionRefused: a rule refuses it now, the name typed does not match, another
                action on the release is in flight, or the audit log cannot record it.
        """
        try:
            current = self.check(plan.key, plan.action)
        except ActionRefused as refused:
            raise await self._refuse(plan, refused) from None
        if current.type_to_confirm and (typed_name or "").strip() != current.service:
            raise await self._refuse(
                plan,
                ActionRefused(
                    f"the name typed does not match {current.service}",
                    rule="confirmation",
                    hint=f"type {current.service} exactly to confirm",
                ),
            )
        if self.audit is None or self.database is None:
            reason = str(self.audit_error) if self.audit_error else "no audit log is open"
            raise ActionRefused(
                f"nothing is sent without an audit record: {reason}", rule="audit log"
            )
        release = self.release(plan.key)
        assert release is not None  # check() succeeded
        self._busy[plan.key] = (plan.action, self.clock.now())
        intent: Intent | None = None
        settle = 0.0
        try:
            intent = await self._claim(current)
            outcome = await self._send(current, release, self.database, self.audit, intent)
            # A sent action keeps its target until the next poll can show its effect to
            # everyone: nobody may act meanwhile on the state from before it.
            settle = self.settle(current.backend) if outcome.ok else 0.0
            return outcome
        finally:
            del self._busy[plan.key]
            self.store.changed.add(plan.key)  # its status and choices are news
            await self.claims.release(intent, after=settle)
            self._on_change()

    def settle(self, backend: str) -> float:
        """Seconds a sent action keeps its target: the backend's interval and a second."""
        configured = self.config.backends.get(backend)
        interval = configured.interval if configured is not None else None
        return (interval or self.config.polling.interval).total_seconds() + 1.0

    async def _claim(self, plan: ActionPlan) -> Intent | None:
        """Claim the target for this action, or refuse (audited) naming who holds it."""
        target = intent_target(plan.backend, plan.target)
        lasts = timedelta(seconds=self.timeout)
        try:
            mine, holder = await self.claims.claim(target, plan.action.value, plan.service, lasts)
        except StoreError as exc:
            raise ActionRefused(str(exc), rule="audit log", hint=exc.hint) from exc
        if holder is not None:
            self.claims.others[target] = holder
            refusal = ActionRefused(
                holder.sentence(self.clock.now()),
                rule="one action at a time",
                hint="wait for it to finish; the audit log (L) shows its result",
            )
            raise await self._refuse(plan, refusal) from None
        return mine

    async def _send(
        self,
        plan: ActionPlan,
        release: Release,
        database: Database,
        audit: AuditLog,
        intent: Intent | None,
    ) -> ActionOutcome:
        try:
            record = await database.call(audit.start, self._start_record(plan))
        except StoreError as exc:
            raise ActionRefused(str(exc), rule="audit log", hint=exc.hint) from exc
        await self.claims.attach(intent, record)
        self._in_flight.add(record)
        with sent_requests() as sent:
            try:
                async with asyncio.timeout(self.timeout):
                    result = await self._call(plan, release)
            except (TimeoutError, Timeout, Unreachable) as exc:
                if not unanswered(sent):  # nothing reached the backend unanswered
                    error = str(exc) or (
                        f"{plan.backend} was not called within {self.timeout:g}s (it is "
                        "busy with other requests); nothing was sent"
                    )
                    return await self._failed(plan, record, error, tuple(sent))
                return await self._unanswered(plan, release, record, tuple(sent))
            except AdapterError as exc:
                return await self._failed(plan, record, str(exc), tuple(sent))
            finally:
                self._in_flight.discard(record)
        with contextlib.suppress(StoreError):  # the start record stands: "outcome unknown"
            await database.call(
                audit.finish,
                record,
                Outcome.SUCCEEDED,
                detail=result.detail,
                requests=result.requests or tuple(sent),
            )
        self.tracker.sent(release, plan.action, plan.backend, audit.who, self.clock.now())
        self._refresh(plan.backend)
        text = f"{TITLES[plan.action]} {plan.service}: {result.detail}"
        return ActionOutcome(plan, True, text, record)

    async def _failed(
        self, plan: ActionPlan, record: int, error: str, requests: tuple[str, ...]
    ) -> ActionOutcome:
        """The backend answered no (or never got the request): failed, with what was sent."""
        assert self.database is not None
        assert self.audit is not None
        with contextlib.suppress(StoreError):  # the start record stands: "outcome unknown"
            await self.database.call(
                self.audit.finish, record, Outcome.FAILED, error=error, requests=requests
            )
        release = self.release(plan.key)
        if release is not None:
            self.tracker.failed(release, plan.action, error, self.audit.who, self.clock.now())
        return ActionOutcome(
            plan, False, f"{TITLES[plan.action]} {plan.service} failed: {error}", record
        )

    async def _unanswered(
        self, plan: ActionPlan, release: Release, record: int, requests: tuple[str, ...]
    ) -> ActionOutcome:
        """A request reached (or may have reached) the backend and no answer came: the
        backend may apply it later, so the record says "outcome unknown", never "failed",
        and the tracker watches for the effect; a poll that shows it appends "succeeded,
        confirmed late" to the record (see ``_confirm_late``)."""
        assert self.database is not None
        assert self.audit is not None
        error = (
            f"{plan.backend} did not answer within {self.timeout:g}s: outcome unknown — "
            "check the backend before trying again (a poll that shows the effect confirms it)"
        )
        with contextlib.suppress(StoreError):
            await self.database.call(
                self.audit.finish, record, Outcome.UNKNOWN, error=error, requests=requests
            )
        self.tracker.sent(release, plan.action, plan.backend, self.audit.who, self.clock.now())
        self._refresh(plan.backend)
        watcher = asyncio.create_task(self._confirm_late(plan, record, requests))
        self._watchers.add(watcher)
        watcher.add_done_callback(self._watchers.discard)
        return ActionOutcome(plan, False, f"{TITLES[plan.action]} {plan.service}: {error}", record)

    async def _confirm_late(self, plan: ActionPlan, record: int, requests: tuple[str, ...]) -> None:
        """Append "succeeded, confirmed late" once the tracker sees the action's effect;
        nothing when it gives up (the record keeps "outcome unknown")."""
        assert self.database is not None
        assert self.audit is not None
        deadline = self.clock.now() + CONFIRM_WITHIN + timedelta(seconds=5)
        while self.clock.now() < deadline:
            await asyncio.sleep(LATE_CHECK_EVERY)
            phase = self.tracker.phase(plan.key)
            if phase is ActionPhase.CONFIRMED:
                detail = f"confirmed late: a poll of {plan.backend} showed the effect"
                with contextlib.suppress(StoreError):
                    await self.database.call(
                        self.audit.finish,
                        record,
                        Outcome.SUCCEEDED,
                        detail=detail,
                        requests=requests,
                    )
                self._on_change()
                return
            if phase is not ActionPhase.SENT:
                return

    async def aclose(self) -> None:
        """Stop watching for late confirmations (the records keep "outcome unknown")."""
        for watcher in list(self._watchers):
            watcher.cancel()
        await asyncio.gather(*self._watchers, return_exceptions=True)

    async def _call(self, plan: ActionPlan, release: Release) -> ActionResult:
        svc = self.config.services[plan.key]
        adapter = self.adapters[plan.backend]
        unable = ActionFailed(
            f"{plan.backend} cannot {TITLES[plan.action].lower()} {plan.service}",
            backend=plan.backend,
            hint="the release's configuration changed; restart the cockpit",
        )
        if plan.action in CI_ACTIONS:
            if not isinstance(adapter, CISource) or svc.ci is None or release.ci_run is None:
                raise unable
            return await adapter.act(plan.action, svc.ci.target, release.ci_run)
        if plan.action in FLAG_ACTIONS:
            link = self.offers.kill_switch_link(plan.key)
            if not isinstance(adapter, FlagSource) or link is None:
                raise unable
            return await adapter.act(plan.action, link.target)
        if not isinstance(adapter, DeployTarget) or svc.deploy is None:
            raise unable
        return await adapter.act(plan.action, svc.deploy.target)

    async def tick(self, key: str, item: str, ticked: bool) -> Tick:
        """Tick or untick a manual checklist item of the release's current version.

        Raises:
            ActionRefused: read-only, unknown item, no version yet, or no audit log.
        """
        release = self.release(key)
        svc = self.config.services.get(key)
        if release is None or svc is None or release.version is None:
            raise ActionRefused(
                f"{key} has no version yet", rule="no data", hint="wait for the first poll"
            )
        if self.rules.read_only_for(release.environment):
            raise ActionRefused(
                "the checklist cannot be ticked in read-only mode", rule="read-only"
            )
        spec = next((i for i in svc.checklist if i.name == item), None)
        if spec is None or spec.kind is not ItemKind.MANUAL:
            raise ActionRefused(
                f"'{item}' is not a manual checklist item of {key}",
                rule="checklist",
                hint="automatic items pass by themselves when their check passes",
            )
        database, audit = self.database, self.audit
        if database is None or audit is None:
            raise ActionRefused("the checklist is stored in the audit database", rule="audit log")
        try:
            tick = await database.call(audit.tick, key, release.version, item, ticked)
        except StoreError as exc:
            raise ActionRefused(str(exc), rule="audit log", hint=exc.hint) from exc
        self.store.set_tick(key, release.version, tick)
        self._on_change()
        return tick
