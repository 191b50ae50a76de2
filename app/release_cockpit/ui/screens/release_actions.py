"""Action keys for screens that show one selected release (the board and the detail).

The keys only ask: they post a message and the app runs the one action path
(check -> confirmation -> audited call). The footer shows an action's key only while it
would do something for the selected release, as the snapshot's action choices say (the
engine works them out once per snapshot); read-only mode shows none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from release_cockpit.domain import Action
from release_cockpit.ui.messages import ActionRequested, ActionsMenuRequested, ChecklistRequested
from release_cockpit.ui.screens.live import LiveScreen

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot


class ReleaseActionsScreen(LiveScreen):
    """A live screen with a selected release and the action keys for it."""

    _available: tuple[Action | str, ...] = ()

    def selected_key(self) -> str | None:
        """The release the action keys act on; screens override this."""
        return None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        key = self.selected_key()
        snapshot = self.snapshot
        if action == "control":
            wanted = Action(str(parameters[0]))
            return (
                self._controls_on
                and snapshot is not None
                and key is not None
                and (snapshot.available(key, wanted))
            )
        if action == "actions_menu":
            # Open also when nothing is offered but the backend says why (Flagger without
            # its load tester): the menu explains instead of the key going missing.
            return (
                self._controls_on
                and snapshot is not None
                and bool(key and (snapshot.choices(key) or snapshot.action_note(key)))
            )
        if action == "checklist":
            release = self.snapshot.release(key) if self.snapshot and key else None
            return release is not None and release.checklist is not None
        return True

    async def show_snapshot(self, snapshot: CockpitSnapshot) -> None:
        await super().show_snapshot(snapshot)
        # Which actions apply changes with the data (a rollout that finished cannot be
        # aborted); the footer is redrawn only when that changed, not on every snapshot,
        # because every footer repaint is bytes over a slow SSH link.
        self.sync_bindings()

    def unavailable_reason(self, action: str, parameters: tuple[object, ...]) -> str:
        """Why an action key does nothing now, in the action path's own words."""
        key, snapshot = self.selected_key(), self.snapshot
        release = snapshot.release(key) if snapshot is not None and key else None
        if action not in ("control", "actions_menu", "checklist"):
            return ""
        if release is None or snapshot is None:
            return "no release is selected"
        if action == "checklist":
            return (
                f"{release.service} has no readiness checklist: add "
                f"[[services.{release.key}.checklist]] items to the config to have one"
            )
        if self.ctx.controls is None:
            if self.ctx.read_only:
                return "this cockpit is read-only: it has no controls"
            return "this view has no controls"
        if action == "actions_menu":
            return f"the backends of {release.service} offer no control actions"
        wanted = Action(str(parameters[0]))
        choice = next((c for c in snapshot.choices(key or "") if c.action is wanted), None)
        if choice is None:
            note = snapshot.action_note(release.key)
            offered = f"the backends of {release.service} cannot do that"
            return f"{offered} ({note})" if note else offered
        return choice.refusal or "refused by the action rules"

    @property
    def _controls_on(self) -> bool:
        return self.ctx.controls is not None

    def sync_bindings(self) -> None:
        key, snapshot = self.selected_key(), self.snapshot
        choices = snapshot.choices(key) if snapshot is not None and key else ()
        available: tuple[Action | str, ...] = tuple(
            c.action for c in choices if c.available and self._controls_on
        )
        if snapshot is not None and key and not choices and snapshot.action_note(key):
            available = ("note",)  # the menu key shows, to say why nothing is offered
        if available != self._available:
            self._available = available
            self.refresh_bindings()

    def action_control(self, name: str) -> None:
        key = self.selected_key()
        if key is not None:
            self.post_message(ActionRequested(key, Action(name)))

    def action_actions_menu(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.post_message(ActionsMenuRequested(key))

    def action_checklist(self) -> None:
        key = self.selected_key()
        if key is not None:
            self.post_message(ChecklistRequested(key))
