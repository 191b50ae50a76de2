"""`[cockpit] database` takes a file or a PostgreSQL URL; a URL with a password, a bad
port or sslmode is a problem naming the key and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from release_cockpit.config import parse_config
from release_cockpit.engine.database import choose_database
from release_cockpit.engine.postgres_file import PostgresTarget
from release_cockpit.engine.sqlite_file import StoreError
from release_cockpit.errors import ConfigError


def cockpit(lines: str) -> str:
    return f"[cockpit]\n{lines}\n"


def test_a_url_is_kept_with_its_password_source():
    config = parse_config(
        cockpit(
            'database = "postgresql://cockpit@db.example.com/cockpit?sslmode=verify-full"\n'
            'database_password_env = "COCKPIT_DB_PASSWORD"'
        ),
        "c.toml",
    )
    assert config.cockpit.database is None
    assert config.cockpit.database_url.startswith("postgresql://cockpit@db.example.com")
    target = choose_database(None, {"COCKPIT_DB_PASSWORD": "s3"}, cockpit=config.cockpit)
    assert isinstance(target, PostgresTarget)
    assert target.password == "s3"
    assert "s3" not in repr(target)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgresql://cockpit:hunter2@db/cockpit", "holds a password"),
        ("postgresql://db:99999/cockpit", "Port out of range"),
        ("postgresql://db/cockpit?sslmode=sometimes", "sslmode=sometimes"),
        ("postgresql://[::1/cockpit", "not a valid URL"),
    ],
)
def test_a_bad_url_names_the_key_line_and_fix(url, words):
    with pytest.raises(ConfigError) as bad:
        parse_config(cockpit(f'database = "{url}"'), "c.toml")
    [problem] = bad.value.problems
    assert (problem.key, problem.line) == ("cockpit.database", 2)
    assert words in problem.message
    assert problem.hint
    assert "hunter2" not in problem.render()


def test_an_unset_password_variable_is_a_clear_error():
    config = parse_config(
        cockpit('database = "postgresql://c@db/x"\ndatabase_password_env = "NOPE_PW"'), "c.toml"
    )
    with pytest.raises(StoreError) as missing:
        choose_database(None, {}, cockpit=config.cockpit)
    assert "NOPE_PW" in missing.value.message


def test_the_environment_may_name_a_url_or_a_file(tmp_path: Path):
    assert isinstance(
        choose_database(None, {"RELEASE_COCKPIT_DB": "postgres://c@db/x"}), PostgresTarget
    )
    assert (
        choose_database(None, {"RELEASE_COCKPIT_DB": str(tmp_path / "a.db")}) == tmp_path / "a.db"
    )
