"""resolve_token from env and file (config/backend_secrets.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from release_cockpit.config import BackendConfig, load_config, parse_config, resolve_token
from release_cockpit.errors import ConfigError

TOKEN = "ghp_NOTAREALTOKEN0123456789abcdef"


# resolve_token ------------------------------------------------------------------------


def backend(**kwargs) -> BackendConfig:
    return BackendConfig(name="github", type="github-actions", url="https://x", **kwargs)


def test_no_token_configured():
    assert resolve_token(backend(), {"GITHUB_TOKEN": TOKEN}) is None


def test_token_from_environment_is_stripped():
    assert resolve_token(backend(token_env="GH"), {"GH": f"  {TOKEN}\n"}) == TOKEN


@pytest.mark.parametrize("env", [{}, {"GH": ""}, {"GH": " \n"}])
def test_missing_or_empty_variable_names_the_variable(env):
    with pytest.raises(ConfigError) as caught:
        resolve_token(backend(token_env="GH"), env)
    (problem,) = caught.value.problems
    assert problem.key == "backends.github.token_env"
    assert problem.message == "environment variable GH is not set or is empty"
    assert problem.hint == "export GH with the token for backend 'github'"


def test_error_points_at_the_config_line_when_given(tmp_path: Path):
    path = tmp_path / "c.toml"
    path.write_text('[backends.github]\ntype = "t"\nurl = "https://x"\ntoken_env = "GH"\n')
    config = load_config(path)
    with pytest.raises(ConfigError) as caught:
        resolve_token(config.backends["github"], {}, config=config)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line) == (str(path), 4)


def test_token_from_file_with_home_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "token").write_text(f"{TOKEN}\n\n", encoding="utf-8")
    assert resolve_token(backend(token_file=Path("~/token")), {}) == TOKEN


def test_unreadable_token_file_names_path_and_os_error(tmp_path: Path):
    path = tmp_path / "absent"
    with pytest.raises(ConfigError) as caught:
        resolve_token(backend(token_file=path), {})
    (problem,) = caught.value.problems
    assert problem.key == "backends.github.token_file"
    assert problem.message == f"cannot read token file {path}: No such file or directory"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_token_file_without_permission(tmp_path: Path):
    path = tmp_path / "token"
    path.write_text(TOKEN, encoding="utf-8")
    path.chmod(0)
    with pytest.raises(ConfigError) as caught:
        resolve_token(backend(token_file=path), {})
    assert caught.value.problems[0].message.endswith("Permission denied")


def test_empty_token_file(tmp_path: Path):
    path = tmp_path / "token"
    path.write_text("  \n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        resolve_token(backend(token_file=path), {})
    assert caught.value.problems[0].message == f"token file {path} is empty"


def test_binary_token_file(tmp_path: Path):
    path = tmp_path / "token"
    path.write_bytes(b"\xff\xfe" + TOKEN.encode())
    with pytest.raises(ConfigError) as caught:
        resolve_token(backend(token_file=path), {})
    assert caught.value.problems[0].message == f"token file {path} is not text"
    assert TOKEN not in str(caught.value)


def test_token_never_appears_in_errors_or_reprs(tmp_path: Path):
    messages = []
    for broken in (
        backend(token_env="OTHER"),
        backend(token_file=tmp_path / "missing"),
    ):
        with pytest.raises(ConfigError) as caught:
            resolve_token(broken, {"GH": TOKEN})
        messages.append(str(caught.value))
        messages.append(repr(caught.value.problems))
    config = parse_config('[backends.g]\ntype = "t"\nurl = "https://x"\ntoken_env = "GH"\n')
    messages.append(repr(config))
    assert all(TOKEN not in message for message in messages)


def test_a_token_file_of_several_lines_is_refused_without_showing_it(tmp_path: Path):
    path = tmp_path / "token"
    path.write_text(f"{TOKEN}\nsecond line\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        resolve_token(backend(token_file=path), {})
    (problem,) = caught.value.problems
    assert problem.key == "backends.github.token_file"
    assert problem.message == f"token file {path} holds more than one line or a control character"
    assert TOKEN not in str(caught.value)


def test_a_token_variable_with_a_control_character_is_refused():
    with pytest.raises(ConfigError) as caught:
        resolve_token(backend(token_env="GH"), {"GH": f"{TOKEN}\x1b[31m"})
    assert caught.value.problems[0].key == "backends.github.token_env"
