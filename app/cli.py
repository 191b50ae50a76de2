"""`release-cockpit`: the one entry point, for the TUI and for scripts.

Heavy imports (Textual, httpx, the demo world) happen inside the subcommand that needs
them, so `--help` and `status` start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from app import __version__
from app.errors import CockpitError

if TYPE_CHECKING:
    from app.config.schema import Config
    from app.domain import CockpitSnapshot

EXIT_OK = 0
EXIT_UNKNOWN = 1
EXIT_BAD_INPUT = 2  # argparse's own code for bad usage; bad config files join it
EXIT_ATTENTION = 3
EXIT_FAILING = 4

RELEASES_HELP = "release lines in the world (default: one per scenario)"
EXIT_CODES_HELP = """exit codes (status, check):
  0  every release ok (check: every backend reachable and authorised)
  1  some release is unknown: stale or missing data (check: a backend failed its probe)
  2  bad input: invalid configuration or command-line usage (each problem is located)
  3  some release is warning or inconclusive: a human should look
  4  some release is failing
"""


def _releases(text: str) -> int:
    """``--releases``: a number of release lines the simulated world can hold.

    Raises:
        argparse.ArgumentTypeError: not a whole number in range (a usage error, exit 2).
    """
    from app.demo.scenarios import MAX_RELEASES

    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= count <= MAX_RELEASES:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_RELEASES}, got {count}")
    return count


def _port(text: str) -> int:
    """``--port``: a TCP port number, 0 for any free one.

    Raises:
        argparse.ArgumentTypeError: not a port number (a usage error, exit 2).
    """
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0 (any free port) to 65535, got {port}")
    return port


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="release-cockpit",
        description="A terminal cockpit for in-flight releases.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        help="config file (default: $RELEASE_COCKPIT_CONFIG, then the user config directory)",
    )
    _ui_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="the TUI against the backends in the config (default)")
    run.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    _ui_options(run, suppress=True)

    demo = sub.add_parser("demo", help="the TUI against the embedded simulated world")
    demo.add_argument(
        "--releases",
        type=_releases,
        default=None,
        help="release lines in the world (default: one per scenario)",
    )
    _ui_options(demo, suppress=True)

    status = sub.add_parser(
        "status",
        help="poll everything once and print the result; exit code by worst verdict",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    status.add_argument("--json", action="store_true", help="one JSON document on stdout")
    status.add_argument("--demo", action="store_true", help="target the simulated world")
    status.add_argument(
        "--releases", type=_releases, default=None, help="release lines (with --demo)"
    )

    check = sub.add_parser(
        "check", help="validate the config and probe every backend (reachable, auth, latency)"
    )
    check.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    check.add_argument("--demo", action="store_true", help="check the simulated world")

    world = sub.add_parser(
        "demo-world", help="only serve the simulated world over HTTP on 127.0.0.1"
    )
    world.add_argument("--port", type=_port, default=8765, help="port on 127.0.0.1 (0: any)")
    world.add_argument(
        "--releases",
        type=_releases,
        default=None,
        help="release lines in the world (default: one per scenario)",
    )
    world.add_argument(
        "--print-config", action="store_true", help="print a cockpit config for the world"
    )
    return parser


def _ui_options(parser: argparse.ArgumentParser, *, suppress: bool = False) -> None:
    default: object = argparse.SUPPRESS if suppress else None
    parser.add_argument("--theme", default=default, help="theme name (default from config)")
    parser.add_argument(
        "--read-only",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="no control actions, whatever the config says",
    )
    parser.add_argument(
        "--ascii",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="ASCII symbols only (automatic when the locale is not UTF-8)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    # stamina logs every retry at WARNING; with logging unconfigured Python's last-resort
    # handler would print those into the TUI or into `status --json` output.
    logging.getLogger("stamina").addHandler(logging.NullHandler())
    args = build_parser().parse_args(argv)
    command: Callable[[argparse.Namespace], int] = {
        None: cmd_run,
        "run": cmd_run,
        "demo": cmd_demo,
        "status": cmd_status,
        "check": cmd_check,
        "demo-world": cmd_demo_world,
    }[args.command]
    try:
        return command(args)
    except CockpitError as exc:
        report(exc)
        from app.errors import ConfigError

        return EXIT_BAD_INPUT if isinstance(exc, ConfigError) else EXIT_UNKNOWN
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


def load(path: Path | None, env: Mapping[str, str]) -> Config:
    from app.adapters.registry import adapter_kinds
    from app.config import find_config, load_config
    from app.errors import ConfigError, Problem

    found = find_config(path, env)
    if found is None:
        raise ConfigError(
            [
                Problem(
                    str(path or "config.toml"),
                    None,
                    "",
                    "no config file found",
                    "pass --config FILE, set RELEASE_COCKPIT_CONFIG, or start from "
                    "config.example.toml; `release-cockpit demo` needs no config",
                )
            ]
        )
    return load_config(found, kinds=adapter_kinds())


@contextmanager
def demo_world(releases: int | None) -> Iterator[Config]:
    """Serve the simulated world on loopback for the duration, and configure for it."""
    from app.adapters.registry import adapter_kinds
    from app.config import parse_config
    from app.demo.demo_config import demo_config_text
    from app.demo.scenarios import DEFAULT_RELEASES
    from app.demo.server import DemoServer

    releases = releases or DEFAULT_RELEASES
    server = DemoServer(releases=releases)
    url = server.start()
    try:
        yield parse_config(demo_config_text(url, releases), "<demo>", kinds=adapter_kinds())
    finally:
        server.stop()


def _run_tui(config: Config, args: argparse.Namespace, title: str) -> int:
    from app.engine.engine import Engine
    from app.engine.factory import build_adapters
    from app.ui.cockpit_app import CockpitApp

    engine = Engine(config, build_adapters(config, os.environ))
    app = CockpitApp(
        engine,
        title=title,
        theme=getattr(args, "theme", None) or config.cockpit.theme,
        read_only=bool(getattr(args, "read_only", False)) or config.cockpit.read_only,
        ascii=bool(getattr(args, "ascii", False)) or not _utf8_locale(),
    )
    app.run()
    return EXIT_OK


def _utf8_locale() -> bool:
    """True when the terminal can be trusted with Unicode symbols."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = os.environ.get(name)
        if value:
            return "utf-8" in value.lower() or "utf8" in value.lower()
    return (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"


def cmd_run(args: argparse.Namespace) -> int:
    config = load(args.config, os.environ)
    return _run_tui(config, args, "release-cockpit")


def cmd_demo(args: argparse.Namespace) -> int:
    with demo_world(args.releases) as config:
        return _run_tui(config, args, "release-cockpit · demo world")


def exit_code(snapshot: CockpitSnapshot) -> int:
    from app.domain import VerdictLevel

    return {
        VerdictLevel.OK: EXIT_OK,
        VerdictLevel.UNKNOWN: EXIT_UNKNOWN,
        VerdictLevel.INCONCLUSIVE: EXIT_ATTENTION,
        VerdictLevel.WARNING: EXIT_ATTENTION,
        VerdictLevel.FAILING: EXIT_FAILING,
    }[snapshot.worst_level]


async def _poll_once(config: Config) -> CockpitSnapshot:
    from app.engine.engine import Engine
    from app.engine.factory import build_adapters

    engine = Engine(config, build_adapters(config, os.environ))
    try:
        return await engine.poll_once()
    finally:
        await engine.stop()


def cmd_status(args: argparse.Namespace) -> int:
    if args.demo:
        with demo_world(args.releases) as config:
            snapshot = asyncio.run(_poll_once(config))
    else:
        snapshot = asyncio.run(_poll_once(load(getattr(args, "config", None), os.environ)))
    code = exit_code(snapshot)
    if args.json:
        from app.domain.serialize import snapshot_document

        document = {**snapshot_document(snapshot), "exit_code": code}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        from app.headless.status_table import print_status

        print_status(snapshot)
    return code


def cmd_check(args: argparse.Namespace) -> int:
    from app.headless.check import run_check

    if args.demo:
        with demo_world(None) as config:
            return asyncio.run(run_check(config, os.environ))
    return asyncio.run(run_check(load(getattr(args, "config", None), os.environ), os.environ))


def cmd_demo_world(args: argparse.Namespace) -> int:
    from app.demo.demo_config import demo_config_text
    from app.demo.scenarios import DEFAULT_RELEASES
    from app.demo.server import DemoServer

    releases = args.releases or DEFAULT_RELEASES
    server = DemoServer(releases=releases, port=args.port)
    try:
        url = server.start()
    except OSError as exc:  # the port is taken or not ours to use: pick another one
        sys.stderr.write(
            f"release-cockpit demo-world: cannot listen on 127.0.0.1:{args.port}: "
            f"{exc.strerror or exc}; choose another --port (0: any free port)\n"
        )
        return EXIT_BAD_INPUT
    if args.print_config:
        sys.stdout.write(demo_config_text(url, releases))
    else:
        sys.stdout.write(f"serving the simulated world on {url} (Ctrl+C stops)\n")
    sys.stdout.flush()
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
