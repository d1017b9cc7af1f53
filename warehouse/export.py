"""Export every table and trend view to Parquet or CSV, for sharing outside DuckDB.

Parquet keeps types (dates, lists, doubles) and is small; CSV is for the
spreadsheet and the analyst who wants to read a file without a library. A CSV
file has a header row, is UTF-8, and writes list columns (``topics``,
``authors``, ``sources``) as DuckDB prints them, ``[a, b]``.
"""

from __future__ import annotations

import logging
from pathlib import Path

from warehouse.connection import reader
from warehouse.sql import literal as sql_literal
from warehouse.trends import trend_views

log = logging.getLogger(__name__)

# Raw page bytes stay in the warehouse: large, and third-party content.
EXPORTED_TABLES = (
    "sources",
    "runs",
    "source_runs",
    "articles",
    "facts",
    "events",
    "fact_mentions",
    "warc_files",
)
PAGE_COLUMNS = (
    "url, source, final_url, status, http_status, reason, detail, content_type, charset, fetched_at"
)
# Each format's file suffix and DuckDB COPY options.
FORMATS = {
    "parquet": ("parquet", "FORMAT parquet, COMPRESSION zstd"),
    "csv": ("csv", "FORMAT csv, HEADER true, DELIMITER ','"),
}


def export_tables(db_path: str, out_dir: str | Path, *, file_format: str = "parquet") -> list[Path]:
    """Write ``<name>.<format>`` for each table and ``trend_*`` view; returns the files."""
    if file_format not in FORMATS:
        raise ValueError(f"unknown export format {file_format!r}; known: {', '.join(FORMATS)}")
    suffix, options = FORMATS[file_format]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with reader(db_path) as con:
        views = [name for name, _ in trend_views(con)]
        queries = {name: f"SELECT * FROM {name}" for name in EXPORTED_TABLES}
        queries["pages"] = f"SELECT {PAGE_COLUMNS} FROM pages"
        queries.update({name: f"SELECT * FROM {name}" for name in views})
        for name, query in queries.items():
            target = out / f"{name}.{suffix}"
            con.execute(f"COPY ({query}) TO {sql_literal(str(target))} ({options})")
            written.append(target)
            log.info("exported %s", target)
    return written


def export_parquet(db_path: str, out_dir: str | Path) -> list[Path]:
    """Write ``<name>.parquet`` for each table and ``trend_*`` view; returns the files."""
    return export_tables(db_path, out_dir, file_format="parquet")
