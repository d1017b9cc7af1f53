"""The command line on a lake: the same ingest, trends and migrate as on a file, with --warehouse."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ingest.config import IngestOptions, build_config
from ingest.errors import ConfigError
from ingest.run import run_ingest
from warehouse import list_trends, query_trend, reader

NEWSFACTS = str(Path(sys.executable).parent / "newsfacts")


def newsfacts(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NEWSFACTS, *args], capture_output=True, text=True, timeout=300, check=False)


def ingest_demo(warehouse: str, site: Any) -> None:
    source = {"name": "demo", "kind": "rss", "url": site.feed_url, "allow_hosts": [site.host]}
    options = IngestOptions(warehouse=warehouse, sources=(source,), delay=0.0, report_path="")
    run_ingest(build_config(options, env={}))


def trend_rows(warehouse: str) -> dict[str, list[str]]:
    """Every trend view's rows, as a sorted list (rows that tie in a view's order may come either way)."""
    return {name: sorted(map(repr, query_trend(warehouse, name).rows)) for name, _ in list_trends(warehouse)}


def test_the_same_run_into_a_lake_and_a_file_gives_the_same_trends(
    tmp_path: Path, demo_site: Any, lake_location: str
) -> None:
    file = str(tmp_path / "news.duckdb")
    ingest_demo(file, demo_site)
    ingest_demo(lake_location, demo_site)
    lake_trends = trend_rows(lake_location)
    assert lake_trends == trend_rows(file)
    assert sum(len(rows) for rows in lake_trends.values()) > 20
    ingest_demo(lake_location, demo_site)  # a re-run adds nothing
    with reader(lake_location) as con:
        assert con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone() == (28, 28)
    done = newsfacts("trends", "--warehouse", lake_location)
    assert done.returncode == 0, done.stderr
    assert "trend_" in done.stdout


def test_migrate_moves_a_file_into_a_lake_from_the_command_line(
    tmp_path: Path, demo_site: Any, lake_location: str
) -> None:
    file = str(tmp_path / "news.duckdb")
    ingest_demo(file, demo_site)
    done = newsfacts("migrate", "--db", file, "--to", lake_location)
    assert done.returncode == 0, done.stderr
    assert "articles" in done.stdout and "copied" in done.stdout
    assert trend_rows(lake_location) == trend_rows(file)
    again = newsfacts("migrate", "--db", file, "--to", lake_location)
    assert again.returncode != 0
    assert len(again.stderr.strip().splitlines()) == 1 and "already holds" in again.stderr
    wrong = newsfacts("migrate", "--db", file, "--to", str(tmp_path / "other.duckdb"))
    assert wrong.returncode == 2 and "must be a lake" in wrong.stderr


def test_maintain_tidies_a_lake_and_leaves_a_file_alone(
    tmp_path: Path, demo_site: Any, lake_location: str
) -> None:
    ingest_demo(lake_location, demo_site)
    trends = trend_rows(lake_location)
    done = newsfacts("maintain", "--warehouse", lake_location, "--keep-days", "0")
    assert done.returncode == 0, done.stderr
    assert "data files" in done.stdout and "snapshots" in done.stdout and "tidied the lake" in done.stdout
    assert trend_rows(lake_location) == trends
    file = str(tmp_path / "news.duckdb")
    ingest_demo(file, demo_site)
    untouched = newsfacts("maintain", "--db", file)
    assert untouched.returncode == 0 and "needs no maintenance" in untouched.stdout
    wrong = newsfacts("maintain", "--db", file, "--keep-days", "-1")
    assert wrong.returncode == 2 and len(wrong.stderr.strip().splitlines()) == 1
    missing = newsfacts("maintain", "--db", str(tmp_path / "none.duckdb"))
    assert missing.returncode == 2 and "no warehouse at" in missing.stderr
    assert not (tmp_path / "none.duckdb").exists()


def test_batches_on_a_pool_need_a_lake(tmp_path: Path) -> None:
    options = IngestOptions(
        warehouse=str(tmp_path / "news.duckdb"), urls=("https://example.org/a",),
        batch_deployment="ingest-batch/fleet",
    )  # fmt: skip
    with pytest.raises(ConfigError, match="needs a lake"):
        build_config(options, env={})
    lake = "ducklake:postgres:dbname=lake host=db.example?data_path=/shared/lake/"
    config = build_config(IngestOptions(warehouse=lake, urls=("https://example.org/a",)),
                          env={"NEWSFACTS_BATCH_DEPLOYMENT": "ingest-batch/fleet"})  # fmt: skip
    assert config.batch_deployment == "ingest-batch/fleet"
    assert config.report_file == "news.report.html"
