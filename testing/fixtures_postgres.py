"""pytest fixtures: a real PostgreSQL server per test process (session), a fresh database
per test. Registered in tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testing.postgres import PostgresServer, run_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    with run_postgres() as server:
        yield server


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)
