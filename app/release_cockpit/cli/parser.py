"""The command line's shape: one parser, a subcommand per command, shared flags as parents.

Flags that several commands take (``--config``, ``--json``, ``--demo``, the TUI's look)
are defined once, in parent parsers. The TUI's flags are accepted both before the
subcommand (``release-cockpit --theme x``, which runs the TUI) and after it
(``release-cockpit demo --theme x``); the subcommand's copy defaults to "not given" so it
never overwrites the top-level value.
"""

from __future__ import annotations

import argparse
from datetime import timedelta
from pathlib import Path

from release_cockpit import __version__
from release_cockpit.cli import arguments

EXIT_CODES_HELP = """exit codes (status, check):
  0  every release ok (check: every backend and every line's targets and queries ok)
  1  some release is unknown: stale or missing data (check: a backend failed its probe,
     or a line's CI project, rollout or query did not)
  2  bad input: invalid configuration or command-line usage (each problem is located)
  3  some release needs a human: waiting for one (a gate, an inconclusive analysis)
     or warning
  4  some release is failing
"""

COLOR_CHOICES = ("auto", "truecolor", "256", "16", "none")
RELEASES_HELP = "release lines in the world (default: the ten named lines; more scales it up)"
WITH_HELP = (
    "add named lines beyond the default world, comma-separated: datadog (health and alerts "
    "from Datadog), gitlab (built by GitLab CI, waiting on a manual job), jenkins (a Jenkins "
    "Pipeline waiting on an input step), flags (lines guarded by feature flags in Unleash "
    "and OFREP)"
)


def _parent() -> argparse.ArgumentParser:
    return argparse.ArgumentParser(add_help=False)


def config_flag(*, nested: bool) -> argparse.ArgumentParser:
    parent = _parent()
    parent.add_argument(
        "--config",
        type=Path,
        default=argparse.SUPPRESS if nested else None,
        help="config file (default: $RELEASE_COCKPIT_CONFIG, then the user config directory)",
    )
    return parent


def json_flag() -> argparse.ArgumentParser:
    parent = _parent()
    parent.add_argument("--json", action="store_true", help="one JSON document on stdout")
    return parent


def wide_flag() -> argparse.ArgumentParser:
    parent = _parent()
    parent.add_argument(
        "--wide",
        action="store_true",
        help="every column; without a terminal the output is one line per row, its last "
        "column (the reason, the result) whole, and the others left out unless --wide",
    )
    return parent


def demo_flag(what: str) -> argparse.ArgumentParser:
    parent = _parent()
    parent.add_argument("--demo", action="store_true", help=what)
    return parent


