"""Every key of a screen, whether it works now, and why not: for `?` and for a refused press.

Textual hides a binding whose ``check_action`` says no, and a press of its key then does
nothing at all. That keeps the footer short, but people cannot learn a key that is
missing, nor tell a refused key from a broken one. So the help screen lists every key of
the screen, the unavailable ones dimmed with the reason, and a press of an unavailable key
says the same reason (``GlobalKeys._say_refused``). A node that knows why explains through
``unavailable_reason(action, parameters)``; the words are the ones the action path itself
uses where there is one (a read-only cockpit, an action the rollout's state refuses).

Textual keeps a screen's binding chain (focused widget, its ancestors, the screen, the
app) in ``Screen._modal_binding_chain``; the cockpit pins Textual's version
(pyproject.toml), and ``tests/ui/test_key_reasons.py`` fails if that attribute moves.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from textual import actions
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import Screen

# Textual's own bindings that mean nothing here: focus moves between widgets the cockpit
# drives with its own keys, text selection copy (y copies a release), sideways scrolling.
HIDDEN_ACTIONS = frozenset(
    {
        "scroll_left",
        "scroll_right",
        "page_left",
        "page_right",
        "focus_next",
        "focus_previous",
        "copy_text",
        "help_quit",
    }
)
# Textual's descriptions that read badly in a list of keys.
DESCRIPTIONS = {"command_palette": "Command palette"}
NOT_HERE = "not available on this screen"


@dataclass(frozen=True, slots=True)
class KeyState:
    """One binding of a screen: its key, what it does, and why it does nothing now."""

    key: str
    binding: Binding
    description: str
    reason: str = ""
    """Why the key does nothing now ("" when it works)."""

    @property
    def available(self) -> bool:
        return not self.reason


def _target(app: App[Any], screen: Screen[Any], node: DOMNode, where: str) -> DOMNode:
    if where == "app":
        return app
    if where == "screen":
        return screen
    return node


def reason_for(node: DOMNode, action: str, parameters: tuple[object, ...]) -> str:
    """Why ``action`` does nothing now on ``node`` ("" when ``check_action`` allows it)."""
    if node.check_action(action, parameters):
        return ""
    explain = getattr(node, "unavailable_reason", None)
    reason = explain(action, parameters) if callable(explain) else ""
    return str(reason or NOT_HERE)


def key_states(app: App[Any], screen: Screen[Any], only: str | None = None) -> Iterator[KeyState]:
    """Every described binding reachable on ``screen`` (of key ``only``, when given),
    innermost first, with its state."""
    chain = screen._modal_binding_chain  # see the module docstring
    for node, bindings in chain:
        for key, binding in bindings:
            if only is not None and key != only:
                continue
            if binding.system or not binding.description:
                continue
            where, name, parameters = actions.parse(binding.action)
            if name in HIDDEN_ACTIONS:
                continue
            target = _target(app, screen, node, where)
            description = DESCRIPTIONS.get(name, binding.description)
            yield KeyState(key, binding, description, reason_for(target, name, parameters))


def refused(app: App[Any], screen: Screen[Any], key: str) -> KeyState | None:
    """The binding that explains why ``key`` does nothing now, or None when some binding of
    it works (or none is bound: a key nobody claims is not refused, only unknown)."""
    states = list(key_states(app, screen, key))
    if not states or any(state.available for state in states):
        return None
    return states[0]
