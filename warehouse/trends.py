"""Named trend queries: the views whose names start with ``trend_``.

The views themselves are defined in migrations (SQL, with ``COMMENT ON``), so
an analyst sees the same names and descriptions in the ``duckdb`` CLI as
through ``newsfacts trends``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb

from warehouse.connection import reader
from warehouse.errors import UnknownTrend


@dataclass(frozen=True, slots=True)
class TrendTable:
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]


_TREND_VIEWS = (
    "SELECT view_name, COALESCE(comment, '') FROM duckdb_views()"
    " WHERE NOT internal AND starts_with(view_name, 'trend_') ORDER BY view_name"
)


def trend_views(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """``(name, description)`` of every trend view in an open database."""
    return [(str(name), str(comment)) for name, comment in con.execute(_TREND_VIEWS).fetchall()]


def list_trends(db_path: str) -> list[tuple[str, str]]:
    """``(name, description)`` of every trend view in the published database, by name."""
    with reader(db_path) as con:
        return trend_views(con)


def query_trend(db_path: str, name: str, *, limit: int | None = None) -> TrendTable:
    """All rows (or the first ``limit``) of one trend view."""
    known = {view for view, _ in list_trends(db_path)}
    if name not in known:
        raise UnknownTrend(
            f"no trend named {name!r}; known: {', '.join(sorted(known)) or 'none'}", db_path=db_path
        )
    sql = f'SELECT * FROM "{name}"' + (f" LIMIT {int(limit)}" if limit else "")
    with reader(db_path) as con:
        result = con.execute(sql)
        columns = tuple(d[0] for d in result.description or [])
        rows = tuple(tuple(row) for row in result.fetchall())
    return TrendTable(name=name, columns=columns, rows=rows)
