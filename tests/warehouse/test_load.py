"""Warehouse tests on in-memory DuckDB: migrations and idempotent batch loads."""

from __future__ import annotations

import gzip
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from extractors.models import Article, Fact
from warehouse import PageRecord, apply_migrations, load_pages, load_records, writer
from warehouse.archive import PageArchive, body_hash
from warehouse.migrations import available_migrations
from warehouse.stored import iter_stored_pages

T0 = datetime(2026, 11, 24, 2, 0)
T1 = datetime(2026, 11, 25, 2, 0)


def article(url: str, text: str = "Microsoft will invest $2.9 billion in Japan over two years.") -> Article:
    return Article(
        url=url, canonical_url=url, title="Microsoft in Japan", text=text, published=date(2024, 4, 10),
        language="en", authors=("A. Writer",),
    )  # fmt: skip


def fact(evidence: str = "Microsoft will invest $2.9 billion in Japan over two years.") -> Fact:
    return Fact(
        type="investment", actor="Microsoft", evidence=evidence, evidence_start=0,
        evidence_end=len(evidence), target_country="JP", amount=2.9e9, currency="USD", amount_usd=2.9e9,
        horizon="over two years", extractor_version="t",
    )  # fmt: skip


def fetched(url: str, body: bytes = b"<html>v1</html>", *, at: datetime = T0, facts: int = 1) -> PageRecord:
    return PageRecord(
        url=url, source="s", status="fetched", checked_at=at, fetched_at=at, body=body, etag='"v1"',
        http_status=200, article=article(url), facts=tuple(fact() for _ in range(facts)), topics=("cloud",),
        extractor_version="t",
    )  # fmt: skip


def counts(con: duckdb.DuckDBPyConnection) -> tuple[int, int, int]:
    row = con.execute(
        "SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM articles), (SELECT count(*) FROM facts)"
    ).fetchone()
    assert row is not None
    return row


def test_migrations_are_recorded_and_rerunnable(con: duckdb.DuckDBPyConnection) -> None:
    versions = [r[0] for r in con.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()]
    assert versions == [m.version for m in available_migrations()]
    assert apply_migrations(con) == []  # second time: nothing to do
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    assert {"sources", "runs", "pages", "articles", "facts", "source_runs"} <= tables


def test_loading_twice_changes_nothing(con: duckdb.DuckDBPyConnection) -> None:
    batch = [fetched("https://a.example/1"), fetched("https://a.example/2")]
    first = load_records(con, batch, run_id="r1")
    assert (first.articles, first.new_articles, first.facts) == (2, 2, 2)
    second = load_records(con, batch, run_id="r2")
    assert second.new_articles == 0
    assert counts(con) == (2, 2, 2)
    for run in ("r3", "r4"):  # facts have no key index: uniqueness comes from replace-per-article
        load_records(con, [fetched("https://a.example/1", facts=3), fetched("https://a.example/1", facts=2)],
                     run_id=run)  # fmt: skip
    # the batch's last copy of the article wins whole: its 2 facts, none left over from the 3-fact copy
    assert con.execute("SELECT count(*), count(DISTINCT fact_id) FROM facts").fetchone() == (3, 3)


