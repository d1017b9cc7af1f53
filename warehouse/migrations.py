"""Versioned schema migrations, recorded in ``schema_migrations``, applied on connect.

Each migration is a numbered SQL file in ``warehouse/migrations/``
(``001_core_tables.sql``…). A migration runs in one transaction together with
the row that records it, so a crash leaves it either fully applied or not at
all, and applying the set again is a no-op. A migration may need a step SQL
cannot do (writing files); it runs first and must be safe to repeat.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import duckdb

from warehouse.archive import PageArchive
from warehouse.errors import MigrationError

log = logging.getLogger(__name__)

_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str


@lru_cache(maxsize=1)
def _migrations() -> tuple[Migration, ...]:
    return tuple(available_migrations())


def available_migrations() -> list[Migration]:
    """All migration files shipped with the package, in version order."""
    found = []
    for entry in resources.files("warehouse").joinpath("migrations").iterdir():
        match = _NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), match.group(2), entry.read_text("utf-8")))
    return sorted(found, key=lambda m: m.version)


def applied_versions(con: duckdb.DuckDBPyConnection) -> set[int]:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    return {row[0] for row in con.execute("SELECT version FROM schema_migrations").fetchall()}


def _bodies_to_archive(con: duckdb.DuckDBPyConnection, archive: PageArchive | None) -> None:
    """Before 004: copy the bodies stored in ``pages.raw_gz`` into the archive (already gzip)."""
    has_column = con.execute(
        "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'pages' AND column_name = 'raw_gz'"
    ).fetchone()
    if archive is None or not has_column or not has_column[0]:
        return
    cursor = con.execute("SELECT content_hash, raw_gz FROM pages WHERE raw_gz IS NOT NULL")
    moved = 0
    while rows := cursor.fetchmany(500):
        for digest, raw in rows:
            archive.put_compressed(digest, raw)
        moved += len(rows)
    if moved:
        log.info("moved %d stored page bodies into %s", moved, archive.root)


_BEFORE = {4: _bodies_to_archive}


def apply_migrations(con: duckdb.DuckDBPyConnection, archive: PageArchive | None = None) -> list[str]:
    """Apply every migration not yet recorded; returns the names applied.

    ``archive`` is where page bodies live (the warehouse's archive; none for ``:memory:``).
    """
    done = applied_versions(con)
    applied = []
    for migration in _migrations():
        if migration.version in done:
            continue
        if migration.version in _BEFORE:
            _BEFORE[migration.version](con, archive)
        try:
            con.execute("BEGIN TRANSACTION")
            con.execute(migration.sql)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                [migration.version, migration.name],
            )
            con.execute("COMMIT")
        except duckdb.Error as exc:
            con.execute("ROLLBACK")
            raise MigrationError(f"migration {migration.version:03d}_{migration.name} failed: {exc}") from exc
        log.info("applied migration %03d_%s", migration.version, migration.name)
        applied.append(f"{migration.version:03d}_{migration.name}")
    return applied
