"""The [keymap] table: binding ids checked, keys normalised, problems located."""

from __future__ import annotations

import pytest

from release_cockpit.config import parse_config
from release_cockpit.errors import ConfigError


def problems(text: str) -> list:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "cockpit.toml")
    return caught.value.problems


def test_quoted_and_dotted_ids_and_both_value_forms():
    config = parse_config(
        '[keymap]\n"board.down" = "n, down"\napp.copy = ["ctrl+y"]\nboard.filter = "f"\n'
    )
    assert config.keymap == {"board.down": "n,down", "app.copy": "ctrl+y", "board.filter": "f"}


def test_no_keymap_is_empty():
    assert parse_config("").keymap == {}


def test_unknown_id_has_line_and_suggestion():
    [problem] = problems('\n[keymap]\n"board.dwn" = "n"\n')
    assert problem.file == "cockpit.toml"
    assert problem.line == 3
    assert problem.key == "keymap.board.dwn"
    assert problem.message == "unknown binding id"
    assert "board.down" in problem.hint


def test_bad_values_are_reported_with_a_hint():
    found = problems('[keymap]\n"app.help" = 3\n"app.sources" = ""\n"app.pause" = "ctrl p"\n')
    messages = {p.key: p.message for p in found}
    assert messages["keymap.app.help"].startswith("expected a key name")
    assert messages["keymap.app.sources"] == "an empty key name"
    assert messages["keymap.app.pause"] == "'ctrl p' is not a key name"
    assert all("textual keys" in p.hint for p in found)
