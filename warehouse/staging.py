"""Bulk staging: Python rows into a DuckDB table through column arrays, not one statement per row.

DuckDB 1.5.5's Python client has no appender, ``executemany`` runs one INSERT
per row (about 1,000 rows/s), and a list passed as a parameter is converted
value by value (about 18,000 values/s). What is fast is a scan of NumPy
arrays registered as a relation: numbers, booleans and timestamps as typed
arrays (NaN / NaT are NULL), text as object arrays (None is NULL). Each column
is built in the type DuckDB scans fastest and cast to the table's type in the
INSERT; lists travel as JSON text. Measured in ``bench/warehouse.py``.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import duckdb
import numpy as np

_counter = itertools.count()
_counter_lock = threading.Lock()


def _naive(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


def _float_array(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


def _time_array(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    def as_datetime(v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, datetime):
            return _naive(v)
        if isinstance(v, date):
            return datetime(v.year, v.month, v.day)
        return v

    return np.array([as_datetime(v) for v in values], dtype="datetime64[us]")


def _text_array(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    out = np.empty(len(values), dtype=object)
    out[:] = [None if v is None else str(v) for v in values]
    return out


def _list_array(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    out = np.empty(len(values), dtype=object)
    out[:] = [None if v is None else json.dumps(list(v)) for v in values]
    return out


def _column(sql_type: str) -> tuple[Callable[[Sequence[Any]], np.ndarray[Any, Any]], str]:
    """How to build one column's array, and the SQL that turns the scanned value into ``sql_type``."""
    upper = sql_type.upper()
    if upper.endswith("[]"):
        return _list_array, f"CAST(CAST({{col}} AS JSON) AS {sql_type})"
    if upper in ("DATE", "TIMESTAMP"):
        return _time_array, f"CAST({{col}} AS {sql_type})"
    if upper in ("DOUBLE", "FLOAT", "REAL", "BOOLEAN") or "INT" in upper:
        # exact for integers below 2**53: counts, offsets and HTTP statuses
        return _float_array, f"CAST({{col}} AS {sql_type})"
    return _text_array, f"CAST({{col}} AS {sql_type})"


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
    """Insert ``rows`` (tuples in the table's column order) into ``table`` in one statement."""
    if not rows:
        return
    columns = list(columns) if columns is not None else column_types(con, table)
    builders = [_column(sql_type) for _, sql_type in columns]
    arrays = {f"c{i}": build([row[i] for row in rows]) for i, (build, _) in enumerate(builders)}
    with _counter_lock:
        name = f"_newsfacts_rows_{next(_counter)}"
    con.register(name, arrays)
    try:
        select = ", ".join(cast.format(col=f"c{i}") for i, (_, cast) in enumerate(builders))
        names = ", ".join(f'"{col}"' for col, _ in columns)
        con.execute(f"INSERT INTO {table} ({names}) SELECT {select} FROM {name}")
    finally:
        con.unregister(name)
