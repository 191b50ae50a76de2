"""The keys for the screen underneath, generated from its active bindings, as a modal."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen

from release_cockpit.domain import StageState
from release_cockpit.ui.bindings import HELP_BINDINGS
from release_cockpit.ui.glyphs import STAGE_STYLE, Glyphs
from release_cockpit.ui.textfit import flow, table
from release_cockpit.ui.widgets.lines import Lines


@dataclass(frozen=True, slots=True)
class KeyHelp:
    keys: str
    description: str


# Nothing in the cockpit scrolls sideways, so Textual's horizontal scroll keys are noise here.
_HIDDEN_ACTIONS = frozenset({"scroll_left", "scroll_right", "page_left", "page_right"})


def key_help(app: App[None], screen: Screen[object]) -> list[KeyHelp]:
    """One row per described action active on ``screen``, its keys joined (``j/↓``, ``^q``)."""
    descriptions: dict[str, str] = {}
    keys: dict[str, list[str]] = {}
    for active in screen.active_bindings.values():
        binding = active.binding
        if binding.system or not binding.description or not active.enabled:
            continue
        if binding.action in _HIDDEN_ACTIONS:
            continue
        group = binding.description.lower()
        descriptions.setdefault(group, binding.description)
        shown = keys.setdefault(group, [])
        display = app.get_key_display(binding)
        if display not in shown:
            shown.append(display)
    return [KeyHelp(", ".join(keys[group]), text) for group, text in descriptions.items()]


def legend(glyphs: Glyphs, width: int) -> list[Content]:
    """What each stage symbol means, so the board reads without colour."""
    cells = [
        Content.styled(f"{glyphs.stage[state]} {state.value}", STAGE_STYLE[state])
        for state in StageState
    ]
    return flow(cells, width, gap=2, ellipsis=glyphs.ellipsis)


class HelpScreen(ModalScreen[None]):
    """Keys of the screen it was opened from; esc, ? or q closes it."""

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
        rows = [
            [Content.styled(row.keys, "bold $accent"), Content(row.description)]
            for row in self._rows
        ]
        lines = table(rows, width, ellipsis=self._glyphs.ellipsis)
        lines += [Content(""), Content.styled("Stage symbols", "bold")]
        lines += legend(self._glyphs, width)
        return lines

    def action_close(self) -> None:
        self.dismiss()
