"""The yardstick for first paint: a bare Textual app with a header, a footer and a label.

``--clock`` shows Textual's own header clock, which repaints every second: the
yardstick for what a clock that counts seconds costs an idle Textual app."""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Label

TITLE = "bare-textual-app"


class BareApp(App[None]):
    TITLE = TITLE

    def __init__(self, *, clock: bool = False) -> None:
        super().__init__()
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Header(show_clock=self.clock)
        yield Label("hello")
        yield Footer()


if __name__ == "__main__":
    BareApp(clock="--clock" in sys.argv[1:]).run()
