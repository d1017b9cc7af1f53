"""The warehouse as a DuckLake lake: a PostgreSQL catalog and Parquet files under a data path.

Many machines write one lake at once; readers attach it with plain DuckDB
while they do. What differs from the embedded file (:mod:`warehouse.connection`):

* **Connections.** One DuckDB instance per process and location attaches the
  lake (``ATTACH 'ducklake:postgres:…' AS news``); each ``writer()`` is a
  cursor on it, so a batch costs no new catalog connection. Readers get
  their own instance with the lake attached ``READ_ONLY``.
* **Extensions.** ``ducklake`` and ``postgres`` (``httpfs`` for S3) are
  loaded if installed; if not, installed from the registry wheels pinned in
  ``pyproject.toml`` (a local file: works offline), and only without a wheel
  for this DuckDB from DuckDB's extension repository (needs the network;
  offline here a refused connection failed it in half a second, one line).
* **Schema.** DuckLake refuses PRIMARY KEY, UNIQUE, sequences and indexes,
  so the lake is not built by replaying the migration files: they are applied
  to an in-memory DuckDB and the resulting tables (columns, NOT NULL,
  defaults, comments), macros and views (with comments) are created in the
  lake in one transaction, with ``schema_migrations`` rows up to the latest
  version. A second process creating it at the same moment meets a commit
  conflict, rolls back and finds the schema there. A lake that lacks later
  migrations is compared with the schema they build in memory and brought to
  it in one transaction (tables created, columns added or dropped, macros
  and views replaced), so a migration file may keep its keys.
* **Writes.** Upserts are MERGE INTO statements (the same SQL as the file);
  every write transaction also bumps the one row of ``lake_commits``.
  Without that, two writers inserting the same new URL would both commit (a
  lake has no unique key to stop them): with it, DuckLake sees both
  transactions touch one table and fails the later commit, which is rolled
  back and re-run whole (:func:`warehouse.connection.retry_conflicts`), now
  seeing the other's rows. Writers are serialised at commit, not while they
  prepare their batch.
* **No publish; the run lock is in PostgreSQL.** Readers see each commit
  (DuckLake snapshots); there is no working copy to swap. One loading run per
  lake cannot be a local ``flock`` across machines, so :func:`run_lock` takes
  a PostgreSQL advisory lock in the lake's catalog database, held by an open
  transaction on a connection of its own for the whole run: a run started on
  another machine meanwhile waits or stops with one line, and a killed run's
  lock goes with its connection. The batches of a run, on any worker, load
  under their planning run's lock and take none themselves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import random
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from warehouse.errors import DatabaseUnusable, MigrationError, WarehouseBusy, take_run_lock
from warehouse.location import Location
from warehouse.migrations import Migration, applied_versions, available_migrations
from warehouse.sql import literal as sql_literal

log = logging.getLogger(__name__)

ALIAS = "news"  # the lake's catalog name in our connections (as the embedded writer's)
COMMIT_TABLE = "lake_commits"
_LAKE_ONLY = {"schema_migrations", COMMIT_TABLE}
_WHEELS = {"ducklake": "ducklake", "postgres": "postgres_scanner", "httpfs": "httpfs"}
_ATTACH_ATTEMPTS = 8
_guard = threading.Lock()
_instances: dict[tuple[int, str, bool], duckdb.DuckDBPyConnection] = {}


def load_extensions(con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """LOAD each extension; install it first from its wheel, else from DuckDB's repository."""
    for name in names:
        try:
            con.execute(f"LOAD {name}")
            continue
        except duckdb.Error:
            pass
        try:
            _install_from_wheel(con, name)
        except (ImportError, duckdb.Error) as wheel_exc:
            log.info(
                "no %s wheel for this DuckDB (%s); trying DuckDB's extension repository", name, wheel_exc
            )
            try:
                con.execute(f"INSTALL {name}")
            except duckdb.Error as exc:
                raise DatabaseUnusable(
                    f"the DuckDB extension {name!r} is not installed, its wheel"
                    f" (duckdb-extension-{_WHEELS[name].replace('_', '-')}) does not match DuckDB"
                    f" {duckdb.__version__}, and DuckDB's repository is unreachable: {_first_line(exc)}"
                ) from exc
        con.execute(f"LOAD {name}")


