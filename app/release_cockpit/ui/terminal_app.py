"""What the cockpit changes in Textual's App for the terminals it runs in.

ASCII terminals (a non-UTF-8 locale over SSH) get toasts and key names spelled out and
no block-drawn scrollbars; every theme gets the cockpit's semantic colour variables, in
ANSI colours of their meaning on 16- and 8-colour terminals; and
the running driver is reachable for desktop notifications (OSC 9/777), which Textual has
no public call for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import constants
from textual.app import App
from textual.binding import Binding
from textual.driver import Driver
from textual.notifications import SeverityLevel

from release_cockpit.ui import partial_renders, partial_writes
from release_cockpit.ui.low_colour import is_low_colour, low_colour_variables
from release_cockpit.ui.textfit import to_ascii
from release_cockpit.ui.themes import semantic_defaults

if TYPE_CHECKING:
    from release_cockpit.ui.context import UiContext

_ASCII_KEYS = {"↓": "down", "↑": "up", "⏎": "enter"}  # footer key names without Unicode


class TerminalApp(App[None]):
    """Textual's App, fitted to low-colour, ASCII and SSH terminals."""

    # Scrollbars are Unicode blocks, garbage on a non-UTF-8 terminal: ASCII goes without
    # (the footer names the scroll keys).
    CSS = """
    App.-ascii Widget { scrollbar-size: 0 0; }
    App.-ascii Toast, App.-ascii Toast.-information { border-left: ascii $success; }
    App.-ascii Toast.-warning { border-left: ascii $warning; }
    App.-ascii Toast.-error { border-left: ascii $error; }
    """

    ctx: UiContext

    def __init__(self) -> None:
        self.terminal: Driver | None = None  # the running driver announces itself here
        super().__init__()

    def get_driver_class(self) -> type[Driver]:
        """The platform's driver, made to hand itself to the app: desktop notifications
        (OSC 9/777) must go through the driver's ordered output, and Textual offers no
        public way to reach the running driver."""
        app, base = self, super().get_driver_class()

        class Announcing(base):  # type: ignore[valid-type,misc]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                app.terminal = self

        return Announcing

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        # Toasts carry domain and backend text too; a non-UTF-8 terminal gets it spelled out.
        if self.ctx.glyphs.is_ascii:
            message, title = to_ascii(message), to_ascii(title)
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def get_css_variables(self) -> dict[str, str]:
        # On 16 and 8 colours the theme's palette would be downgraded to whatever ANSI
        # colour is nearest (the colour-blind theme's failing became yellow): each state
        # gets the ANSI colour of its meaning instead (``ui.low_colour``).
        variables = super().get_css_variables()
        if self._low_colour():
            variables.update(low_colour_variables(self.current_theme.variables))
            self.theme_variables = variables
        return variables

    def _low_colour(self) -> bool:
        """A 16- or 8-colour terminal, asked for (``--color 16``) or detected from ``TERM``.
        Detection counts only once a terminal driver runs (``on_mount``): headless (tests,
        snapshots) nothing reaches a terminal, and the test runner's TERM means nothing."""
        asked = constants.COLOR_SYSTEM not in (None, "auto")
        detected = self.terminal is not None
        return is_low_colour(self.console.color_system) and (asked or detected)

    async def on_mount(self) -> None:
        # Textual calls every class's on_mount (this one and CockpitApp's). The stylesheet
        # got its variables before the driver existed (App.__init__).
        if self._low_colour():
            self.refresh_css(animate=False)
        # Changed cells only, not whole lines, rendered from the widgets they belong to
        # alone (see the modules); after the first frame, which is a full one anyway:
        # checking Textual's version reads its metadata (10 ms).
        self.call_after_refresh(partial_writes.install)
        self.call_after_refresh(partial_renders.install)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        # Textual's built-in themes lack the cockpit's semantic variables; derive them.
        colours = self.current_theme.to_color_system().generate()
        return {**super().get_theme_variable_defaults(), **semantic_defaults(colours)}

    def get_key_display(self, binding: Binding) -> str:
        display = super().get_key_display(binding)
        if self.ctx.glyphs.is_ascii:
            for symbol, word in _ASCII_KEYS.items():
                display = display.replace(symbol, word)
        return display
