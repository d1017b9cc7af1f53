"""The whole scale-out path, end to end, on real parts.

A Prefect server on PostgreSQL, a process work pool with two workers, three
loopback news sites of 200 pages each (on 127.0.0.2-4, so each is its own
host), a DuckLake lake on the same PostgreSQL with a local data path. The
nightly flow plans the run and hands its batches to the pool; one worker is
killed, with its flow runs, while batches are loading. Checked:

* both workers loaded batches, and every page is in the lake exactly once;
* each site saw its requests spaced by the delay, across both workers (the
  fleet-wide host gate);
* a reader querying every trend view in another process during the run
  never failed;
* after a re-run the lake holds the same content as two runs in one process,
  with nothing killed, into a second lake.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from bench.site import demo_pages, serve_pages
from tests.fleet import deploy, kill_worker, prefect_server, use_api, work_pool, workers
from warehouse import reader

pytestmark = pytest.mark.prefect

POOL = "newsfacts-e2e"
SITES = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
PAGES = 200
BATCH = 40
DELAY = 0.05
BATCH_TIMEOUT = 40.0  # a killed worker's batch is taken as lost after this and run again

READER = textwrap.dedent(
    """
    import json, sys, time
    from pathlib import Path
    from warehouse import list_trends, query_trend

    lake, stop, out = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    done, failures = 0, []
    while not stop.exists():
        try:
            for name, _ in list_trends(lake):
                query_trend(lake, name, limit=5)
            done += 1
        except Exception as exc:
            failures.append(f"{type(exc).__name__}: {exc}"[:300])
        time.sleep(0.2)
    out.write_text(json.dumps({"done": done, "failures": failures}))
    """
)

CONTENT = {
    "pages": "SELECT url, status, content_hash, article_id FROM pages",
    "articles": "SELECT article_id, url, title, text, published, language, extractor_version FROM articles",
    "facts": "SELECT article_id, type, actor, target_country, amount, currency, evidence FROM facts",
    "events": "SELECT event_id, fact_type, actor, amount, mention_count FROM events",
}


def content(lake: str) -> dict[str, list[str]]:
    with reader(lake) as con:
        return {name: sorted(map(repr, con.execute(sql).fetchall())) for name, sql in CONTENT.items()}


@pytest.fixture
def fleet(postgres: Any, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The server, pool, deployment, two workers, three sites and two empty lakes."""
    tag = f"{os.getpid()}"
    for name in (f"prefect_e2e_{tag}", f"lake_fleet_{tag}", f"lake_clean_{tag}"):
        postgres.create_database(name)
    with ExitStack() as stack:
        api_url = stack.enter_context(
            prefect_server(postgres.url(f"prefect_e2e_{tag}", driver="postgresql+asyncpg"), tmp_path)
        )
        work_pool(api_url, POOL)
        deploy(api_url, POOL, "flows/pool.py:ingest_batch_flow", "fleet")
        procs = stack.enter_context(workers(api_url, POOL, 2, tmp_path, limit=2))
        pages = demo_pages()
        sites = [stack.enter_context(serve_pages(PAGES, pages=pages, host=host)) for host in SITES]
        yield {
            "api_url": api_url,
            "workers": procs,
            "sites": sites,
            "lake": postgres.lake_location(f"lake_fleet_{tag}", tmp_path / "lake"),
            "clean": postgres.lake_location(f"lake_clean_{tag}", tmp_path / "clean"),
            "tmp": tmp_path,
        }
    from warehouse import lake

    lake.close_all()
    for name in (f"prefect_e2e_{tag}", f"lake_fleet_{tag}", f"lake_clean_{tag}"):
        postgres.drop_database(name)


def run_nightly(lake: str, sites: list[Any], deployment: str | None) -> dict[str, Any]:
    from flows.nightly import nightly_ingest

    return nightly_ingest(
        db_path=lake,
        sitemaps=[site.sitemap_url for site in sites],
        allow_hosts=list(SITES),
        delay=DELAY,
        batch_size=BATCH,
        batch_deployment=deployment,
        report_path="",
        run_label="fleet",
    )


def batch_workers(lake: str, run_id: str) -> dict[int, int]:
    """Batches loaded per worker process (the parent of each flow run's process)."""
    with reader(lake) as con:
        rows = con.execute("SELECT worker FROM batch_runs WHERE run_id = ?", [run_id]).fetchall()
    found: dict[int, int] = {}
    for (worker,) in rows:
        ppid = int(worker.rsplit("ppid=", 1)[1])
        found[ppid] = found.get(ppid, 0) + 1
    return found


def test_two_workers_share_a_run_and_a_killed_worker_costs_nothing(
    fleet: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFACTS_BATCH_TIMEOUT", str(BATCH_TIMEOUT))
    lake, sites, procs, tmp = fleet["lake"], fleet["sites"], fleet["workers"], fleet["tmp"]
    stop, reader_out = tmp / "stop-reader", tmp / "reader.json"
    reading = subprocess.Popen([sys.executable, "-c", READER, lake, str(stop), str(reader_out)])
    result: dict[str, Any] = {}
    with use_api(fleet["api_url"]):
        run = threading.Thread(
            target=lambda: result.update(run_nightly(lake, sites, "ingest-batch/fleet")), daemon=True
        )
        run.start()
        deadline = time.monotonic() + 240
        while sum(site.served for site in sites) < PAGES and time.monotonic() < deadline:
            time.sleep(0.1)  # a third of the pages fetched: batches are loading on both workers
        kill_worker(procs[0])
        run.join(timeout=400)
        assert not run.is_alive(), "the fleet run did not finish"
        stop.touch()
        reading.wait(timeout=60)

        summary = result
        assert sum(s["articles"] for s in summary["sources"].values()) == len(SITES) * PAGES
        by_worker = batch_workers(lake, summary["run_id"])
        assert set(by_worker) == {p.pid for p in procs}, by_worker  # both workers loaded batches
        with reader(lake) as con:
            counts = con.execute("SELECT count(*), count(DISTINCT url) FROM pages").fetchone()
            articles = con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone()
        assert counts == (len(SITES) * PAGES, len(SITES) * PAGES)
        assert articles == (len(SITES) * PAGES, len(SITES) * PAGES)

        for site in sites:  # spacing held across the two workers, per site
            gaps = [b - a for a, b in zip(site.server.arrivals, site.server.arrivals[1:], strict=False)]
            assert min(gaps) >= DELAY * 0.8, f"{site.host}: {min(gaps):.3f}s between two requests"

        looked = json.loads(reader_out.read_text("utf-8"))
        assert looked["failures"] == [] and looked["done"] >= 3, looked

        run_nightly(lake, sites, "ingest-batch/fleet")  # the re-run, on the worker left
        for _ in range(2):  # the same two runs with no worker killed, in one process, into a second lake
            run_nightly(fleet["clean"], sites, None)
    assert content(lake) == content(fleet["clean"])
