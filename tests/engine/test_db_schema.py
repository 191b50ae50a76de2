"""The team role's rights follow the schema, and the README grants exactly them."""

from __future__ import annotations

import re
from pathlib import Path

from release_cockpit.engine.db_schema import MIGRATIONS, team_rights

README = Path(__file__).resolve().parents[2] / "README.md"


def grant_statements(role: str, database: str) -> str:
    """The owner's SQL that gives ``role`` exactly ``team_rights``, as the README shows it."""
    by_rights: dict[tuple[str, ...], list[str]] = {}
    for table, rights in team_rights().items():
        by_rights.setdefault(rights, []).append(table)
    lines = [
        f"GRANT CONNECT ON DATABASE {database} TO {role};",
        f"GRANT USAGE ON SCHEMA public TO {role};",
    ]
    for rights, tables in sorted(by_rights.items(), key=lambda item: len(item[0])):
        lines.append(f"GRANT {', '.join(rights)} ON {', '.join(sorted(tables))} TO {role};")
    return "\n".join(lines)


def _statements(sql: str) -> list[str]:
    text = re.sub(r"--.*", "", sql)
    return [" ".join(s.split()) for s in text.split(";") if s.strip()]


def test_every_table_the_migrations_create_has_rights_for_the_cockpit_role() -> None:
    created = {
        table
        for migration in MIGRATIONS
        for table in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", migration.sql)
    }
    rights = team_rights()
    assert created <= set(rights)
    assert "answers" in rights  # regression: version 4's table was missing from the grants
    assert rights["audit_records"] == ("SELECT", "INSERT")  # append-only


def test_the_readme_grants_are_the_ones_the_schema_needs() -> None:
    block = README.read_text(encoding="utf-8").split("```sql\n", 1)[1].split("```", 1)[0]
    grants = [s for s in _statements(block) if s.startswith("GRANT")]
    assert grants == _statements(grant_statements("cockpit", "cockpit"))
