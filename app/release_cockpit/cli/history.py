"""`audit`, `dora`, `export` and `backfill`: what the cockpit's database remembers.

These read (or, for backfill, fill) the database without a running TUI; the config is
optional for the readers and only says where the database is.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sys
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from release_cockpit.cli.common import EXIT_OK, config_of, demo_world, open_history
from release_cockpit.errors import CockpitError

if TYPE_CHECKING:
    from release_cockpit.config.schema import Config
    from release_cockpit.engine.store_file import StoreTarget
    from release_cockpit.headless.backfill import BackfillReport


def cmd_audit(args: argparse.Namespace) -> int:
    """Print the audit log (or, with ``verify``, check its hash chain)."""
    from release_cockpit.headless.audit_table import audit_document, print_audit

    if getattr(args, "verify", None) == "verify":
        from release_cockpit.cli.db import cmd_audit_verify

        return cmd_audit_verify(args)
    database = open_history(args)
    try:
        assert database.audit is not None  # open_history raised otherwise
        entries = database.audit.entries(limit=args.limit, release_key=args.release)
    finally:
        database.close()
    if args.json:
        sys.stdout.write(json.dumps(audit_document(database.path, entries), indent=2) + "\n")
    else:
        print_audit(database.path, entries, wide=args.wide)
    return EXIT_OK


def cmd_dora(args: argparse.Namespace) -> int:
    from release_cockpit.domain.dora import Group
    from release_cockpit.domain.dora_tiers import DEFAULT_YEAR
    from release_cockpit.headless.dora_report import dora_document, dora_figures, print_dora

    year = args.year or DEFAULT_YEAR
    database = open_history(args)
    try:
        assert database.history is not None  # open_history raised otherwise
        records = database.history.records()
    finally:
        database.close()
    figures = dora_figures(records, datetime.now(UTC), args.window, Group(args.by))
    if args.json:
        document = dora_document(database.path, figures, year, args.window)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        print_dora(figures, year)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from release_cockpit.headless.export import export_json, export_markdown

    database = open_history(args)
    try:
        store, audit = database.history, database.audit
        assert store is not None  # open_history raised otherwise
        assert audit is not None
        wanted = args.release
        key, _, version = wanted.partition("@")
        record = store.release(key, version or None)
        if record is None and "/" in wanted:
            record = next((r for r in store.records() if r.id == wanted), None)
        if record is None:
            hint = (
                "use the release line's KEY (as in the config), KEY@VERSION or the id "
                "shown on the panel (service/environment@version)"
            )
            if not args.demo:
                # The README's example runs after `release-cockpit demo`, whose history is
                # kept apart from real history: a pip user meets this first.
                hint = (
                    f"releases seen by `release-cockpit demo` are in the demo's history: "
                    f"add --demo (release-cockpit export {wanted} --demo); otherwise {hint}"
                )
            raise CockpitError(
                f"no release {wanted!r} in the history at {database.path}",
                title="Release not found",
                hint=hint,
            )
        events = store.events(record.key, record.version)
        audits = [e for e in audit.entries(limit=10_000) if e.release_id == record.id]
    finally:
        database.close()
    if args.format == "json":
        sys.stdout.write(json.dumps(export_json(record, events, audits), indent=2) + "\n")
    else:
        sys.stdout.write(export_markdown(record, events, audits))
    return EXIT_OK


async def backfill(config: Config, path: StoreTarget, since: timedelta) -> BackfillReport:
    """Import past deployments into the history at ``path``.

    Raises:
        StoreError: the database cannot be opened or written.
    """
    from release_cockpit.engine.database import open_database
    from release_cockpit.headless.backfill import run_backfill

    database = await asyncio.to_thread(open_database, path)
    try:
        if database.history is None:
            assert database.error is not None
            raise database.error
        now = datetime.now(UTC)
        return await run_backfill(config, os.environ, database.history, since=now - since, now=now)
    finally:
        await asyncio.to_thread(database.close)


def demo_backfill(config: Config, path: StoreTarget) -> None:
    """Fill the demo's fresh history with the world's past month, beside the TUI's start.

    A thread with its own event loop and connection (SQLite WAL lets both write), so the
    first paint does not wait for it; the metrics screen shows the figures once it is done.
    """

    def fill() -> None:
        # A failed backfill leaves the demo without past history, nothing worse; an
        # exception escaping the thread would print over the TUI.
        with contextlib.suppress(Exception):
            asyncio.run(backfill(config, path, timedelta(days=90)))

    threading.Thread(target=fill, name="demo-backfill", daemon=True).start()


def cmd_backfill(args: argparse.Namespace) -> int:
    from release_cockpit.engine.database import choose_database
    from release_cockpit.headless.backfill import print_backfill

    if args.demo:
        with demo_world(None) as config:
            path = choose_database(None, os.environ, demo=True)
            report = asyncio.run(backfill(config, path, args.since))
    else:
        config = config_of(args)
        path = choose_database(config.cockpit.database, os.environ, cockpit=config.cockpit)
        report = asyncio.run(backfill(config, path, args.since))
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        print_backfill(report)
    return report.exit_code