def _install_from_wheel(con: duckdb.DuckDBPyConnection, name: str) -> None:
    from duckdb_extensions import import_extension

    import_extension(_WHEELS[name], con=con)


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _shown(loc: Location) -> str:
    return loc.text


def _attach(con: duckdb.DuckDBPyConnection, loc: Location, *, read_only: bool) -> None:
    assert loc.catalog is not None and loc.data_path is not None
    options = [f"DATA_PATH {sql_literal(loc.data_path)}"]
    if read_only:
        options.append("READ_ONLY")
    sql = f"ATTACH {sql_literal('ducklake:postgres:' + loc.catalog)} AS {ALIAS} ({', '.join(options)})"
    for attempt in range(_ATTACH_ATTEMPTS):
        try:
            con.execute(sql)
            return
        except duckdb.Error as exc:
            text = str(exc)
            # two processes creating a new lake's catalog tables at once: the loser retries
            # (a reader attaching while the first writer is still creating them sees a half-made lake)
            racing = any(
                word in text.lower()
                for word in ("duplicate key", "already exists", "conflict", "existing ducklake")
            )
            if not racing or attempt == _ATTACH_ATTEMPTS - 1:
                raise DatabaseUnusable(
                    f"cannot attach the lake {_shown(loc)}: {_first_line(exc)}", db_path=loc.text
                ) from exc
            time.sleep(random.uniform(0.05, 0.2) * (attempt + 1))


RUN_LOCK_KEY = 0x6E657773_66616374  # "newsfact": the advisory lock key of a lake's loading run


@contextmanager
def run_lock(loc: Location, *, wait_s: float = 0.0) -> Iterator[None]:
    """Hold the lake's run lock (see the module docstring) for the block; :class:`WarehouseBusy`
    if another run holds it for longer than ``wait_s``."""
    assert loc.catalog is not None
    con = duckdb.connect()
    try:
        load_extensions(con, ("postgres",))
        try:
            con.execute(f"ATTACH {sql_literal(loc.catalog)} AS run_lock_catalog (TYPE postgres)")
            con.execute("BEGIN")
            ask = f"SELECT pg_try_advisory_xact_lock({RUN_LOCK_KEY})"
            query = f"SELECT * FROM postgres_query('run_lock_catalog', {sql_literal(ask)})"
            take_run_lock(lambda: _fetched_true(con, query), _shown(loc), wait_s)
        except duckdb.Error as exc:
            raise DatabaseUnusable(
                f"cannot take the run lock of the lake {_shown(loc)}: {_first_line(exc)}", db_path=loc.text
            ) from exc
        yield
    finally:
        con.close()  # ends the transaction, and with it the lock


KEEP_SNAPSHOTS_DAYS = 7  # time travel reaches this far back after a maintenance
DELETE_AFTER_DAYS = 1  # files a maintenance replaced stay this long for readers still scanning them


@dataclass(frozen=True)
class Maintenance:
    """What one maintenance of a lake found and left: live data files and snapshots."""

    data_files_before: int
    data_files_after: int
    snapshots_before: int
    snapshots_after: int
    seconds: float


def maintain(loc: Location, *, keep_days: int = KEEP_SNAPSHOTS_DAYS, wait_s: float = 0.0) -> Maintenance:
    """DuckLake's own housekeeping, between loading runs (it takes the run lock).

    Every batch commit adds small Parquet files and a snapshot, and DuckLake
    deletes nothing by itself; ``CHECKPOINT`` merges adjacent small files,
    expires snapshots older than ``keep_days`` and deletes the files they
    alone used once they have been unused for ``DELETE_AFTER_DAYS`` (so a
    reader still scanning them is not cut off; they go at the next
    maintenance). Rows, views and comments are untouched.
    """
    if keep_days < 0:
        raise ValueError("keep_days must be 0 or more")
    started = time.perf_counter()
    with run_lock(loc, wait_s=wait_s), cursor(loc) as con:
        files, snapshots = _housekeeping_counts(con)
        try:
            con.execute(f"CALL {ALIAS}.set_option('expire_older_than', {sql_literal(f'{keep_days} days')})")
            con.execute(
                f"CALL {ALIAS}.set_option('delete_older_than', {sql_literal(f'{DELETE_AFTER_DAYS} days')})"
            )
            con.execute(f"CHECKPOINT {ALIAS}")
        except duckdb.Error as exc:
            raise DatabaseUnusable(
                f"cannot tidy the lake {_shown(loc)}: {_first_line(exc)}", db_path=loc.text
            ) from exc
        files_after, snapshots_after = _housekeeping_counts(con)
    return Maintenance(files, files_after, snapshots, snapshots_after, time.perf_counter() - started)


