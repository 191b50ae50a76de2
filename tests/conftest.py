"""Fixtures every tier shares: the real PostgreSQL and a store on either engine."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from release_cockpit.engine.postgres_file import PostgresTarget
from release_cockpit.engine.store_file import StoreTarget
from tests.support.postgres_server import PASSWORD, PostgresServer, running_postgres
from tests.support.servers import unavailable


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL cluster per test process (each xdist worker starts its own)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        unavailable("psycopg (Python)", "pip install -e '.[test]'")
    with running_postgres() as server:
        yield server


@pytest.fixture
def pg_target(postgres: PostgresServer) -> PostgresTarget:
    """A fresh, empty database in the test cluster."""
    return PostgresTarget(postgres.url(postgres.create_database()), PASSWORD)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_target(request: pytest.FixtureRequest, tmp_path) -> StoreTarget:
    """Where a store test keeps its store: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "cockpit.db"
    return request.getfixturevalue("pg_target")
