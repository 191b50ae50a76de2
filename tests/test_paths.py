"""User directories follow XDG on Linux; bundled themes come from the wheel or the repo."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import release_cockpit
from release_cockpit import paths

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
    package = tmp_path / "site-packages" / "release_cockpit"
    (package / "_data" / "themes").mkdir(parents=True)
    assert paths.bundled_themes_dir(package) == package / "_data" / "themes"
    assert paths.example_config(package) == package / "_data" / "config.example.toml"
    assert paths.bundled_doc("dora.md", package) == package / "_data" / "docs" / "dora.md"


def test_bundled_files_in_a_source_checkout(tmp_path: Path):
    package = tmp_path / "repo" / "app" / "release_cockpit"
    package.mkdir(parents=True)
    assert paths.bundled_themes_dir(package) == tmp_path / "repo" / "themes"
    assert paths.example_config(package) == tmp_path / "repo" / "config.example.toml"


def test_bundled_files_default_to_this_package():
    package = Path(release_cockpit.__file__).parent
    data = package / "_data"
    expected = data if data.is_dir() else package.parent.parent
    assert paths.bundled_themes_dir() == expected / "themes"
    assert paths.example_config().is_file()
    assert paths.bundled_doc("dora.md").is_file()
