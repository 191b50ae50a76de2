"""The ``[keymap]`` table: binding id -> keys, checked against the cockpit's binding ids.

The ids are listed here rather than read from ``app.ui.bindings`` because config sits
below the UI and must not import Textual; ``tests/ui/test_keymap.py`` fails when the two
lists drift apart. A value is a comma-separated key list (``"ctrl+j,down"``) or an array
of keys, as Textual's ``App.set_keymap`` takes them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from release_cockpit.config.validate import Invalid, show, suggest
from release_cockpit.domain import Action

if TYPE_CHECKING:
    from release_cockpit.config.validate import Reader

KEYED_ACTIONS = (
    *(Action.ABORT, Action.ROLLBACK, Action.PROMOTE, Action.PROMOTE_FULL, Action.PAUSE),
    *(Action.RESUME, Action.RETRY, Action.RETRY_CI, Action.FLAG_OFF),
)
"""The actions with a key of their own (the others are in the x menu and the palette)."""

BINDING_IDS: frozenset[str] = frozenset(
    {
        *("app.help", "app.sources", "app.refresh", "app.audit", "app.quit", "board.help"),
        *("app.command", "app.pause", "app.copy", "app.theme", "app.metrics"),
        *("metrics.week", "metrics.month", "metrics.quarter"),
        *("metrics.group", "metrics.next", "metrics.previous"),
        *(f"app.answer_{key}" for key in "012345n"),
        *("board.down", "board.up", "board.open", "board.quit", "board.filter"),
        *("release.actions", "release.checklist"),
        *(f"release.{action.value.replace('-', '_')}" for action in KEYED_ACTIONS),
        *("screen.back", "screen.scroll_down", "screen.scroll_up"),
        *("help.close", "confirm.cancel", "confirm.yes", "menu.close"),
        *("checklist.close", "checklist.tick"),
        *("wall.next", "wall.quit", "small.quit", "prompt.cancel"),
    }
)
"""Every binding id a ``[keymap]`` entry may name."""

# A Textual key name: letters, digits, modifiers joined by "+", or a named key.
_KEY = re.compile(r"^[A-Za-z0-9_+\-]+$|^.$")
_KEY_HINT = (
    'write keys as Textual names them, e.g. "j,down" or "ctrl+j" (`textual keys` shows them)'
)


def keys(value: Any) -> str:
    """A key list as Textual's keymap wants it: ``"j,down"``.

    Raises:
        Invalid: not a string or an array of strings, empty, or a key name that is not one.
    """
    if isinstance(value, list):
        if not all(isinstance(item, str) for item in value):
            raise Invalid(f"expected an array of key names, got {show(value)}", _KEY_HINT)
        names = [item.strip() for item in value]
    elif isinstance(value, str):
        names = [item.strip() for item in value.split(",")]
    else:
        raise Invalid(f"expected a key name or an array of them, got {show(value)}", _KEY_HINT)
    if not names or not all(names):
        raise Invalid("an empty key name", _KEY_HINT)
    for name in names:
        if not _KEY.match(name):
            raise Invalid(f"'{name}' is not a key name", _KEY_HINT)
    return ",".join(names)


def keymap(r: Reader | None) -> dict[str, str]:
    """The ``[keymap]`` table, each id known and each value a key list; problems recorded.

    ``board.down = "n"`` written without quotes is a dotted key, which TOML reads as a
    nested table; it is flattened back to the id ``board.down``.
    """
    result: dict[str, str] = {}
    if r is not None:
        _collect(r, "", result)
    return result


def _collect(r: Reader, prefix: str, result: dict[str, str]) -> None:
    for name, value in r.data.items():
        binding_id = f"{prefix}{name}"
        if isinstance(value, dict):
            sub = r.table(name)
            if sub is not None:
                _collect(sub, f"{binding_id}.", result)
            continue
        if binding_id not in BINDING_IDS:
            r.problem(name, "unknown binding id", suggest(binding_id, BINDING_IDS, "ids"))
            continue
        checked = r.convert(name, keys)
        if checked is not None:
            result[binding_id] = checked
