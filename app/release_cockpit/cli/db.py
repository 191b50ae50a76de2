"""`release-cockpit db migrate | copy --to URL | check`, and `audit verify`.

The store is the one the config and environment name (``[cockpit] database``,
``$RELEASE_COCKPIT_DB``): a SQLite file or a team's PostgreSQL database. ``migrate`` needs
the owner's rights on PostgreSQL (the cockpits' own role has fewer: README, grants);
``check`` and ``audit verify`` only read.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from rich.console import Console
from rich.text import Text

from release_cockpit.cli.common import EXIT_FAILING, EXIT_OK, EXIT_UNKNOWN, database_path
from release_cockpit.errors import CockpitError


def _print(document: dict[str, object]) -> None:
    sys.stdout.write(json.dumps(document, indent=2) + "\n")


def cmd_db(args: argparse.Namespace) -> int:
    commands = {"migrate": _migrate, "copy": _copy, "check": _check}
    return commands[args.db_command](args)


def _migrate(args: argparse.Namespace) -> int:
    from release_cockpit.engine.db_schema import VERSION
    from release_cockpit.engine.postgres_file import PostgresFile
    from release_cockpit.engine.sqlite_file import SqliteFile

    target = database_path(args)
    store = (
        SqliteFile(target, "cockpit")
        if isinstance(target, Path)
        else PostgresFile(target, "cockpit")
    )
    try:
        version = store.schema_version
    finally:
        store.close()
    where = store.where
    if args.json:
        _print({"database": where, "schema_version": version, "current": version == VERSION})
    else:
        Console().print(Text(f"{where}: schema version {version} (current: {VERSION})"))
    return EXIT_OK


def _copy(args: argparse.Namespace) -> int:
    from release_cockpit.config.schema import CockpitSettings
    from release_cockpit.engine.database import database_password, postgres_target
    from release_cockpit.engine.store_copy import copy_store

    source = Path(args.source).expanduser() if args.source else database_path(args)
    if not isinstance(source, Path):
        raise CockpitError(
            f"the configured store is already PostgreSQL ({source.shown})",
            title="Nothing to copy from",
            hint="name the SQLite file to copy with --from PATH",
        )
    if not source.is_file():
        raise CockpitError(
            f"no SQLite database at {source}",
            title="Nothing to copy from",
            hint="name the file with --from PATH (default: the configured one)",
        )
    settings = CockpitSettings(
        database_password_env=args.password_env or "",
        database_password_file=Path(args.password_file).expanduser()
        if args.password_file
        else None,
    )
    target = postgres_target(args.to, "--to", database_password(settings, os.environ))
    report = copy_store(source, target)
    if args.json:
        _print(report.to_json())
    else:
        console = Console()
        console.print(
            Text(
                f"Copied {source} into {report.destination}: {report.releases} releases, "
                f"{report.events} timeline events, {report.ticks} checklist ticks, "
                f"{report.audit_copied} audit records ({report.audit_skipped} already there)."
            )
        )
        if not report.source_chain_intact:
            console.print(Text("The source's audit chain was broken:", style="bold red"))
            for problem in report.source_chain_problems:
                console.print(Text(f"  {problem}"))
    return EXIT_OK if report.source_chain_intact else EXIT_FAILING


def _check(args: argparse.Namespace) -> int:
    from release_cockpit.engine.store_check import check_store

    report = check_store(database_path(args))
    if args.json:
        _print(report.to_json())
    else:
        console = Console()
        console.print(Text(f"Database: {report.where}", style="bold"))
        for finding in report.findings:
            mark = Text("ok  ", style="green") if finding.ok else Text("FAIL", style="bold red")
            console.print(Text.assemble(mark, f" {finding.what}: ", finding.text))
            if finding.todo:
                console.print(Text(f"      next: {finding.todo}"))
        if report.head:
            console.print(Text(f"Audit head: {report.head} (keep it to detect a rewritten tail)"))
    if report.ok:
        return EXIT_OK
    unreachable = any(f.what == "connection" for f in report.findings)
    return EXIT_UNKNOWN if unreachable else EXIT_FAILING


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """Walk the audit log's hash chain: exit 0 when intact, 4 when a record was edited or
    deleted."""
    from release_cockpit.engine.database import open_database

    database = open_database(database_path(args))
    try:
        if database.audit is None:
            assert database.error is not None
            raise database.error
        report = database.audit.verify()
    finally:
        database.close()
    if args.json:
        _print(
            {
                "database": str(database.path),
                "records": report.records,
                "intact": report.intact,
                "head": report.head,
                "problems": report.problems,
                "gaps": report.gaps,
            }
        )
    else:
        console = Console()
        if report.intact:
            console.print(Text(f"{database.path}: {report.records} audit records, chain intact."))
        else:
            console.print(
                Text(
                    f"{database.path}: {len(report.problems)} of {report.records} audit "
                    "records fail verification:",
                    style="bold red",
                )
            )
            for problem in report.problems:
                console.print(Text(f"  {problem}"))
        for gap in report.gaps:
            console.print(Text(f"  note: {gap} (deleted, or a write that failed)"))
        console.print(Text(f"Head: {report.head}"))
    return EXIT_OK if report.intact else EXIT_FAILING
