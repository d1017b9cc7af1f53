"""Durable loads and readers during a run, with the real CLI in a subprocess.

* A run killed with SIGKILL at several moments, then run again, leaves the
  same articles, facts and events as one uninterrupted run.
* While a run writes, a reader process opening the database read-only every
  0.2 s always gets its trend queries answered.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import DEMO

pytestmark = pytest.mark.prefect
NEWSFACTS = str(Path(sys.executable).parent / "newsfacts")


@pytest.fixture(scope="module")
def api_env(prefect_api: None) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    env = dict(os.environ)
    env["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    env["PREFECT_LOGGING_LEVEL"] = "WARNING"
    return env


@pytest.fixture(scope="module")
def mirror() -> Iterator[Any]:
    from ingest.demo_server import serve_demo

    with serve_demo(DEMO, copies=4, delay_s=0.02) as site:
        yield site


def ingest(db: Path, site: Any, env: dict[str, str], *extra: str) -> subprocess.Popen[bytes]:
    args = [NEWSFACTS, "ingest", "--feed", site.feed_url, "--allow-host", site.host, "--delay", "0",
            "--db", str(db), *extra]  # fmt: skip
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(proc: subprocess.Popen[bytes], timeout: float = 300) -> None:
    _, err = proc.communicate(timeout=timeout)
    assert proc.returncode == 0, err.decode("utf-8", "replace")[-3000:]


def contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Everything derived from the pages, without run ids and clock times."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "articles": con.execute(
                "SELECT article_id, canonical_url, title, text, published, language, topics, content_hash"
                " FROM articles ORDER BY 1"
            ).fetchall(),
            "facts": con.execute("SELECT * EXCLUDE (run_id) FROM facts ORDER BY fact_id").fetchall(),
            "events": con.execute(
                "SELECT * EXCLUDE (run_id, first_run_id, first_seen_at, last_seen_at) FROM events ORDER BY 1"
            ).fetchall(),
            "fact_mentions": con.execute("SELECT fact_id, event_id FROM fact_mentions ORDER BY 1").fetchall(),
        }
    finally:
        con.close()


def test_sigkill_at_any_moment_then_rerun_equals_one_clean_run(
    api_env: dict[str, str], mirror: Any, tmp_path: Path
) -> None:
    clean = tmp_path / "clean.duckdb"
    started = time.monotonic()
    finish(ingest(clean, mirror, api_env))
    duration = time.monotonic() - started
    expected = contents(clean)
    assert len(expected["articles"]) == 4 * 28 and expected["events"]

    killed = tmp_path / "killed.duckdb"
    for fraction in (0.35, 0.6, 0.85):
        proc = ingest(killed, mirror, api_env, "--batch-size", "10")
        time.sleep(duration * fraction)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finish(ingest(killed, mirror, api_env))
    assert contents(killed) == expected
    leftovers = [p.name for p in tmp_path.iterdir() if ".tmp-" in p.name]
    assert leftovers == []


READER = textwrap.dedent(
    """
    import json, sys, time
    import duckdb
    db, stop_file = sys.argv[1], sys.argv[2]
    views = None
    report = {"attempts": 0, "failures": [], "max_s": 0.0, "articles": []}
    while True:
        started = time.monotonic()
        report["attempts"] += 1
        try:
            con = duckdb.connect(db, read_only=True)
            if views is None:
                views = [r[0] for r in con.execute(
                    "SELECT view_name FROM duckdb_views() WHERE starts_with(view_name, 'trend_')").fetchall()]
            for view in views:
                con.execute(f"SELECT * FROM {view}").fetchall()
            report["articles"].append(con.execute("SELECT count(*) FROM articles").fetchone()[0])
            con.close()
        except Exception as exc:
            report["failures"].append(f"{type(exc).__name__}: {exc}")
        report["max_s"] = max(report["max_s"], time.monotonic() - started)
        if stop_file and __import__("os").path.exists(stop_file):
            break
        time.sleep(0.2)
    print(json.dumps(report))
    """
)


def test_readers_are_never_locked_out_during_a_long_run(api_env: dict[str, str], tmp_path: Path) -> None:
    from ingest.demo_server import serve_demo

    db = tmp_path / "news.duckdb"
    with serve_demo(DEMO, port=0) as small:
        finish(ingest(db, small, api_env))
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(db), str(stop)], stdout=subprocess.PIPE)
    with serve_demo(DEMO, copies=5, delay_s=0.25) as slow:
        started = time.monotonic()
        finish(ingest(db, slow, api_env, "--concurrency", "2", "--batch-size", "20"))
        run_seconds = time.monotonic() - started
    stop.touch()
    out, _ = reader.communicate(timeout=60)
    report = json.loads(out)
    assert run_seconds >= 15, f"the run took only {run_seconds:.0f}s"
    assert report["attempts"] >= 50
    assert report["failures"] == []
    assert report["max_s"] < 2.0
    seen = sorted(set(report["articles"]))
    assert seen[0] == 28 and seen[-1] == 28 + 140 and len(seen) >= 3, seen  # progress was published mid-run
