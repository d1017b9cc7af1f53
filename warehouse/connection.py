"""Opening the DuckDB file: storage format, lock waits, migrations.

DuckDB allows one writing process per file and, while it writes, no reader
at all. The pipeline therefore never holds a connection for a whole run: it
opens, writes one batch in one transaction, and closes (see ``load.py``), and
every opener here, reader or writer, retries for a bounded time while the
other side holds the lock.

New files are created in the v1.5.0 storage format so that the ``duckdb``
command-line client from the package registry (1.5.x) can open them; later
connections keep the format a file was created with.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from warehouse.errors import WarehouseBusy
from warehouse.migrations import apply_migrations

log = logging.getLogger(__name__)

STORAGE_VERSION = "v1.5.0"
DEFAULT_LOCK_WAIT_S = 30.0
_RETRY_SLEEP_S = 0.05
# One writer per file inside this process too: threads of one flow run take turns.
_write_locks: dict[str, threading.Lock] = {}
_write_locks_guard = threading.Lock()


def _write_lock(path: str) -> threading.Lock:
    with _write_locks_guard:
        return _write_locks.setdefault(path, threading.Lock())


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def _create_file(path: str) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{_sql_path(path)}' AS fresh (STORAGE_VERSION '{STORAGE_VERSION}')")
        con.execute("DETACH fresh")
    finally:
        con.close()


def _sql_path(path: str) -> str:
    return path.replace("'", "''")


def open_connection(
    path: str, *, read_only: bool = False, lock_wait_s: float = DEFAULT_LOCK_WAIT_S
) -> duckdb.DuckDBPyConnection:
    """Open ``path`` (``:memory:`` allowed), waiting up to ``lock_wait_s`` for a lock."""
    if path != ":memory:" and not read_only and not os.path.exists(path):
        _create_file(path)
    deadline = time.monotonic() + lock_wait_s
    while True:
        try:
            return duckdb.connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc) or time.monotonic() >= deadline:
                if _is_lock_conflict(exc):
                    raise WarehouseBusy(
                        f"{path} stayed locked by another process for {lock_wait_s:.0f}s",
                        db_path=path,
                    ) from exc
                raise
            time.sleep(_RETRY_SLEEP_S)


@contextmanager
def writer(path: str, *, lock_wait_s: float = DEFAULT_LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection with the schema migrated; closed on exit."""
    key = os.path.abspath(path) if path != ":memory:" else path
    with _write_lock(key):
        con = open_connection(path, lock_wait_s=lock_wait_s)
        try:
            apply_migrations(con)
            yield con
        finally:
            con.close()


@contextmanager
def reader(path: str, *, lock_wait_s: float = DEFAULT_LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection that waits for a writer's batch to finish."""
    con = open_connection(path, read_only=True, lock_wait_s=lock_wait_s)
    try:
        yield con
    finally:
        con.close()
