"""An in-memory warehouse with every migration applied, for each test."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from warehouse import apply_migrations


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect(":memory:")
    apply_migrations(connection)
    yield connection
    connection.close()
