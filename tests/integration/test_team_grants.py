"""The README's grants are enough for a cockpit, and leave its audit log append-only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from release_cockpit.domain.audit import Outcome
from release_cockpit.domain.history import ReleaseRecord
from release_cockpit.domain.human import Answer, Moment
from release_cockpit.engine.audit_log import ActionStart, AuditLog
from release_cockpit.engine.database import open_database
from release_cockpit.engine.postgres_file import PostgresFile, PostgresTarget
from release_cockpit.engine.sqlite_file import StoreError
from release_cockpit.engine.store_check import check_store
from tests.support.postgres_server import PASSWORD

pytestmark = [pytest.mark.integration]
README = Path(__file__).resolve().parents[2] / "README.md"
START = ActionStart("pay", "pay/prod@1", "pay", "prod", "abort", "rollout shop/pay", {})


def readme_grants() -> list[str]:
    text = README.read_text(encoding="utf-8")
    block = text.split("```sql\n", 1)[1].split("```", 1)[0]
    statements = [s.strip() for s in re.sub(r"--.*", "", block).split(";") if s.strip()]
    return [s.replace("PASSWORD '...'", f"PASSWORD '{PASSWORD}'") for s in statements]


def test_a_cockpit_role_with_the_readme_grants_works_and_cannot_edit_the_audit(postgres):
    import psycopg  # the postgres fixture skips (or fails under CI) without it

    database = postgres.create_database("grants")
    owner = PostgresTarget(postgres.url(database), PASSWORD)
    PostgresFile(owner, "migrate").close()  # `db migrate`, as the owner
    with postgres.connect(database) as conn:
        conn.execute("DROP ROLE IF EXISTS cockpit")
        for statement in readme_grants():
            conn.execute(statement.replace("DATABASE cockpit", f'DATABASE "{database}"').encode())
    role = PostgresTarget(postgres.url(database, user="cockpit"), PASSWORD)
    opened = open_database(role)
    try:
        assert opened.error is None, opened.error
        assert opened.audit is not None
        assert opened.history is not None
        assert opened.intents is not None
        record = opened.audit.start(START)
        opened.audit.finish(record, Outcome.SUCCEEDED)
        opened.history.save([ReleaseRecord("pay", "pay", "t", "prod", "1", datetime.now(UTC))])
        mine, _ = opened.intents.claim("t", "abort", "pay", timedelta(seconds=30))
        assert mine is not None
        opened.intents.release(mine)
        opened.history.save_answer(
            Answer("pay", "1", "alice", datetime.now(UTC), Moment.FINISHED, 4, 2, "")
        )
        assert opened.audit.verify().intact
        with (
            psycopg.connect(role.url, password=PASSWORD, autocommit=True) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege),
        ):
            conn.execute("UPDATE audit_records SET outcome = 'failed'")
        findings = {f.what: f.ok for f in check_store(role).findings}
        assert findings["grants"] is True
        assert findings["audit chain"] is True
        with postgres.connect(database) as conn:  # an upgrade added a table, not its grant
            conn.execute("REVOKE INSERT, UPDATE ON answers FROM cockpit")
        [grants] = [f for f in check_store(role).findings if f.what == "grants"]
        assert not grants.ok
        assert "lacks INSERT, UPDATE on answers" in grants.text
        assert "GRANT INSERT, UPDATE ON answers TO cockpit;" in grants.todo
    finally:
        opened.close()


def test_an_older_schema_and_a_role_that_cannot_migrate_is_a_clear_error(postgres):
    database = postgres.create_database("noschema")
    with postgres.connect(database) as conn:
        conn.execute(f"CREATE ROLE reader_{database[-6:]} LOGIN PASSWORD '{PASSWORD}'".encode())
    role = PostgresTarget(postgres.url(database, user=f"reader_{database[-6:]}"), PASSWORD)
    with pytest.raises(StoreError) as refused:
        AuditLog(role)
    assert "db migrate" in refused.value.hint