def _housekeeping_counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Live data files and snapshots of the lake."""
    files = con.execute(
        f"SELECT count(*) FROM __ducklake_metadata_{ALIAS}.ducklake_data_file WHERE end_snapshot IS NULL"
    ).fetchone()
    snapshots = con.execute(f"SELECT count(*) FROM {ALIAS}.snapshots()").fetchone()
    return (int(files[0]) if files else 0), (int(snapshots[0]) if snapshots else 0)


def _fetched_true(con: duckdb.DuckDBPyConnection, query: str) -> bool:
    row = con.execute(query).fetchone()
    return bool(row and row[0])


def _open(loc: Location, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    from warehouse.connection import MEMORY_LIMIT

    if loc.data_path and not loc.on_s3 and not read_only:
        Path(loc.data_path).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    try:
        load_extensions(con, ("ducklake", "postgres", *(("httpfs",) if loc.on_s3 else ())))
        if loc.on_s3:
            _s3_secret(con)
        _attach(con, loc, read_only=read_only)
        con.execute(f"USE {ALIAS}")
        if not read_only:
            ensure_schema(con, loc)
    except BaseException:
        con.close()
        raise
    return con


def _s3_secret(con: duckdb.DuckDBPyConnection) -> None:
    """An S3 secret from the usual AWS_* variables (an S3-compatible endpoint from AWS_ENDPOINT_URL)."""
    key, secret = os.environ.get("AWS_ACCESS_KEY_ID"), os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not key or not secret:
        return  # a public bucket, or a secret the user's DuckDB set-up provides
    parts = [f"KEY_ID {sql_literal(key)}", f"SECRET {sql_literal(secret)}"]
    if os.environ.get("AWS_REGION"):
        parts.append(f"REGION {sql_literal(os.environ['AWS_REGION'])}")
    endpoint = os.environ.get("AWS_ENDPOINT_URL")
    if endpoint:
        host = endpoint.split("://", 1)[-1].rstrip("/")
        parts += [f"ENDPOINT {sql_literal(host)}", "URL_STYLE 'path'"]
        if endpoint.startswith("http://"):
            parts.append("USE_SSL false")
    con.execute(f"CREATE OR REPLACE SECRET newsfacts_s3 (TYPE s3, {', '.join(parts)})")


def instance(loc: Location, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """This process's DuckDB instance with the lake attached (created on first use)."""
    key = (os.getpid(), loc.text, read_only)  # a forked child opens its own
    with _guard:
        con = _instances.get(key)
        if con is None:
            con = _instances[key] = _open(loc, read_only=read_only)
        return con


def close_all() -> None:
    """Close this process's lake connections (tests; a long-lived process need not)."""
    with _guard:
        for key, con in list(_instances.items()):
            if key[0] == os.getpid():
                con.close()
            del _instances[key]


