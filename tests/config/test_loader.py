"""find_config precedence and reading the file (config/loader.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from release_cockpit.config import CONFIG_ENV, find_config, load_config
from release_cockpit.errors import ConfigError

# find_config ---------------------------------------------------------------------------


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "user-config"
    directory.mkdir()
    (directory / "config.toml").write_text("", encoding="utf-8")
    return directory


def test_flag_wins_over_everything(user_dir: Path, tmp_path: Path):
    flag = tmp_path / "flag.toml"
    env = {CONFIG_ENV: str(tmp_path / "env.toml")}
    assert find_config(flag, env, config_dir=user_dir) == flag


def test_flag_is_returned_even_if_missing_so_loading_reports_it(tmp_path: Path):
    flag = tmp_path / "nope.toml"
    assert find_config(flag, {}, config_dir=tmp_path) == flag


def test_environment_wins_over_user_config(user_dir: Path, tmp_path: Path):
    env = {CONFIG_ENV: str(tmp_path / "env.toml")}
    assert find_config(None, env, config_dir=user_dir) == tmp_path / "env.toml"


def test_empty_environment_variable_is_ignored(user_dir: Path):
    assert find_config(None, {CONFIG_ENV: "  "}, config_dir=user_dir) == user_dir / "config.toml"


def test_user_config_when_it_exists(user_dir: Path):
    assert find_config(None, {}, config_dir=user_dir) == user_dir / "config.toml"


def test_none_when_nothing_is_found(tmp_path: Path):
    assert find_config(None, {}, config_dir=tmp_path) is None


def test_home_is_expanded(tmp_path: Path):
    found = find_config(None, {CONFIG_ENV: "~/cockpit.toml"}, config_dir=tmp_path)
    assert found == Path.home() / "cockpit.toml"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG directories are the Linux convention")
def test_default_user_dir_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    config = tmp_path / "release-cockpit" / "config.toml"
    config.parent.mkdir()
    config.write_text("", encoding="utf-8")
    assert find_config(None, {}) == config


# load_config --------------------------------------------------------------------------


def test_missing_file(tmp_path: Path):
    path = tmp_path / "missing.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (problem,) = caught.value.problems
    assert problem.file == str(path)
    assert problem.line is None
    assert problem.message == "cannot read the file: No such file or directory"
    assert "--config" in problem.hint


def test_directory_instead_of_file(tmp_path: Path):
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.problems[0].message == "cannot read the file: Is a directory"


def test_file_that_is_not_utf8(tmp_path: Path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"[cockpit]\ntheme = '\xe9t\xe9'\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    (problem,) = caught.value.problems
    assert (problem.line, problem.message) == (2, "not UTF-8 text")
    assert "UTF-8" in problem.hint
