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
    from release_cockpit.engine.history_store import HistoryStore
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
    from release_cockpit.domain.insights import insights
    from release_cockpit.headless.dora_report import dora_document, dora_figures, print_dora

    year = args.year or DEFAULT_YEAR
    if args.demo:
        ensure_demo_history()
    database = open_history(args)
    try:
        assert database.history is not None  # open_history raised otherwise
        bundle = database.history.bundle()
    finally:
        database.close()
    now = datetime.now(UTC)
    figures = dora_figures(bundle.records, now, args.window, Group(args.by))
    found = insights(bundle, now, args.window, Group(args.by))
    if args.json:
        document = dora_document(database.path, figures, year, args.window, found)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        print_dora(figures, year, found=found, records=bundle.records)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from release_cockpit.headless.export import export_json, export_markdown

    if args.demo:
        ensure_demo_history()
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
        answers = store.answers(key=record.key, version=record.version)
    finally:
        database.close()
    if args.format == "json":
        document = export_json(record, events, audits, answers)
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        sys.stdout.write(export_markdown(record, events, audits, answers))
    return EXIT_OK


async def backfill(
    config: Config, path: StoreTarget, since: timedelta, *, demo: bool = False
) -> BackfillReport:
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
        report = await run_backfill(
            config, os.environ, database.history, since=now - since, now=now
        )
        if demo:
            await asyncio.to_thread(seed_demo_sessions, database.history)
        return report
    finally:
        await asyncio.to_thread(database.close)


def seed_demo_sessions(store: HistoryStore) -> int:
    """Add what the simulated team's earlier cockpit sessions recorded (stage times,
    change-set sizes, answers; ``release_cockpit_demo.past_sessions``) to the backfilled
    production releases that lack them. Idempotent: a second run adds nothing.

    Raises:
        StoreError: the history cannot be read or written.
    """
    from dataclasses import replace

    from release_cockpit.domain.history import TimelineEvent, TimelineKind
    from release_cockpit.domain.human import Answer, Moment
    from release_cockpit.domain.stages import StageName
    from release_cockpit_demo.past_sessions import past_session

    seeded = 0
    for record in store.records():
        if not record.production or record.source == "cockpit" or record.commits is not None:
            continue
        if record.started_at is None or not record.outcome.finished:
            continue
        ended = record.ended_at
        past = past_session(
            record.service,
            record.version,
            record.started_at.timestamp(),
            ended.timestamp() if ended else None,
            record.outcome.value,
        )

        def at(seconds: float) -> datetime:
            return datetime.fromtimestamp(seconds, UTC)

        events = []
        for stage in past.stages:
            title = StageName(stage.name).title
            for state, when in (("running", stage.start), (stage.state, stage.end)):
                cause = f"stage:{stage.name}:{state}:0"
                event = TimelineEvent(
                    at(when), TimelineKind.STAGE, f"{title} {state}", "", "", cause
                )
                events.append((record.key, record.version, event))
        for answer in past.answers:
            if answer.moment != "finished":
                title = answer.moment.replace("_", " ").title()
                moment = at(answer.at - 120)
                cause = f"action:{answer.moment}:sent:{int(moment.timestamp() * 1000)}"
                action = TimelineEvent(
                    moment, TimelineKind.ACTION, f"{title} sent", "", answer.who, cause
                )
                events.append((record.key, record.version, action))
        sized = replace(
            record,
            commits=past.commits,
            pull_requests=past.pull_requests,
            first_commit_at=record.first_commit_at or at(past.first_commit_at),
        )
        store.save([sized], events)
        for answer in past.answers:
            store.save_answer(
                Answer(
                    record.key,
                    record.version,
                    answer.who,
                    at(answer.at),
                    Moment(answer.moment),
                    answer.confidence,
                    answer.friction,
                    answer.note,
                )
            )
        seeded += 1
    return seeded


def ensure_demo_history() -> None:
    """`dora --demo` and `export --demo` on a machine where no demo ran yet: fill the demo
    database from the simulated world's past first (about a second), instead of saying
    there is no history."""
    from release_cockpit.engine.database import choose_database, open_database

    path = choose_database(None, os.environ, demo=True)
    database = open_database(path)
    try:
        empty = database.history is not None and not database.history.records()
    finally:
        database.close()
    if not empty:
        return
    with demo_world(None) as config:
        asyncio.run(backfill(config, path, timedelta(days=90), demo=True))


def demo_backfill(config: Config, path: StoreTarget) -> None:
    """Fill the demo's fresh history with the world's past month, beside the TUI's start.

    A thread with its own event loop and connection (SQLite WAL lets both write), so the
    first paint does not wait for it; the metrics screen shows the figures once it is done.
    """

    def fill() -> None:
        # A failed backfill leaves the demo without past history, nothing worse; an
        # exception escaping the thread would print over the TUI.
        with contextlib.suppress(Exception):
            asyncio.run(backfill(config, path, timedelta(days=90), demo=True))

    threading.Thread(target=fill, name="demo-backfill", daemon=True).start()


def cmd_backfill(args: argparse.Namespace) -> int:
    from release_cockpit.engine.database import choose_database
    from release_cockpit.headless.backfill import print_backfill

    if args.demo:
        with demo_world(None) as config:
            path = choose_database(None, os.environ, demo=True)
            report = asyncio.run(backfill(config, path, args.since, demo=True))
    else:
        config = config_of(args)
        path = choose_database(config.cockpit.database, os.environ, cockpit=config.cockpit)
        report = asyncio.run(backfill(config, path, args.since))
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), indent=2) + "\n")
    else:
        print_backfill(report)
    return report.exit_code