@contextmanager
def cursor(loc: Location, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of its own on the process's lake instance, with the lake as default catalog."""
    con = instance(loc, read_only=read_only).cursor()
    try:
        con.execute(f"USE {ALIAS}")
        yield con
    finally:
        con.close()


def is_lake_connection(con: duckdb.DuckDBPyConnection) -> bool:
    row = con.execute(
        "SELECT type FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return bool(row and row[0] == "ducklake")


def bump_commit_token(con: duckdb.DuckDBPyConnection) -> None:
    """Inside a write transaction on a lake: make it conflict with every concurrent one."""
    con.execute(f"UPDATE {COMMIT_TABLE} SET commits = commits + 1")


# --- schema -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Column:
    name: str
    type: str
    nullable: bool
    default: str | None
    comment: str | None

    def spec(self, *, with_not_null: bool = True) -> str:
        text = f'"{self.name}" {self.type}'
        if with_not_null and not self.nullable:
            text += " NOT NULL"
        return text + (f" DEFAULT {self.default}" if self.default is not None else "")


@dataclass(frozen=True, slots=True)
class _Schema:
    """The embedded warehouse's schema after every migration, without keys or indexes."""

    tables: dict[str, tuple[list[_Column], str | None]]
    routines: list[str]  # CREATE OR REPLACE MACRO/VIEW and view comments, in dependency order

    def create_table(self, table: str) -> list[str]:
        columns, comment = self.tables[table]
        statements = [f'CREATE TABLE "{table}" ({", ".join(c.spec() for c in columns)})']
        if comment:
            statements.append(f'COMMENT ON TABLE "{table}" IS {sql_literal(comment)}')
        return statements + self.column_comments(table)

    def column_comments(self, table: str) -> list[str]:
        return [
            f'COMMENT ON COLUMN "{table}"."{c.name}" IS {sql_literal(c.comment)}'
            for c in self.tables[table][0]
            if c.comment
        ]


def _derived_schema() -> _Schema:
    """Apply the migration files to an in-memory DuckDB and read back what they built."""
    from warehouse.migrations import apply_migrations

    mem = duckdb.connect(":memory:")
    try:
        apply_migrations(mem)
        tables: dict[str, tuple[list[_Column], str | None]] = {}
        for table, comment in mem.execute(
            "SELECT table_name, comment FROM duckdb_tables()"
            " WHERE database_name = 'memory' AND table_name <> 'schema_migrations' ORDER BY table_name"
        ).fetchall():
            columns = mem.execute(
                "SELECT column_name, data_type, is_nullable, column_default, comment FROM duckdb_columns()"
                " WHERE database_name = 'memory' AND table_name = ? ORDER BY column_index",
                [table],
            ).fetchall()
            tables[str(table)] = ([_Column(*row) for row in columns], comment or None)
        routines = []
        for name, kind, params, definition in mem.execute(
            "SELECT function_name, function_type, parameters, macro_definition FROM duckdb_functions()"
            " WHERE database_name = 'memory' AND NOT internal AND function_type IN ('macro', 'table_macro')"
            " ORDER BY function_name"
        ).fetchall():
            body = f"TABLE {definition}" if kind == "table_macro" else definition
            routines.append(f'CREATE OR REPLACE MACRO "{name}"({", ".join(params)}) AS {body}')
        for name, sql, comment in mem.execute(
            "SELECT view_name, sql, comment FROM duckdb_views()"
            " WHERE database_name = 'memory' AND NOT internal ORDER BY view_name"
        ).fetchall():
            routines.append(re.sub(r"^CREATE VIEW", "CREATE OR REPLACE VIEW", sql.strip().rstrip(";")))
            if comment:
                routines.append(f'COMMENT ON VIEW "{name}" IS {sql_literal(comment)}')
        return _Schema(tables, routines)
    finally:
        mem.close()


def _lake_versions(con: duckdb.DuckDBPyConnection) -> set[int] | None:
    """Migration versions recorded in the lake; None if it has no schema yet."""
    found = con.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database()"
        " AND table_name = 'schema_migrations'"
    ).fetchone()
    if not found or not found[0]:
        return None
    return applied_versions(con)


def ensure_schema(con: duckdb.DuckDBPyConnection, loc: Location) -> list[str]:
    """Create the lake's schema, or apply the migrations it lacks; returns what it did."""
    migrations = available_migrations()
    for attempt in range(_ATTACH_ATTEMPTS):
        try:
            versions = _lake_versions(con)
            if versions is None:
                return _create_schema(con, migrations)
            return _upgrade(con, versions, migrations)
        except _SchemaRace as exc:
            _rollback(con)
            if attempt == _ATTACH_ATTEMPTS - 1:
                raise WarehouseBusy(
                    f"the lake's schema kept changing under us: {_first_line(exc)}", db_path=loc.text
                ) from exc
            log.info("another process changed the lake's schema at the same time; checking again")
            time.sleep(random.uniform(0.02, 0.1) * (attempt + 1))
    return []


class _SchemaRace(Exception):
    """Another process created or upgraded the schema between our check and our commit."""


def _raced(exc: duckdb.Error) -> bool:
    if isinstance(exc, duckdb.TransactionException):
        return "conflict" in str(exc).lower()
    return isinstance(exc, duckdb.CatalogException) and "already exists" in str(exc)


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    with contextlib.suppress(duckdb.Error):  # a failed COMMIT has already ended the transaction
        con.execute("ROLLBACK")


def _create_schema(con: duckdb.DuckDBPyConnection, migrations: list[Migration]) -> list[str]:
    schema = _derived_schema()
    statements = [sql for table in schema.tables for sql in schema.create_table(table)] + schema.routines
    con.execute("BEGIN TRANSACTION")
    try:
        for sql in statements:
            con.execute(sql)
        con.execute(
            "CREATE TABLE schema_migrations (version INTEGER NOT NULL, name VARCHAR NOT NULL,"
            " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
        )
        _record(con, migrations)
        con.execute(f"CREATE TABLE {COMMIT_TABLE} (commits BIGINT NOT NULL)")
        con.execute(
            f"COMMENT ON TABLE {COMMIT_TABLE} IS 'Write transactions committed; every writer bumps it.'"
        )
        con.execute(f"INSERT INTO {COMMIT_TABLE} VALUES (0)")
        con.execute("COMMIT")
    except duckdb.Error as exc:
        _rollback(con)
        if _raced(exc):
            raise _SchemaRace(str(exc)) from exc
        raise MigrationError(f"creating the lake's schema failed: {_first_line(exc)}") from exc
    log.info("created the lake schema (%d statements)", len(statements))
    return ["schema"]


def _record(con: duckdb.DuckDBPyConnection, migrations: list[Migration]) -> None:
    if migrations:
        con.execute(
            "INSERT INTO schema_migrations (version, name) SELECT unnest($versions), unnest($names)",
            {"versions": [m.version for m in migrations], "names": [m.name for m in migrations]},
        )


def _upgrade(con: duckdb.DuckDBPyConnection, versions: set[int], migrations: list[Migration]) -> list[str]:
    """Bring an existing lake to the derived schema, in one transaction, recording the versions it lacked.

    The migration files are not replayed (they may declare keys DuckLake refuses):
    the lake is compared with the schema they build in memory. Missing tables are
    created, missing columns added (without NOT NULL: rows already there have no
    value), columns no longer there dropped, macros and views replaced. A column
    whose type changed is refused: such a migration needs its own lake step.
    """
    missing = [m for m in migrations if m.version not in versions]
    if not missing:
        return []
    schema = _derived_schema()
    statements = []
    present = {
        str(table): {str(col): str(kind) for col, kind in _lake_columns(con, str(table))}
        for (table,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()"
        ).fetchall()
    }
    for table, (columns, comment) in schema.tables.items():
        if table not in present:
            statements += schema.create_table(table)
            continue
        wanted = {c.name: c for c in columns}
        for column in columns:
            have = present[table].get(column.name)
            if have is None:
                statements.append(f'ALTER TABLE "{table}" ADD COLUMN {column.spec(with_not_null=False)}')
            elif have != column.type:
                raise MigrationError(
                    f"the lake's {table}.{column.name} is {have}, the migrations make it {column.type};"
                    " a type change needs its own lake step"
                )
        statements += [
            f'ALTER TABLE "{table}" DROP COLUMN "{name}"' for name in present[table] if name not in wanted
        ]
        if comment:
            statements.append(f'COMMENT ON TABLE "{table}" IS {sql_literal(comment)}')
        statements += schema.column_comments(table)
    statements += [
        f'DROP TABLE "{table}"' for table in present if table not in schema.tables and table not in _LAKE_ONLY
    ]
    statements += schema.routines
    con.execute("BEGIN TRANSACTION")
    try:
        bump_commit_token(con)
        for sql in statements:
            con.execute(sql)
        _record(con, missing)
        con.execute("COMMIT")
    except duckdb.Error as exc:
        _rollback(con)
        if _raced(exc):
            raise _SchemaRace(str(exc)) from exc
        names = ", ".join(f"{m.version:03d}_{m.name}" for m in missing)
        raise MigrationError(f"migrating the lake ({names}) failed: {_first_line(exc)}") from exc
    applied = [f"{m.version:03d}_{m.name}" for m in missing]
    log.info("migrated the lake: %s", ", ".join(applied))
    return applied


def _lake_columns(con: duckdb.DuckDBPyConnection, table: str) -> list[tuple[str, str]]:
    rows = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns()"
        " WHERE database_name = current_database() AND table_name = ? ORDER BY column_index",
        [table],
    ).fetchall()
    return [(str(name), str(kind)) for name, kind in rows]
