"""The few settings the TUI needs before its first frame: ``[cockpit]`` and ``[keymap]``.

The full config is validated right after the first frame, with the engine (it needs the
adapter registry, and importing every adapter a config names took longer than Textual's
own start). These two tables decide how that frame looks and which keys it answers, so
they are read first, with the same readers and the same problems as the full load; a
problem anywhere else ends the TUI as soon as it is found and is printed the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from release_cockpit.config.keymap import keymap
from release_cockpit.config.locate import KeyLines
from release_cockpit.config.settings import CockpitSettings
from release_cockpit.config.settings_tables import cockpit
from release_cockpit.config.toml_file import parse_toml, read_text
from release_cockpit.config.validate import Problems, Reader

if TYPE_CHECKING:
    from release_cockpit.config.schema import Config


@dataclass(frozen=True, slots=True)
class FirstFrameSettings:
    """``[cockpit]`` and ``[keymap]`` of a config."""

    cockpit: CockpitSettings = field(default_factory=CockpitSettings)
    keymap: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, config: Config) -> FirstFrameSettings:
        return cls(config.cockpit, dict(config.keymap))


def first_frame_settings(path: Path) -> FirstFrameSettings:
    """Read ``[cockpit]`` and ``[keymap]`` of the config at ``path``.

    Raises:
        ConfigError: the file cannot be read, is not TOML, or those tables have problems.
    """
    file = str(path)
    text = read_text(path)
    data = parse_toml(text, file)
    problems = Problems(file, KeyLines(text))
    top = Reader(problems, "", data)
    settings = FirstFrameSettings(cockpit(top.table("cockpit")), keymap(top.table("keymap")))
    problems.raise_if_any()
    return settings
