"""``make bench`` / ``python -m bench``: the performance figures, each a ratio to a baseline of the same run.

1. per-page processing against ``trafilatura.extract`` alone, on the 181 real pages;
2. Prefect's share of wall time: 1,000 pages through the flow and through the
   same task functions without Prefect (the median of five rounds, alternated);
3. end to end: N pages (default 10,000) from a loopback site into DuckDB,
   with pages/s and peak/final memory; with ``--pages 100000`` also the
   memory after every 10k pages and the highest reading over the first and last 10k;
4. WARC backfill: a 10,000-record WARC file through the flow, in pages/s against
   fetching the same pages from loopback (step 3's run when it had 10,000 pages),
   reading alone, and memory at each quarter of the file (``python -m bench.warc``);
5. scale-out on the lake: pages/s with one pool worker and with two, and Prefect's
   share of a pool run against the same run without Prefect, medians of five
   rotated repetitions (``python -m bench.scale_out``; needs PostgreSQL).

Ends with one JSON line of the key figures. Other benchmarks:
``python -m bench.article_quality``, ``python -m bench.evaluate_facts`` (own-words dev
set; ``--demo`` for the demo corpus's labels), ``python -m bench.realnews score`` (the
real-news set: tuning and frozen validation parts, ``--speed`` for articles per second),
``python -m bench.warehouse``.
"""

from __future__ import annotations

import argparse
import json
import statistics

from bench import scale_out
from bench.e2e import e2e, prefect_overhead, prefect_server, prefect_share
from bench.page_cost import page_cost
from bench.warc import compare as warc_compare
from bench.warc import figures as warc_figures
from bench.warc import rows as warc_rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pages", type=int, default=10_000, help="pages for the end-to-end run (default 10,000)"
    )
    parser.add_argument(
        "--overhead-pages", type=int, default=1_000, help="pages for the Prefect overhead run"
    )
    parser.add_argument(
        "--warc-records", type=int, default=10_000, help="records in the WARC backfill run (0: skip it)"
    )
    parser.add_argument(
        "--scale-reps", type=int, default=5, help="repetitions of the scale-out run (0: skip it)"
    )
    args = parser.parse_args(argv)

    print("1/5 per-page processing vs trafilatura.extract (181 real pages, best of 3)…", flush=True)
    cost = page_cost()
    with prefect_server() as env:
        print(f"2/5 Prefect overhead ({args.overhead_pages:,} pages, with and without Prefect)…", flush=True)
        plain, flow = prefect_overhead(args.overhead_pages, env=env)
        print(f"3/5 end to end ({args.pages:,} pages)…", flush=True)
        run = e2e(args.pages, env=env)
        warc = None
        if args.warc_records:
            print(
                f"4/5 WARC backfill ({args.warc_records:,} records) vs fetching the same pages…", flush=True
            )
            warc = warc_compare(args.warc_records, env, fetched=run)
    scale = None
    if args.scale_reps:
        print("5/5 scale-out on the lake: one pool worker, two, and no Prefect…", flush=True)
        scale = scale_out.figures(
            scale_out.measure(scale_out.PAGES_PER_SITE, scale_out.SITES, scale_out.BATCH, args.scale_reps)
        )
    overhead = prefect_share(plain, flow)
    flow_s = statistics.median(r.seconds for r in flow)
    plain_s = statistics.median(r.seconds for r in plain)

    rows = [
        ("per-page processing", f"{cost['ours_ms']:.1f} ms/page", f"{cost['ratio']:.2f}x trafilatura.extract "
         f"({cost['trafilatura_ms']:.1f} ms/page)"),
        (f"Prefect share, {flow[0].pages:,} pages", f"{overhead:.1%} of wall time",
         f"flow {flow_s:.1f} s vs same tasks without Prefect {plain_s:.1f} s (medians of {len(flow)})"),
        (f"end to end, {run.pages:,} pages", f"{run.pages / run.seconds:.1f} pages/s",
         f"{run.seconds:.0f} s, {run.articles:,} articles"),
        ("memory (process + workers)", f"peak {run.rss_mb_peak:.0f} MB", f"final {run.rss_mb_final:.0f} MB"),
    ]  # fmt: skip
    figures = {
        "page_cost_ratio_vs_trafilatura": round(cost["ratio"], 3),
        "prefect_overhead_share": round(overhead, 4),
        "e2e_pages": run.pages,
        "e2e_seconds": round(run.seconds, 1),
        "rss_mb_peak": round(run.rss_mb_peak, 1),
    }
    if warc is not None:
        rows += warc_rows(*warc)
        figures |= warc_figures(*warc)
    if scale is not None:
        rows += [
            ("scale-out, one pool worker", f"{scale['pages_per_s_1_worker']:.1f} pages/s",
             f"two workers {scale['pages_per_s_2_workers']:.1f} pages/s = {scale['speedup_2_workers']:.2f}x"),
            ("Prefect share, pool run", f"{scale['prefect_share_pool']:.1%} of wall time",
             f"one worker vs the library alone {scale['pages_per_s_plain']:.1f} pages/s (medians of "
             f"{scale['repetitions']})"),
        ]  # fmt: skip
        figures |= {f"scale_{k}": v for k, v in scale.items()}
    if args.pages >= 100_000:
        by_10k = [run.rss_at(n) or run.rss_mb_final for n in range(10_000, run.pages + 1, 10_000)]
        at_10k, at_100k = by_10k[0], by_10k[9]
        rows.append(("memory after 10k / 100k pages", f"{at_10k:.0f} MB / {at_100k:.0f} MB",
                     f"{at_100k / at_10k - 1:+.0%}"))  # fmt: skip
        # A sample is one moment; the highest reading over the first and the last 10k pages shows
        # whether the swings between samples grow with the run.
        early, late = run.peak_between(0, 10_000), run.peak_between(run.pages - 10_000, run.pages)
        rows.append(("highest reading, first / last 10k", f"{early or 0:.0f} MB / {late or 0:.0f} MB",
                     f"{(late / early - 1) if early and late else 0:+.0%}"))  # fmt: skip
        rows.append(("memory after each 10k pages", f"{min(by_10k):.0f}-{max(by_10k):.0f} MB",
                     ", ".join(f"{rss:.0f}" for rss in by_10k)))  # fmt: skip
        figures |= {"rss_mb_at_10k": round(at_10k, 1), "rss_mb_at_100k": round(at_100k, 1),
                    "rss_mb_by_10k": [round(rss, 1) for rss in by_10k]}  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print()
    for name, figure, detail in rows:
        print(f"  {name:<{width}}  {figure:>22}   {detail}")
    print()
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
