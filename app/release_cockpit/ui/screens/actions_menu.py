"""The actions menu (x): every action the release's backends support, with its key.

Actions that do nothing now or that a rule refuses are listed too, greyed, with the
reason, so people learn why a key is missing instead of guessing. Choosing an action
leads to the same confirmation as its key.

The letter shown beside an action works inside the menu too (``x`` then ``U`` rolls
back, as lazygit's menus do); Enter acts on the highlighted line only. A letter whose
action is refused says why on the menu's last line instead of doing nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from release_cockpit.domain import Action
from release_cockpit.domain.actions import TITLES
from release_cockpit.ui.bindings import MENU_BINDINGS

if TYPE_CHECKING:
    from release_cockpit.ui.glyphs import Glyphs

# Menu order: the safe way out first, then what moves a release on, then the rest.
ORDER = (
    Action.ABORT,
    Action.ROLLBACK,
    Action.FLAG_OFF,
    Action.PAUSE,
    Action.TERMINATE,
    Action.RESUME,
    Action.PROMOTE,
    Action.PROMOTE_FULL,
    Action.RETRY,
    Action.SYNC,
    Action.RESTART,
    Action.RETRY_CI,
    Action.CANCEL_CI,
    Action.APPROVE,
    Action.REJECT,
    Action.FLAG_ON,
)


class ActionsMenuScreen(ModalScreen[Action | None]):
    """Pick an action for one release; returns it, or None on esc."""

    BINDINGS = MENU_BINDINGS

    DEFAULT_CSS = """
    ActionsMenuScreen {
        align: center middle;
    }
    ActionsMenuScreen > Vertical {
        width: 80;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    ActionsMenuScreen.-ascii > Vertical {
        border: ascii $accent;
    }
    /* The list's own border is drawn with block characters a non-UTF-8 terminal lacks. */
    ActionsMenuScreen.-ascii OptionList, ActionsMenuScreen.-ascii OptionList:focus {
        border: none;
    }
    ActionsMenuScreen OptionList {
        height: auto;
        max-height: 20;
    }
    """

    def __init__(
        self,
        service: str,
        choices: dict[Action, str | None],
        keys: dict[Action, str],
        glyphs: Glyphs,
        note: str = "",
    ) -> None:
        """``choices``: each supported action and why it is refused now (None: available);
        ``note``: why the backends offer fewer actions than their types could."""
        super().__init__()
        self.service = service
        self.note = note
        self.choices = choices
        self.keys = keys
        self.glyphs = glyphs
        self.set_class(glyphs.is_ascii, "-ascii")
        self._why = Static("", id="why")

    def compose(self) -> ComposeResult:
        options: list[Option] = []
        for action in ORDER:
            if action not in self.choices:
                continue
            why = self.choices[action]
            key = self.keys.get(action, " ")
            label = Content.assemble(Content.styled(f"{key:<3}", "bold $accent"), TITLES[action])
            if why is not None:
                label = Content.assemble(
                    label, Content.styled(f" - {self.glyphs.flat(why)}", "dim")
                )
            options.append(Option(label, id=action.value, disabled=why is not None))
        with Vertical() as box:
            box.border_title = f"Actions: {self.glyphs.flat(self.service)}"
            if options:
                yield OptionList(*options)
            else:
                yield Static("No control actions apply to this release.")
            if self.note:
                yield Static(Content(f"Why not more: {self.glyphs.flat(self.note)}"))
            yield self._why
            yield Static(
                Content.styled(
                    "A letter or enter chooses; every action asks for confirmation. esc closes."
                    if options
                    else "esc closes.",
                    "dim",
                )
            )

    @property
    def why(self) -> str:
        """The refusal said after a refused letter ("" until then; tests read this)."""
        return str(self._why.render())

    def on_key(self, event: events.Key) -> None:
        """A letter shown beside an action chooses it, as its key does on the board."""
        action = self.action_for_key(event.key, event.character)
        if action is None:
            return
        event.stop()
        event.prevent_default()
        refusal = self.choices[action]
        if refusal is None:
            self.dismiss(action)
            return
        self.app.bell()
        title = TITLES[action]
        self._why.update(
            Content.styled(self.glyphs.flat(f"{title}: {refusal}"), "bold $verdict-warning")
        )

    def action_for_key(self, key: str, character: str | None) -> Action | None:
        """The listed action whose shown key is ``key`` (or the typed ``character``)."""
        for action in self.choices:
            shown = self.keys.get(action, "").strip()
            if shown and shown in (key, character):
                return action
        return None

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.dismiss(Action(event.option.id))

    def action_close(self) -> None:
        self.dismiss(None)
