"""The whole scale-out path, end to end, on real parts.

A Prefect server on PostgreSQL, a process work pool with two workers, three
loopback news sites of 150 pages each (on 127.0.0.2-4, so each is its own
host), a DuckLake lake on the same PostgreSQL with a local data path. The
nightly flow plans the run and hands its batches to the pool; one worker is
killed, with its flow runs, while batches are loading. Checked:

* both workers loaded batches, a batch run's process went on to batch runs waiting on
  the pool (flows.batch_process), and every page is in the lake exactly once;
* each site saw its requests spaced by the delay, across both workers (the
  fleet-wide host gate), within the jitter of processes that wait for a core;
* a reader querying every trend view in another process during the run
  never failed;
* after a re-run the lake holds the same pages, articles, facts and events
  as a clean run (one process, nothing killed) into a second lake.
"""

from __future__ import annotations

import contextvars
import itertools
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

from tests.fleet import deploy_batches, kill_worker, prefect_server, use_api, work_pool, workers
from warehouse import reader

pytestmark = pytest.mark.prefect

POOL = "newsfacts-e2e"
SITES = ("127.0.0.2", "127.0.0.3", "127.0.0.4")
PAGES = 150
BATCH = 50
DELAY = 0.12  # Prefect's rate limits decay in coarse steps: spacing of a few tens of ms is not kept
# A killed worker's batch is taken as lost after this and run again. Not less than the 60 s lease on
# the killed worker's host slots: until it runs out the repeat cannot fetch from that host, and
# would be lost too (seen at 30 s). A slow batch taken for lost: its repeat finds its figures.
BATCH_TIMEOUT = 60.0

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

# The sites run in a process of their own, so that nothing the test process does (a /proc scan
# to kill a worker, the planning run) delays their clocks: arrival times are read where they happen.
SITES_SERVER = textwrap.dedent(
    """
    import json, sys, time
    from contextlib import ExitStack
    from pathlib import Path
    from bench.site import demo_pages, serve_pages

    hosts, count, out, stop = sys.argv[1].split(","), int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
    pages = demo_pages()
    with ExitStack() as stack:
        served = (serve_pages(count, pages=pages, host=host, timed=True) for host in hosts)
        sites = [stack.enter_context(site) for site in served]
        print(json.dumps([site.base_url for site in sites]), flush=True)
        while True:
            seen = {site.host: list(site.server.arrivals) for site in sites}
            out.with_suffix(".tmp").write_text(json.dumps(seen))
            out.with_suffix(".tmp").replace(out)
            if stop.exists():
                break
            time.sleep(0.2)
    """
)

