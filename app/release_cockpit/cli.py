"""`release-cockpit`: the one entry point, for the TUI and for scripts.

Heavy imports (Textual, httpx, the demo world) happen inside the subcommand that needs
them, so `--help` and `status` start fast.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from release_cockpit import __version__
from release_cockpit.errors import CockpitError

if TYPE_CHECKING:
    from release_cockpit.config.schema import Config
    from release_cockpit.domain import CockpitSnapshot
    from release_cockpit.headless.backfill import BackfillReport

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
    from release_cockpit_demo.scenarios import MAX_RELEASES

    try:
        count = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= count <= MAX_RELEASES:
        raise argparse.ArgumentTypeError(f"must be between 1 and {MAX_RELEASES}, got {count}")
    return count


def _count(text: str) -> int:
    """``--limit``: a positive number of records.

    Raises:
        argparse.ArgumentTypeError: not a positive whole number (a usage error, exit 2).
    """
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError(f"must be 1 to 100000, got {value}")
    return value


def _window(text: str) -> timedelta:
    """``--window``: 7d, 30d, 90d or any duration of at least a day.

    Raises:
        argparse.ArgumentTypeError: not a duration (a usage error, exit 2).
    """
    from release_cockpit.domain.formatting import parse_duration

    try:
        value = parse_duration(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected 7d, 30d or 90d, got {text!r}") from None
    if value < timedelta(days=1):
        raise argparse.ArgumentTypeError(f"must be at least a day, got {text!r}")
    return value


def _tier_year(text: str) -> int:
    """``--year``: a DORA report year with a tier table.

    Raises:
        argparse.ArgumentTypeError: no table for that year (a usage error, exit 2).
    """
    from release_cockpit.domain.dora_tiers import TABLES

    if not text.isdigit() or int(text) not in TABLES:
        years = ", ".join(str(y) for y in sorted(TABLES))
        raise argparse.ArgumentTypeError(f"no tier table for {text!r}; choose one of {years}")
    return int(text)


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


COLOR_CHOICES = ("auto", "truecolor", "256", "16", "none")
# --color -> Rich's colour system, which Textual reads from TEXTUAL_COLOR_SYSTEM when it is
# first imported (textual.constants); "standard" is Rich's name for the 16 ANSI colours.
_COLOR_SYSTEMS = {"truecolor": "truecolor", "256": "256", "16": "standard"}


def color_environment(choice: str | None, env: Mapping[str, str]) -> dict[str, str]:
    """The environment variables that make Textual use the colours ``--color`` asks for.

    ``none`` sets ``NO_COLOR`` (https://no-color.org); ``auto`` (or no flag) changes
    nothing, so ``NO_COLOR`` and ``TEXTUAL_COLOR_SYSTEM`` from the environment still apply.
    """
    if choice is None or choice == "auto":
        return {}
    if choice == "none":
        return {"NO_COLOR": env.get("NO_COLOR") or "1"}
    return {"TEXTUAL_COLOR_SYSTEM": _COLOR_SYSTEMS[choice]}


def _seconds(text: str) -> float:
    """``--rotate``: seconds each calm release stays on the wall.

    Raises:
        argparse.ArgumentTypeError: not a number of seconds from 1 to 3600 (exit 2).
    """
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 1 <= value <= 3600:
        raise argparse.ArgumentTypeError(f"must be 1 to 3600 seconds, got {text}")
    return value


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

    audit = sub.add_parser("audit", help="the audit log of control actions, newest first")
    audit.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    audit.add_argument("--json", action="store_true", help="one JSON document on stdout")
    audit.add_argument("--demo", action="store_true", help="the demo world's audit log")
    audit.add_argument("--release", default=None, help="only this release line (its KEY)")
    audit.add_argument("--limit", type=_count, default=100, help="newest N records (default: 100)")

    dora = sub.add_parser(
        "dora", help="DORA metrics from the release history, with performance tiers"
    )
    dora.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    dora.add_argument("--json", action="store_true", help="one JSON document on stdout")
    dora.add_argument("--demo", action="store_true", help="the demo world's history")
    dora.add_argument(
        "--window", type=_window, default=timedelta(days=30), help="7d, 30d or 90d (default 30d)"
    )
    dora.add_argument(
        "--by",
        choices=["service", "team", "environment", "all"],
        default="service",
        help="group the figures (default: service)",
    )
    dora.add_argument(
        "--year", type=_tier_year, default=None, help="tier table by DORA report year (2024)"
    )

    export = sub.add_parser(
        "export", help="one release's timeline, verdicts and actions for a retrospective"
    )
    export.add_argument("release", help="KEY, KEY@VERSION or service/environment@version")
    export.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    export.add_argument("--format", choices=["md", "json"], default="md", help="default: md")
    export.add_argument("--demo", action="store_true", help="the demo world's history")

    backfill = sub.add_parser(
        "backfill", help="import past deployments (GitHub Deployments) into the history"
    )
    backfill.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    backfill.add_argument(
        "--since", type=_window, default=timedelta(days=90), help="how far back (default 90d)"
    )
    backfill.add_argument("--json", action="store_true", help="one JSON document on stdout")
    backfill.add_argument("--demo", action="store_true", help="the simulated world's history")

    serve = sub.add_parser(
        "serve",
        help="the cockpit in a web browser (textual-serve), read-only, on 127.0.0.1",
        description="Serve the cockpit to web browsers; every visit starts its own cockpit "
        "process. There is no authentication: keep the default 127.0.0.1, or put a reverse "
        "proxy that authenticates in front (see README, 'Serve in a browser').",
    )
    serve.add_argument("--config", type=Path, default=argparse.SUPPRESS, help="config file")
    serve.add_argument("--demo", action="store_true", help="serve the simulated world")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000)")
    serve.add_argument(
        "--public-url", default=None, help="URL browsers use, when behind a reverse proxy"
    )
    serve.add_argument(
        "--board", action="store_true", help="serve the board instead of the wall view"
    )
    serve.add_argument(
        "--allow-actions",
        action="store_true",
        help="let browser users run control actions (default: read-only)",
    )
    serve.add_argument("--theme", default=None, help="theme name")

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
    world.add_argument(
        "--freeze", action="store_true", help="stop the world's clock: nothing changes (benchmarks)"
    )
    world.add_argument(
        "--changes-per-second",
        type=int,
        default=0,
        metavar="N",
        help="with --freeze: N services' error ratio still changes every second",
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
    parser.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default=default,
        help="colours to use (default: auto; none is the same as NO_COLOR=1)",
    )
    parser.add_argument(
        "--wall",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="war-room wall: read-only, big tiles, needs-attention pinned, the rest rotating",
    )
    parser.add_argument(
        "--rotate",
        type=_seconds,
        default=default,
        metavar="SECONDS",
        help="with --wall: seconds per rotating release (default from config: 15)",
    )
    parser.add_argument(
        "--no-mouse",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="leave the mouse to the terminal (text selection over SSH and tmux)",
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
        "audit": cmd_audit,
        "dora": cmd_dora,
        "export": cmd_export,
        "backfill": cmd_backfill,
        "demo-world": cmd_demo_world,
        "serve": cmd_serve,
    }[args.command]
    try:
        return command(args)
    except CockpitError as exc:
        report(exc)
        from release_cockpit.errors import ConfigError

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
    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.config import find_config, load_config
    from release_cockpit.errors import ConfigError, Problem

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
    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.config import parse_config
    from release_cockpit_demo.demo_config import demo_config_text
    from release_cockpit_demo.scenarios import DEFAULT_RELEASES
    from release_cockpit_demo.server import DemoServer

    releases = releases or DEFAULT_RELEASES
    server = DemoServer(releases=releases)
    url = server.start()
    try:
        yield parse_config(demo_config_text(url, releases), "<demo>", kinds=adapter_kinds())
    finally:
        server.stop()


def _run_tui(config: Config, args: argparse.Namespace, title: str, *, demo: bool = False) -> int:
    # Before Textual is imported: it reads the colour system once, at import.
    os.environ.update(color_environment(getattr(args, "color", None), os.environ))
    from release_cockpit.config.user_settings import remember, remembered_theme, settings_file
    from release_cockpit.engine.engine import Engine
    from release_cockpit.engine.factory import build_adapters
    from release_cockpit.headless.stores import open_stores
    from release_cockpit.ui.cockpit_app import WALL_THEME, CockpitApp
    from release_cockpit.ui.notifier import desktop_mode

    wall = bool(getattr(args, "wall", False))
    stores = open_stores(config, os.environ, demo=demo)
    if demo and stores.history is not None:
        _demo_backfill(config, stores.history.path)
    read_only = "--read-only" if getattr(args, "read_only", False) else ""
    read_only = "--wall" if wall else read_only
    engine = Engine(
        config,
        build_adapters(config, os.environ),
        audit=stores.audit,
        audit_error=stores.error,
        read_only=read_only,
        history=stores.history,
    )
    settings = settings_file()
    theme = getattr(args, "theme", None)
    if wall:
        theme = theme or WALL_THEME
    else:
        theme = theme or remembered_theme(settings) or config.cockpit.theme

    def remember_theme(name: str) -> None:
        remember(settings, "cockpit", "theme", name)

    rotate = getattr(args, "rotate", None)
    app = CockpitApp(
        engine,
        title=title,
        theme=theme,
        ascii=bool(getattr(args, "ascii", False)) or not _utf8_locale(),
        controls=engine.controls,
        bell=config.cockpit.bell,
        desktop_notifications=desktop_mode(config.cockpit.desktop_notifications, os.environ),
        startup_warnings=[stores.error] if stores.error else [],
        keymap=config.keymap,
        wall=wall,
        wall_rotate=rotate or config.cockpit.wall_rotate.total_seconds(),
        remember_theme=None if wall else remember_theme,
    )
    try:
        app.run(mouse=not getattr(args, "no_mouse", False))
    finally:
        stores.close()
    return EXIT_OK


# What CPython writes into LC_CTYPE when it coerces a C/POSIX locale (PEP 538).
_COERCED_CTYPES = frozenset({"c.utf-8", "c.utf8", "utf-8"})


def _utf8_locale(env: Mapping[str, str] | None = None) -> bool:
    """True when the terminal can be trusted with Unicode symbols.

    Under ``LANG=C`` CPython coerces the locale (PEP 538) and sets ``LC_CTYPE=C.UTF-8`` in
    its own environment, which would hide the user's non-UTF-8 locale; a coerced
    ``LC_CTYPE`` beside a ``LANG`` that is not UTF-8 therefore counts as not UTF-8.
    """
    env = os.environ if env is None else env

    def utf8(value: str) -> bool:
        return "utf-8" in value.lower() or "utf8" in value.lower()

    lang = env.get("LANG", "")
    coerced = not env.get("LC_ALL") and env.get("LC_CTYPE", "").lower() in _COERCED_CTYPES
    if coerced and lang and not utf8(lang):
        return False
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        value = env.get(name)
        if value:
            return utf8(value)
    return (sys.stdout.encoding or "").lower().replace("-", "") == "utf8"


def cmd_run(args: argparse.Namespace) -> int:
    config = load(args.config, os.environ)
    return _run_tui(config, args, "release-cockpit")


def cmd_demo(args: argparse.Namespace) -> int:
    with demo_world(args.releases) as config:
        return _run_tui(config, args, "release-cockpit · demo world", demo=True)


def exit_code(snapshot: CockpitSnapshot) -> int:
    from release_cockpit.domain import VerdictLevel

    return {
        VerdictLevel.OK: EXIT_OK,
        VerdictLevel.UNKNOWN: EXIT_UNKNOWN,
        VerdictLevel.INCONCLUSIVE: EXIT_ATTENTION,
        VerdictLevel.WARNING: EXIT_ATTENTION,
        VerdictLevel.FAILING: EXIT_FAILING,
    }[snapshot.worst_level]


async def _poll_once(config: Config, *, demo: bool = False) -> CockpitSnapshot:
    from release_cockpit.engine.audit_log import AuditLog, choose_database
    from release_cockpit.engine.engine import Engine
    from release_cockpit.engine.factory import build_adapters
    from release_cockpit.engine.sqlite_file import StoreError

    # Checklist ticks live in the audit database: read them when it exists (a one-shot
    # status never creates one).
    audit: AuditLog | None = None
    path = choose_database(config.cockpit.database, os.environ, demo)
    if path.is_file():
        with contextlib.suppress(StoreError):
            audit = AuditLog(path)
    engine = Engine(config, build_adapters(config, os.environ), audit=audit)
    try:
        return await engine.poll_once()
    finally:
        await engine.stop()
        if audit is not None:
            audit.close()


def cmd_status(args: argparse.Namespace) -> int:
    if args.demo:
        with demo_world(args.releases) as config:
            snapshot = asyncio.run(_poll_once(config, demo=True))
    else:
        snapshot = asyncio.run(_poll_once(load(getattr(args, "config", None), os.environ)))
    code = exit_code(snapshot)
    if args.json:
        from release_cockpit.domain.serialize import snapshot_document

        document = {**snapshot_document(snapshot), "exit_code": code}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        from release_cockpit.headless.status_table import print_status

        print_status(snapshot)
    return code


def cmd_check(args: argparse.Namespace) -> int:
    from release_cockpit.headless.check import run_check

    if args.demo:
        with demo_world(None) as config:
            return asyncio.run(run_check(config, os.environ))
    return asyncio.run(run_check(load(getattr(args, "config", None), os.environ), os.environ))


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the audit log. The config is read only for ``[cockpit] database``."""
    from release_cockpit.engine.audit_log import AuditLog
    from release_cockpit.headless.audit_table import audit_document, print_audit

    path = _database(args)
    log = AuditLog(path)
    try:
        entries = log.entries(limit=args.limit, release_key=args.release)
    finally:
        log.close()
    if args.json:
        sys.stdout.write(json.dumps(audit_document(path, entries), indent=2) + "\n")
    else:
        print_audit(path, entries)
    return EXIT_OK


def _database(args: argparse.Namespace) -> Path:
    """The database a history or audit command reads: ``[cockpit] database`` when a config
    is found (it is optional for these commands), the environment, or the default."""
    from release_cockpit.config import find_config
    from release_cockpit.engine.audit_log import choose_database

    configured = None
    if not args.demo:
        found = find_config(getattr(args, "config", None), os.environ)
        if found is not None:
            configured = load(found, os.environ).cockpit.database
    return choose_database(configured, os.environ, args.demo)


def cmd_dora(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from release_cockpit.domain.dora import Group
    from release_cockpit.domain.dora_tiers import DEFAULT_YEAR
    from release_cockpit.engine.history_store import HistoryStore
    from release_cockpit.headless.dora_report import dora_document, dora_figures, print_dora

    path = _database(args)
    year = args.year or DEFAULT_YEAR
    store = HistoryStore(path)
    try:
        now = datetime.now(UTC)
        records = store.records()
    finally:
        store.close()
    figures = dora_figures(records, now, args.window, Group(args.by))
    if args.json:
        document = dora_document(path, figures, year, args.window)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        print_dora(figures, year)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from release_cockpit.engine.audit_log import AuditLog
    from release_cockpit.engine.history_store import HistoryStore
    from release_cockpit.headless.export import export_json, export_markdown

    path = _database(args)
    store = HistoryStore(path)
    audit = AuditLog(path)
    try:
        wanted = args.release
        key, _, version = wanted.partition("@")
        record = store.release(key, version or None)
        if record is None and "/" in wanted:
            record = next((r for r in store.records() if r.id == wanted), None)
        if record is None:
            raise CockpitError(
                f"no release {wanted!r} in the history at {path}",
                title="Release not found",
                hint="use the release line's KEY (as in the config), KEY@VERSION or the id "
                "shown on the panel (service/environment@version)",
            )
        events = store.events(record.key, record.version)
        audits = [e for e in audit.entries(limit=10_000) if e.release_id == record.id]
    finally:
        store.close()
        audit.close()
    if args.format == "json":
        sys.stdout.write(json.dumps(export_json(record, events, audits), indent=2) + "\n")
    else:
        sys.stdout.write(export_markdown(record, events, audits))
    return EXIT_OK


def serve_command(args: argparse.Namespace, python: str = sys.executable) -> str:
    """The shell command textual-serve runs for each browser visit (read-only wall unless
    ``--allow-actions`` / ``--board``)."""
    import shlex

    argv = [python, "-m", "release_cockpit"]
    config = getattr(args, "config", None)
    if config is not None:
        argv += ["--config", str(Path(config).expanduser().resolve())]
    argv.append("demo" if args.demo else "run")
    if not args.allow_actions:
        argv.append("--read-only")
    if not args.board:
        argv.append("--wall")
    if args.theme:
        argv += ["--theme", args.theme]
    return shlex.join(argv)


async def _backfill(config: Config, path: Path, since: timedelta) -> BackfillReport:
    from datetime import UTC, datetime

    from release_cockpit.engine.history_store import HistoryStore
    from release_cockpit.headless.backfill import run_backfill

    store = HistoryStore(path)
    try:
        now = datetime.now(UTC)
        return await run_backfill(config, os.environ, store, since=now - since, now=now)
    finally:
        store.close()


def _demo_backfill(config: Config, path: Path) -> None:
    """Fill the demo's fresh history with the world's past month, beside the TUI's start.

    A thread with its own event loop and connection (SQLite WAL lets both write), so the
    first paint does not wait for it; the metrics screen shows the figures once it is done.
    """
    import threading

    def fill() -> None:
        # A failed backfill leaves the demo without past history, nothing worse; an
        # exception escaping the thread would print over the TUI.
        with contextlib.suppress(Exception):
            asyncio.run(_backfill(config, path, timedelta(days=90)))

    threading.Thread(target=fill, name="demo-backfill", daemon=True).start()


def cmd_backfill(args: argparse.Namespace) -> int:
    from release_cockpit.engine.audit_log import choose_database
    from release_cockpit.headless.backfill import print_backfill

    if args.demo:
        with demo_world(None) as config:
            path = choose_database(None, os.environ, demo=True)
            report = asyncio.run(_backfill(config, path, args.since))
    else:
        config = load(getattr(args, "config", None), os.environ)
        path = choose_database(config.cockpit.database, os.environ)
        report = asyncio.run(_backfill(config, path, args.since))
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        print_backfill(report)
    return report.exit_code


def cmd_serve(args: argparse.Namespace) -> int:
    if not args.demo:
        load(getattr(args, "config", None), os.environ)  # report config problems here, once
    from textual_serve.server import Server

    command = serve_command(args)
    where = f"http://{args.host}:{args.port}"
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        sys.stderr.write(
            f"release-cockpit serve: listening on {args.host}, not only this machine; there "
            "is no authentication: put an authenticating reverse proxy in front.\n"
        )
    sys.stdout.write(f"serving the cockpit on {args.public_url or where} (Ctrl+C stops)\n")
    sys.stdout.flush()
    server = Server(
        command,
        host=args.host,
        port=args.port,
        title="release-cockpit",
        public_url=args.public_url,
    )
    server.serve()
    return EXIT_OK


def cmd_demo_world(args: argparse.Namespace) -> int:
    import time

    from release_cockpit_demo.demo_config import demo_config_text
    from release_cockpit_demo.scenarios import DEFAULT_RELEASES
    from release_cockpit_demo.server import DemoServer

    releases = args.releases or DEFAULT_RELEASES
    frozen_at = time.time()
    server = DemoServer(
        releases=releases,
        port=args.port,
        clock=(lambda: frozen_at) if args.freeze else time.time,
        ticking=max(0, args.changes_per_second),
    )
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
