"""Opening the warehouse: a private working file for the writer, a published file for readers.

DuckDB lets one process write a file and, while it does, no other process
may even open it read-only. A nightly run that wrote ``news.duckdb`` directly
would lock every analyst out, and the ``duckdb`` CLI does not retry. So:

* the pipeline writes ``news.duckdb.work`` (its own file, beside the database),
  in short transactions, one writer at a time (a lock per file in-process);
* after batches (at most every ``PUBLISH_INTERVAL_S``) and at the end of a
  run, :func:`publish` copies the closed, checkpointed working file to a
  temporary name and ``os.replace``-s it over ``news.duckdb``: an atomic swap;
* readers open ``news.duckdb`` read-only and never meet a lock: a reader that
  has the old file open keeps its snapshot, the next one opens the new one.

The working file is the source of truth between runs; if it is missing (a
fresh clone, a copied database) it is seeded from the published file. New
files are created in the v1.5.0 storage format, so the ``duckdb`` CLI from the
package registry (1.5.x) can open them; later connections keep the format.
``:memory:`` is supported for tests (nothing is published).

A location that names a lake (:mod:`warehouse.location`) is served by
:mod:`warehouse.lake` instead: same functions, no working file, no publish.

The writer attaches the file with row groups of ``ROW_GROUP_SIZE`` rows, not
DuckDB's 122,880. Closing a connection checkpoints, and a checkpoint rewrites
every changed column of a row group in full: with big row groups each 100-page
load re-compressed all article text stored so far, so the checkpoint's memory
and time grew with the warehouse (+125 MB and 2.7 s per close at 40,000
article-sized rows). With small groups it rewrites at most one small group.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import logging
import os
import random
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import ParamSpec, TypeVar

import duckdb

from warehouse import lake
from warehouse.archive import PageArchive
from warehouse.errors import DatabaseUnusable, WarehouseBusy, take_run_lock
from warehouse.location import is_lake, parse_location
from warehouse.migrations import apply_migrations
from warehouse.sql import literal as sql_literal

log = logging.getLogger(__name__)

STORAGE_VERSION = "v1.5.0"
# DuckDB would take 80% of RAM for its buffers by default; the nightly run shares the machine.
MEMORY_LIMIT = os.environ.get("NEWSFACTS_DUCKDB_MEMORY", "512MB")
ROW_GROUP_SIZE = 8192  # rows; a multiple of DuckDB's vector size (2,048)
WRITER_ALIAS = "news"  # the working file's catalog name in a writer connection
DEFAULT_LOCK_WAIT_S = 30.0
PUBLISH_INTERVAL_S = 15.0
WORK_SUFFIX = ".work"
_RETRY_SLEEP_S = 0.05
COMMIT_ATTEMPTS = 12  # a lake write transaction that keeps conflicting is re-run at most this often
_P = ParamSpec("_P")
_T = TypeVar("_T")

_locks: dict[str, threading.RLock] = {}
_last_publish: dict[str, float] = {}
_guard = threading.Lock()


class _ThreadWriters(threading.local):
    """Per thread: the writer connection open on each file (key: absolute path)."""

    def __init__(self) -> None:
        self.by_key: dict[str, duckdb.DuckDBPyConnection] = {}


_open_writers = _ThreadWriters()


def work_path(db_path: str) -> str:
    """The writer's private file for the database published at ``db_path`` (a lake has none)."""
    return db_path if db_path == ":memory:" or is_lake(db_path) else db_path + WORK_SUFFIX


def exists(db_path: str) -> bool:
    """Whether there may be a published warehouse to read: a lake always, a file if it exists."""
    return is_lake(db_path) or os.path.exists(db_path)


def _is_conflict(exc: BaseException) -> bool:
    return isinstance(exc, duckdb.TransactionException) and "conflict" in str(exc).lower()


def retry_conflicts(func: Callable[_P, _T]) -> Callable[_P, _T]:
    """Re-run a whole write function when its lake commit conflicts with another writer's.

    The function must be safe to repeat (every write here is an upsert or a
    replace). Waits grow with jitter; after ``COMMIT_ATTEMPTS`` tries it
    gives up with :class:`WarehouseBusy`. A file never conflicts: one writer.
    """

    @functools.wraps(func)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _T:
        for attempt in range(COMMIT_ATTEMPTS):
            try:
                return func(*args, **kwargs)
            except duckdb.TransactionException as exc:
                if not _is_conflict(exc):
                    raise
                if attempt == COMMIT_ATTEMPTS - 1:
                    raise WarehouseBusy(
                        f"the lake commit of {func.__name__} kept conflicting with other writers"
                        f" ({attempt + 1} tries): {str(exc).splitlines()[-1]}"
                    ) from exc
                log.info(
                    "%s: commit conflict with another writer, re-running (try %d)", func.__name__, attempt + 2
                )
                time.sleep(random.uniform(0.0, min(2.0, 0.02 * 2**attempt)))
        raise AssertionError("unreachable")

    return wrapper


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """One write transaction; on a lake it also bumps the commit token (see :mod:`warehouse.lake`)."""
    con.execute("BEGIN TRANSACTION")
    try:
        if lake.is_lake_connection(con):
            lake.bump_commit_token(con)
        yield
        con.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(duckdb.Error):  # a failed COMMIT has already rolled back
            con.execute("ROLLBACK")
        raise


