"""A one-line prompt at the bottom of the screen, for the ``/`` filter and the ``:`` command line.

It is a modal screen over the current one, so the keys typed go to the prompt and never
trigger the board's single-letter keys. Enter returns the text; escape returns None. An
``on_change`` callback sees every edit (the filter narrows the board as you type).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from release_cockpit.ui.bindings import PROMPT_BINDINGS


class PromptScreen(ModalScreen[str | None]):
    """``/ env:prod !state:done`` or ``: checkout`` typed at the bottom line."""

    BINDINGS = PROMPT_BINDINGS

    DEFAULT_CSS = """
    PromptScreen {
        background: transparent;
    }
    PromptScreen > #prompt {
        dock: bottom;
        height: auto;
        background: $panel;
    }
    PromptScreen #prompt-hint {
        width: 100%;
        color: $text-muted;
        padding: 0 1;
    }
    PromptScreen #prompt-row {
        height: 1;
    }
    PromptScreen #prompt-prefix {
        width: auto;
        padding: 0 0 0 1;
        text-style: bold;
        color: $accent;
    }
    PromptScreen Input, PromptScreen Input:focus {
        width: 1fr;
        height: 1;
        border: none;
        padding: 0 1;
        background: $boost;
    }
    """

    def __init__(
        self,
        prefix: str,
        *,
        value: str = "",
        placeholder: str = "",
        hint: str = "",
        on_change: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__()
        self._prefix = prefix
        self._hint = hint
        self._on_change = on_change
        self.input = Input(value=value, placeholder=placeholder, id="prompt-input")
        # A blinking cursor repaints its cell twice a second: bytes over SSH for nothing.
        self.input.cursor_blink = False

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            if self._hint:
                yield Label(self._hint, id="prompt-hint", markup=False)
            with Horizontal(id="prompt-row"):
                yield Label(self._prefix, id="prompt-prefix", markup=False)
                yield self.input

    def on_mount(self) -> None:
        self.input.focus()

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if self._on_change is not None:
            self._on_change(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)