def test_duplicates_inside_one_batch_keep_the_last(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    url = "https://a.example/1"
    archive = PageArchive(tmp_path / "pages")
    load_records(con, [fetched(url, b"old"), fetched(url, b"new", at=T1)], run_id="r1", archive=archive)
    assert counts(con) == (1, 1, 1)
    digest = con.execute("SELECT content_hash FROM pages").fetchone()
    assert digest == (body_hash(b"new"),)
    assert archive.get(digest[0]) == b"new"
    assert archive.get(body_hash(b"old")) is None  # only the winning copy is stored


def test_bodies_live_in_the_archive_beside_the_file(tmp_path: Path) -> None:
    db = str(tmp_path / "news.duckdb")
    bodies = [b"<html>first</html>", b"<html>second</html>"]
    load_pages(db, [fetched(f"https://a.example/{i}", body) for i, body in enumerate(bodies)], run_id="r1")
    load_pages(db, [fetched("https://a.example/0", bodies[0])], run_id="r2")  # same bytes: one file
    files = sorted((tmp_path / "news.duckdb.pages").rglob("*.gz"))
    assert [f.name for f in files] == sorted(f"{body_hash(b)}.gz" for b in bodies)
    assert not list((tmp_path / "news.duckdb.pages").rglob("*.tmp"))
    stored = [
        p for batch in iter_stored_pages(db, ["https://a.example/0", "https://a.example/1"]) for p in batch
    ]
    assert [p.body for p in stored] == bodies
    files[0].write_bytes(b"not gzip")  # a damaged file reads as missing, it does not crash the reader
    assert {p.body for batch in iter_stored_pages(db, ["https://a.example/0", "https://a.example/1"])
            for p in batch} & {None}  # fmt: skip


def test_an_older_warehouse_moves_its_bodies_into_the_archive(tmp_path: Path) -> None:
    """Bodies stored in pages.raw_gz (before migration 004) are carried over, then the column goes."""
    db = str(tmp_path / "news.duckdb")
    con = duckdb.connect(db + ".work")
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)")  # fmt: skip
    for migration in available_migrations():
        if migration.version < 4:
            con.execute(migration.sql)
            con.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)",
                        [migration.version, migration.name])  # fmt: skip
    body = b"<html>kept since 2025</html>"
    con.execute(
        "INSERT INTO pages (url, status, content_hash, raw_gz, checked_at, run_id)"
        " VALUES ('https://a.example/old', 'fetched', ?, ?, now(), 'r0')",
        [body_hash(body), gzip.compress(body)],
    )
    con.close()
    with writer(db) as upgraded:
        columns = {r[0] for r in upgraded.execute("SELECT column_name FROM duckdb_columns()"
                                                  " WHERE table_name = 'pages'").fetchall()}  # fmt: skip
    assert "raw_gz" not in columns and "content_hash" in columns
    stored = next(iter_stored_pages(db, ["https://a.example/old"]))
    assert [p.body for p in stored] == [body]


def test_reload_replaces_facts_and_keeps_first_seen(con: duckdb.DuckDBPyConnection) -> None:
    url = "https://a.example/1"
    load_records(con, [fetched(url, facts=1)], run_id="r1")
    first_seen = con.execute("SELECT first_seen_at FROM articles").fetchone()
    changed = PageRecord(
        url=url, source="s", status="fetched", checked_at=T1, fetched_at=T1, body=b"v2",
        article=article(url, "New text."), facts=(), extractor_version="t",
    )  # fmt: skip
    load_records(con, [changed], run_id="r2")
    assert counts(con) == (1, 1, 0)
    assert con.execute("SELECT first_seen_at FROM articles").fetchone() == first_seen
    assert con.execute("SELECT text, run_id FROM articles").fetchone() == ("New text.", "r2")


def test_failure_after_success_keeps_bytes_and_validators(con: duckdb.DuckDBPyConnection) -> None:
    url = "https://a.example/1"
    load_records(con, [fetched(url)], run_id="r1")
    failed = PageRecord(url=url, source="s", status="failed", checked_at=T1, reason="timeout", detail="slow")
    load_records(con, [failed], run_id="r2")
    row = con.execute(
        "SELECT status, reason, etag, content_hash IS NOT NULL, article_id IS NOT NULL, checked_at FROM pages"
    )
    assert row.fetchone() == ("failed", "timeout", '"v1"', True, True, T1)
    assert counts(con) == (1, 1, 1)


def test_every_row_carries_its_run(con: duckdb.DuckDBPyConnection) -> None:
    load_records(con, [fetched("https://a.example/1")], run_id="run-42")
    for table in ("pages", "articles", "facts"):
        assert con.execute(f"SELECT DISTINCT run_id FROM {table}").fetchall() == [("run-42",)]


