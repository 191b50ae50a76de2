"""The config's list of binding ids matches the UI's bindings exactly."""

from __future__ import annotations

from textual.binding import Binding

from release_cockpit.config.keymap import BINDING_IDS
from release_cockpit.ui import bindings


def ui_binding_ids() -> set[str]:
    ids: set[str] = set()
    for name in dir(bindings):
        value = getattr(bindings, name)
        group = value if isinstance(value, list) else [value]
        ids |= {b.id for b in group if isinstance(b, Binding) and b.id}
    return ids


def test_every_ui_binding_id_can_be_rebound_and_no_stale_ids_remain():
    assert ui_binding_ids() == set(BINDING_IDS)