def ui_flags(*, nested: bool) -> argparse.ArgumentParser:
    """The TUI's look and mode; ``nested`` copies default to "not given"."""
    unset: object = argparse.SUPPRESS if nested else None
    off: object = argparse.SUPPRESS if nested else False
    parent = _parent()
    parent.add_argument("--theme", default=unset, help="theme name (default from config)")
    parent.add_argument(
        "--read-only",
        action="store_true",
        default=off,
        help="no control actions, whatever the config says",
    )
    parent.add_argument(
        "--ascii",
        action="store_true",
        default=off,
        help="ASCII symbols only (automatic when the locale is not UTF-8)",
    )
    parent.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        default=unset,
        help="colours to use (default: auto; none is the same as NO_COLOR=1)",
    )
    parent.add_argument(
        "--wall",
        action="store_true",
        default=off,
        help="war-room wall: read-only, big tiles, needs-attention pinned, the rest rotating",
    )
    parent.add_argument(
        "--rotate",
        type=arguments.seconds,
        default=unset,
        metavar="SECONDS",
        help="with --wall: seconds per rotating release (default from config: 15)",
    )
    parent.add_argument(
        "--no-mouse",
        action="store_true",
        default=off,
        help="leave the mouse to the terminal (text selection over SSH and tmux)",
    )
    return parent


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="release-cockpit",
        description="A terminal cockpit for in-flight releases.",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        parents=[config_flag(nested=False), ui_flags(nested=False)],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    config, ui, json = config_flag(nested=True), ui_flags(nested=True), json_flag()

    sub.add_parser(
        "run", parents=[config, ui], help="the TUI against the backends in the config (default)"
    )
    demo = sub.add_parser("demo", parents=[ui], help="the TUI against the embedded simulated world")
    demo.add_argument("--releases", type=arguments.releases, default=None, help=RELEASES_HELP)
    demo.add_argument(
        "--with", dest="families", type=arguments.families, default=(), help=WITH_HELP
    )

    status = sub.add_parser(
        "status",
        parents=[config, json, wide_flag(), demo_flag("target the simulated world")],
        help="poll everything once and print the result; exit code by worst verdict",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    status.add_argument(
        "--releases", type=arguments.releases, default=None, help="release lines (with --demo)"
    )
    status.add_argument(
        "--with", dest="families", type=arguments.families, default=(), help=WITH_HELP
    )
    check = sub.add_parser(
        "check",
        parents=[config, demo_flag("check the simulated world")],
        help="validate the config and probe every backend (reachable, auth, latency)",
    )
    check.add_argument(
        "--with", dest="families", type=arguments.families, default=(), help=WITH_HELP
    )
    check.add_argument(
        "--releases", type=arguments.releases, default=None, help="release lines (with --demo)"
    )
    adapters = sub.add_parser(
        "adapters",
        parents=[json],
        help="every backend type: the keys a service uses, options, actions, features",
    )
    adapters.set_defaults(demo=False)
    _history_commands(sub, config, json)
    _db_commands(sub, config, json)
    _serving_commands(sub, config)
    _setup_commands(sub, config, json)
    _add_log_flags(parser, nested=False)
    for command in sub.choices.values():
        _add_log_flags(command, nested=True)
    return parser


def _add_log_flags(parser: argparse.ArgumentParser, *, nested: bool) -> None:
    """``--log-file`` and ``--debug`` before or after the command (``cli.logs``)."""
    parser.add_argument(
        "--log-file",
        type=Path,
        default=argparse.SUPPRESS if nested else None,
        metavar="FILE",
        help="log requests, retries and errors to FILE, secrets blanked "
        "(default: $RELEASE_COCKPIT_LOG; none)",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if nested else False,
        help="log at DEBUG level (to --log-file, else to the user log directory; "
        "`release-cockpit info` shows where)",
    )


def _setup_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    config: argparse.ArgumentParser,
    json: argparse.ArgumentParser,
) -> None:
    from release_cockpit.cli.about import DOCS
    from release_cockpit.cli.completion import INSTALL as COMPLETION_INSTALL
    from release_cockpit.cli.init import add_init_command

    settings = sub.add_parser("config", help="the example config (every key, commented)")
    settings_sub = settings.add_subparsers(dest="config_command", metavar="SUBCOMMAND")
    settings_sub.required = True
    settings_sub.add_parser(
        "example",
        help="print config.example.toml (release-cockpit config example > config.toml)",
    )
    docs = sub.add_parser("docs", help="print a bundled document (no name: list them)")
    docs.add_argument("name", nargs="?", choices=sorted(DOCS), help="which document")
    sub.add_parser(
        "info", parents=[json], help="where the config, data, themes and log are; versions"
    )
    add_init_command(sub)
    completion = sub.add_parser(
        "completion",
        help="a completion script for bash, zsh or fish",
        description="Print a completion script. Install it with:\n"
        + "\n".join(f"  {shell}: {how}" for shell, how in COMPLETION_INSTALL.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    completion.add_argument("shell", choices=tuple(COMPLETION_INSTALL))
    watch = sub.add_parser(
        "watch",
        parents=[config, demo_flag("watch a release of the simulated world")],
        help="follow one release in plain text, a line per change, until it finishes",
        description="Follow one release until it finishes (or --until), one line per change "
        "of its state, stages or rollout step. Exit codes: 0 done (or promoted), 4 failed "
        "(a failed stage, an aborted rollout; with --until failed, the first FAILING), "
        "1 it left the board or --timeout passed, 2 bad input.",
    )
    watch.add_argument("release", help="the release's KEY, service or id")
    watch.add_argument(
        "--until",
        choices=("done", "promoted", "failed"),
        default="done",
        help="stop when it is done (default), fully promoted, or first failing",
    )
    watch.add_argument(
        "--timeout", type=arguments.timeout, default=None, help="give up after (30m)"
    )


def _history_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    config: argparse.ArgumentParser,
    json: argparse.ArgumentParser,
) -> None:
    demo = demo_flag("the demo world's history")
    audit = sub.add_parser(
        "audit",
        parents=[config, json, wide_flag(), demo],
        help="the audit log of control actions, newest first",
    )
    audit.add_argument(
        "verify",
        nargs="?",
        choices=["verify"],
        help="verify: check the hash chain instead (exit 4 if a record was edited or deleted)",
    )
    audit.add_argument("--release", default=None, help="only this release line (its KEY)")
    audit.add_argument(
        "--limit", type=arguments.count, default=100, help="newest N records (default: 100)"
    )
    dora = sub.add_parser(
        "dora",
        parents=[config, json, demo],
        help="DORA metrics from the release history, with performance tiers",
    )
    dora.add_argument(
        "--window",
        type=arguments.window,
        default=timedelta(days=30),
        help="7d, 30d or 90d (default 30d)",
    )
    dora.add_argument(
        "--by",
        choices=["service", "team", "environment", "all"],
        default="service",
        help="group the figures (default: service)",
    )
    dora.add_argument(
        "--year",
        type=arguments.tier_year,
        default=None,
        help="tier table by DORA report year (2024)",
    )
    export = sub.add_parser(
        "export",
        parents=[config, demo],
        help="one release's timeline, verdicts and actions for a retrospective",
    )
    export.add_argument("release", help="KEY, KEY@VERSION or service/environment@version")
    export.add_argument("--format", choices=["md", "json"], default="md", help="default: md")
    backfill = sub.add_parser(
        "backfill",
        parents=[config, json, demo_flag("the simulated world's history")],
        help="import past deployments (GitHub Deployments) into the history",
    )
    backfill.add_argument(
        "--since",
        type=arguments.window,
        default=timedelta(days=90),
        help="how far back (default 90d)",
    )


def _serving_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], config: argparse.ArgumentParser
) -> None:
    serve = sub.add_parser(
        "serve",
        parents=[config, demo_flag("serve the simulated world")],
        help="the cockpit in a web browser (textual-serve), read-only, on 127.0.0.1",
        description="Serve the cockpit to web browsers; every visit starts its own cockpit "
        "process. There is no authentication: keep the default 127.0.0.1, or put a reverse "
        "proxy that authenticates in front (see README, 'Serve in a browser').",
    )
    serve.add_argument(
        "--host",
        type=arguments.host,
        default="127.0.0.1",
        help="address to bind (default: 127.0.0.1)",
    )
    serve.add_argument("--port", type=arguments.port, default=8000, help="port (default: 8000)")
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
    world.add_argument(
        "--port", type=arguments.port, default=8765, help="port on 127.0.0.1 (0: any)"
    )
    world.add_argument("--releases", type=arguments.releases, default=None, help=RELEASES_HELP)
    world.add_argument(
        "--with", dest="families", type=arguments.families, default=(), help=WITH_HELP
    )
    world.add_argument(
        "--print-config", action="store_true", help="print a cockpit config for the world"
    )
    world.add_argument(
        "--ci",
        choices=("github", "gitlab", "jenkins"),
        default=None,
        help="build every line on this CI system (svc-NNN lines; benchmarks)",
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


def _db_commands(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
    config: argparse.ArgumentParser,
    json: argparse.ArgumentParser,
) -> None:
    db = sub.add_parser(
        "db", help="the cockpit's store (SQLite or a team's PostgreSQL): migrate, copy, check"
    )
    db.set_defaults(demo=False)
    verbs = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    verbs.add_parser(
        "migrate",
        parents=[config, json],
        help="create or upgrade the schema (on PostgreSQL, as the database's owner)",
    )
    copy = verbs.add_parser(
        "copy",
        parents=[config, json],
        help="copy a SQLite history, audit log and ticks into a PostgreSQL database",
    )
    copy.add_argument("--to", required=True, metavar="URL", help="postgresql://user@host/db")
    copy.add_argument(
        "--from",
        dest="source",
        default=None,
        metavar="PATH",
        help="the SQLite file (default: configured)",
    )
    copy.add_argument(
        "--password-env", default=None, metavar="NAME", help="variable holding the password"
    )
    copy.add_argument("--password-file", default=None, metavar="PATH", help="file holding it")
    verbs.add_parser(
        "check",
        parents=[config, json],
        help="schema version, integrity, the audit hash chain, grants; and what to do",
    )
