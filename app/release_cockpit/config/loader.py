"""Parse the config file's TOML strictly and assemble the typed :class:`Config`.

Every problem in the file is collected and raised together as one ``ConfigError``: unknown
keys (with "did you mean"), wrong types, missing required keys, bad durations, regular
expressions, date-times and label matchers, inconsistent thresholds, references to backends
that do not exist (or are of the wrong kind) and secrets written into the file. Each section
has its reader (``settings_tables``, ``backend_tables``, ``service_tables``, ``rules``,
``controls``, ``keymap``); they all write to the same problem list.

One adjustment is made while assembling: ``[polling] stale_after`` is raised to three times
the longest backend poll interval when it is lower, because data that is merely between two
polls must never read as stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from release_cockpit.config import controls, rules
from release_cockpit.config.backend_tables import backends
from release_cockpit.config.keymap import keymap
from release_cockpit.config.locate import KeyLines
from release_cockpit.config.schema import Config
from release_cockpit.config.service_tables import ServiceTables
from release_cockpit.config.settings_tables import cockpit, polling
from release_cockpit.config.toml_file import parse_toml, read_text
from release_cockpit.config.validate import Problems, Reader, array_of_tables

if TYPE_CHECKING:
    from release_cockpit.domain.policy import Policy

KINDS = ("ci", "health", "alerts", "deploy", "flags")
"""The backend kinds services refer to: ci, signals (health), alerts, deploy and flags."""

_TOP = (
    *("cockpit", "polling", "backends", "services", "policies", "environments", "freezes"),
    "keymap",
)


def load_config(path: Path, kinds: Mapping[str, str] | None = None) -> Config:
    """Read and validate a config file.

    Args:
        path: the TOML file.
        kinds: adapter type -> kind ("ci", "health", "alerts", "deploy"), from the adapter
            registry; when given, backend types and the kind of every reference are checked.

    Raises:
        ConfigError: the file cannot be read, is not TOML, or has problems (all of them).
    """
    return replace(parse_config(read_text(path), str(path), kinds), path=path)


def parse_config(
    text: str, file: str = "<config>", kinds: Mapping[str, str] | None = None
) -> Config:
    """Validate config text; ``file`` names it in problems. ``Config.path`` is None.

    Raises:
        ConfigError: the text is not TOML or has problems (all of them at once).
    """
    data = parse_toml(text, file)
    lines = KeyLines(text)
    problems = Problems(file, lines)
    config = _assemble(problems, kinds, Reader(problems, "", data))
    problems.raise_if_any()
    return replace(config, lines=lines)


def _assemble(problems: Problems, kinds: Mapping[str, str] | None, top: Reader) -> Config:
    """Every section read in file order; problems accumulate in ``problems``."""
    top.unknown(_TOP)
    cockpit_settings = cockpit(top.table("cockpit"))
    polling_settings = polling(top.table("polling"))
    backend_configs, backend_types = backends(top.table("backends"), kinds)
    services = ServiceTables(problems, kinds, backend_types).services(top.table("services"))
    policies = _policies(problems, top)
    intervals = [b.interval or polling_settings.interval for b in backend_configs.values()]
    floor = 3 * max(intervals, default=polling_settings.interval)
    if polling_settings.stale_after < floor:
        polling_settings = replace(polling_settings, stale_after=floor)
    return Config(
        None,
        cockpit_settings,
        polling_settings,
        backend_configs,
        services,
        policies=policies,
        environments=controls.environments(top.table("environments")),
        freezes=controls.freezes(top),
        keymap=keymap(top.table("keymap")),
    )


def _policies(problems: Problems, r: Reader) -> tuple[Policy, ...]:
    if not r.has("policies"):
        return ()
    found: list[Policy] = []
    for index, item in enumerate(r.convert("policies", array_of_tables) or ()):
        sub = Reader(problems, f"policies[{index}]", item)
        result = rules.policy(sub, index)
        if result is not None:
            found.append(result)
    return tuple(found)
