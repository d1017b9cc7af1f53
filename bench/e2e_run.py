"""One end-to-end ingest in this process, for bench.e2e: ``--mode prefect`` or ``--mode plain``.

``prefect`` runs the real ``nightly_ingest`` flow (a Prefect server must be
reachable at ``PREFECT_API_URL``); ``plain`` runs the very same task
functions (``.fn``: discovery, fetch, extract, load, events) in the same
batches without Prefect, as the baseline for Prefect's overhead. Prints one
JSON line: wall seconds and counts.
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any


def plain(db: str, sitemap: str, host: str, batch_size: int) -> dict[str, Any]:
    """The flow's work without Prefect: the same task functions, threads and in-flight window."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from crawler import FetchPolicy
    from ingest.run import (
        BATCHES_IN_FLIGHT,
        TASK_WORKERS,
        BatchSpec,
        DiscoveryJob,
        discover_urls,
        ingest_batch,
    )
    from ingest.sources import SourceSpec
    from warehouse import finish_run, refresh_events, start_run

    spec = SourceSpec(name="bench", kind="sitemap", url=sitemap, allow_hosts=(host,))
    policy = FetchPolicy(per_host_delay_s=0.0, allow_hosts=frozenset({host}))
    run_id = f"plain-{time.time():.0f}"
    start_run(db, run_id, flow_name="plain")
    found = discover_urls(DiscoveryJob(spec, policy, run_id))
    urls = [e.url for e in found.entries]
    pages = articles = 0
    in_flight: list[Future[Any]] = []

    def batch(n: int, chunk: list[str]) -> Any:
        return ingest_batch(BatchSpec(spec, tuple(chunk), n, policy, db, run_id))

    with ThreadPoolExecutor(max_workers=TASK_WORKERS) as pool:
        for n, start in enumerate(range(0, len(urls), batch_size), 1):
            in_flight.append(pool.submit(batch, n, urls[start : start + batch_size]))
            while len(in_flight) >= BATCHES_IN_FLIGHT:
                outcome = in_flight.pop(0).result()
                pages, articles = pages + outcome.pages, articles + outcome.articles
        for future in in_flight:
            outcome = future.result()
            pages, articles = pages + outcome.pages, articles + outcome.articles
    refresh_events(db, run_id=run_id)
    finish_run(db, run_id, status="completed")
    return {"pages": pages, "articles": articles}


def with_prefect(db: str, sitemap: str, host: str, batch_size: int) -> dict[str, Any]:
    from flows.nightly import nightly_ingest

    summary = nightly_ingest(db_path=db, sitemaps=[sitemap], allow_hosts=[host], delay=0.0,
                             batch_size=batch_size, report_path="", run_label="bench")  # fmt: skip
    stats = next(iter(summary["sources"].values()))
    return {"pages": stats["fetched"] + stats["failed"], "articles": stats["articles"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["prefect", "plain"], required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--sitemap", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--batch-size", type=int, default=100)
    args = parser.parse_args()
    run = with_prefect if args.mode == "prefect" else plain
    import flows.nightly  # noqa: F401  (imports are not part of the measured time)

    started = time.perf_counter()
    counts = run(args.db, args.sitemap, args.host, args.batch_size)
    print(json.dumps({"seconds": time.perf_counter() - started, **counts}))


if __name__ == "__main__":
    main()
