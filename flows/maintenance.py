"""The ``lake-maintenance`` flow: :func:`warehouse.maintain` between runs, with its figures as an artifact."""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from flows.monitoring import library_logs_at_info
from ingest.config import default_warehouse
from warehouse import maintain

__all__ = ["lake_maintenance"]

WAIT_FOR_RUN_S = 3600.0  # a nightly run still loading is waited for, up to an hour


@flow(
    name="lake-maintenance",
    flow_run_name=lambda: f"maintain-{date.today():%Y-%m-%d}",
    description="Merge a lake's small files and expire its old snapshots, between runs.",
)
def lake_maintenance(warehouse: str | None = None, keep_days: int = 7) -> dict[str, Any]:
    """DuckLake's housekeeping on the warehouse, under the run lock (waits for a loading run).

    Args:
        warehouse: the lake (default: $NEWSFACTS_WAREHOUSE, else $NEWSFACTS_DB, else news.duckdb;
            a DuckDB file needs no maintenance and is left alone).
        keep_days: snapshots kept for time travel.
    """
    logger = get_run_logger()
    library_logs_at_info()
    location = warehouse or default_warehouse()
    done = maintain(location, keep_days=keep_days, wait_s=WAIT_FOR_RUN_S)
    if done is None:
        logger.info("%s is a DuckDB file: it needs no maintenance", location)
        return {"lake": False}
    figures = {
        "lake": True,
        "data_files_before": done.data_files_before,
        "data_files_after": done.data_files_after,
        "snapshots_before": done.snapshots_before,
        "snapshots_after": done.snapshots_after,
        "seconds": round(done.seconds, 1),
    }
    logger.info(
        "lake tidied in %(seconds).1f s: data files %(data_files_before)d -> %(data_files_after)d,"
        " snapshots %(snapshots_before)d -> %(snapshots_after)d",
        figures,
    )
    create_table_artifact(
        [
            {"what": "data files", "before": done.data_files_before, "after": done.data_files_after},
            {"what": "snapshots", "before": done.snapshots_before, "after": done.snapshots_after},
        ],
        key="lake-maintenance",
        description=f"Lake maintenance: snapshots older than {keep_days} days expired, small files merged",
    )
    return figures
