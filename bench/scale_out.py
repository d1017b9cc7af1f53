"""``python -m bench.scale_out``: pages per second with one pool worker and with two, on the lake.

Real parts only: a throwaway PostgreSQL cluster holds the lake's catalog and
the Prefect server's database; a Prefect server runs on it, with a process
work pool and ``prefect worker start`` processes; loopback news sites on
127.0.0.2… (one host each, served by a process of their own); a DuckLake lake
with a local data path, fresh for every run. Each worker takes one batch at a
time (``--limit 1``): a worker stands for one machine's slot, so the figure
says what adding a machine buys, on this one machine's two cores, which the
sites, PostgreSQL and the Prefect server share.

Each repetition makes three runs of the same pages, in an order that rotates
from one repetition to the next so that drift falls on every mode alike:

- ``pool×1``: the nightly flow plans the run and hands its batches to the pool,
  one worker;
- ``pool×2``: the same with two workers;
- ``plain``: the same run without Prefect: ``ingest.run.run_ingest`` with the
  in-process thread runner, the library the flows are a shell over.

Reported: the median over the repetitions of pages per second in each mode,
two workers' speed-up over one, and Prefect's share of the one-worker run's
wall time (``1 - plain / pool×1``): what the pool, the flow runs and the
fleet-wide host gate cost over doing the same work in one process.
Ends with one JSON line of the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

POOL = "newsfacts-bench"
DEPLOYMENT = "ingest-batch/bench"
MODES = ("pool×1", "pool×2", "plain")
# Four sites of one batch each: two workers take two batches each. A batch flow run costs a few
# seconds whatever its size (a new process, Prefect, the extractors, the lake), so batches are
# big enough for that to be paid rarely.
PAGES_PER_SITE = 1500
SITES = 4
BATCH = 1500

SITES_SERVER = textwrap.dedent(
    """
    import json, sys, time
    from contextlib import ExitStack
    from pathlib import Path
    from bench.site import serve_pages

    hosts, count, stop = sys.argv[1].split(","), int(sys.argv[2]), Path(sys.argv[3])
    with ExitStack() as stack:
        sites = [stack.enter_context(serve_pages(count, host=host)) for host in hosts]
        print(json.dumps([site.sitemap_url for site in sites]), flush=True)
        while not stop.exists():
            time.sleep(0.2)
    """
)


@contextmanager
def sites(hosts: list[str], pages: int, tmp: Path) -> Iterator[list[str]]:
    """Serve ``pages`` real benchmark pages on each host from a child process; yields the sitemap URLs."""
    stop = tmp / "stop-sites"
    proc = subprocess.Popen(
        [sys.executable, "-c", SITES_SERVER, ",".join(hosts), str(pages), str(stop)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line:
            raise RuntimeError("the benchmark sites did not start")
        yield json.loads(line)
    finally:
        stop.touch()
        proc.wait(30)


def child(mode: str, lake: str, sitemaps: list[str], hosts: list[str], batch_size: int) -> dict[str, Any]:
    """One run in this process (``--child``): the pool's planner, or the library without Prefect."""
    started = time.perf_counter()
    if mode == "plain":
        from ingest.config import IngestOptions, build_config
        from ingest.run import run_ingest

        options = IngestOptions(
            warehouse=lake, sitemaps=tuple(sitemaps), allow_hosts=tuple(hosts), delay=0.0,
            batch_size=batch_size, report_path="", run_label="bench",
        )  # fmt: skip
        summary = run_ingest(build_config(options)).as_dict()
    else:
        from flows.nightly import nightly_ingest

        summary = nightly_ingest(
            warehouse=lake, sitemaps=sitemaps, allow_hosts=hosts, delay=0.0, batch_size=batch_size,
            batch_deployment=DEPLOYMENT, report_path="", run_label="bench",
        )  # fmt: skip
    seconds = time.perf_counter() - started
    pages = sum(s["fetched"] + s["failed"] for s in summary["sources"].values())
    return {"seconds": seconds, "pages": pages}


