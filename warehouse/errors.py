"""Errors raised by the warehouse.

WarehouseError              anything the warehouse refuses or cannot do
 ├── WarehouseBusy          another process holds the write lock past the wait
 ├── DatabaseUnusable       the path is not a DuckDB database (another kind of file, a folder,
 │                          unreadable, or written by a newer DuckDB)
 ├── BadLocation            a warehouse location that is neither a file path nor a well-formed lake
 ├── MigrationError         a migration failed; nothing of it was applied
 └── UnknownTrend           a trend name that is not defined

DuckDB's own errors are translated where a file is opened
(:mod:`warehouse.connection`), with ``raise … from``: callers meet this tree
only, with the path the user gave.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class WarehouseError(Exception):
    """Base class; carries the database path where it helps."""

    def __init__(self, message: str, *, db_path: str | None = None) -> None:
        super().__init__(message)
        self.db_path = db_path


class WarehouseBusy(WarehouseError):
    pass


RUN_LOCK_POLL_S = 0.5


def take_run_lock(try_take: Callable[[], bool], db_path: str, wait_s: float) -> None:
    """Call ``try_take`` every half second until it takes the run lock; :class:`WarehouseBusy` once
    ``wait_s`` has passed. The file's ``flock`` and the lake's advisory lock both wait this way."""
    deadline = time.monotonic() + wait_s
    while not try_take():
        if time.monotonic() >= deadline:
            raise WarehouseBusy(
                f"another run is loading {db_path}; try again when it has finished", db_path=db_path
            )
        time.sleep(RUN_LOCK_POLL_S)


class DatabaseUnusable(WarehouseError):
    pass


class BadLocation(WarehouseError):
    pass


class MigrationError(WarehouseError):
    pass


class UnknownTrend(WarehouseError):
    pass
