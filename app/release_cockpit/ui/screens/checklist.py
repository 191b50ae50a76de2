"""The readiness checklist of one release (c): tick manual items, see automatic ones.

Ticking records who and when for this release version (a new version starts unticked).
Automatic items are listed greyed with their last result: they pass by themselves. The
list is redrawn from every new snapshot (``show_snapshot``), so a tick shows once it is
stored, as the board's "checklist 3/4" does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from release_cockpit.domain.checklist import ItemKind
from release_cockpit.ui.bindings import CHECKLIST_BINDINGS

if TYPE_CHECKING:
    from release_cockpit.domain import Release
    from release_cockpit.domain.checklist import ItemState
    from release_cockpit.ui.glyphs import Glyphs


def item_label(state: ItemState, glyphs: Glyphs) -> Content:
    mark = "[x]" if state.done else "[!]" if state.failed else "[ ]"
    style = "$verdict-ok" if state.done else "$verdict-failing" if state.failed else ""
    kind = "" if state.item.kind is ItemKind.MANUAL else f" ({state.item.kind.value})"
    # Separators stay outside flat(), which trims the text it is given.
    detail = glyphs.flat(state.detail)
    return Content.assemble(
        Content.styled(mark, f"bold {style}".strip()),
        " ",
        glyphs.flat(state.item.name),
        Content.styled(f"{kind} - {detail}" if detail else kind, "dim"),
    )


class ChecklistScreen(ModalScreen[None]):
    """Enter or space on a manual item ticks or unticks it."""

    BINDINGS = CHECKLIST_BINDINGS

    DEFAULT_CSS = """
    ChecklistScreen {
        align: center middle;
    }
    ChecklistScreen > Vertical {
        width: 90;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    ChecklistScreen.-ascii > Vertical {
        border: ascii $accent;
    }
    /* The list's own border is drawn with block characters a non-UTF-8 terminal lacks. */
    ChecklistScreen.-ascii OptionList, ChecklistScreen.-ascii OptionList:focus {
        border: none;
    }
    ChecklistScreen OptionList {
        height: auto;
        max-height: 20;
    }
    """

    def __init__(
        self,
        release: Callable[[], Release | None],
        toggle: Callable[[str, bool], None],
        glyphs: Glyphs,
    ) -> None:
        super().__init__()
        self._release = release
        self._toggle = toggle
        self.glyphs = glyphs
        self.set_class(glyphs.is_ascii, "-ascii")
        self._list = OptionList()

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            current = self._release()
            box.border_title = f"Checklist: {self.glyphs.flat(current.id if current else '?')}"
            yield self._list
            yield Static(Content.styled("space/enter ticks a manual item. esc closes.", "dim"))

    def on_mount(self) -> None:
        self.refresh_items()
        self._list.focus()

    def refresh_items(self) -> None:
        release = self._release()
        highlighted = self._list.highlighted
        self._list.clear_options()
        if release is None or release.checklist is None:
            self._list.add_option(Option("No checklist for this release.", disabled=True))
            return
        for state in release.checklist.items:
            manual = state.item.kind is ItemKind.MANUAL
            self._list.add_option(
                Option(item_label(state, self.glyphs), id=state.item.name, disabled=not manual)
            )
        first_manual = next(
            (i for i, s in enumerate(release.checklist.items) if s.item.kind is ItemKind.MANUAL),
            0,
        )
        index = first_manual if highlighted is None else highlighted
        self._list.highlighted = min(index, self._list.option_count - 1)

    def show_snapshot(self) -> None:
        """New data arrived: redraw the items, keeping the highlight where it was."""
        if self.is_mounted:
            self.refresh_items()

    @property
    def text(self) -> str:
        """The items as shown, one per line (tests read this)."""
        return "\n".join(
            str(self._list.get_option_at_index(i).prompt) for i in range(self._list.option_count)
        )

    def _current(self) -> ItemState | None:
        release = self._release()
        index = self._list.highlighted
        if release is None or release.checklist is None or index is None:
            return None
        option = self._list.get_option_at_index(index)
        return next((s for s in release.checklist.items if s.item.name == option.id), None)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.action_tick()

    def action_tick(self) -> None:
        state = self._current()
        if state is None or state.item.kind is not ItemKind.MANUAL:
            return
        self._toggle(state.item.name, not state.done)
        self.refresh_items()

    def action_close(self) -> None:
        self.dismiss()
