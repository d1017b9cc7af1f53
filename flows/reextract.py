"""The ``reextract`` deployment's flow: :func:`ingest.reextract.reextract_pages` under the run lock."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger

from flows.monitoring import library_logs_at_info
from ingest.reextract import reextract_pages
from warehouse import run_lock

__all__ = ["reextract", "reextract_pages"]


@flow(
    name="reextract",
    flow_run_name=lambda: f"reextract-{date.today():%Y-%m-%d}",
    description="Re-run the extractors over stored pages.",
)
def reextract(
    db_path: str = "news.duckdb", everything: bool = False, batch_size: int = 200
) -> dict[str, Any]:
    """Re-extract stored pages whose articles another extractor version produced (no network).

    Args:
        db_path: DuckDB warehouse file.
        everything: re-extract every stored page, not only stale ones.
        batch_size: pages per transaction.
    """
    logger = get_run_logger()
    library_logs_at_info()
    with run_lock(db_path, wait_s=600):
        counts = reextract_pages(db_path, everything=everything, batch_size=batch_size)
    logger.info(
        "re-extracted %(pages)d pages: %(articles)d articles, %(facts)d facts, %(events)d events", counts
    )
    return counts
