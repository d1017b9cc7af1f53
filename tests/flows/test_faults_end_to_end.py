"""`newsfacts ingest` against one feed that leads to every fault (issue: fetching as a crawler must)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.conftest import DEMO
from tests.flows.fault_site import FAULTS, RECOVERS, serve_faults

pytestmark = pytest.mark.prefect
NEWSFACTS = str(Path(sys.executable).parent / "newsfacts")


def _high_water_mb(pid: int) -> float:
    """The peak RSS of ``pid`` and of its children so far (the largest), from /proc; 0 once gone."""
    peak = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if status.parent.name == str(pid) or fields.get("PPid", "").strip() == str(pid):
            peak = max(peak, int(fields.get("VmHWM", "0 kB").split()[0]) / 1024)
    return peak


def ingest(feed: str, db: Path, env: dict[str, str]) -> float:
    """Run the ingest; the peak RSS in MB of its process and its extraction processes.

    Read from each process's own high-water mark while it runs: a child's rusage would also count
    the memory of this test process, which it shares between fork and exec (Linux keeps that peak),
    and this process has grown through the benchmark gates by then."""
    command = [NEWSFACTS, "ingest", "--feed", feed, "--allow-host", "127.0.0.1", "--db", str(db),
               "--delay", "0", "--timeout", "2", "--retries", "1"]  # fmt: skip
    peak = 0.0
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=err, text=True)
        time.sleep(0.2)  # past the exec: from here the high-water mark is the ingest's own
        deadline = time.monotonic() + 300
        while proc.poll() is None:
            peak = max(peak, _high_water_mb(proc.pid))
            if time.monotonic() > deadline:
                proc.kill()
            time.sleep(0.05)
        err.seek(0)
        assert proc.returncode == 0, err.read()[-3000:]
    return peak


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_every_fault_is_recorded_and_the_good_pages_load(
    prefect_api: None, demo_manifest: list[dict[str, Any]], tmp_path: Path
) -> None:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PREFECT_LOGGING_LEVEL": "WARNING"}
    db = tmp_path / "faults.duckdb"
    with serve_faults(DEMO, demo_manifest) as site:
        peak_mb = ingest(site.feed_url, db, env)
        reasons = dict(rows(db, "SELECT url, reason FROM pages WHERE status IN ('failed', 'skipped')"))
        for path, reason in FAULTS.items():
            assert reasons.get(site.base_url + path) == reason, path
        assert site.hits["/private/secret.html"] == 0  # robots: never fetched
        assert sum(site.internal_hits.values()) == 0  # nothing reached 127.0.0.2
        assert peak_mb < 600, f"peak RSS {peak_mb:.0f} MB through a 1 GiB gzip bomb"

        articles = {r[0]: r for r in rows(db, "SELECT url, title, text, language FROM articles")}
        for path, entry in site.good.items():
            _, title, text, language = articles[site.base_url + path]
            assert (title, language) == (entry["title"], entry["language"]), path
            assert "\ufffd" not in title + text
            for fact in entry["facts"]:
                assert fact["evidence"] in text, path
        for path in RECOVERS:  # 429 with Retry-After, then 500: retried, then loaded
            assert site.hits[path] == 2 and site.base_url + path in articles
        counts = rows(db, "SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM articles),"
                          " (SELECT count(*) FROM facts)")  # fmt: skip

        good_hits = {path: site.hits[path] for path in site.good}
        ingest(site.feed_url, db, env)  # the server has not changed
        unchanged = dict(rows(db, "SELECT url, status FROM pages"))
        for path in site.good:
            assert unchanged[site.base_url + path] == "unchanged", path  # a 304, no body
            assert site.hits[path] == good_hits[path] + 1
        assert rows(db, "SELECT (SELECT count(*) FROM pages), (SELECT count(*) FROM articles),"
                        " (SELECT count(*) FROM facts)") == counts  # fmt: skip
