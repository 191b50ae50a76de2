"""Asking how a release went: confidence and friction, one optional key at a time.

When someone promotes, rolls back or aborts (and the action was sent), and when a release
they acted on finishes, a line appears at the bottom of the board or the detail:
"How confident were you in payments 1.13.0? 1-5, 0 skips". A digit answers and the
friction question follows; ``n`` adds a note afterwards. Nothing is modal: every other key
works as before, and the line goes away by itself after ``LINGER``. Each person is asked at
most once per release (an answer in any session, a skip or a timeout in this one), and
``[cockpit] ask_confidence = false`` turns it off. Answers go to the history store with
who and when; they are shown only as a group's median and count (``domain.human``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from textual.content import Content
from textual.widgets import Static

from release_cockpit.domain import Action, StageName
from release_cockpit.domain.moment import Moment

if TYPE_CHECKING:
    from release_cockpit.domain import CockpitSnapshot, Release
    from release_cockpit.engine.controls import ActionOutcome
    from release_cockpit.ui.global_keys import GlobalKeys

LINGER = timedelta(minutes=2)
"""How long an unanswered question stays before it goes away (counted as skipped)."""
ASKED_AFTER = {
    Action.PROMOTE: Moment.PROMOTE,
    Action.PROMOTE_FULL: Moment.PROMOTE,
    Action.ROLLBACK: Moment.ROLLBACK,
    Action.ABORT: Moment.ABORT,
}


def finished(release: Release) -> bool:
    """The release reached an end: soaked (or failed) in monitor, or its rollout aborted."""
    rollout = release.rollout
    return release.stage(StageName.MONITOR).state.settled or bool(rollout and rollout.aborted)


@dataclass(slots=True)
class Question:
    key: str
    version: str
    service: str
    moment: Moment
    asked_at: datetime
    confidence: int | None = None
    friction_given: int | None = None
    step: str = "confidence"  # then "friction", then "note" (only n acts), then "done"

    def text(self) -> str:
        who = f"{self.service} {self.version}"
        if self.step == "confidence":
            return f"How confident were you in {who}? 1-5 (1 not at all, 5 fully), 0 skips"
        if self.step == "friction":
            return f"How much friction did {who} take? 1-5 (1 none, 5 a fight), 0 skips"
        return "Thanks, saved with the release (shown only per team and service). n adds a note"


class QuestionBar(Static):
    """The question's line, docked at the bottom above the footer."""

    DEFAULT_CSS = """
    QuestionBar {
        dock: bottom;
        margin-bottom: 1;  /* above the footer, which docks at the very bottom */
        height: 1;
        background: $panel;
        color: $foreground;
        text-style: bold;
        padding: 0 1;
    }
    """


class Questions:
    """The one pending question of an app, and who was asked what."""

    def __init__(self, app: GlobalKeys, *, enabled: bool) -> None:
        self.app = app
        self.enabled = enabled
        self.pending: Question | None = None
        self._asked: set[tuple[str, str]] = set()
        self._acted: set[tuple[str, str]] = set()

    # When to ask

    def after_action(self, outcome: ActionOutcome) -> None:
        """An action was sent: remember the release; after promote/rollback/abort, ask."""
        plan = outcome.plan
        release = self._release(plan.key)
        if not outcome.ok or release is None or release.version is None:
            return
        self._acted.add((plan.key, release.version))
        moment = ASKED_AFTER.get(plan.action)
        if moment is not None:
            self._ask(release, moment)

    def observe(self, snapshot: CockpitSnapshot) -> None:
        """A release this person acted on finished: ask, unless asked already."""
        if not self._acted or self.pending is not None:
            return
        for release in snapshot.releases:
            ident = (release.key, release.version or "")
            if ident in self._acted and ident not in self._asked and finished(release):
                self._ask(release, Moment.FINISHED)
                return

    def _release(self, key: str) -> Release | None:
        snapshot = self.app.snapshot
        return snapshot.release(key) if snapshot is not None else None

    def _ask(self, release: Release, moment: Moment) -> None:
        controls = self.app.ctx.controls
        ident = (release.key, release.version or "")
        if not self.enabled or controls is None or ident in self._asked or self.app.ctx.read_only:
            return
        self._asked.add(ident)

        async def check() -> None:
            from release_cockpit.engine.sqlite_file import StoreError  # loaded with controls

            try:
                if await controls.stored.answered(*ident):
                    return  # answered in an earlier session: never twice
            except StoreError:
                return  # no history to keep an answer in: asking would lose it
            self.pending = Question(ident[0], ident[1], release.service, moment, self.app.ctx.now())
            self.show()

        self.app.run_worker(check(), group="questions")

    # Answers

    def wants(self, key: str) -> bool:
        """Whether a key press is for the question (digits, and n after the answers)."""
        question = self.pending
        if question is None:
            return False
        if question.step in ("confidence", "friction"):
            return key in "012345"
        return key == "n"

    def press(self, key: str) -> None:
        question = self.pending
        if question is None:
            return
        if question.step == "confidence":
            question.confidence = int(key) or None
            question.step = "friction"
            self.show()
        elif question.step == "friction":
            friction = int(key) or None
            question.step = "note"
            self._save(question, friction, "")
            self.show()
        elif key == "n":
            self._note(question)

    def _note(self, question: Question) -> None:
        from release_cockpit.ui.screens.prompt import PromptScreen

        def done(text: str | None) -> None:
            if text:
                self._save(question, question.friction_given, text.strip()[:500])
            self.close()

        hint = f"A note on {question.service} {question.version}, kept with your answer"
        self.app.push_screen(PromptScreen("note>", hint=hint), done)

    def _save(self, question: Question, friction: int | None, note: str) -> None:
        question.friction_given = friction
        controls = self.app.ctx.controls
        if controls is None or (question.confidence is None and friction is None and not note):
            return
        from release_cockpit.domain.human import Answer  # DORA behind it: after first paint

        answer = Answer(
            question.key,
            question.version,
            controls.stored.who,
            self.app.ctx.now(),
            question.moment,
            question.confidence,
            friction,
            note,
        )

        async def save() -> None:
            from release_cockpit.engine.sqlite_file import StoreError  # loaded with controls

            try:
                await controls.stored.answer(answer)
            except StoreError as error:
                self.app.notify(str(error), title="Answer not saved", severity="warning")

        self.app.run_worker(save(), group="questions")

    # Showing

    def tick(self, now: datetime) -> None:
        """Time the question out; follow the person to the screen they opened."""
        question = self.pending
        if question is None:
            return
        if now - question.asked_at > LINGER:
            self.close()
        elif not self.app.screen.query(QuestionBar):
            self.show()

    def close(self) -> None:
        self.pending = None
        self.show()

    def show(self) -> None:
        """Put the line on the current screen (board or detail), or take it away."""
        for screen in self.app.screen_stack:
            for bar in screen.query(QuestionBar):
                bar.remove()
        question = self.pending
        if question is None:
            return
        from release_cockpit.ui.screens.board import BoardScreen
        from release_cockpit.ui.screens.release_detail import ReleaseDetailScreen

        screen = self.app.screen
        if isinstance(screen, BoardScreen | ReleaseDetailScreen):
            text = self.app.ctx.glyphs.flat(question.text())
            screen.mount(QuestionBar(Content.styled(text, "$accent")))
