"""The warehouse as analysts and operators use it: duckdb CLI, reextract offline, Parquet and CSV export."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

pytestmark = pytest.mark.prefect
VIEWS = (
    "trend_investment_by_country_month",
    "trend_facts_by_type_week",
    "trend_top_actors",
    "trend_sovereignty_actions",
    "trend_topics_week",
    "trend_new_events",
)


@pytest.fixture(scope="module")
def warehouse_db(prefect_api: None, demo_site: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from flows.nightly import nightly_ingest

    db = tmp_path_factory.mktemp("tools") / "news.duckdb"
    nightly_ingest(
        db_path=str(db),
        sources=[{"name": "demo", "kind": "rss", "url": demo_site.feed_url, "allow_hosts": [demo_site.host]}],
        delay=0.0,
    )
    return db


def test_duckdb_cli_reads_every_trend_view(warehouse_db: Path) -> None:
    cli = shutil.which("duckdb", path=str(Path(sys.executable).parent))
    assert cli, "the duckdb CLI (duckdb-cli, a dev dependency) is not installed"
    version = subprocess.run([cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("v1.5")
    for view in VIEWS:
        query = f"SELECT count(*) FROM {view}"
        command = [cli, "-readonly", "-csv", str(warehouse_db), "-c", query]
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert int(done.stdout.split()[-1]) >= 1, view


def test_demo_event_reported_by_several_articles_counts_once(warehouse_db: Path) -> None:
    con = duckdb.connect(str(warehouse_db), read_only=True)
    try:
        row = con.execute(
            "SELECT mention_count, article_count, amount_usd FROM events"
            " WHERE fact_type = 'investment' AND actor = 'Microsoft' AND target_country = 'JP' AND is_current"
        ).fetchall()
        assert len(row) == 1 and row[0][1] >= 2, row
        month = con.execute(
            "SELECT events, usd_billions FROM trend_investment_by_country_month"
            " WHERE country = 'JP' AND month = '2024-04'"
        ).fetchone()
        facts = con.execute(
            "SELECT count(*) FROM facts WHERE fact_type = 'investment' AND actor = 'Microsoft'"
            " AND target_country = 'JP'"
        ).fetchone()
    finally:
        con.close()
    assert facts is not None and facts[0] >= 2
    assert month is not None and month[1] < 2.9 * facts[0]  # counted once, not per article


def test_reextract_works_offline_and_is_stable(warehouse_db: Path, tmp_path: Path) -> None:
    from ingest.reextract import reextract_pages

    db = tmp_path / "copy.duckdb"
    shutil.copyfile(warehouse_db, db)  # a published file alone: the working file is seeded from it
    shutil.copytree(f"{warehouse_db}.pages", f"{db}.pages")  # with its page archive
    before = _derived(db)
    assert reextract_pages(str(db))["pages"] == 0  # nothing stale
    counts = reextract_pages(str(db), everything=True)  # no server is running for this copy
    assert counts["pages"] == before["pages"] and counts["articles"] == before["articles"]
    assert counts["missing"] == 0
    assert _derived(db) == before

    orphan = tmp_path / "no-archive.duckdb"
    shutil.copyfile(warehouse_db, orphan)  # the file without its archive: nothing to re-extract from
    counts = reextract_pages(str(orphan), everything=True)
    assert counts["missing"] == before["pages"] and counts["articles"] == 0
    assert _derived(orphan) == before  # what was derived before is kept, not dropped


def _derived(db: Path) -> dict[str, Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "pages": con.execute("SELECT count(*) FROM pages WHERE content_hash IS NOT NULL").fetchone()[0],
            "articles": con.execute("SELECT count(*) FROM articles").fetchone()[0],
            "facts": sorted(con.execute("SELECT fact_id, fact_type, actor, amount FROM facts").fetchall()),
            "events": sorted(con.execute("SELECT event_id, mention_count FROM events").fetchall()),
        }
    finally:
        con.close()


def test_reextract_cli_says_when_there_is_nothing_to_do(
    warehouse_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    assert main(["reextract", "--db", str(warehouse_db)]) == 0
    assert "nothing to do" in capsys.readouterr().out


def test_export_writes_every_table_and_view(warehouse_db: Path, tmp_path: Path) -> None:
    from cli.main import main

    out = tmp_path / "parquet"
    assert main(["export", "--format", "parquet", str(out), "--db", str(warehouse_db)]) == 0
    names = {p.stem for p in out.glob("*.parquet")}
    assert set(VIEWS) | {"articles", "facts", "events", "pages", "runs", "sources"} <= names
    con = duckdb.connect()
    try:
        exported = con.execute(f"SELECT count(*) FROM '{out / 'articles.parquet'}'").fetchone()
        columns = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM '{out / 'pages.parquet'}'").fetchall()]
    finally:
        con.close()
    assert exported is not None and exported[0] == 28
    assert "raw_gz" not in columns


def test_export_csv_through_the_command_line(warehouse_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "csv"
    exe = Path(sys.executable).parent / "newsfacts"
    command = [str(exe), "export", "--format", "csv", str(out), "--db", str(warehouse_db)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert f"CSV files to {out}" in done.stdout
    names = {p.stem for p in out.glob("*.csv")}
    assert set(VIEWS) | {"articles", "facts", "events", "fact_mentions", "pages", "runs", "sources"} <= names
    assert not list(out.glob("*.parquet"))

    def read(name: str) -> tuple[list[str], list[dict[str, str]]]:
        with (out / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            return list(reader.fieldnames or []), list(reader)

    con = duckdb.connect(str(warehouse_db), read_only=True)
    try:
        for name in ("articles", "facts", "events", "trend_investment_by_country_month", "trend_top_actors"):
            result = con.execute(f"SELECT * FROM {name}")
            columns = [d[0] for d in result.description]
            rows = result.fetchall()
            header, records = read(name)
            assert header == columns, name
            assert len(records) == len(rows) > 0, name
        header, _ = read("pages")
        assert "raw_gz" not in header and "content_hash" not in header and "url" in header
        events = {
            r[0]: r[1:]
            for r in con.execute("SELECT event_id, actor, amount_usd, mention_count FROM events").fetchall()
        }
        titles = dict(con.execute("SELECT article_id, title FROM articles").fetchall())
    finally:
        con.close()
    for record in read("events")[1]:
        actor, amount_usd, mentions = events[record["event_id"]]
        assert record["actor"] == (actor or "")
        assert (float(record["amount_usd"]) if record["amount_usd"] else None) == pytest.approx(amount_usd)
        assert int(record["mention_count"]) == mentions
    articles = read("articles")[1]
    assert {r["article_id"]: r["title"] for r in articles} == titles
    assert any(r["language"] == "ja" for r in articles) and any(r["language"] == "ko" for r in articles)
