"""Remembered choices: written with tomli-w, other settings kept, broken files left alone."""

from __future__ import annotations

import tomllib

import pytest

from release_cockpit.config.user_settings import remember, remembered_theme, settings_file
from release_cockpit.errors import ConfigError


def test_settings_live_beside_the_config(tmp_path):
    assert settings_file(tmp_path) == tmp_path / "settings.toml"


def test_remember_creates_the_file_and_directory(tmp_path):
    path = tmp_path / "new" / "settings.toml"
    assert remembered_theme(path) is None
    remember(path, "cockpit", "theme", "okabe-ito")
    assert remembered_theme(path) == "okabe-ito"


def test_remember_keeps_every_other_setting(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text(
        '[cockpit]\ntheme = "cockpit-light"\nother = 3\n[mine]\nkeep = [1, 2]\n', encoding="utf-8"
    )
    remember(path, "cockpit", "theme", "high-contrast")
    assert tomllib.loads(path.read_text(encoding="utf-8")) == {
        "cockpit": {"theme": "high-contrast", "other": 3},
        "mine": {"keep": [1, 2]},
    }
    assert [p.name for p in tmp_path.iterdir()] == ["settings.toml"]


def test_a_broken_file_is_not_overwritten(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[cockpit\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML") as caught:
        remember(path, "cockpit", "theme", "x")
    assert "delete the file" in caught.value.problems[0].hint
    assert path.read_text(encoding="utf-8") == "[cockpit\n"
    assert remembered_theme(path) is None


def test_a_theme_that_is_not_a_string_is_ignored(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[cockpit]\ntheme = 3\n", encoding="utf-8")
    assert remembered_theme(path) is None
