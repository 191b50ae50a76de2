"""`status` and `check`: one poll, printed, with an exit code; probing every backend."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
from typing import TYPE_CHECKING

from release_cockpit.cli.common import (
    EXIT_ATTENTION,
    EXIT_FAILING,
    EXIT_OK,
    EXIT_UNKNOWN,
    config_of,
    demo_world,
)

if TYPE_CHECKING:
    from release_cockpit.config.schema import Config
    from release_cockpit.domain import CockpitSnapshot
    from release_cockpit.engine.database import Database


def exit_code(snapshot: CockpitSnapshot) -> int:
    """By the release that most needs someone, in the words the TUI shows: failing 4,
    waiting for a human or warning 3, unknown 1, else 0."""
    from release_cockpit.domain import Attention

    worst = snapshot.worst
    if worst is Attention.FAILING:
        return EXIT_FAILING
    if worst.needs_a_human:
        return EXIT_ATTENTION
    return EXIT_UNKNOWN if worst is Attention.UNKNOWN else EXIT_OK


async def poll_once(config: Config, *, demo: bool = False) -> CockpitSnapshot:
    """Poll every source once; checklist ticks come from the database when it exists (a
    one-shot status never creates one)."""
    from pathlib import Path

    from release_cockpit.engine.database import choose_database, open_database
    from release_cockpit.engine.engine import Engine
    from release_cockpit.engine.factory import build_adapters
    from release_cockpit.engine.sqlite_file import StoreError

    database: Database | None = None
    with contextlib.suppress(StoreError):
        path = choose_database(config.cockpit.database, os.environ, demo, cockpit=config.cockpit)
        if not isinstance(path, Path) or path.is_file():
            database = await asyncio.to_thread(open_database, path)
    engine = Engine(config, build_adapters(config, os.environ), database=database)
    try:
        return await engine.poll_once()
    finally:
        await engine.stop()
        if database is not None:
            database.close()


def cmd_status(args: argparse.Namespace) -> int:
    if args.demo:
        with demo_world(args.releases, args.families) as config:
            snapshot = asyncio.run(poll_once(config, demo=True))
    else:
        snapshot = asyncio.run(poll_once(config_of(args)))
    code = exit_code(snapshot)
    if args.json:
        from release_cockpit.domain.serialize import snapshot_document

        document = {**snapshot_document(snapshot), "exit_code": code}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        from release_cockpit.headless.status_table import print_status

        print_status(snapshot, wide=args.wide)
    return code


def cmd_check(args: argparse.Namespace) -> int:
    from release_cockpit.headless.check import run_check

    if args.demo:
        with demo_world(args.releases, args.families) as config:
            return asyncio.run(run_check(config, os.environ))
    return asyncio.run(run_check(config_of(args), os.environ))


def cmd_adapters(args: argparse.Namespace) -> int:
    """List every registered backend type and what it declares."""
    from release_cockpit.adapters.registry import declarations
    from release_cockpit.headless.adapters_list import print_adapters

    found, broken = declarations()
    if args.json:
        document = {"adapters": found, "unloadable": [str(e) for e in broken]}
        sys.stdout.write(json.dumps(document, indent=2, default=str) + "\n")
    else:
        print_adapters(found, [str(e) for e in broken])
    return EXIT_OK if not broken else EXIT_UNKNOWN
