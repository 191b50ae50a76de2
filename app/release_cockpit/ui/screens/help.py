"""The keys for the screen underneath, generated from its bindings, as a modal.

Every key of the screen is listed, not only those that work this moment: one that does
nothing now is dimmed, with the reason (read-only, nothing selected, the rollout's state),
so `?` teaches the whole screen and explains a key that seems broken.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen

from release_cockpit.domain import StageState
from release_cockpit.ui.bindings import HELP_BINDINGS
from release_cockpit.ui.glyphs import STAGE_STYLE
from release_cockpit.ui.key_reasons import key_states
from release_cockpit.ui.textfit import ellipsize, flow, wrap
from release_cockpit.ui.widgets.lines import Lines

if TYPE_CHECKING:
    from release_cockpit.ui.glyphs import Glyphs


@dataclass(frozen=True, slots=True)
class KeyHelp:
    keys: str
    description: str
    reason: str = ""
    """Why the key does nothing now ("" when it works)."""


def key_help(app: App[None], screen: Screen[object]) -> list[KeyHelp]:
    """One row per described action of ``screen``, its keys joined (``j/↓``, ``^q``); a row
    that does nothing now carries the reason. A key that does something else now (``p``
    pauses while live, resumes while paused) is listed only for what it does."""
    states = list(key_states(app, screen))
    working = {state.key for state in states if state.available}
    descriptions: dict[str, str] = {}
    keys: dict[str, list[str]] = {}
    reasons: dict[str, str] = {}
    for state in states:
        if not state.available and state.key in working:
            continue
        # One row per action: Z (pause the rollout) and p (pause the screen) share a word.
        group = f"{state.description.lower()}/{state.binding.action.rsplit('.', 1)[-1]}"
        descriptions.setdefault(group, state.description)
        if state.available:
            reasons[group] = ""
        else:
            reasons.setdefault(group, state.reason)
        shown = keys.setdefault(group, [])
        display = app.get_key_display(state.binding)
        if display not in shown:
            shown.append(display)
    return [
        KeyHelp(", ".join(keys[group]), text, reasons[group])
        for group, text in descriptions.items()
    ]


def key_lines(rows: list[KeyHelp], width: int, glyphs: Glyphs) -> list[Content]:
    """Keys in a column, what each does beside them; a key that does nothing now is dim,
    its reason wrapped under its description (never cut: it is what people came for)."""
    if not rows or width <= 0:
        return []
    column = min(max(cell_len(row.keys) for row in rows), max(4, width // 3))
    room = max(8, width - column - 2)
    lines: list[Content] = []
    for row in rows:
        keys = ellipsize(Content(row.keys), column, glyphs.ellipsis)
        keys = keys.pad_right(column - keys.cell_length)
        if row.reason:
            text = Content.styled(f"{row.description} - {glyphs.flat(row.reason)}", "dim")
            keys = keys.stylize("dim")
        else:
            text = Content(row.description)
            keys = keys.stylize("bold $accent")
        wrapped = wrap(text, room, max_lines=6, ellipsis=glyphs.ellipsis) or [Content("")]
        lines.append(Content.assemble(keys, "  ", wrapped[0]))
        lines += [Content.assemble(" " * (column + 2), more) for more in wrapped[1:]]
    return lines


def legend(glyphs: Glyphs, width: int) -> list[Content]:
    """What each stage symbol means, so the board reads without colour."""
    cells = [
        Content.styled(f"{glyphs.stage[state]} {state.value}", STAGE_STYLE[state])
        for state in StageState
    ]
    return flow(cells, width, gap=2, ellipsis=glyphs.ellipsis)


class HelpScreen(ModalScreen[None]):
    """Keys of the screen it was opened from; esc, ? or q closes it."""

    KIND: ClassVar[str] = "help"
    """Which screen this is, for code that must not import it to ask (``global_keys``)."""

    BINDINGS = HELP_BINDINGS

    DEFAULT_CSS = """
    HelpScreen {
        align: center middle;
    }
    HelpScreen > VerticalScroll {
        width: 64;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: round $accent;
        background: $surface;
        padding: 0 1;
    }
    HelpScreen.-ascii > VerticalScroll {
        border: ascii $accent;
    }
    """

    def __init__(self, title: str, rows: list[KeyHelp], glyphs: Glyphs) -> None:
        super().__init__()
        self._title = title
        self._rows = rows
        self._glyphs = glyphs
        self.set_class(glyphs.is_ascii, "-ascii")
        self._lines = Lines(self._build)

    @property
    def text(self) -> str:
        return self._lines.text

    def compose(self) -> ComposeResult:
        with VerticalScroll() as box:
            box.border_title = f"Keys: {self._title}"
            yield self._lines

    def _build(self, width: int) -> list[Content]:
        lines = key_lines(self._rows, width, self._glyphs)
        lines += [Content(""), Content.styled("Stage symbols", "bold")]
        lines += legend(self._glyphs, width)
        return lines

    def action_close(self) -> None:
        self.dismiss()
