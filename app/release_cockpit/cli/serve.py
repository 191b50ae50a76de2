"""`serve` (the cockpit in a browser, for the wall) and `demo-world` (only the simulated world)."""

from __future__ import annotations

import argparse
import shlex
import sys
import tempfile
import time
from pathlib import Path

from release_cockpit.cli.common import EXIT_BAD_INPUT, EXIT_OK, config_of

PAGE_TEMPLATES = Path(__file__).with_name("serve_page")
"""Our copy of textual-serve's page: every asset from this server, none from a CDN."""


def serve_command(args: argparse.Namespace, python: str = sys.executable) -> str:
    """The shell command textual-serve runs for each browser visit (read-only wall unless
    ``--allow-actions`` / ``--board``)."""
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


def cmd_serve(args: argparse.Namespace) -> int:
    if args.demo:
        return _serve_demo(args)
    config_of(args)  # report config problems here, once, not per browser visit
    return _serve(args)


def _serve_demo(args: argparse.Namespace) -> int:
    """One simulated world and one database for every browser visit: each visit runs a
    cockpit on the world's config file, and all of them share this run's demo database
    (SQLite in WAL mode; several cockpits may share it), so an action sent from one
    browser is in the audit log the others and `audit --demo` read. (A demo per visit
    used to start a world and a database of its own, and lost them when the tab closed.)
    """
    import os

    from release_cockpit.adapters.registry import adapter_kinds
    from release_cockpit.cli.history import demo_backfill
    from release_cockpit.config import parse_config
    from release_cockpit.engine.demo_database import prune_ended, run_database
    from release_cockpit.engine.sqlite_file import DATABASE_ENV
    from release_cockpit.paths import user_data_dir
    from release_cockpit_demo.demo_config import demo_config_text
    from release_cockpit_demo.server import DemoServer

    server = DemoServer()
    url = server.start()
    try:
        with tempfile.TemporaryDirectory(prefix="release-cockpit-serve-") as folder:
            config_file = Path(folder) / "demo.toml"
            text = demo_config_text(url)
            config_file.write_text(text, encoding="utf-8")
            database = Path(os.environ.get(DATABASE_ENV, "") or run_database(user_data_dir()))
            if DATABASE_ENV not in os.environ:
                database.parent.mkdir(parents=True, exist_ok=True)
                prune_ended(user_data_dir(), keep=database)
                os.environ[DATABASE_ENV] = str(database)  # the visits' cockpits inherit it
            demo_backfill(parse_config(text, "<demo>", kinds=adapter_kinds()), database)
            visit = argparse.Namespace(**{**vars(args), "config": config_file, "demo": False})
            return _serve(visit, title="release-cockpit · demo world")
    finally:
        server.stop()


def _serve(args: argparse.Namespace, title: str = "release-cockpit") -> int:
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
        title=title,
        public_url=args.public_url,
        templates_path=PAGE_TEMPLATES,
    )
    server.serve()
    return EXIT_OK


def cmd_demo_world(args: argparse.Namespace) -> int:
    from release_cockpit_demo.demo_config import demo_config_text, write_datadog_keys
    from release_cockpit_demo.release_lines import DEFAULT_RELEASES
    from release_cockpit_demo.scenarios import CIFamily
    from release_cockpit_demo.server import DemoServer

    releases = args.releases or DEFAULT_RELEASES
    ci = CIFamily(args.ci) if args.ci else None
    frozen_at = time.time()
    server = DemoServer(
        releases=releases,
        port=args.port,
        clock=(lambda: frozen_at) if args.freeze else time.time,
        ticking=max(0, args.changes_per_second),
        families=args.families,
        ci=ci,
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
        key_dir = None
        if "datadog" in args.families:
            # Keys for the printed config, beside nothing else; they outlive this process.
            key_dir = Path(tempfile.mkdtemp(prefix="release-cockpit-demo-keys-"))
            write_datadog_keys(key_dir)
        sys.stdout.write(
            demo_config_text(url, releases, families=args.families, key_dir=key_dir, ci=ci)
        )
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
