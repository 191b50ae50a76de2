"""The cockpit database's schema, as numbered migrations (SQLite's ``PRAGMA user_version``).

One schema for the whole file: the audit log, checklist ticks, release history and
timelines share ``cockpit.db``, and ``user_version`` is per file, so every store applies
the same list. Migration N takes a database at version N-1 to N; each runs in one
transaction. Version 0 is any file made before versions existed: its tables were made by
``CREATE TABLE IF NOT EXISTS`` statements equal to migration 1, so 1 is a no-op for it.

Never edit a migration that has shipped: add the next one.
"""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    # 1: the tables as first shipped.
    """
    CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        duration_ms REAL,
        user TEXT NOT NULL,
        host TEXT NOT NULL,
        pid INTEGER NOT NULL,
        release_key TEXT NOT NULL,
        release_id TEXT NOT NULL,
        service TEXT NOT NULL,
        environment TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        parameters TEXT NOT NULL DEFAULT '{}',
        outcome TEXT,
        detail TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        requests TEXT NOT NULL DEFAULT '[]'
    );
    CREATE INDEX IF NOT EXISTS audit_release ON audit (release_key, started_at);
    CREATE TABLE IF NOT EXISTS checklist_ticks (
        release_key TEXT NOT NULL,
        version TEXT NOT NULL,
        item TEXT NOT NULL,
        ticked INTEGER NOT NULL,
        by TEXT NOT NULL,
        at TEXT NOT NULL,
        PRIMARY KEY (release_key, version, item)
    );
    CREATE TABLE IF NOT EXISTS releases (
        key TEXT NOT NULL,
        version TEXT NOT NULL,
        service TEXT NOT NULL,
        team TEXT NOT NULL,
        environment TEXT NOT NULL,
        production INTEGER NOT NULL,
        source TEXT NOT NULL,
        started_at TEXT,
        first_commit_at TEXT,
        deployed_at TEXT,
        finished_at TEXT,
        outcome TEXT NOT NULL,
        failed_at TEXT,
        restored_at TEXT,
        PRIMARY KEY (key, version)
    );
    CREATE INDEX IF NOT EXISTS releases_started ON releases (started_at);
    CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT NOT NULL,
        version TEXT NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        title TEXT NOT NULL,
        detail TEXT NOT NULL,
        who TEXT NOT NULL
    );
    CREATE INDEX IF NOT EXISTS events_release ON events (key, version, at);
    """,
    # 2: timeline events are idempotent per release and cause, so a restarted cockpit, or
    # two cockpits on one file, record each change once. Older rows get a unique cause.
    """
    ALTER TABLE events ADD COLUMN cause TEXT;
    UPDATE events SET cause = 'legacy:' || id WHERE cause IS NULL;
    CREATE UNIQUE INDEX IF NOT EXISTS events_cause ON events (key, version, cause);
    """,
    # 3: the release's human side and its batch size. One answer per person per release
    # (confidence and friction, 1-5, either may be skipped); the change set's size on the
    # release, for the batch size table. Plain SQL both SQLite and PostgreSQL run.
    """
    CREATE TABLE IF NOT EXISTS answers (
        key TEXT NOT NULL,
        version TEXT NOT NULL,
        who TEXT NOT NULL,
        at TEXT NOT NULL,
        moment TEXT NOT NULL,
        confidence INTEGER,
        friction INTEGER,
        note TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (key, version, who)
    );
    ALTER TABLE releases ADD COLUMN commits INTEGER;
    ALTER TABLE releases ADD COLUMN pull_requests INTEGER;
    """,
)

VERSION = len(MIGRATIONS)
"""The schema version this cockpit writes."""
