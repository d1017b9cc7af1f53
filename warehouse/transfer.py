"""Copying an embedded warehouse into a lake (``newsfacts migrate --to <lake>``).

:func:`migrate_to` migrates the source file to the latest schema, attaches
its newest state (the working file when there is one) read-only in the
lake's connection and copies every table in ONE lake transaction, by column
name; views, macros and comments are the lake's own (created from the same
migrations). Page bodies are copied into the lake's archive first (files
already there are kept: same name, same content).

The destination must be empty: a copy into a lake that already holds rows
is refused, never merged, so running it twice cannot duplicate anything and
a copy that failed (one transaction) left the lake empty to try again.
"""

from __future__ import annotations

import logging
import os
import shutil

import duckdb

from warehouse import lake
from warehouse.archive import PageArchive
from warehouse.connection import run_lock, transaction, work_path, writer
from warehouse.errors import BadLocation, WarehouseError
from warehouse.location import is_lake, parse_location
from warehouse.sql import literal as sql_literal

log = logging.getLogger(__name__)

_NOT_COPIED = {"schema_migrations", lake.COMMIT_TABLE}
_SOURCE = "migrate_source"


def _tables(con: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY table_name", [database]
    ).fetchall()
    return [str(row[0]) for row in rows if row[0] not in _NOT_COPIED]


def migrate_to(src_location: str, dst_location: str) -> dict[str, int]:
    """Copy the warehouse file at ``src_location`` into the empty lake at ``dst_location``.

    Returns the rows copied per table. Raises :class:`BadLocation` unless the
    source is an existing file and the destination a lake, and
    :class:`WarehouseError` if the lake already holds rows.
    """
    if is_lake(src_location):
        raise BadLocation(f"migrate copies a warehouse file into a lake; {src_location!r} is a lake")
    if not is_lake(dst_location):
        raise BadLocation(
            f"the migrate destination must be a lake location (ducklake:…), not {dst_location!r}"
        )
    source = work_path(src_location) if os.path.exists(work_path(src_location)) else src_location
    if src_location == ":memory:" or not os.path.exists(source):
        raise BadLocation(f"no warehouse file at {src_location}", db_path=src_location)
    dst = parse_location(dst_location)
    with run_lock(src_location):  # no run may change the file while it is copied
        with writer(src_location):
            pass  # brings the file to the latest schema, like every command that opens it
        with writer(dst_location) as con:
            _refuse_rows(con, dst_location)
            _copy_archive(src_location, dst_location)
            con.execute(f"ATTACH {sql_literal(source)} AS {_SOURCE} (READ_ONLY)")
            try:
                copied = _copy_tables(con)
            finally:
                con.execute(f"DETACH {_SOURCE}")
    log.info("copied %s into the lake %s: %s", src_location, dst.text, copied)
    return copied


def _refuse_rows(con: duckdb.DuckDBPyConnection, dst_location: str) -> None:
    for table in _tables(con, lake.ALIAS):
        row = con.execute(f'SELECT count(*) FROM {lake.ALIAS}."{table}"').fetchone()
        if row and row[0]:
            raise WarehouseError(
                f"the lake already holds {row[0]:,} rows in {table}; migrate copies into an empty lake only"
                " (give a new catalog database)",
                db_path=dst_location,
            )


def _copy_tables(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    copied = {}
    with transaction(con):
        for table in _tables(con, _SOURCE):
            con.execute(f'INSERT INTO {lake.ALIAS}."{table}" BY NAME SELECT * FROM {_SOURCE}."{table}"')
            row = con.execute(f'SELECT count(*) FROM {lake.ALIAS}."{table}"').fetchone()
            copied[table] = int(row[0]) if row else 0
    return copied


def _copy_archive(src_location: str, dst_location: str) -> None:
    source, target = PageArchive.beside(src_location), PageArchive.beside(dst_location)
    if source is None or target is None or not source.root.is_dir():
        return
    copied = 0
    for path in source.root.glob("*/*.gz"):
        goal = target.root / path.parent.name / path.name
        if not goal.exists():
            goal.parent.mkdir(parents=True, exist_ok=True)
            tmp = goal.with_name(f".{goal.name}.{os.getpid()}.tmp")
            shutil.copyfile(path, tmp)
            os.replace(tmp, goal)
            copied += 1
    log.info("copied %d page bodies into %s", copied, target.root)