CONTENT = {
    "pages": "SELECT url, content_hash, article_id FROM pages",  # status: the last fetch (fetched, unchanged)
    "articles": "SELECT article_id, url, title, text, published, language, extractor_version FROM articles",
    "facts": "SELECT fact_id, fact_type, actor, target_country, amount, currency, evidence FROM facts",
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
        deploy_batches(api_url, POOL, "fleet")
        procs = stack.enter_context(workers(api_url, POOL, 2, tmp_path, limit=2))
        arrivals, stop = tmp_path / "arrivals.json", tmp_path / "stop-sites"
        server = subprocess.Popen(
            [sys.executable, "-c", SITES_SERVER, ",".join(SITES), str(PAGES), str(arrivals), str(stop)],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        stack.callback(server.wait, 30)
        stack.callback(stop.touch)
        sites = json.loads(server.stdout.readline()) if server.stdout else []
        yield {
            "api_url": api_url,
            "workers": procs,
            "sites": sites,
            "arrivals": arrivals,
            "lake": postgres.lake_location(f"lake_fleet_{tag}", tmp_path / "lake"),
            "clean": postgres.lake_location(f"lake_clean_{tag}", tmp_path / "clean"),
            "tmp": tmp_path,
        }
    from warehouse import lake

    lake.close_all()
    for name in (f"prefect_e2e_{tag}", f"lake_fleet_{tag}", f"lake_clean_{tag}"):
        postgres.drop_database(name)


def run_nightly(lake: str, sites: list[str], deployment: str | None, delay: float = DELAY) -> dict[str, Any]:
    from flows.nightly import nightly_ingest

    return nightly_ingest(
        db_path=lake,
        sitemaps=[f"{base}/sitemap.xml" for base in sites],
        allow_hosts=list(SITES),
        delay=delay,
        batch_size=BATCH,
        batch_deployment=deployment,
        report_path="",
        run_label="fleet",
    )


def served(arrivals: Path) -> int:
    """Article requests the sites have answered so far."""
    try:
        return sum(len(times) for times in json.loads(arrivals.read_text("utf-8")).values())
    except (OSError, ValueError):
        return 0


def batch_workers(lake: str, run_id: str | None = None, by: str = "ppid") -> dict[int, int]:
    """Batches loaded per worker process (``ppid``: the parent of each flow run's process) or per
    flow-run process (``pid``), in a run or all."""
    with reader(lake) as con:
        rows = con.execute(
            "SELECT worker FROM batch_runs WHERE run_id = coalesce(?, run_id)", [run_id]
        ).fetchall()
    found: dict[int, int] = {}
    for (worker,) in rows:
        pid = int(worker.rsplit(f" {by}=", 1)[1].split()[0])
        found[pid] = found.get(pid, 0) + 1
    return found


def test_two_workers_share_a_run_and_a_killed_worker_costs_nothing(
    fleet: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NEWSFACTS_BATCH_TIMEOUT", str(BATCH_TIMEOUT))
    lake, sites, procs, tmp = fleet["lake"], fleet["sites"], fleet["workers"], fleet["tmp"]
    stop, reader_out = tmp / "stop-reader", tmp / "reader.json"
    result: dict[str, Any] = {}
    with use_api(fleet["api_url"]):
        context = contextvars.copy_context()  # the thread talks to this test's server too
        run = threading.Thread(
            target=context.run,
            args=(lambda: result.update(run_nightly(lake, sites, "ingest-batch/fleet")),),
            daemon=True,
        )
        run.start()
        while served(fleet["arrivals"]) == 0 and run.is_alive():
            time.sleep(0.1)  # the run has created the lake: analysts read it from now on
        reading = subprocess.Popen([sys.executable, "-c", READER, lake, str(stop), str(reader_out)])
        deadline = time.monotonic() + 240
        while procs[0].pid not in batch_workers(lake) and time.monotonic() < deadline:
            time.sleep(0.5)  # worker-0 has loaded a batch and is on its next ones: kill it now
        kill_worker(procs[0])
        run.join(timeout=400)
        assert not run.is_alive(), "the fleet run did not finish"
        stop.touch()
        reading.wait(timeout=60)

        summary = result
        assert sum(s["articles"] for s in summary["sources"].values()) == len(SITES) * PAGES
        by_worker = batch_workers(lake, summary["run_id"])
        assert set(by_worker) == {p.pid for p in procs}, by_worker  # both workers loaded batches
        # a batch run's process took batch runs waiting on the pool (flows.batch_process)
        assert max(batch_workers(lake, summary["run_id"], by="pid").values()) >= 2
        with reader(lake) as con:
            counts = con.execute("SELECT count(*), count(DISTINCT url) FROM pages").fetchone()
            articles = con.execute("SELECT count(*), count(DISTINCT article_id) FROM articles").fetchone()
        assert counts == (len(SITES) * PAGES, len(SITES) * PAGES)
        assert articles == (len(SITES) * PAGES, len(SITES) * PAGES)

        seen = json.loads(fleet["arrivals"].read_text("utf-8"))
        for host, times in seen.items():  # spacing held across the two workers, per site
            gaps = [b - a for a, b in itertools.pairwise(times)]
            # The server spaces the *grants*, and the fetcher sends no request later than a quarter
            # of the delay after its grant (FleetGate.space, checked again in httpx's last hook):
            # requests *start* at least 3/4 of the delay apart. Arrivals jitter beyond that: a request
            # can reach the site late when its process, or the site's, waits for a core (two cores,
            # four flow runs extracting). So: the whole run kept the rate, nearly every gap kept the
            # delay, and no request started early. A late arrival squeezes the gap after it but
            # stretches the gap before it by as much, so a squeezed gap must follow a stretched one;
            # a request started early would squeeze a gap with nothing stretched before it. Two
            # workers pacing only themselves would send twice the rate, with many gaps near zero.
            assert times[-1] - times[0] >= 0.95 * DELAY * len(gaps), f"{host}: faster than 1/{DELAY}s"
            kept = sum(1 for gap in gaps if gap >= 0.8 * DELAY)
            assert kept >= 0.95 * len(gaps), f"{host}: only {kept} of {len(gaps)} gaps kept {DELAY}s"
            for i, gap in enumerate(gaps):
                if gap < 0.2 * DELAY:
                    pair = gap + (gaps[i - 1] if i else 0.0)
                    assert pair >= 1.5 * DELAY, f"{host}: request {i + 1} started {gap:.3f}s after the last"

        looked = json.loads(reader_out.read_text("utf-8"))
        assert looked["failures"] == [] and looked["done"] >= 3, looked

        # The re-run, on the worker left, without the politeness delay (its spacing was checked above).
        run_nightly(lake, sites, "ingest-batch/fleet", delay=0.0)
        run_nightly(fleet["clean"], sites, None, delay=0.0)  # a clean run, in one process, into a second lake
    assert content(lake) == content(fleet["clean"])
