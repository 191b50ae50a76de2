"""`release-cockpit`: the one entry point, for the TUI and for scripts.

One module per command group (``tui``, ``status``, ``history``, ``serve``); the parser
and its shared flags in ``parser``. Heavy imports (Textual, httpx, the simulated world)
happen inside the command that needs them, so `--help` and `status` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
from collections.abc import Callable, Sequence

from release_cockpit.cli.common import EXIT_BAD_INPUT, EXIT_UNKNOWN
from release_cockpit.cli.parser import build_parser
from release_cockpit.errors import CockpitError

Command = Callable[[argparse.Namespace], int]


COMMANDS: dict[str | None, tuple[str, str]] = {
    None: ("tui", "cmd_run"),
    "run": ("tui", "cmd_run"),
    "demo": ("tui", "cmd_demo"),
    "status": ("status", "cmd_status"),
    "check": ("status", "cmd_check"),
    "adapters": ("status", "cmd_adapters"),
    "audit": ("history", "cmd_audit"),
    "dora": ("history", "cmd_dora"),
    "export": ("history", "cmd_export"),
    "backfill": ("history", "cmd_backfill"),
    "db": ("db", "cmd_db"),
    "serve": ("serve", "cmd_serve"),
    "demo-world": ("serve", "cmd_demo_world"),
    "config": ("about", "cmd_config_example"),
    "docs": ("about", "cmd_docs"),
    "info": ("about", "cmd_info"),
    "watch": ("follow", "cmd_watch"),
    "completion": ("completion", "cmd_completion"),
    "init": ("init", "cmd_init"),
}
"""Each command's module (under ``release_cockpit.cli``) and function. Only the module of
the command run is imported: importing them all put 60 ms before the TUI's first frame."""


def _command(name: str | None) -> Command:
    module, function = COMMANDS[name]
    command: Command = getattr(importlib.import_module(f"release_cockpit.cli.{module}"), function)
    return command


def main(argv: Sequence[str] | None = None) -> int:
    # stamina logs every retry at WARNING; with logging unconfigured Python's last-resort
    # handler would print those into the TUI or into `status --json` output.
    logging.getLogger("stamina").addHandler(logging.NullHandler())
    args = build_parser().parse_args(argv)
    try:
        from release_cockpit.cli.logs import setup_logging

        args.log_path = setup_logging(args.log_file, debug=args.debug, env=os.environ)
        return _command(args.command)(args)
    except CockpitError as exc:
        report(exc)
        return EXIT_BAD_INPUT if exc.bad_input else EXIT_UNKNOWN
    except KeyboardInterrupt:
        return 130


def report(error: CockpitError) -> None:
    """A fatal error before (or instead of) the TUI: a titled panel on stderr."""
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    body = Text(error.message)
    if error.hint:
        body.append(f"\n\nNext: {error.hint}", style="bold")
    Console(stderr=True).print(Panel(body, title=error.title, border_style="red", expand=False))


__all__ = ["build_parser", "main", "report"]
