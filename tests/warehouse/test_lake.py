"""The warehouse on a DuckLake lake: a real PostgreSQL catalog, a local data folder, real processes.

The loader's contract on the lake is checked by the ``con``-based tests of
``test_load.py`` and ``test_events.py`` (their fixture runs each on both
engines); here: locations, schema, concurrent writers and readers, the
analysts' plain-DuckDB recipe and the copy of a file into a lake.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bench.postgres import free_port
from warehouse import (
    BadLocation,
    DatabaseUnusable,
    WarehouseBusy,
    WarehouseError,
    check_database,
    finish_run,
    list_trends,
    load_pages,
    maintain,
    migrate_to,
    parse_location,
    publish,
    query_trend,
    reader,
    refresh_events,
    run_lock,
    start_run,
    writer,
)
from warehouse import lake as lake_module
from warehouse.connection import retry_conflicts, transaction
from warehouse.export import export_tables
from warehouse.migrations import apply_migrations, available_migrations
from warehouse.stored import iter_stored_pages

WORKER = Path(__file__).with_name("lake_worker.py")
REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(WORKER.parent))
from lake_worker import page  # noqa: E402


def workers(tmp_path: Path, *argvs: list[str], timeout: float = 60) -> list[subprocess.CompletedProcess[str]]:
    """Run one worker process per argv, started together (they wait for the same go file)."""
    go = tmp_path / f"go-{time.monotonic_ns()}"
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), argv[0], argv[1], str(go), *argv[2:]],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for argv in argvs
    ]
    time.sleep(0.3)  # let every interpreter import and reach its wait
    go.touch()
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    return done


def one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    row = con.execute(sql).fetchone()
    assert row is not None
    return row[0] if len(row) == 1 else row


# --- locations -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("ducklake:postgres:dbname=lake host=127.0.0.1", "data_path is missing"),
        ("ducklake:postgres:host=127.0.0.1?data_path=/x", "dbname= is missing"),
        ("ducklake:postgres:dbname=lake host?data_path=/x", "'host' is not a key=value word"),
        ("ducklake:sqlite:lake.sqlite?data_path=/x", "only a PostgreSQL catalog"),
        ("ducklake:postgres:dbname=lake?data_path=/x&size=3", "unknown option 'size'"),
        ("ducklake+postgres://news:secret@db/lake?data_path=/x", "must not carry a password"),
        ("ducklake+postgres://db:99999/lake?data_path=/x", "out of range"),
        ("ducklake+postgres:///lake?data_path=/x", "a host and one database name"),
    ],
)
def test_a_malformed_location_is_one_line(text: str, says: str) -> None:
    with pytest.raises(BadLocation) as caught:
        check_database(text)
    message = str(caught.value)
    assert says in message and "\n" not in message
    assert "secret" not in message


def test_both_spellings_name_the_same_lake() -> None:
    words = parse_location(
        "ducklake:postgres:dbname=lake host=db port=5433 user=news?data_path=/shared/lake/"
    )
    url = parse_location("ducklake+postgres://news@db:5433/lake?data_path=/shared/lake/")
    assert words.catalog == url.catalog == "dbname=lake host=db port=5433 user=news"
    assert words.data_path == url.data_path == "/shared/lake/"
    assert parse_location("news.duckdb").is_lake is False


def test_an_unreachable_catalog_is_one_line(tmp_path: Path) -> None:
    location = f"ducklake:postgres:dbname=lake host=127.0.0.1 port={free_port()}?data_path={tmp_path}"
    started = time.monotonic()
    with pytest.raises(DatabaseUnusable) as caught, writer(location):
        pass
    assert "cannot attach the lake" in str(caught.value) and "\n" not in str(caught.value)
    assert time.monotonic() - started < 10


def test_a_bucket_lake_needs_an_archive_folder() -> None:
    from warehouse.archive import PageArchive

    with pytest.raises(BadLocation, match="archive_path"):
        PageArchive.beside("ducklake:postgres:dbname=lake host=h?data_path=s3://bucket/lake/")
    archive = PageArchive.beside(
        "ducklake:postgres:dbname=lake host=h?data_path=s3://b/l/&archive_path=/srv/p"
    )
    assert archive is not None and archive.root == Path("/srv/p")


# --- extensions and schema -----------------------------------------------------------------------


def test_extensions_install_from_the_wheels_without_the_network(tmp_path: Path) -> None:
    con = duckdb.connect(
        config={"extension_directory": str(tmp_path / "ext"), "autoinstall_known_extensions": False}
    )
    with pytest.raises(duckdb.Error):
        con.execute("LOAD ducklake")  # nothing installed in this fresh folder
    started = time.monotonic()
    lake_module.load_extensions(con, ("ducklake", "postgres"))
    assert time.monotonic() - started < 10
    loaded = {
        r[0] for r in con.execute("SELECT extension_name FROM duckdb_extensions() WHERE loaded").fetchall()
    }
    assert {"ducklake", "postgres_scanner"} <= loaded
    assert sorted(p.name for p in (tmp_path / "ext").rglob("*.duckdb_extension")) == [
        "ducklake.duckdb_extension",
        "postgres_scanner.duckdb_extension",
    ]


def test_the_lake_has_the_files_tables_views_and_comments(lake_location: str) -> None:
    mem = duckdb.connect()
    apply_migrations(mem)
    columns = (
        "SELECT table_name, column_name, data_type, is_nullable FROM duckdb_columns()"
        " WHERE database_name = current_database()"
        " AND table_name NOT IN ('schema_migrations', 'lake_commits')"
        " ORDER BY ALL"
    )
    views = (
        "SELECT view_name, comment FROM duckdb_views() WHERE database_name = current_database() ORDER BY 1"
    )
    with writer(lake_location) as con:
        assert con.execute(columns).fetchall() == mem.execute(columns).fetchall()
        assert con.execute(views).fetchall() == mem.execute(views).fetchall()
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [m.version for m in available_migrations()]
    assert len(list_trends(lake_location)) >= 6


def test_a_lake_from_an_older_release_gets_the_migrations_it_lacks(lake_location: str) -> None:
    with writer(lake_location) as con:  # a lake made before 005 (events.part_of) and 007 (warc_files)
        con.execute("DROP TABLE warc_files")
        con.execute("ALTER TABLE events DROP COLUMN part_of")
        con.execute("DELETE FROM schema_migrations WHERE version IN (5, 7)")
    lake_module.close_all()  # the next writer connects afresh, as a new release would
    load_pages(lake_location, [page(n) for n in range(3)], run_id="r1")
    refresh_events(lake_location, run_id="r1")  # writes part_of
    with reader(lake_location) as con:
        versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
        assert versions == [m.version for m in available_migrations()]  # each once
        assert one(con, "SELECT count(*) FROM warc_files") == 0
        assert one(con, "SELECT count(*) FROM events WHERE part_of IS NULL") > 0
        assert one(con, "SELECT count(*) FROM trend_top_actors") == 3
    lake_module.close_all()
    with writer(lake_location) as con:  # a third connect applies nothing twice
        assert one(con, "SELECT count(*), count(DISTINCT version) FROM schema_migrations") == (
            len(available_migrations()),
            len(available_migrations()),
        )


def test_concurrent_first_connects_create_the_schema_once(lake_location: str, tmp_path: Path) -> None:
    results = workers(tmp_path, *[["create", lake_location] for _ in range(3)])
    assert [r.returncode for r in results] == [0, 0, 0], [r.stderr[-600:] for r in results]
    with reader(lake_location) as con:
        assert one(con, "SELECT count(*), count(DISTINCT version) FROM schema_migrations") == (
            len(available_migrations()),
            len(available_migrations()),
        )
        assert one(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pages'") == 1
        assert one(con, "SELECT count(*) FROM lake_commits") == 1


# --- writers and readers -------------------------------------------------------------------------


def test_two_writers_with_overlapping_batches_lose_and_duplicate_nothing(
    lake_location: str, tmp_path: Path
) -> None:
    with writer(lake_location):
        pass  # the schema exists: this test is about loads
    results = workers(
        tmp_path, ["load", lake_location, "0", "90", "15"], ["load", lake_location, "45", "135", "15"]
    )
    assert [r.returncode for r in results] == [0, 0], [r.stderr[-600:] for r in results]
    with reader(lake_location) as con:
        assert one(con, "SELECT count(*), count(DISTINCT url) FROM pages") == (135, 135)
        assert one(con, "SELECT count(*), count(DISTINCT article_id) FROM articles") == (135, 135)
        assert one(con, "SELECT count(*), count(DISTINCT fact_id) FROM facts") == (270, 270)
        assert one(con, "SELECT count(*) FROM articles WHERE text NOT LIKE '%(version 2).'") == 0


def test_a_conflicting_commit_is_rerun_whole_and_duplicates_nothing(lake_location: str) -> None:
    with writer(lake_location):
        pass
    other = lake_module._open(parse_location(lake_location), read_only=False)  # another machine
    merge = (
        "MERGE INTO sources USING (SELECT 'feed' AS name) AS s ON sources.name = s.name"
        " WHEN NOT MATCHED THEN INSERT (name, kind, location) VALUES (s.name, 'rss', 'https://a.example/rss')"
    )
    tries = []

    @retry_conflicts
    def add_source() -> None:
        tries.append(1)
        with writer(lake_location) as con, transaction(con):
            con.execute(merge)
            if len(tries) == 1:  # meanwhile the other machine commits the same new row
                with transaction(other):
                    other.execute(merge)

    try:
        add_source()
        assert len(tries) == 2  # the first commit conflicted and the whole function ran again
        with reader(lake_location) as con:
            assert one(con, "SELECT count(*) FROM sources WHERE name = 'feed'") == 1
    finally:
        other.close()


def test_a_reader_of_trend_views_never_fails_while_writers_commit(lake_location: str, tmp_path: Path) -> None:
    with writer(lake_location):
        pass
    go = tmp_path / "go"
    churn = subprocess.Popen(
        [sys.executable, str(WORKER), "churn", lake_location, str(go), "4"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    go.touch()
    reads, seen = 0, set()
    try:
        while churn.poll() is None:
            for name, _ in list_trends(lake_location):
                seen.add(len(query_trend(lake_location, name).rows))
                reads += 1
    finally:
        _out, err = churn.communicate(timeout=60)
    assert churn.returncode == 0, err[-600:]
    assert reads >= 20
    with reader(lake_location) as con:
        assert one(con, "SELECT count(*) FROM events") > 0
    assert len(seen) > 1  # the reader saw the lake change under it


def test_a_lake_has_no_publish_and_one_loading_run_at_a_time(lake_location: str) -> None:
    assert publish(lake_location) is False
    busy = pytest.raises(WarehouseBusy, match=r"^another run is loading ducklake:postgres:.*; try again")
    with run_lock(lake_location), busy, run_lock(lake_location):
        pass
    with run_lock(lake_location):  # given back when the run ended
        pass


def test_a_killed_run_leaves_no_lake_lock_behind(lake_location: str) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, lake_location], stdout=subprocess.PIPE, text=True
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(WarehouseBusy), run_lock(lake_location, wait_s=0.5):
            pass  # another process, as another machine would be, is refused
    finally:
        holder.kill()
        holder.wait()
    with run_lock(lake_location, wait_s=10.0):  # the server dropped the lock with the connection
        pass


HOLD_LOCK = textwrap.dedent(
    """
    import sys, time
    from warehouse import run_lock

    with run_lock(sys.argv[1]):
        print("held", flush=True)
        time.sleep(600)
    """
)


def test_maintenance_merges_small_files_and_keeps_every_row(lake_location: str) -> None:
    for batch in range(6):  # a commit per batch: small files and a snapshot each
        load_pages(lake_location, [page(n) for n in range(batch * 5, batch * 5 + 5)], run_id=f"r{batch}")
    refresh_events(lake_location, run_id="r5")

    def contents() -> tuple[Any, ...]:
        with reader(lake_location) as con:
            counts = con.execute(
                "SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM facts)"
            ).fetchone()
        return counts, {name: query_trend(lake_location, name).rows for name, _ in list_trends(lake_location)}

    before = contents()
    done = maintain(lake_location, keep_days=0)
    assert done is not None
    assert done.data_files_after < done.data_files_before
    assert done.snapshots_after < done.snapshots_before
    assert contents() == before
    assert before[0] == (30, 60)
    again = maintain(lake_location, keep_days=0)  # nothing left to merge: harmless
    assert again is not None and again.data_files_after <= done.data_files_after
    assert contents() == before
    with run_lock(lake_location), pytest.raises(WarehouseBusy):
        maintain(lake_location)  # never under a loading run


def test_a_warehouse_file_needs_no_maintenance(tmp_path: Path) -> None:
    file = str(tmp_path / "news.duckdb")
    load_pages(file, [page(1)], run_id="r1")
    assert maintain(file) is None


def test_analysts_read_the_lake_with_plain_duckdb(lake_location: str) -> None:
    load_pages(lake_location, [page(n) for n in range(12)], run_id="r1")
    refresh_events(lake_location, run_id="r1")
    catalog = lake_location.split("?")[0]
    recipe = textwrap.dedent(
        f"""
        import duckdb
        from duckdb_extensions import import_extension  # offline; with the network: INSTALL ducklake
        con = duckdb.connect()
        import_extension("ducklake", con=con)
        import_extension("postgres_scanner", con=con)
        con.execute("ATTACH '{catalog}' AS news (READ_ONLY)")
        con.execute("USE news")
        for name, comment in con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE view_name LIKE 'trend_%' ORDER BY 1"
        ).fetchall():
            print(name, len(con.execute(f"SELECT * FROM {{name}}").fetchall()), bool(comment))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", recipe], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-800:]
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines["trend_top_actors"] == "7 True"  # Company 0..6, each with its events
    assert set(lines) == {name for name, _ in list_trends(lake_location)}