def test_a_failing_batch_leaves_nothing_half_loaded(con: duckdb.DuckDBPyConnection) -> None:
    good = fetched("https://a.example/1")
    bad = PageRecord(url="https://a.example/2", source="s", status="fetched", checked_at=T0,
                     article=article("https://a.example/2"), facts=(fact(),))  # fmt: skip
    object.__setattr__(bad, "status", None)  # violates NOT NULL on pages.status
    with pytest.raises(duckdb.Error):
        load_records(con, [good, bad], run_id="r1")
    assert counts(con) == (0, 0, 0)


def test_the_writer_stores_small_row_groups(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each close checkpoints, rewriting changed row groups whole: they must stay small, not 122,880 rows."""
    import warehouse.connection

    monkeypatch.setattr(warehouse.connection, "ROW_GROUP_SIZE", 2048)
    db = str(tmp_path / "news.duckdb")
    for batch in range(5):  # 5 loads of 1,000 pages, each its own connection and checkpoint
        load_pages(db, [fetched(f"https://a.example/{batch}/{i}", facts=0) for i in range(1000)], run_id="r")
    con = duckdb.connect(db + ".work", read_only=True)
    groups = con.execute(
        "SELECT count(DISTINCT row_group_id), max(count) FROM pragma_storage_info('articles')"
    ).fetchone()
    assert con.execute("SELECT count(*) FROM articles").fetchone() == (5000,)
    con.close()
    assert groups is not None and groups[0] >= 3 and groups[1] <= 2048


def test_a_writer_opened_inside_another_reuses_its_connection(tmp_path: Path) -> None:
    db = str(tmp_path / "news.duckdb")
    with writer(db) as outer:
        outer.execute("CREATE TABLE notes (n INTEGER)")
        with writer(db) as inner:  # one thread, one file: the same connection, not a second attach
            inner.execute("INSERT INTO notes VALUES (1)")
        assert outer.execute("SELECT count(*) FROM notes").fetchone() == (1,)
    with writer(db) as again:  # the outer exit closed it; a new writer opens cleanly
        assert again.execute("SELECT count(*) FROM notes").fetchone() == (1,)


def test_a_batch_and_its_figures_are_written_in_one_transaction(tmp_path: Path) -> None:
    """A worker killed between the load and the figures would leave pages a repeat counts as unchanged."""
    from warehouse import BatchMark, read_batch

    db = str(tmp_path / "w.duckdb")
    pages = [fetched(f"https://news.example/{i}") for i in range(3)]

    def killed(_loaded: object) -> dict[str, int]:
        raise KeyboardInterrupt  # what a kill between the merge and the commit looks like from here

    with pytest.raises(KeyboardInterrupt):
        load_pages(db, pages, run_id="r1", batch=BatchMark("r1", "s", 4, 3, figures=killed))
    with writer(db) as con:
        assert counts(con) == (0, 0, 0)  # the pages went with the figures
    assert read_batch(db, "r1", "s", 4) is None

    mark = BatchMark("r1", "s", 4, 3, figures=lambda loaded: {"articles": loaded.articles}, flow_run_id="f")
    loaded = load_pages(db, pages, run_id="r1", batch=mark)
    assert loaded.articles == 3
    assert read_batch(db, "r1", "s", 4) == {"articles": 3}
    again = BatchMark("r1", "s", 4, 3, figures=lambda loaded: {"articles": 0}, flow_run_id="g")
    # Submitted again after a timeout: the repeat finds the pages loaded, and the first figures stand.
    load_pages(db, pages, run_id="r1", batch=again)
    assert read_batch(db, "r1", "s", 4) == {"articles": 3}
    with writer(db) as con:
        assert counts(con) == (3, 3, 3)
        assert con.execute("SELECT count(*) FROM batch_runs").fetchone() == (1,)
