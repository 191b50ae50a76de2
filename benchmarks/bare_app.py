"""The yardstick for first paint: a bare Textual app with a header, a footer and a label."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Label

TITLE = "bare-textual-app"


class BareApp(App[None]):
    TITLE = TITLE

    def compose(self) -> ComposeResult:
        yield Header()
        yield Label("hello")
        yield Footer()


if __name__ == "__main__":
    BareApp().run()
