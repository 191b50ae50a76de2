"""The confirmation every control action passes: the exact effect, default No.

Focus starts on No, so Enter alone cancels and Esc cancels. Confirming takes a deliberate
second step: Tab to the action's button (or press y) — or, for production-tier
environments and for moving a failing or inconclusive release on anywhere, typing the
service name, which is also checked again by the action path. A release that is not
healthy leads the dialog with its verdict and reason: the one sentence to read before
promoting. The dialog returns the typed name (or "") on confirm and None on cancel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

from release_cockpit.domain.actions import TITLES
from release_cockpit.ui.bindings import CONFIRM_BINDINGS

if TYPE_CHECKING:
    from release_cockpit.domain.actions import ActionPlan
    from release_cockpit.ui.glyphs import Glyphs

# The verdict line's symbol and style (colour never alone: the word is there too).
_VERDICT_STYLE = {
    "FAILING": "bold $verdict-failing",
    "INCONCLUSIVE": "bold $verdict-inconclusive",
    "WARNING": "bold $verdict-warning",
}


class ConfirmActionScreen(ModalScreen[str | None]):
    """Names service, environment, current and target revision and the effect."""

    BINDINGS = CONFIRM_BINDINGS

    DEFAULT_CSS = """
    ConfirmActionScreen {
        align: center middle;
    }
    ConfirmActionScreen > Vertical {
        width: 76;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $verdict-failing;
        background: $surface;
        padding: 0 1;
    }
    ConfirmActionScreen.-ascii > Vertical {
        border: ascii $verdict-failing;
    }
    ConfirmActionScreen #facts {
        height: auto;
        margin-bottom: 1;
    }
    ConfirmActionScreen Input {
        margin-bottom: 1;
        border: round $accent;
    }
    ConfirmActionScreen.-ascii Input {
        border: ascii $accent;
    }
    /* The mismatch line takes the input's margin, so the buttons still fit on 80x24. */
    ConfirmActionScreen #mismatch {
        height: auto;
    }
    ConfirmActionScreen.-mismatch Input {
        margin-bottom: 0;
    }
    ConfirmActionScreen #buttons {
        height: auto;
        align-horizontal: right;
    }
    ConfirmActionScreen Button {
        margin-left: 2;
    }
    """

    def __init__(self, plan: ActionPlan, glyphs: Glyphs) -> None:
        super().__init__()
        self.plan = plan
        self._glyphs = glyphs
        self.set_class(glyphs.is_ascii, "-ascii")
        # Compact widgets: no block-character borders (ASCII terminals) and fewer rows,
        # so the whole dialog fits on 80x24.
        self._typed_input = Input(
            placeholder=f"type {plan.service} to confirm",
            id="typed",
            select_on_focus=False,
            compact=True,
        )
        verb = TITLES[plan.action]
        self._yes = Button(f"{verb} {plan.service}", id="yes", variant="error", compact=True)
        self._no = Button("No, keep it as it is", id="no", variant="primary", compact=True)
        self._yes.disabled = plan.type_to_confirm
        self._mismatch = Static("", id="mismatch")
        self._mismatch.display = False

    @property
    def text(self) -> str:
        """The facts as shown (tests read this)."""
        return self.facts().plain

    def facts(self) -> Content:
        plan, flat = self.plan, self._glyphs.flat
        rows = [
            ("Service", plan.service),
            ("Environment", plan.environment),
            ("Release", plan.release_id),
            ("Acts on", plan.target),
            ("Now", plan.current),
            ("After", plan.goal),
        ]
        parts: list[Content | str] = []
        if plan.verdict:
            glyphs = self._glyphs
            symbol = glyphs.failing if plan.verdict == "FAILING" else glyphs.warning
            style = _VERDICT_STYLE.get(plan.verdict, "bold")
            parts += [
                Content.styled(f"{symbol} {plan.service} is {plan.verdict}: ", style),
                Content.styled(flat(plan.reason), "bold"),
                "\n\n",
            ]
        parts.append(Content.styled(f"{flat(plan.title)}?\n\n", "bold"))
        for label, value in rows:
            parts += [Content.styled(f"{label:<12}", "dim"), flat(value), "\n"]
        parts += ["\n", Content.styled("Effect: ", "bold"), flat(plan.effect)]
        if plan.type_to_confirm:
            because = plan.typed_because or f"{plan.environment} is production-tier"
            parts += [
                "\n\n",
                Content.styled(f"{flat(because)}: ", "bold"),
                f"type {flat(plan.service)} and press enter to confirm. ",
            ]
        else:
            parts += ["\n\n", "Tab to the action button and press enter, or press y. "]
        parts.append("Esc cancels.")
        return Content.assemble(*parts)

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Confirm: {TITLES[self.plan.action].lower()}"
            yield Static(self.facts(), id="facts")
            if self.plan.type_to_confirm:
                yield self._typed_input
                yield self._mismatch
            with Horizontal(id="buttons"):
                yield self._no
                yield self._yes

    def on_mount(self) -> None:
        (self._typed_input if self.plan.type_to_confirm else self._no).focus()

    @on(Input.Changed, "#typed")
    def _typed(self, event: Input.Changed) -> None:
        self._yes.disabled = event.value.strip() != self.plan.service

    @on(Input.Submitted, "#typed")
    def _submitted(self, event: Input.Submitted) -> None:
        if event.value.strip() == self.plan.service:
            self.dismiss(event.value.strip())
        else:
            self.app.bell()
            self._say_mismatch(event.value.strip())

    def _say_mismatch(self, typed: str) -> None:
        """A wrong name says so in the dialog itself (a toast could hide behind it)."""
        shown = self._glyphs.flat(typed) if typed else "nothing"
        self._mismatch.update(
            Content.styled(
                f"You typed {shown}, not {self._glyphs.flat(self.plan.service)}: nothing was "
                "sent. Type the name exactly, or press esc to cancel.",
                "bold $verdict-warning",
            )
        )
        self._mismatch.display = True
        self.add_class("-mismatch")

    @property
    def mismatch(self) -> str:
        """What the dialog said about a wrong name ("" when nothing; tests read this)."""
        return str(self._mismatch.render()) if self._mismatch.display else ""

    @on(Button.Pressed, "#no")
    def _no_pressed(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#yes")
    def _yes_pressed(self) -> None:
        if self.plan.type_to_confirm:
            typed = self._typed_input.value.strip()
            if typed == self.plan.service:
                self.dismiss(typed)
            return
        self.dismiss("")

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_confirm_key(self) -> None:
        # y is a confirmation only where no name must be typed (there it is a letter).
        if not self.plan.type_to_confirm:
            self.dismiss("")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return not (action == "confirm_key" and self.plan.type_to_confirm)
