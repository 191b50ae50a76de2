"""From a key press to an audited backend call: the UI half of the one action path.

A key, the actions menu or the palette posts an intent; this module asks the controls for
the plan (or the refusal), shows the confirmation, and sends the confirmed action in a
worker, so the screen keeps answering while the backend is called. The rules, the audit
records and the call itself live in ``engine.controls``: nothing here talks to a backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from release_cockpit.errors import ActionRefused
from release_cockpit.ui.bindings import ACTION_KEYS
from release_cockpit.ui.messages import ActionRequested
from release_cockpit.ui.screens.checklist import ChecklistScreen

if TYPE_CHECKING:
    from release_cockpit.domain import Action, Release
    from release_cockpit.domain.actions import ActionPlan
    from release_cockpit.engine.controls import Controls
    from release_cockpit.ui.global_keys import GlobalKeys


class ActionFlow:
    """Intents in, confirmations and results out, for one app."""

    def __init__(self, app: GlobalKeys, controls: Controls | None) -> None:
        self.app = app
        self.controls = controls

    def request(self, key: str, action: Action) -> None:
        """A key or menu asked for ``action`` on release ``key``: confirm, then send."""
        controls = self.controls
        if controls is None:
            return
        try:
            plan = controls.check(key, action)
        except ActionRefused as refused:
            self.refused(refused)
            return

        def confirmed(typed: str | None) -> None:
            if typed is None:
                self.app.notify("Cancelled: nothing was sent.", timeout=3)
                return
            self.app.run_worker(self._send(controls, plan, typed), group="actions")

        from release_cockpit.ui.screens.confirm import ConfirmActionScreen

        self.app.push_screen(ConfirmActionScreen(plan, self.app.ctx.glyphs), confirmed)

    async def _send(self, controls: Controls, plan: ActionPlan, typed: str) -> None:
        self.app.notify(f"{plan.title}: sending...", timeout=3, markup=False)
        try:
            outcome = await controls.run(plan, typed)
        except ActionRefused as refused:
            self.refused(refused)
            return
        self.app.notifier.action_done(outcome)
        self.app.questions.after_action(outcome)

    def refused(self, refused: ActionRefused) -> None:
        self.app.bell()
        self.app.notify(str(refused), title=refused.title, severity="warning", markup=False)

    def menu(self, key: str) -> None:
        """Every action the release's backends offer, with why an unavailable one would
        do nothing, as the snapshot says."""
        snapshot = self.app.snapshot
        release = snapshot.release(key) if snapshot else None
        if self.controls is None or snapshot is None or release is None:
            return
        choices = {c.action: c.refusal or None for c in snapshot.choices(key)}

        def chosen(action: Action | None) -> None:
            if action is not None:
                self.app.post_message(ActionRequested(key, action))

        keys = {action: self.key_for(action) for action in choices}
        from release_cockpit.ui.screens.actions_menu import ActionsMenuScreen

        screen = ActionsMenuScreen(
            release.service, choices, keys, self.app.ctx.glyphs, snapshot.action_note(key)
        )
        self.app.push_screen(screen, chosen)

    def key_for(self, action: Action) -> str:
        """The key bound to an action now (the config's keymap may have changed it)."""
        binding_id = f"release.{action.value.replace('-', '_')}"
        return self.app.keymap.get(binding_id, ACTION_KEYS.get(action, "")).split(",")[0]

    def checklist(self, key: str) -> None:
        """The readiness checklist of one release; ticks are stored off the event loop."""

        def current() -> Release | None:
            snapshot = self.app.snapshot
            return snapshot.release(key) if snapshot else None

        def toggle(item: str, ticked: bool) -> None:
            self.app.run_worker(self._tick(key, item, ticked), group="checklist")

        self.app.push_screen(ChecklistScreen(current, toggle, self.app.ctx.glyphs))

    async def _tick(self, key: str, item: str, ticked: bool) -> None:
        if self.controls is None:
            self.app.notify("Checklist ticks need the controls.", severity="warning")
            return
        try:
            await self.controls.tick(key, item, ticked)
        except ActionRefused as refused:
            self.refused(refused)
            return
        word = "ticked" if ticked else "unticked"
        self.app.notify(f"'{item}' {word}.", timeout=3, markup=False)

    def commands(self, key: str | None) -> Iterable[SystemCommand]:
        """Palette entries for the actions that apply to the selected release now."""
        snapshot, controls = self.app.snapshot, self.controls
        if controls is None or key is None or snapshot is None:
            return
        for choice in snapshot.choices(key):
            if not choice.available:
                continue
            try:
                plan = controls.check(key, choice.action)
            except ActionRefused:
                continue  # changed since the snapshot: the palette simply omits it
            yield SystemCommand(
                plan.title,
                f"{plan.effect} (asks for confirmation)",
                partial(self.app.post_message, ActionRequested(key, choice.action)),
            )
