"""Every key binding, each with a stable id so a ``[keymap]`` in the config can rebind it."""

from __future__ import annotations

from textual.binding import Binding, BindingType

from release_cockpit.domain import Action

APP_BINDINGS: list[BindingType] = [
    Binding("question_mark,f1", "help", "Help", key_display="?", id="app.help"),
    Binding("s", "sources", "Sources", id="app.sources"),
    Binding("r", "refresh", "Refresh", id="app.refresh"),
    Binding("L", "audit", "Audit log", id="app.audit"),
    Binding("M", "metrics", "Metrics", id="app.metrics"),
    Binding("ctrl+q", "quit", "Quit", show=False, priority=True, id="app.quit"),
    # One key, two bindings, so the footer says what p does now: Pause while live, Resume
    # while paused. Both carry the id app.pause, so a [keymap] rebinds them together.
    Binding("p", "pause_updates", "Pause", id="app.pause"),
    Binding("p", "resume_updates", "Resume", id="app.pause"),
    Binding("colon", "command_line", "Command", show=False, key_display=":", id="app.command"),
    Binding("y", "copy_release", "Copy id", show=False, id="app.copy"),
    Binding("ctrl+t", "change_theme", "Theme", show=False, id="app.theme"),
    # Answers to "how confident / how much friction" (ui.questions): active only while a
    # question is on screen, so the digits and n stay free otherwise.
    *(
        Binding(key, f"answer('{key}')", "Answer", show=False, id=f"app.answer_{key}")
        for key in "012345n"
    ),
]

# Control actions act on the selected release (the focused panel, or the open detail
# screen). Every one is an uppercase letter, so a stray key in a busy incident is not
# one, and every one opens a confirmation first; the footer shows only those that would
# do something now. x lists them all, with the reason for those that would not.
ACTION_KEYS = {
    Action.ABORT: "A",
    Action.ROLLBACK: "U",
    Action.PROMOTE: "P",
    Action.PROMOTE_FULL: "F",
    Action.PAUSE: "Z",
    Action.RESUME: "G",
    Action.RETRY: "R",
    Action.RETRY_CI: "T",
    Action.FLAG_OFF: "K",  # the kill switch
}
"""Keys of the common actions; the rest (restart, sync, approve...) are in the x menu and
the command palette."""
# Footer words: short, so the keys that apply fit on one line at 80 columns.
SHORT = {
    Action.ABORT: "Abort",
    Action.ROLLBACK: "Rollback",
    Action.PROMOTE: "Promote",
    Action.PROMOTE_FULL: "Promote all",
    Action.PAUSE: "Pause",
    Action.RESUME: "Resume",
    Action.RETRY: "Retry",
    Action.RETRY_CI: "Retry CI",
    Action.FLAG_OFF: "Flag off",
}
ACTION_BINDINGS: list[BindingType] = [
    Binding("x", "actions_menu", "Actions", id="release.actions"),
    Binding("c", "checklist", "Checklist", id="release.checklist"),
    *(
        Binding(
            key,
            f"control('{action.value}')",
            SHORT[action],
            id=f"release.{action.value.replace('-', '_')}",
        )
        for action, key in ACTION_KEYS.items()
    ),
]

BOARD_BINDINGS: list[BindingType] = [
    # Help first: at 80 columns the footer is cut after the action keys, and ? must stay
    # visible (the app hides its own ? binding on the board, so it is listed once).
    Binding("question_mark,f1", "show_help", "Help", key_display="?", id="board.help"),
    Binding("down,j", "cursor_down", "Down", key_display="j/↓", id="board.down"),
    # Down stands for both directions in the footer (Up is in help), so the filter and
    # pause keys still fit on one line at 80 columns, also with ASCII key names.
    Binding("up,k", "cursor_up", "Up", show=False, key_display="k/↑", id="board.up"),
    Binding("enter", "open", "Open", key_display="⏎", id="board.open"),
    Binding("q", "app.quit", "Quit", id="board.quit"),
    Binding("slash", "filter", "Filter", key_display="/", id="board.filter"),
    *ACTION_BINDINGS,
]


# q leaves a sub-screen as esc does (k9s, lazygit and htop's sub-views close on q); on the
# board q quits.
BACK_BINDING = Binding("escape,q", "back", "Back", key_display="esc", id="screen.back")

# Arrows, page keys, home and end come from the focused scroll container; j/k join them.
SCROLL_BINDINGS: list[BindingType] = [
    BACK_BINDING,
    Binding("j", "scroll_body(1)", "Scroll down", show=False, id="screen.scroll_down"),
    Binding("k", "scroll_body(-1)", "Scroll up", show=False, id="screen.scroll_up"),
]

DETAIL_BINDINGS: list[BindingType] = [*SCROLL_BINDINGS, *ACTION_BINDINGS]

HELP_BINDINGS: list[BindingType] = [
    Binding("escape,question_mark,f1,q", "close", "Close", key_display="esc", id="help.close"),
]

CONFIRM_BINDINGS: list[BindingType] = [
    Binding("escape", "cancel", "Cancel", key_display="esc", id="confirm.cancel"),
    Binding("y", "confirm_key", "Confirm", show=False, id="confirm.yes"),
]

MENU_BINDINGS: list[BindingType] = [
    Binding("escape,q,x", "close", "Close", key_display="esc", id="menu.close"),
]

CHECKLIST_BINDINGS: list[BindingType] = [
    Binding("escape,q,c", "close", "Close", key_display="esc", id="checklist.close"),
    Binding("space", "tick", "Tick / untick", id="checklist.tick"),
]

PROMPT_BINDINGS: list[BindingType] = [
    Binding("escape", "cancel", "Cancel", key_display="esc", id="prompt.cancel"),
]

WALL_BINDINGS: list[BindingType] = [
    Binding("n", "next", "Next release", id="wall.next"),
    Binding("q", "app.quit", "Quit", id="wall.quit"),
]

TOO_SMALL_BINDINGS: list[BindingType] = [
    Binding("q", "app.quit", "Quit", id="small.quit"),
]

METRICS_BINDINGS: list[BindingType] = [
    *SCROLL_BINDINGS,
    Binding("7", "window('7')", "7 days", id="metrics.week"),
    Binding("3", "window('3')", "30 days", id="metrics.month"),
    Binding("9", "window('9')", "90 days", id="metrics.quarter"),
    Binding("g", "group", "Group by", id="metrics.group"),
    Binding("right_square_bracket", "subject(1)", "Next chart", key_display="]", id="metrics.next"),
    Binding(
        "left_square_bracket",
        "subject(-1)",
        "Previous chart",
        show=False,
        key_display="[",
        id="metrics.previous",
    ),
]
