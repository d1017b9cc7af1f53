"""Batch figures kept in the warehouse: ``batch_runs``.

A run that hands its batches to a work pool does not get their results back
through memory: the worker that loads a batch records the batch's figures
here, and the planning run reads them when the batch's flow run has finished.
The row is written in the same transaction as the batch's pages
(:class:`BatchMark`), so a worker killed at any moment leaves either both or
neither: a batch run again after its worker died finds its pages still to
load, never loaded but unrecorded (which it would count as unchanged). A
batch loaded twice (submitted again while its first run was slow, not lost)
keeps its first row: the repeat found the pages already loaded and would
count them as unchanged.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from warehouse.connection import exists, retry_conflicts, transaction, writer
from warehouse.records import LoadResult


@dataclass(frozen=True)
class BatchMark:
    """Which batch a load is, and how its figures follow from what the load did.

    Given to :func:`warehouse.load_pages`, the batch's row in ``batch_runs`` is
    written in the load's own transaction. ``figures`` turns the load's result
    into the JSON-able counts kept (:func:`read_batch` returns them).
    """

    run_id: str
    source: str
    batch_no: int
    pages: int
    figures: Callable[[LoadResult], Mapping[str, Any]]
    flow_run_id: str | None = None


def write_batch_row(con: duckdb.DuckDBPyConnection, mark: BatchMark, outcome: Mapping[str, Any]) -> None:
    """The batch's row, unless it has one already, through ``con`` (inside the caller's transaction)."""
    key = [mark.run_id, mark.source, mark.batch_no]
    if con.execute(
        "SELECT 1 FROM batch_runs WHERE run_id = ? AND source = ? AND batch_no = ?", key
    ).fetchone():
        return  # an earlier attempt loaded this batch and counted what it did
    con.execute(
        "INSERT INTO batch_runs (run_id, source, batch_no, pages, outcome, flow_run_id, worker,"
        " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            *key, mark.pages, json.dumps(dict(outcome), default=list), mark.flow_run_id,
            f"{socket.gethostname()} pid={os.getpid()} ppid={os.getppid()}", datetime.now(),
        ],
    )  # fmt: skip


@retry_conflicts
def record_batch(db_path: str, mark: BatchMark, outcome: Mapping[str, Any]) -> None:
    """Store one batch's figures on their own (a batch that loaded no page); a repeat keeps the first."""
    with writer(db_path) as con, transaction(con):
        write_batch_row(con, mark, outcome)


def read_batch(db_path: str, run_id: str, source: str, batch_no: int) -> dict[str, Any] | None:
    """The figures a worker recorded for one batch, or None if no worker has finished it."""
    if not exists(db_path):
        return None
    with writer(db_path) as con:
        row = con.execute(
            "SELECT outcome FROM batch_runs WHERE run_id = ? AND source = ? AND batch_no = ?",
            [run_id, source, batch_no],
        ).fetchone()
    if row is None:
        return None
    value = json.loads(row[0]) if isinstance(row[0], str) else row[0]
    return dict(value)
