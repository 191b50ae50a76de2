"""Shown instead of a garbled board when the terminal is below the smallest usable size."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static

from release_cockpit.ui.bindings import TOO_SMALL_BINDINGS

# The compact board needs this much for a headline with its verdict, the stage strip and
# the title bar; below it text would be cut to nothing, so say so instead (btop does).
MIN_SIZE = Size(60, 15)


def too_small(size: Size) -> bool:
    return size.width < MIN_SIZE.width or size.height < MIN_SIZE.height


def message(size: Size) -> list[str]:
    """The words, short enough for a terminal of a dozen columns."""
    return [
        "Terminal too small",
        f"have {size.width}x{size.height}",
        f"need {MIN_SIZE.width}x{MIN_SIZE.height}",
        "enlarge it, or q quits",
    ]


class TooSmallScreen(Screen[None]):
    """``terminal too small (have WxH, need WxH)``; it leaves by itself once there is room."""

    BINDINGS = TOO_SMALL_BINDINGS

    DEFAULT_CSS = """
    TooSmallScreen {
        align: center middle;
    }
    TooSmallScreen > Static {
        width: auto;
        text-style: bold;
        text-align: center;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._text = Static("", markup=False)

    def compose(self) -> ComposeResult:
        yield self._text

    def on_mount(self) -> None:
        self.show_size(self.app.size)

    def show_size(self, size: Size) -> None:
        self._text.update("\n".join(message(size)))
