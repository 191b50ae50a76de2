"""The Textual app: wires the snapshot feed to the screens, registers themes.

It stays thin. The feed (the engine, or a test double) runs as tasks on this app's event
loop and calls back with each snapshot; the callback only posts a replaceable message, so
the UI renders the latest picture and never queues a backlog. Global keys live in
``global_keys``, what it changes for low-colour and ASCII terminals in ``terminal_app``,
the action path in ``action_flow``, settings in ``app_options``.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from textual.notifications import SeverityLevel
from textual.screen import Screen

from release_cockpit.errors import CockpitError
from release_cockpit.ui.action_flow import ActionFlow
from release_cockpit.ui.app_options import Options
from release_cockpit.ui.bindings import APP_BINDINGS
from release_cockpit.ui.context import Session, UiContext
from release_cockpit.ui.deferred_feed import DeferredFeed
from release_cockpit.ui.global_keys import GlobalKeys
from release_cockpit.ui.glyphs import Glyphs
from release_cockpit.ui.messages import (
    SnapshotUpdated,
)
from release_cockpit.ui.notifier import Notifier
from release_cockpit.ui.questions import Questions
from release_cockpit.ui.screens.board import BoardScreen
from release_cockpit.ui.themes import install_themes

if TYPE_CHECKING:  # the engine is imported after the first frame (see deferred_feed)
    from release_cockpit.domain import CockpitSnapshot
    from release_cockpit.engine.controls import Controls
    from release_cockpit.engine.feed import RecordReader, SnapshotFeed, Unsubscribe
    from release_cockpit.ui.messages import (
        ActionRequested,
        ActionsMenuRequested,
        ChecklistRequested,
        HelpRequested,
        ReleaseSelected,
    )

WALL_THEME = "high-contrast"
TICK_SECONDS = 1.0


def _merge(done: frozenset[str] | None, more: frozenset[str] | None) -> frozenset[str] | None:
    """The diff covering two in a row (None: everything may have changed)."""
    return None if done is None or more is None else done | more


class CockpitApp(GlobalKeys):
    """The release cockpit. Widgets render snapshots; intents go to the feed (refresh) and
    to the controls (actions, checklist ticks), never straight to a backend."""

    BINDINGS = APP_BINDINGS

    def __init__(
        self,
        feed: SnapshotFeed,
        options: Options | None = None,
        *,
        controls: Controls | None = None,
        records: RecordReader | None = None,
        **settings: Any,
    ) -> None:
        """``settings`` are ``Options`` fields given one by one (tests use that form)."""
        opts = options or Options(**settings)
        super().__init__()
        self.animation_level = "none"  # every animation frame is a screenful over SSH
        self.feed, self.options, self.wall = feed, opts, opts.wall
        if opts.wall:  # the wall is a display: no controls at all, whatever the config says
            controls, records = None, None
        self.keymap = dict(opts.keymap)
        read_only = opts.wall or opts.read_only or bool(controls and controls.read_only)
        self.ctx = UiContext(
            Glyphs.for_mode(opts.ascii),
            opts.clock,
            read_only,
            opts.title,
            Session(controls, records),
        )
        self.flow = ActionFlow(self, controls)
        self.notifier = Notifier(
            self,
            bell=opts.bell,
            desktop=opts.desktop_notifications,
            hold=timedelta(seconds=opts.notify_after),
        )
        self.questions = Questions(self, enabled=opts.ask_confidence and controls is not None)
        self.title = opts.title
        self.set_class(opts.ascii, "-ascii")
        self.snapshot = feed.snapshot
        self.stores_working = {}
        self.clock_said = False
        self.theme_errors = install_themes(
            self, opts.theme, opts.bundled_themes_dir, opts.user_themes_dir
        )
        if self.keymap:
            self.set_keymap(self.keymap)
        self._unsubscribe: Unsubscribe | None = None
        self._held: CockpitSnapshot | None = None  # the newest snapshot while paused (p)
        self._unshown: frozenset[str] | None = frozenset()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """No toasts on the wall: it is read from across a room, nobody dismisses them,
        and they would cover the tiles (the bell and desktop notifications still go)."""
        if self.wall:
            return
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def get_default_screen(self) -> Screen[None]:
        if self.wall:
            from release_cockpit.ui.screens.wall import WallScreen

            return WallScreen(self.ctx, self.snapshot, rotate_seconds=self.options.wall_rotate)
        return BoardScreen(self.ctx, self.snapshot)

    async def on_mount(self) -> None:  # async like TerminalApp's (Textual calls both)
        self.say_startup_problems()
        self._unsubscribe = self.feed.subscribe(self._snapshot_published)
        # The feed (the engine: its imports, the database, the adapters) starts once the
        # first frame is on the screen: nothing but the board's skeleton is in its way.
        self.call_after_refresh(self._launch_feed)
        self.set_interval(TICK_SECONDS, self.tick)

    def _launch_feed(self) -> None:
        # The coroutine is made here, not in on_mount: an app closed before its first
        # refresh would otherwise leave it never awaited.
        self.run_worker(self._start_feed(), group="feed")

    async def _start_feed(self) -> None:
        feed = self.feed
        try:
            await feed.start()
        except CockpitError:
            self.exit(return_code=2)  # ``run`` raises it again for the CLI to print
            return
        if isinstance(feed, DeferredFeed) and feed.session is not None:
            session = feed.session
            if not self.wall:  # the wall is a display: no controls at all
                self.ctx.session.controls = session.controls
                self.ctx.session.records = session.records
                self.flow.controls = session.controls
                # Asked only where actions can be taken: known once the controls are.
                self.questions.enabled = self.options.ask_confidence
            for warning in session.warnings:
                self.notify(str(warning), title=warning.title, severity="warning", markup=False)
            self.refresh_bindings()
        latest = feed.snapshot
        if latest is not None and latest is not self.snapshot:
            if latest.changed is not None:  # nothing was shown yet: all of it is news
                latest = replace(latest, changed=None)
            self.post_message(SnapshotUpdated(latest))

    async def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        await self.feed.stop()

    def _snapshot_published(self, snapshot: CockpitSnapshot) -> None:
        # A newer message replaces one still queued (SnapshotUpdated.can_replace); the
        # diff it carries must then cover the snapshots skipped.
        self._unshown = _merge(self._unshown, snapshot.changed)
        if self._unshown != snapshot.changed:
            snapshot = replace(snapshot, changed=self._unshown)
        self.post_message(SnapshotUpdated(snapshot))

    async def on_snapshot_updated(self, message: SnapshotUpdated) -> None:
        self._unshown = frozenset()
        snapshot = message.snapshot
        # Notifications still come while paused: pausing is for reading, not for missing
        # that a release started failing.
        self.notifier.snapshot(snapshot)
        self.questions.observe(snapshot)
        self.say_session_changes(snapshot)
        if self.paused:
            self._held = replace(snapshot, changed=None)  # several may pass meanwhile
        else:
            await self.show(snapshot)

    async def resume(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            await self.show(held)

    def action_refresh(self) -> None:
        self.feed.refresh()
        self.notify("Polling every source now.", timeout=2)

    def on_release_selected(self, message: ReleaseSelected) -> None:
        from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen

        self.push_screen(ReleaseDetailScreen(self.ctx, self.snapshot, message.key))

    def on_help_requested(self, _message: HelpRequested) -> None:
        self.action_help()

    def on_action_requested(self, message: ActionRequested) -> None:
        self.flow.request(message.key, message.action)

    def on_actions_menu_requested(self, message: ActionsMenuRequested) -> None:
        self.flow.menu(message.key)

    def on_checklist_requested(self, message: ChecklistRequested) -> None:
        self.flow.checklist(message.key)
