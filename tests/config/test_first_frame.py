"""What the TUI reads before its first frame (config/first_frame.py): ``[cockpit]`` and
``[keymap]`` with the full load's readers; problems elsewhere wait for the full load."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_cockpit.config.first_frame import FirstFrameSettings, first_frame_settings
from release_cockpit.errors import ConfigError
from tests.support.imports import loaded_by

GOOD = """\
[cockpit]
theme = "gruvbox"
read_only = true

[keymap]
"board.down" = "n"

[services.checkout]
name = "checkout"
no_such_key = 1
"""


def test_reads_the_cockpit_and_keymap_tables_only(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(GOOD, encoding="utf-8")
    early = first_frame_settings(path)
    assert early.cockpit.theme == "gruvbox"
    assert early.cockpit.read_only is True
    assert early.keymap == {"board.down": "n"}  # the bad service is the full load's to report


def test_a_problem_in_the_cockpit_table_names_file_line_and_key(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[cockpit]\ntheme = "x"\nbell = "loud"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        first_frame_settings(path)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.key) == (str(path), 3, "cockpit.bell")


def test_not_toml_is_refused_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[cockpit]\ntheme = "x"\nbell = \n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        first_frame_settings(path)
    assert caught.value.problems[0].line == 3


def test_defaults_without_the_tables(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("", encoding="utf-8")
    assert first_frame_settings(path) == FirstFrameSettings()


def test_reading_them_imports_no_adapter_and_no_other_table_reader() -> None:
    """The point of this module: nothing of the adapters before the first frame."""
    loaded = loaded_by(["release_cockpit.config.first_frame"])
    unwanted = {
        "httpx",
        "release_cockpit.config.service_tables",
        "release_cockpit.config.backend_tables",
    }
    assert (
        sorted(m for m in loaded if m.startswith("release_cockpit.adapters") or m in unwanted) == []
    )


def test_the_config_package_still_offers_its_names_and_refuses_others() -> None:
    import release_cockpit.config as config

    assert config.load_config.__module__ == "release_cockpit.config.loader"
    assert config.Config.__name__ == "Config"
    for name in config.__all__:  # the lazy table and the list of names agree
        assert getattr(config, name) is not None
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = config.no_such_name  # type: ignore[attr-defined]
