"""User directories follow XDG on Linux; bundled themes come from the wheel or the repo."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import app
from app import paths

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="XDG is the Linux convention")


@linux_only
def test_user_directories_follow_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert paths.user_config_dir() == tmp_path / "config" / "release-cockpit"
    assert paths.user_config_file() == tmp_path / "config" / "release-cockpit" / "config.toml"
    assert paths.user_themes_dir() == tmp_path / "config" / "release-cockpit" / "themes"
    assert paths.user_data_dir() == tmp_path / "data" / "release-cockpit"


@linux_only
def test_nothing_is_created(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    paths.user_themes_dir()
    assert not (tmp_path / "config").exists()


def test_bundled_themes_inside_an_installed_package(tmp_path: Path):
    package = tmp_path / "site-packages" / "app"
    (package / "_themes").mkdir(parents=True)
    assert paths.bundled_themes_dir(package) == package / "_themes"


def test_bundled_themes_in_a_source_checkout(tmp_path: Path):
    package = tmp_path / "repo" / "app"
    package.mkdir(parents=True)
    assert paths.bundled_themes_dir(package) == tmp_path / "repo" / "themes"


def test_bundled_themes_default_to_this_package():
    package = Path(app.__file__).parent
    expected = package / "_themes" if (package / "_themes").is_dir() else package.parent / "themes"
    assert paths.bundled_themes_dir() == expected
