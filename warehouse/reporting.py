"""Reading the report's figures: the trend views and the newest current events, in one snapshot.

The figures are the rows of the trend views, as ``SELECT *`` returns them, so
the report equals the views by construction; only ``since`` narrows them, by
their own month or week column, or (a view without one) through the table
macro the view is defined by (``trend_top_actors`` is
``top_actors_since(NULL)``). The events table and its count are narrowed the
same way, by the date each event was first reported, so every part of a
report from ``since`` covers the same stretch of time. Everything is read through
:func:`warehouse.reader` (the published file, read-only): a running load never
blocks the report and the report never blocks a load, and one connection
means every figure comes from the same published file.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from warehouse import reader
from warehouse.connection import exists
from warehouse.errors import WarehouseError
from warehouse.location import display_name

if TYPE_CHECKING:
    import duckdb

EVENT_LIMIT = 50
# Views with no month or week column, and the table macro that gives their rows from a start date.
SINCE_MACROS = {"trend_top_actors": "top_actors_since"}


@dataclass(frozen=True, slots=True)
class ViewRows:
    """The rows of one trend view, as the view returns them."""

    view: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row, strict=True)) for row in self.rows]


@dataclass(frozen=True, slots=True)
class EventRow:
    """One current event, as the events table shows it."""

    first_seen_at: datetime
    event_date: date
    fact_type: str
    actor: str | None
    amount: float | None
    currency: str | None
    amount_usd: float | None
    target_country: str | None
    jurisdiction: str | None
    mentions: int
    evidence_url: str | None
    evidence: str
    language: str | None = None  # of the article the evidence sentence comes from


@dataclass(frozen=True, slots=True)
class ReportData:
    """All the page shows; ``db_name`` is the file name only, so a mailed report leaks no local path."""

    views: dict[str, ViewRows]
    events: tuple[EventRow, ...]
    current_events: int
    since: date | None
    db_name: str


def since_key(period: str, since: date) -> str:
    """The first ``month`` (``YYYY-MM``) or ``week`` (its Monday) a report from ``since`` keeps."""
    if period == "month":
        return since.strftime("%Y-%m")
    return (since - timedelta(days=since.weekday())).isoformat()  # DuckDB's week starts on Monday


_EVENTS = """
SELECT e.first_seen_at, e.event_date, e.fact_type, e.actor, e.amount, e.currency, e.amount_usd,
       e.target_country, e.jurisdiction, e.mention_count, e.evidence_url, e.evidence, a.language
FROM events AS e
LEFT JOIN facts AS f ON f.fact_id = e.representative_fact_id
LEFT JOIN articles AS a ON a.article_id = f.article_id
WHERE e.is_current AND ($since IS NULL OR e.event_date >= CAST($since AS DATE))
ORDER BY e.first_seen_at DESC, e.mention_count DESC, e.event_date DESC, e.event_id
LIMIT $limit
"""
_COUNT = """
SELECT count(*) FROM events WHERE is_current AND ($since IS NULL OR event_date >= CAST($since AS DATE))
"""


def read_view(con: duckdb.DuckDBPyConnection, view: str, period: str | None, since: date | None) -> ViewRows:
    """``SELECT *`` from one trend view; with ``since``, from the month or week that contains it on
    (a view without either: its rows over the events first reported from ``since`` on)."""
    sql, params = f'SELECT * FROM "{view}"', []
    if since is not None and period is not None:
        sql += f' WHERE "{period}" >= ?'
        params.append(since_key(period, since))
    elif since is not None and view in SINCE_MACROS:
        macro = SINCE_MACROS[view]
        found = con.execute(
            "SELECT count(*) FROM duckdb_functions() WHERE function_name = ?", [macro]
        ).fetchone()
        if not found or not found[0]:
            raise WarehouseError(
                f"this database predates {macro}(), which a report from a start date needs: run"
                " `newsfacts ingest` (or `make demo` for the demo database) once to bring it up to date,"
                " or leave out --since"
            )
        sql, params = f'SELECT * FROM "{macro}"(?)', [since.isoformat()]
    result = con.execute(sql, params)
    columns = tuple(d[0] for d in result.description or [])
    return ViewRows(view, columns, tuple(tuple(row) for row in result.fetchall()))


def read_report(
    db_path: str, views: Mapping[str, str | None], *, since: date | None = None, limit: int = EVENT_LIMIT
) -> ReportData:
    """``views`` (name to its period column, or None) and the newest ``limit`` current events."""
    if not exists(db_path):
        raise FileNotFoundError(f"no published database at {db_path} (run `newsfacts ingest` or `make demo`)")
    with reader(db_path) as con:
        rows = {view: read_view(con, view, period, since) for view, period in views.items()}
        params = {"since": since, "limit": limit}
        events = tuple(EventRow(*row) for row in con.execute(_EVENTS, params).fetchall())
        current = con.execute(_COUNT, {"since": since}).fetchone()
    return ReportData(rows, events, int(current[0]) if current else 0, since, display_name(db_path))
