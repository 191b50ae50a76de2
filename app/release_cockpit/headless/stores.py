"""Opening the cockpit's database for a command: the audit log and the release history.

Both live in one SQLite file (``choose_database``). A file that cannot be opened is not
fatal for the TUI: it still shows every release, refuses actions (nothing is sent without
an audit record) and records no history, and says why at start-up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from release_cockpit.config.schema import Config
from release_cockpit.engine.audit_log import AuditLog, choose_database, default_database
from release_cockpit.engine.history_store import HistoryStore
from release_cockpit.engine.sqlite_file import StoreError


@dataclass(slots=True)
class Stores:
    audit: AuditLog | None
    history: HistoryStore | None
    error: StoreError | None

    def close(self) -> None:
        if self.audit is not None:
            self.audit.close()
        if self.history is not None:
            self.history.close()


def open_stores(config: Config, env: Mapping[str, str], *, demo: bool = False) -> Stores:
    """Open both stores and prune history past its retention; errors are kept, not raised.

    The demo's own database starts empty at every start: the simulated world replays the
    same versions each time, and mixing sessions would make its history wrong. It stays
    after exit, so `audit --demo`, `dora --demo` and `export --demo` read the last session.
    """
    path = choose_database(config.cockpit.database, env, demo)
    if demo and path == default_database(demo=True):
        for suffix in ("", "-wal", "-shm"):
            path.with_name(path.name + suffix).unlink(missing_ok=True)
    try:
        audit = AuditLog(path)
    except StoreError as exc:
        return Stores(None, None, exc)
    try:
        history = HistoryStore(path, retention=config.cockpit.history_retention)
        history.prune(datetime.now(UTC))
    except StoreError as exc:
        return Stores(audit, None, exc)
    return Stores(audit, history, None)
