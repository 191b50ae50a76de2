"""Theme files: the bundled ones are complete, broken ones are reported and skipped."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color
from textual.theme import BUILTIN_THEMES

from release_cockpit.errors import ThemeError
from release_cockpit.paths import bundled_themes_dir
from release_cockpit.ui.cockpit_app import CockpitApp
from release_cockpit.ui.themes import (
    BASE_COLOURS,
    SEMANTIC_VARIABLES,
    load_theme_file,
    load_themes,
    semantic_defaults,
)
from tests.support.ui import FixedFeed, screen_text, until
from tests.support.world import NOW, make_snapshot

BUNDLED = bundled_themes_dir()
GOOD = """
name = "mine"
dark = false
primary = "#112233"
[variables]
stage-failed = "#ff0000"
"""


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_directory_holds_the_shipped_themes():
    names = sorted(p.stem for p in BUNDLED.glob("*.toml"))
    assert names == ["cockpit-dark", "cockpit-light", "high-contrast", "okabe-ito", "terminal-ansi"]


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*.toml")), ids=lambda p: p.stem)
def test_every_bundled_theme_loads_and_defines_every_semantic_variable(path):
    theme = load_theme_file(path)
    assert theme.name == path.stem
    assert set(SEMANTIC_VARIABLES) <= set(theme.variables)
    for name in SEMANTIC_VARIABLES:
        Color.parse(theme.variables[name])
    for slot in BASE_COLOURS:
        assert getattr(theme, slot), f"{path.name} lacks {slot}"


def test_light_theme_is_light_and_others_dark():
    themes, errors = load_themes(BUNDLED)
    assert errors == []
    assert {t.name: t.dark for t in themes} == {
        "cockpit-dark": True,
        "cockpit-light": False,
        "high-contrast": True,
        "okabe-ito": True,
        "terminal-ansi": True,
    }


def test_broken_user_themes_are_reported_and_skipped(tmp_path):
    write(tmp_path, "a-good.toml", GOOD)
    write(tmp_path, "b-syntax.toml", "name = 'x\nprimary = ")
    write(tmp_path, "c-colour.toml", 'name = "c"\nprimary = "not-a-colour"\n')
    write(tmp_path, "d-typo.toml", 'name = "d"\nprimray = "#000000"\nprimary = "#000000"\n')
    write(tmp_path, "e-noname.toml", 'primary = "#000000"\n')
    write(tmp_path, "f-var.toml", 'name = "f"\nprimary = "#000"\n[variables]\nstage-passed = 3\n')
    themes, errors = load_themes(BUNDLED, tmp_path)
    names = [t.name for t in themes]
    assert names == [
        "cockpit-dark",
        "cockpit-light",
        "high-contrast",
        "okabe-ito",
        "terminal-ansi",
        "mine",
    ]
    assert len(errors) == 5
    assert all(isinstance(e, ThemeError) for e in errors)
    messages = [str(e) for e in errors]
    assert "not valid TOML" in messages[0]
    assert "'primary' = 'not-a-colour' is not a colour" in messages[1]
    assert "unknown key 'primray'" in messages[2]
    assert "did you mean 'primary'?" in messages[2]
    assert "'name' is missing" in messages[3]
    assert "'variables.stage-passed' must be a colour string" in messages[4]


def test_user_theme_keeps_textual_variables_and_missing_directories_are_fine(tmp_path):
    write(
        tmp_path,
        "t.toml",
        GOOD.replace("[variables]", '[variables]\nfooter-key-foreground = "red"'),
    )
    themes, errors = load_themes(BUNDLED, tmp_path / "missing")
    assert errors == []
    assert [t.name for t in themes] == [
        "cockpit-dark",
        "cockpit-light",
        "high-contrast",
        "okabe-ito",
        "terminal-ansi",
    ]
    themes, errors = load_themes(BUNDLED, tmp_path)
    mine = themes[-1]
    assert mine.variables == {"stage-failed": "#ff0000", "footer-key-foreground": "red"}
    assert mine.dark is False


def test_semantic_defaults_cover_every_variable_for_builtin_themes():
    for theme in (BUILTIN_THEMES["textual-dark"], BUILTIN_THEMES["nord"]):
        defaults = semantic_defaults(theme.to_color_system().generate())
        assert set(defaults) == set(SEMANTIC_VARIABLES)


async def test_requested_theme_is_used_and_an_unknown_one_falls_back():
    app = CockpitApp(FixedFeed(make_snapshot()), theme="high-contrast", clock=lambda: NOW)
    assert app.theme == "high-contrast"
    assert {"cockpit-dark", "cockpit-light", "high-contrast"} <= set(app.available_themes)
    fallback = CockpitApp(FixedFeed(make_snapshot()), theme="no-such-theme", clock=lambda: NOW)
    assert fallback.theme == "cockpit-dark"


async def test_builtin_theme_gets_semantic_variables_and_renders():
    app = CockpitApp(FixedFeed(make_snapshot()), theme="nord", clock=lambda: NOW)
    async with app.run_test() as pilot:
        await pilot.pause()
        assert app.theme == "nord"
        assert "stage-passed" in app.theme_variables
        assert "✗ FAILING" in screen_text(app)


async def test_app_loads_user_themes_from_the_config_directory_and_keeps_errors(tmp_path):
    themes_dir = tmp_path / "xdg-config" / "release-cockpit" / "themes"
    themes_dir.mkdir(parents=True)
    write(themes_dir, "mine.toml", GOOD)
    write(themes_dir, "broken.toml", 'name = "broken"\n')
    app = CockpitApp(FixedFeed(make_snapshot()), theme="mine", clock=lambda: NOW)
    assert app.theme == "mine"
    assert [str(e) for e in app.theme_errors] == [
        f"{themes_dir / 'broken.toml'}: 'primary' is missing (add primary = \"#4c9be8\")"
    ]
    async with app.run_test(notifications=True) as pilot:
        await pilot.pause()
        assert any("'primary' is missing" in n.message for n in app._notifications)


def hue(colour: str) -> float:
    return Color.parse(colour).hsl.h * 360


def test_okabe_ito_pairs_no_red_with_green():
    variables = load_theme_file(BUNDLED / "okabe-ito.toml").variables
    for good in ("stage-passed", "verdict-ok"):
        assert 180 <= hue(variables[good]) <= 260, f"{good} should be blue, not green"
    for bad in ("stage-failed", "verdict-failing"):
        assert 10 <= hue(variables[bad]) <= 40, f"{bad} should be vermillion"


def test_terminal_ansi_theme_uses_the_terminal_palette():
    theme = load_theme_file(BUNDLED / "terminal-ansi.toml")
    assert theme.ansi is True
    assert all(theme.variables[name].startswith("ansi_") for name in SEMANTIC_VARIABLES)


async def test_a_minimal_user_ansi_theme_still_starts(tmp_path):
    write(tmp_path, "mine.toml", 'name = "mine"\nansi = true\nprimary = "ansi_blue"\n')
    app = CockpitApp(
        FixedFeed(make_snapshot()), theme="mine", user_themes_dir=tmp_path, clock=lambda: NOW
    )
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == "mine"
        assert "✗ FAILING" in screen_text(app)


def test_ansi_must_be_a_boolean(tmp_path):
    path = write(tmp_path, "x.toml", 'name = "x"\nprimary = "#000000"\nansi = "yes"\n')
    with pytest.raises(ThemeError, match="'ansi' must be true or false"):
        load_theme_file(path)


@pytest.mark.parametrize("path", sorted(BUNDLED.glob("*.toml")), ids=lambda p: p.stem)
async def test_every_bundled_theme_renders_the_board(path):
    app = CockpitApp(FixedFeed(make_snapshot()), theme=path.stem, clock=lambda: NOW)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(pilot, lambda: "/ Filter" in screen_text(app))
        assert app.theme == path.stem
        text = screen_text(app)
        assert "✗ FAILING" in text
        assert "/ Filter" in text