# --- migrate -------------------------------------------------------------------------------------


@pytest.fixture
def demo_file(tmp_path: Path) -> Iterator[str]:
    db = str(tmp_path / "news.duckdb")
    start_run(db, "run-1", flow_name="test")
    for first in range(0, 300, 100):
        load_pages(db, [page(n) for n in range(first, first + 100)], run_id="run-1")
    refresh_events(db, run_id="run-1")
    finish_run(db, "run-1", status="completed")
    yield db


def test_migrate_copies_a_warehouse_into_a_lake(demo_file: str, lake_location: str) -> None:
    copied = migrate_to(demo_file, lake_location)
    assert copied["pages"] == 300 and copied["articles"] == 300 and copied["facts"] == 600
    with reader(demo_file) as src, reader(lake_location) as dst:
        for table, rows in copied.items():
            assert (
                one(src, f"SELECT count(*) FROM {table}") == rows == one(dst, f"SELECT count(*) FROM {table}")
            )
        runs = "SELECT run_id, status, started_at, ended_at, parameters FROM runs"
        assert dst.execute(runs).fetchall() == src.execute(runs).fetchall()
        assert dst.execute(runs).fetchall()[0][1] == "completed"
    for name, _ in list_trends(demo_file):
        assert query_trend(lake_location, name).rows == query_trend(demo_file, name).rows
    stored = next(iter_stored_pages(lake_location, ["https://lake.example/7"]))
    assert stored[0].body == b"<html>7 v1</html>"  # the body came along into the lake's archive
    assert (Path(parse_location(lake_location).data_path or "") / "pages").is_dir()
    lake_files = export_tables(lake_location, Path(demo_file).parent / "from-lake")
    file_files = export_tables(demo_file, Path(demo_file).parent / "from-file")
    assert [p.name for p in lake_files] == [p.name for p in file_files]
    assert (Path(demo_file).parent / "from-lake" / "facts.parquet").stat().st_size > 1000
    with pytest.raises(WarehouseError, match="already holds"):
        migrate_to(demo_file, lake_location)  # never merged twice
    with reader(lake_location) as dst:
        assert one(dst, "SELECT count(*) FROM pages") == 300


def test_migrate_refuses_what_it_cannot_copy(tmp_path: Path, lake_location: str) -> None:
    with pytest.raises(BadLocation, match="no warehouse file"):
        migrate_to(str(tmp_path / "missing.duckdb"), lake_location)
    with pytest.raises(BadLocation, match="must be a lake"):
        migrate_to(str(tmp_path / "missing.duckdb"), str(tmp_path / "other.duckdb"))
    with pytest.raises(BadLocation, match="is a lake"):
        migrate_to(lake_location, lake_location)
