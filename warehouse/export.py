"""Export every table and trend view to Parquet, for sharing outside DuckDB."""

from __future__ import annotations

import logging
from pathlib import Path

from warehouse.connection import reader
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


def export_parquet(db_path: str, out_dir: str | Path) -> list[Path]:
    """Write ``<name>.parquet`` for each table and ``trend_*`` view; returns the files."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with reader(db_path) as con:
        views = [name for name, _ in trend_views(con)]
        queries = {name: f"SELECT * FROM {name}" for name in EXPORTED_TABLES}
        queries["pages"] = f"SELECT {PAGE_COLUMNS} FROM pages"
        queries.update({name: f"SELECT * FROM {name}" for name in views})
        for name, query in queries.items():
            target = out / f"{name}.parquet"
            literal = "'" + str(target).replace("'", "''") + "'"
            con.execute(f"COPY ({query}) TO {literal} (FORMAT parquet, COMPRESSION zstd)")
            written.append(target)
            log.info("exported %s", target)
    return written
