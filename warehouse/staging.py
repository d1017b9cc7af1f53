"""Bulk staging: Python rows into a DuckDB table in one statement, not one per row.

DuckDB 1.5.5's Python client has no appender, ``executemany`` runs one INSERT
per row (about 1,000 rows/s), a Python list passed as a parameter is
converted value by value (about 18,000 values/s), and a registered NumPy
object array tries ``import pandas`` for every value when pandas is absent.
What is fast is text: each column travels as one JSON array (Python's C
encoder), which DuckDB parses and casts to the column's type in the INSERT,
``unnest``-ing the columns side by side (about 250,000 eight-column rows/s;
``bench/warehouse.py`` measures it against ``executemany``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    raise TypeError(f"cannot stage a {type(value).__name__} value")


def _finite(value: Any) -> Any:
    return None if isinstance(value, float) and not math.isfinite(value) else value


def column_types(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    """``(name, type)`` of a table's columns, in order."""
    rows = con.execute(f"DESCRIBE {table}").fetchall()
    return [(str(row[0]), str(row[1])) for row in rows]


def insert_rows(
    con: duckdb.DuckDBPyConnection,
    table: str,
    rows: Sequence[Sequence[Any]],
    columns: Sequence[tuple[str, str]] | None = None,
) -> None:
    """Insert ``rows`` (tuples in the order of ``columns``, by default all the table's) into ``table``."""
    if not rows:
        return
    columns = list(columns) if columns is not None else column_types(con, table)
    params = {}
    for i, (_, sql_type) in enumerate(columns):
        values = [row[i] for row in rows]
        if sql_type.upper() in ("DOUBLE", "FLOAT", "REAL"):  # NaN is no JSON: stored as NULL
            values = [_finite(v) for v in values]
        params[f"c{i}"] = json.dumps(values, default=_encode, ensure_ascii=False)
    select = ", ".join(f"unnest(CAST(CAST($c{i} AS JSON) AS {t}[]))" for i, (_, t) in enumerate(columns))
    names = ", ".join(f'"{name}"' for name, _ in columns)
    con.execute(f"INSERT INTO {table} ({names}) SELECT {select}", params)
