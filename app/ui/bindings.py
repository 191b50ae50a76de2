"""Every key binding, each with a stable id so a ``[keymap]`` in the config can rebind it."""

from __future__ import annotations

from textual.binding import Binding, BindingType

APP_BINDINGS: list[BindingType] = [
    Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
    Binding("s", "sources", "Sources", id="app.sources"),
    Binding("r", "refresh", "Refresh", id="app.refresh"),
    Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
]

BOARD_BINDINGS: list[BindingType] = [
    Binding("down,j", "cursor_down", "Down", key_display="j/↓", id="board.down"),
    Binding("up,k", "cursor_up", "Up", key_display="k/↑", id="board.up"),
    Binding("enter", "open", "Open", key_display="⏎", id="board.open"),
    Binding("q", "app.quit", "Quit", id="board.quit"),
]

BACK_BINDING = Binding("escape", "back", "Back", key_display="esc", id="screen.back")

# Arrows, page keys, home and end come from the focused scroll container; j/k join them.
SCROLL_BINDINGS: list[BindingType] = [
    BACK_BINDING,
    Binding("j", "scroll_body(1)", "Scroll down", show=False, id="screen.scroll_down"),
    Binding("k", "scroll_body(-1)", "Scroll up", show=False, id="screen.scroll_up"),
]

HELP_BINDINGS: list[BindingType] = [
    Binding("escape,question_mark,f1,q", "close", "Close", key_display="esc", id="help.close"),
]
