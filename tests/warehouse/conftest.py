"""A warehouse with every migration applied, for each test: in-memory DuckDB and a DuckLake lake.

Tests that take ``con`` run twice: on an in-memory database and on a
connection to a new lake (PostgreSQL catalog, local data folder), so the
loader's contract is checked on both engines. ``memory_con`` is the
in-memory one alone (the event rebuild's many cases; on a lake it runs in
``test_lake.py``).
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from warehouse import apply_migrations, writer


@pytest.fixture
def memory_con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    apply_migrations(connection)
    yield connection
    connection.close()


@pytest.fixture(params=["memory", "lake"])
def con(request: pytest.FixtureRequest) -> Iterator[duckdb.DuckDBPyConnection]:
    if request.param == "lake":
        with writer(request.getfixturevalue("lake_location")) as cursor:
            yield cursor
    else:
        yield request.getfixturevalue("memory_con")
