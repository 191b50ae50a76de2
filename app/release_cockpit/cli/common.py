"""What several commands share: exit codes, loading the config, the simulated world, and
the one function that opens the cockpit's database."""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from release_cockpit.errors import ConfigError, Problem

if TYPE_CHECKING:
    from release_cockpit.config.schema import Config
    from release_cockpit.engine.database import Database
    from release_cockpit.engine.store_file import StoreTarget

EXIT_OK = 0
EXIT_UNKNOWN = 1
EXIT_BAD_INPUT = 2  # argparse's own code for bad usage; bad config files join it
EXIT_ATTENTION = 3
EXIT_FAILING = 4


def locate(path: Path | None, env: Mapping[str, str]) -> Path:
    """The config file the command runs with (``--config``, the environment, the user's).

    Raises:
        ConfigError: no config file found.
    """
    from release_cockpit.config.config_file import find_config

    found = find_config(path, env)
    if found is None:
        raise ConfigError(
            [
                Problem(
                    str(path or "config.toml"),
                    None,
                    "",
                    "no config file found",
                    "write one with `release-cockpit init`, pass --config FILE, set "
                    "RELEASE_COCKPIT_CONFIG, or start from the example (`release-cockpit "
                    "config example > config.toml`); `release-cockpit demo` needs no config",
                )
            ]
        )
    return found


def load_found(found: Path, env: Mapping[str, str]) -> Config:
    """The validated config in ``found``; its secrets are scrubbed from logs from now on.

    Raises:
        ConfigError: it has problems (each located).
    """
    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.config.loader import load_config

    config = load_config(found, kinds=adapter_kinds())
    from release_cockpit.cli.logs import SECRETS, config_secrets

    SECRETS.add(config_secrets(config, env))  # before any request can be logged
    return config


def load(path: Path | None, env: Mapping[str, str]) -> Config:
    """The config the command runs with.

    Raises:
        ConfigError: no config file found, or it has problems (each located).
    """
    return load_found(locate(path, env), env)


def config_of(args: argparse.Namespace) -> Config:
    return load(getattr(args, "config", None), os.environ)


@contextmanager
def demo_world(releases: int | None, families: Sequence[str] = ()) -> Iterator[Config]:
    """Serve the simulated world on loopback for the duration, and configure for it.

    The Datadog family's demo keys are written to a private temporary directory that
    lives as long as the world (keys come from files, never from the config text).
    """
    import tempfile

    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.config import parse_config
    from release_cockpit_demo.demo_config import demo_config_text, write_datadog_keys
    from release_cockpit_demo.release_lines import DEFAULT_RELEASES
    from release_cockpit_demo.server import DemoServer

    releases = releases or DEFAULT_RELEASES
    server = DemoServer(releases=releases, families=families)
    url = server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="release-cockpit-demo-") as keys:
            key_dir = Path(keys)
            if "datadog" in families:
                write_datadog_keys(key_dir)
            text = demo_config_text(url, releases, families=families, key_dir=key_dir)
            yield parse_config(text, "<demo>", kinds=adapter_kinds())
    finally:
        server.stop()


def database_path(args: argparse.Namespace) -> StoreTarget:
    """The database a history or audit command reads: ``[cockpit] database`` when a config
    is found (it is optional for these commands), the environment, or the default.

    Raises:
        StoreError: the configured name cannot be a durable file.
    """
    from release_cockpit.config import find_config
    from release_cockpit.engine.database import choose_database

    cockpit = None
    if not args.demo:
        found = find_config(getattr(args, "config", None), os.environ)
        if found is not None:
            cockpit = load(found, os.environ).cockpit
    configured = cockpit.database if cockpit is not None else None
    return choose_database(configured, os.environ, args.demo, cockpit=cockpit)


def open_database(config: Config, *, demo: bool = False) -> Database:
    """The session's audit log and history (errors kept in ``Database.error``)."""
    from release_cockpit.engine.database import session_database

    return session_database(config, os.environ, demo=demo)


def open_history(args: argparse.Namespace) -> Database:
    """The database a history or audit command reads, opened.

    Raises:
        StoreError: it cannot be opened (damaged, unreadable, made by a newer cockpit).
    """
    from release_cockpit.engine.database import open_database as open_at

    database = open_at(database_path(args))
    if database.error is not None:
        database.close()
        raise database.error
    return database
