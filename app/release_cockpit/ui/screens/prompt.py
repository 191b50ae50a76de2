"""A one-line prompt at the bottom of the screen, for the ``/`` filter and the ``:`` command line.

It is a modal screen over the current one, so the keys typed go to the prompt and never
trigger the board's single-letter keys. Enter returns the text; escape returns None. An
``on_change`` callback sees every edit (the filter narrows the board as you type).

Nothing typed is lost. A paste, ``tmux send-keys -l ':env staging'`` or an SSH link that
coalesces keystrokes deliver the keys after ``:`` in the same read, before this screen
has mounted and focused its input; Textual would hand them to a screen with nothing
focused, which drops them. The app gives such keys to ``hold`` instead, and they are
replayed into the input, in order, on the app's own queue right after the focus moves.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events, on
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
        # Keys and pastes that arrived before the input had the focus (None: replayed).
        self._typeahead: list[events.Key | events.Paste] | None = []

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            if self._hint:
                yield Label(self._hint, id="prompt-hint", markup=False)
            with Horizontal(id="prompt-row"):
                yield Label(self._prefix, id="prompt-prefix", markup=False)
                yield self.input

    def on_mount(self) -> None:
        self.input.focus()
        # Both calls go to the app's queue in this order: the replay runs after the focus
        # has moved, and every key the app receives from then on goes to the input.
        self.app.call_later(self._replay)

    def hold(self, event: events.Key | events.Paste) -> bool:
        """Keep a key or paste that reached the app before the input could take it;
        False once the input takes keys itself."""
        if self._typeahead is None:
            return False
        self._typeahead.append(event)
        return True

    def _replay(self) -> None:
        held, self._typeahead = self._typeahead or [], None
        text = ""  # consecutive characters go in as one edit: one filter pass, not N
        for index, event in enumerate(held):
            if isinstance(event, events.Paste):
                text += event.text
                continue
            if event.is_printable and event.character:
                text += event.character
                continue
            self.input.insert_text_at_cursor(text)
            text = ""
            if event.key == "backspace":
                self.input.action_delete_left()
            elif event.key in ("enter", "escape"):
                if event.key == "enter":
                    self.dismiss(self.input.value)
                else:
                    self.action_cancel()
                # What followed was typed for the screen underneath: hand it back.
                for later in held[index + 1 :]:
                    self.app.post_message(_copy(later))
                return
        if text:
            self.input.insert_text_at_cursor(text)

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        if self._on_change is not None:
            self._on_change(event.value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _copy(event: events.Key | events.Paste) -> events.Key | events.Paste:
    """A fresh event to post again (a message is dispatched once)."""
    if isinstance(event, events.Paste):
        return events.Paste(event.text)
    return events.Key(event.key, event.character)