def _run_child(
    mode: str, lake: str, sitemaps: list[str], hosts: list[str], batch: int, env: dict[str, str]
) -> dict[str, Any]:
    args = [sys.executable, "-m", "bench.scale_out", "--child", "plain" if mode == "plain" else "pool",
            "--lake", lake, "--batch-size", str(batch), "--hosts", ",".join(hosts), *sitemaps]  # fmt: skip
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{mode} run failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(pages_per_site: int, hosts: int, batch: int, reps: int) -> dict[str, Any]:
    """Every mode ``reps`` times, rotating the order; per mode the list of (pages, seconds)."""
    from bench.postgres import postgres_cluster
    from tests.fleet import deploy_batches, prefect_server, work_pool, workers

    names = [f"127.0.0.{i}" for i in range(2, 2 + hosts)]
    runs: dict[str, list[tuple[int, float]]] = {mode: [] for mode in MODES}
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-scale-")))
        cluster = stack.enter_context(postgres_cluster())
        cluster.create_database("prefect_bench")
        api_url = stack.enter_context(
            prefect_server(cluster.url("prefect_bench", driver="postgresql+asyncpg"), tmp)
        )
        work_pool(api_url, POOL)
        deploy_batches(api_url, POOL, "bench")
        sitemaps = stack.enter_context(sites(names, pages_per_site, tmp))
        env = {**os.environ, "PREFECT_API_URL": api_url}
        for rep in range(reps):
            order = MODES[rep % 3 :] + MODES[: rep % 3]
            for mode in order:
                database = f"lake_{rep}_{MODES.index(mode)}"
                cluster.create_database(database)
                lake = cluster.lake_location(database, tmp / database)
                with ExitStack() as running:
                    if mode != "plain":
                        count = 2 if mode == "pool×2" else 1
                        running.enter_context(workers(api_url, POOL, count, tmp, limit=1))
                    result = _run_child(mode, lake, sitemaps, names, batch, env)
                cluster.drop_database(database)
                runs[mode].append((result["pages"], result["seconds"]))
                rate = result["pages"] / result["seconds"]
                print(f"  rep {rep + 1}/{reps} {mode:7} {result['pages']:,} pages in "
                      f"{result['seconds']:.1f} s = {rate:.1f} pages/s", flush=True)  # fmt: skip
    return runs


def figures(runs: dict[str, list[tuple[int, float]]]) -> dict[str, float]:
    rate = {mode: statistics.median(p / s for p, s in rows) for mode, rows in runs.items()}
    seconds = {mode: statistics.median(s for _, s in rows) for mode, rows in runs.items()}
    return {
        "pages_per_s_1_worker": round(rate["pool×1"], 2),
        "pages_per_s_2_workers": round(rate["pool×2"], 2),
        "pages_per_s_plain": round(rate["plain"], 2),
        "speedup_2_workers": round(rate["pool×2"] / rate["pool×1"], 3),
        "prefect_share_pool": round(max(0.0, 1 - seconds["plain"] / seconds["pool×1"]), 4),
        "repetitions": len(runs["plain"]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scale_out", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=PAGES_PER_SITE, help="pages per site (default 1,500)")
    parser.add_argument("--sites", type=int, default=SITES, help="loopback sites, one host each (default 4)")
    parser.add_argument(
        "--batch-size", type=int, default=BATCH, help="pages per batch flow run (default 1,500)"
    )
    parser.add_argument("--reps", type=int, default=5, help="repetitions of each mode (default 5)")
    parser.add_argument("--child", choices=["pool", "plain"], help=argparse.SUPPRESS)
    parser.add_argument("--lake", help=argparse.SUPPRESS)
    parser.add_argument("--hosts", help=argparse.SUPPRESS)
    parser.add_argument("sitemaps", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        result = child(args.child, args.lake, args.sitemaps, args.hosts.split(","), args.batch_size)
        print(json.dumps(result))
        return 0
    total = args.pages * args.sites
    print(f"scale-out: {total:,} pages from {args.sites} sites in batches of {args.batch_size}, "
          f"{args.reps} repetitions of {', '.join(MODES)}…", flush=True)  # fmt: skip
    found = figures(measure(args.pages, args.sites, args.batch_size, args.reps))
    speedup = found["speedup_2_workers"]
    print(f"one worker   {found['pages_per_s_1_worker']:8.1f} pages/s (median)")
    print(f"two workers  {found['pages_per_s_2_workers']:8.1f} pages/s: {speedup:.2f}x one worker")
    share = found["prefect_share_pool"]
    plain = found["pages_per_s_plain"]
    print(f"no Prefect   {plain:8.1f} pages/s: Prefect's share of one worker's run {share:.1%}")
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
