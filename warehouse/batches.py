"""Batch figures kept in the warehouse: ``batch_runs``.

A run that hands its batches to a work pool does not get their results back
through memory: the worker that loads a batch records the batch's figures
here, and the planning run reads them when the batch's flow run has finished.
A batch loaded twice (its first worker died after the load) keeps one row,
the last.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from warehouse.connection import exists, retry_conflicts, transaction, writer


@retry_conflicts
def record_batch(
    db_path: str,
    run_id: str,
    source: str,
    batch_no: int,
    *,
    pages: int,
    outcome: Mapping[str, Any],
    flow_run_id: str | None = None,
) -> None:
    """Store one batch's figures (``outcome``: JSON-able counts); a repeat replaces the row."""
    with writer(db_path) as con, transaction(con):
        con.execute(
            "DELETE FROM batch_runs WHERE run_id = ? AND source = ? AND batch_no = ?",
            [run_id, source, batch_no],
        )
        con.execute(
            "INSERT INTO batch_runs (run_id, source, batch_no, pages, outcome, flow_run_id, worker,"
            " finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id, source, batch_no, pages, json.dumps(dict(outcome), default=list), flow_run_id,
                f"{socket.gethostname()} pid={os.getpid()} ppid={os.getppid()}", datetime.now(),
            ],
        )  # fmt: skip


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