def _key(db_path: str) -> str:
    return db_path if db_path == ":memory:" or is_lake(db_path) else os.path.abspath(db_path)


def _lock(db_path: str) -> threading.RLock:
    with _guard:
        return _locks.setdefault(_key(db_path), threading.RLock())


def _is_lock_conflict(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


def open_connection(
    path: str, *, read_only: bool = False, lock_wait_s: float = DEFAULT_LOCK_WAIT_S
) -> duckdb.DuckDBPyConnection:
    """Open one DuckDB file (``:memory:`` allowed), waiting up to ``lock_wait_s`` for its lock."""
    deadline = time.monotonic() + lock_wait_s
    while True:
        try:
            return _connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_conflict(exc):
                raise _unusable(path, exc) from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusy(
                    f"{path} stayed locked by another process for {lock_wait_s:.0f}s", db_path=path
                ) from exc
            time.sleep(_RETRY_SLEEP_S)


def _unusable(path: str, exc: duckdb.Error) -> DatabaseUnusable:
    """DuckDB's refusal to open a file, said in the user's terms (the path they gave)."""
    text = str(exc)
    shown = path[: -len(WORK_SUFFIX)] if path.endswith(WORK_SUFFIX) else path
    if os.path.isdir(path):
        why = f"{shown} is a folder, not a DuckDB database file"
    elif "not a valid DuckDB database" in text:
        why = f"{shown} is not a DuckDB database (another kind of file); give another path"
    elif "version" in text.lower():
        why = f"{shown} was written by another DuckDB version and cannot be opened by this one"
    else:
        why = f"cannot open {shown} as a DuckDB database: {text.splitlines()[0]}"
    return DatabaseUnusable(why, db_path=shown)


def check_database(db_path: str) -> None:
    """Raise :class:`DatabaseUnusable` unless ``db_path`` is a DuckDB database or free to create.

    Reads only: it creates no working or lock file and changes nothing, so a
    command can check its ``--db`` before it starts any work.
    """
    if db_path == ":memory:":
        return
    if is_lake(db_path):
        parse_location(db_path)  # a malformed lake location: one line; the catalog is reached on first use
        return
    if os.path.isdir(db_path):
        raise DatabaseUnusable(f"{db_path} is a folder, not a DuckDB database file", db_path=db_path)
    for path in (db_path, work_path(db_path)):
        if not os.path.exists(path):
            continue
        # a run holding the working file proves it a database; the run lock will wait for it
        with contextlib.suppress(WarehouseBusy):
            open_connection(path, read_only=True, lock_wait_s=0.0).close()
        return


def _connect(path: str, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    config: dict[str, str | bool | int | float | list[str]] = {"memory_limit": MEMORY_LIMIT}
    if read_only or path == ":memory:":
        return duckdb.connect(path, read_only=read_only, config=config)
    options = f"ROW_GROUP_SIZE {ROW_GROUP_SIZE}"
    if not os.path.exists(path):  # created in the format the CLI reads (an existing file keeps its own)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        options += f", STORAGE_VERSION '{STORAGE_VERSION}'"
    con = duckdb.connect(config=config)
    try:
        con.execute(f"ATTACH {sql_literal(path)} AS {WRITER_ALIAS} ({options})")
        con.execute(f"USE {WRITER_ALIAS}")
    except BaseException:
        con.close()
        raise
    return con


def _seed_work_file(db_path: str) -> bool:
    """Copy the published file to the working file if there is none; whether it did."""
    work = work_path(db_path)
    if db_path != ":memory:" and not os.path.exists(work) and os.path.exists(db_path):
        log.info("seeding the working file %s from %s", work, db_path)
        shutil.copyfile(db_path, work)
        return True
    return False


@contextmanager
def writer(db_path: str, *, lock_wait_s: float = DEFAULT_LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived read-write connection to the working file, migrated; closed on exit.

    On a lake: a cursor on the process's lake connection (schema ensured when it was opened).
    """
    key = _key(db_path)
    with _lock(db_path):
        nested = _open_writers.by_key
        if key in nested:  # this thread already writes the file: a second attach would be refused
            yield nested[key]
            return
        if is_lake(db_path):
            with lake.cursor(parse_location(db_path)) as cur:
                nested[key] = cur
                try:
                    yield cur
                finally:
                    nested.pop(key, None)
            return
        seeded = _seed_work_file(db_path)
        try:
            con = open_connection(work_path(db_path), lock_wait_s=lock_wait_s)
        except DatabaseUnusable:
            if seeded:  # a copy of a file that is no database: leave nothing beside the user's file
                Path(work_path(db_path)).unlink(missing_ok=True)
            raise
        try:
            apply_migrations(con, PageArchive.beside(db_path))
            nested[key] = con
            yield con
        finally:
            nested.pop(key, None)
            con.close()


def maintain(
    db_path: str, *, keep_days: int = lake.KEEP_SNAPSHOTS_DAYS, wait_s: float = 0.0
) -> lake.Maintenance | None:
    """Housekeeping of a lake between runs (:func:`warehouse.lake.maintain`); None for a file,
    which needs none: DuckDB reuses a file's freed space, and there are no snapshots to expire."""
    if not is_lake(db_path):
        return None
    return lake.maintain(parse_location(db_path), keep_days=keep_days, wait_s=wait_s)


def publish(db_path: str, *, force: bool = True) -> bool:
    """Swap a copy of the working file in as ``db_path``; returns whether it did.

    With ``force=False`` it publishes only if the last publish is older than
    ``PUBLISH_INTERVAL_S`` (or ten times the last copy's duration, on big files).
    """
    if db_path == ":memory:" or is_lake(db_path):  # a lake's readers see every commit: nothing to swap
        return False
    work = work_path(db_path)
    with _lock(db_path):
        if not os.path.exists(work):
            return False
        key = _key(db_path)
        now = time.monotonic()
        if not force and now - _last_publish.get(key, 0.0) < PUBLISH_INTERVAL_S:
            return False
        started = time.monotonic()
        _remove_orphaned_copies(db_path)
        tmp = f"{db_path}.tmp-{os.getpid()}-{threading.get_ident()}"
        try:
            shutil.copyfile(work, tmp)
            os.replace(tmp, db_path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        took = time.monotonic() - started
        _last_publish[key] = time.monotonic() + max(0.0, 10 * took - PUBLISH_INTERVAL_S)
        log.info("published %s (%.1f MB in %.2fs)", db_path, os.path.getsize(db_path) / 1e6, took)
        return True


@contextmanager
def run_lock(db_path: str, *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold ``<db>.lock`` for a whole run: one loading run per warehouse, across processes.

    DuckDB's own lock covers a single transaction; this covers a run, so a
    backfill started during the nightly run waits (up to ``wait_s``) or stops
    with a clear error instead of interleaving its batches. The OS releases
    the lock when the process dies, so a killed run never leaves it behind.
    On a lake the lock is a PostgreSQL advisory lock instead
    (:func:`warehouse.lake.run_lock`), held for every machine.
    """
    if db_path == ":memory:":
        yield
        return
    if is_lake(db_path):  # written from many machines: a lock in the lake's PostgreSQL catalog
        with lake.run_lock(parse_location(db_path), wait_s=wait_s):
            yield
        return
    try:
        Path(db_path).parent.mkdir(parents=True, exist_ok=True)
        handle = open(db_path + ".lock", "a+")  # noqa: SIM115 - closed below, after the run
    except OSError as exc:
        raise DatabaseUnusable(
            f"cannot create the run lock {db_path}.lock: {exc.strerror or exc}", db_path=db_path
        ) from exc
    with handle:

        def try_take() -> bool:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return False
            return True

        take_run_lock(try_take, db_path, wait_s)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _remove_orphaned_copies(db_path: str) -> None:
    """Delete half-written copies left by a publisher that was killed mid-copy."""
    for leftover in Path(db_path).parent.glob(Path(db_path).name + ".tmp-*"):
        pid = leftover.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            leftover.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def reader(db_path: str, *, lock_wait_s: float = DEFAULT_LOCK_WAIT_S) -> Iterator[duckdb.DuckDBPyConnection]:
    """A read-only connection to the published database (never blocked by a running load).

    On a lake: the lake attached read-only, seeing the last commit.
    """
    if is_lake(db_path):
        with lake.cursor(parse_location(db_path), read_only=True) as cur:
            yield cur
        return
    con = open_connection(db_path, read_only=True, lock_wait_s=lock_wait_s)
    try:
        yield con
    finally:
        con.close()
