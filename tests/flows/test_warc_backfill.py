"""``newsfacts backfill --warc``: the flow with one task per WARC file, re-runs, and a killed run.

A real Prefect API, real WARC files written with warcio from the demo corpus,
the CLI in a subprocess for the run that is killed with SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bench.warc_build import demo_pages, write_warc
from tests.conftest import DEMO

pytestmark = pytest.mark.prefect
NEWSFACTS = str(Path(sys.executable).parent / "newsfacts")


def contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Everything the files put in the warehouse, without run ids and clock times."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "pages": con.execute(
                "SELECT url, status, reason, content_hash, article_id, fetched_at, checked_at"
                " FROM pages ORDER BY 1"
            ).fetchall(),
            "articles": con.execute(
                "SELECT article_id, canonical_url, title, text, published, language, topics, content_hash"
                " FROM articles ORDER BY 1"
            ).fetchall(),
            "facts": con.execute("SELECT * EXCLUDE (run_id) FROM facts ORDER BY fact_id").fetchall(),
            "events": con.execute(
                "SELECT * EXCLUDE (run_id, first_run_id, first_seen_at, last_seen_at) FROM events ORDER BY 1"
            ).fetchall(),
            "warc_files": con.execute(
                "SELECT location, status, size_bytes, records_read, html_records, failed_by_reason"
                " FROM warc_files ORDER BY 1"
            ).fetchall(),
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("warcs")
    pages = demo_pages(DEMO)
    files = [folder / "CC-NEWS-1.warc.gz", folder / "CC-NEWS-2.warc.gz"]
    write_warc(files[0], pages[::2])
    write_warc(files[1], pages[1::2])
    return files


@pytest.fixture(scope="module")
def backfilled(prefect_api: None, two_files: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cli.main import main

    db = tmp_path_factory.mktemp("db") / "news.duckdb"
    assert main(["backfill", *(f"--warc={f}" for f in two_files), "--db", str(db)]) == 0
    return db


def test_backfill_loads_both_files_by_publication_month(
    backfilled: Path, two_files: list[Path], demo_manifest: list[dict[str, Any]]
) -> None:
    con = duckdb.connect(str(backfilled), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == len(demo_manifest)
        assert con.execute("SELECT count(*) FROM facts").fetchone()[0] >= 20
        files = con.execute("SELECT location, status, pages_kept FROM warc_files ORDER BY 1").fetchall()
        assert [(Path(f[0]), f[1]) for f in files] == [(f, "done") for f in two_files]
        assert sum(f[2] for f in files) == len(demo_manifest)
        months = {r[0] for r in con.execute("SELECT month FROM trend_investment_by_country_month").fetchall()}
        runs = con.execute("SELECT flow_name, status, articles FROM runs").fetchall()
    finally:
        con.close()
    # the demo's investments happened in these months, years before the WARC-Dates' run
    published = {
        e["published"][:7] for e in demo_manifest if any(f["type"] == "investment" for f in e["facts"])
    }
    assert months and months <= published and {"2024-04", "2024-01"} <= months
    assert runs == [("backfill", "completed", len(demo_manifest))]


def test_a_second_backfill_changes_nothing(backfilled: Path, two_files: list[Path], capsys: Any) -> None:
    from cli.main import main

    before = contents(backfilled)
    assert main(["backfill", *(f"--warc={f}" for f in two_files), "--db", str(backfilled)]) == 0
    assert "every file was done by an earlier run" in capsys.readouterr().out
    assert contents(backfilled) == before
    con = duckdb.connect(str(backfilled), read_only=True)
    try:  # a run with nothing new is no yield drop: the source's health and drift history are untouched
        statuses = con.execute(
            "SELECT r.status FROM source_runs r JOIN runs u USING (run_id) ORDER BY u.started_at"
        )
        assert [r[0] for r in statuses.fetchall()] == ["ok", "skipped"]
    finally:
        con.close()


def test_a_missing_file_is_one_line_on_stderr(tmp_path: Path, capsys: Any) -> None:
    from cli.main import main

    assert (
        main(["backfill", "--warc", str(tmp_path / "nope.warc.gz"), "--db", str(tmp_path / "x.duckdb")]) == 2
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no such file" in err[0] and "nope.warc.gz" in err[0]


def test_a_killed_backfill_resumes_to_the_clean_result(
    prefect_api: None, tmp_path: Path, backfilled: Path
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId
    from prefect.settings import PREFECT_API_URL

    from flows.nightly import nightly_ingest

    big = tmp_path / "CC-NEWS-big.warc.gz"
    write_warc(big, [p for copy in range(4) for p in demo_pages(DEMO, copy=copy)])
    clean = tmp_path / "clean.duckdb"
    summary = nightly_ingest(db_path=str(clean), warcs=[str(big)], batch_size=10, run_label="backfill")
    expected = contents(clean)
    assert len(expected["articles"]) == 4 * 28
    # the file's progress, as the ingest-progress artifact last showed it
    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[summary["flow_run_id"]]))
        )
    progress = [a.description or "" for a in found if a.key == "ingest-progress"]
    wanted = "1/1, 225 records read, 112 pages kept; last: CC-NEWS-big.warc.gz done,"
    assert any(wanted in d for d in progress), progress

    env = dict(os.environ, PREFECT_API_URL=str(PREFECT_API_URL.value()), PREFECT_LOGGING_LEVEL="WARNING")
    killed = tmp_path / "killed.duckdb"
    args = [NEWSFACTS, "backfill", "--warc", str(big), "--batch-size", "10", "--db", str(killed)]
    proc = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    archive = Path(str(killed) + ".pages")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:  # some batches loaded, the file not done
        if archive.is_dir() and sum(1 for _ in archive.rglob("*.gz")) >= 30:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the backfill ended before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    rerun = subprocess.run(args, env=env, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr.decode("utf-8", "replace")[-3000:]
    resumed = contents(killed)
    assert resumed == expected
