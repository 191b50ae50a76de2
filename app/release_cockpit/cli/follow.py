"""`watch`: one release followed in plain text until it finishes (``headless.watch``)."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from release_cockpit.cli.common import config_of, demo_world


def _write(text: str) -> None:
    # One line at a time, flushed: a pipe (a CI log, a tmux status line) sees each change.
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


def cmd_watch(args: argparse.Namespace) -> int:
    from release_cockpit.engine.engine import Engine
    from release_cockpit.engine.factory import build_adapters
    from release_cockpit.headless.watch import Until, watch

    def follow(config: object) -> int:
        from release_cockpit.config.schema import Config

        assert isinstance(config, Config)
        engine = Engine(config, build_adapters(config, os.environ))
        until = Until(args.until)
        return asyncio.run(
            watch(engine, args.release, until=until, give_up_after=args.timeout, write=_write)
        )

    if args.demo:
        with demo_world(None) as config:
            return follow(config)
    return follow(config_of(args))
