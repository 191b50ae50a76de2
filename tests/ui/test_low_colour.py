"""Every bundled theme on 16- and 8-colour terminals keeps failing, waiting and ok apart,
failing in red, whatever its truecolour palette would be downgraded to.

The app runs with Rich's 16-colour system (what ``TERM=xterm`` or ``TERM=linux`` give,
and ``--color 16``); the colour of each badge on the board is read from what Textual
renders and downgraded as Rich does when it writes to such a terminal.
"""

from __future__ import annotations

import pytest
import textual.constants
from rich.color import ColorSystem

from release_cockpit.paths import bundled_themes_dir
from release_cockpit.ui.low_colour import ANSI16, DEFAULT_LOW_COLOUR
from release_cockpit.ui.screens.board import BoardScreen
from tests.support.ui import build_app, until

THEMES = sorted(path.stem for path in bundled_themes_dir().glob("*.toml"))
RED = {1, 9}


def badge_colours(app) -> dict[str, int]:
    """The ANSI colour number each badge word is written in on a 16-colour terminal."""
    found: dict[str, int] = {}
    for strip in app.screen._compositor.render_strips():
        for segment in strip:
            style = segment.style
            if style is None or style.color is None:
                continue
            for word in ("FAILING", "WAITING", "OK"):
                if segment.text.strip().endswith(f" {word}") and word not in found:
                    found[word] = style.color.downgrade(ColorSystem.STANDARD).number
    return found


@pytest.mark.parametrize("theme", THEMES)
async def test_failing_waiting_and_ok_stay_apart_on_16_and_8_colours(theme, monkeypatch):
    monkeypatch.setattr(textual.constants, "COLOR_SYSTEM", "standard")
    app = build_app(theme=theme)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: isinstance(app.screen, BoardScreen) and app.screen.panels)
        assert app.theme == theme
        await until(pilot, lambda: len(badge_colours(app)) == 3)
        colours = badge_colours(app)
    assert colours["FAILING"] in RED, colours
    assert len(set(colours.values())) == 3, colours  # 16 colours
    assert len({number % 8 for number in colours.values()}) == 3, colours  # 8 colours


def test_the_low_colour_values_are_exactly_the_ansi_colours():
    from rich.color import Color

    for number, (name, value) in enumerate(ANSI16.items()):
        assert Color.parse(value).downgrade(ColorSystem.STANDARD).number == number, name
    assert DEFAULT_LOW_COLOUR["verdict-failing"] == "red"


def test_a_theme_file_with_a_bad_low_colour_is_reported(tmp_path):
    from release_cockpit.errors import ThemeError
    from release_cockpit.ui.themes import load_theme_file

    path = tmp_path / "mine.toml"
    path.write_text(
        'name = "mine"\nprimary = "#123456"\n[low-colour]\nverdict-failing = "orange"\n',
        encoding="utf-8",
    )
    with pytest.raises(ThemeError, match=r"'low-colour\.verdict-failing' = 'orange' is not"):
        load_theme_file(path)
