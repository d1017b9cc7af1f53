"""The DuckDB warehouse: migrations, idempotent batch loads, named trend queries.

Nothing else in the project opens DuckDB. Functions take a location (a
database file path, or a DuckLake lake: :mod:`warehouse.location`), not a
connection, so callers (Prefect tasks on any worker) pass plain strings and
every write is a short transaction that releases the file for readers.
"""

from warehouse.archive import body_hash
from warehouse.batches import BatchMark, read_batch, record_batch
from warehouse.connection import (
    check_database,
    maintain,
    open_connection,
    publish,
    reader,
    run_lock,
    work_path,
    writer,
)
from warehouse.errors import (
    BadLocation,
    DatabaseUnusable,
    MigrationError,
    UnknownTrend,
    WarehouseBusy,
    WarehouseError,
)
from warehouse.events import new_events, rebuild_events, refresh_events
from warehouse.load import load_pages, load_records
from warehouse.location import Location, is_lake, parse_location
from warehouse.migrations import apply_migrations
from warehouse.records import LoadResult, PageRecord, article_id_for
from warehouse.runs import (
    KnownPage,
    SourceRunStats,
    finish_run,
    known_pages,
    recent_source_runs,
    record_source_run,
    register_sources,
    set_source_enabled,
    source_health,
    start_run,
)
from warehouse.transfer import migrate_to
from warehouse.trends import TrendTable, list_trends, query_trend

__all__ = [
    "BadLocation",
    "BatchMark",
    "DatabaseUnusable",
    "KnownPage",
    "LoadResult",
    "Location",
    "MigrationError",
    "PageRecord",
    "SourceRunStats",
    "TrendTable",
    "UnknownTrend",
    "WarehouseBusy",
    "WarehouseError",
    "apply_migrations",
    "article_id_for",
    "body_hash",
    "check_database",
    "finish_run",
    "is_lake",
    "known_pages",
    "list_trends",
    "load_pages",
    "load_records",
    "maintain",
    "migrate_to",
    "new_events",
    "open_connection",
    "parse_location",
    "publish",
    "query_trend",
    "read_batch",
    "reader",
    "rebuild_events",
    "recent_source_runs",
    "record_batch",
    "record_source_run",
    "refresh_events",
    "register_sources",
    "run_lock",
    "set_source_enabled",
    "source_health",
    "start_run",
    "work_path",
    "writer",
]
