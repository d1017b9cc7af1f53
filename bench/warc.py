"""WARC backfill against fetching: the same N real pages, read from one WARC file or fetched from loopback.

``python -m bench.warc [--records 10000]`` (also step 4 of ``make bench``):

* the WARC file holds N response records: the real benchmark pages under
  distinct URLs with distinct bytes, exactly the pages :mod:`bench.site`
  serves (gzip members, as CC-NEWS writes them);
* both runs go through the real flow (``nightly_ingest``, Prefect server
  started for the run) in a child process whose memory is sampled every
  0.1 s; the fetch run is :func:`bench.e2e.run_ingest`'s;
* memory over the file is the highest sample in each quarter of the WARC
  run's wall time (flat: the last quarter no higher than the first), with
  the kernel's high-water mark as the peak;
* reading alone is the same file with every page dropped by the host filter:
  decompressing and parsing every record, extracting none.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bench.e2e import RunFigures, prefect_server, run_ingest, watch_child
from bench.site import real_pages, serve_pages
from bench.warc_build import ArchivedPage, write_warc


@dataclass
class WarcFigures:
    records: int
    file_mb: float
    seconds: float
    pages: int
    articles: int
    rss_mb_peak: float
    rss_by_time: list[tuple[float, float]] = field(default_factory=list)
    read_seconds: float = 0.0  # reading alone: every record parsed, every page dropped by the host filter

    def rss_at_quarters(self) -> list[float]:
        """The highest RSS sample (MB) in each quarter of the run's wall time."""
        if not self.rss_by_time:
            return []
        end = self.rss_by_time[-1][0]
        out = []
        for q in range(4):
            inside = [rss for t, rss in self.rss_by_time if q * end / 4 <= t <= (q + 1) * end / 4]
            out.append(max(inside) if inside else self.rss_by_time[0][1])
        return out


def build_warc(path: Path, records: int) -> None:
    """N response records of the real pages, each body as bench.site serves ``/p/<n>.html``."""
    pages = real_pages()
    when = datetime(2024, 4, 2, 12)

    def archived() -> Any:
        for n in range(records):
            body = pages[n % len(pages)] + b"<!-- p%d -->" % n
            yield ArchivedPage(f"https://bench-news.example.org/p/{n}.html", body, when)

    write_warc(path, archived(), requests=False)


def read_only_seconds(path: Path) -> float:
    """Seconds to decompress and parse every record of ``path``, keeping none (the host filter drops all)."""
    from ingest.sources import SourceSpec
    from ingest.warc import _Counts, _Raw, iter_pages

    spec = SourceSpec(name="bench", kind="warc", url=str(path), hosts=("kept.nowhere.example",))
    started = time.perf_counter()
    with open(path, "rb") as fh:
        counts = _Counts()
        for _ in iter_pages(_Raw(fh, None, seekable=True), spec, 8 * 1024 * 1024, counts):
            pass
    return time.perf_counter() - started


def run_warc(path: Path, env: dict[str, str], *, progress: bool = True) -> WarcFigures:
    with tempfile.TemporaryDirectory(prefix="bench-warc-") as tmp:
        args = [sys.executable, "-m", "bench.warc", "--child", str(path), "--db", f"{tmp}/news.duckdb"]
        started = time.monotonic()
        watched = watch_child(
            args, env, "WARC", lambda: time.monotonic() - started,
            (lambda seconds, rss: f"warc: {seconds:.0f} s, RSS {rss:.0f} MB") if progress else None,
        )  # fmt: skip
    result = watched.result
    return WarcFigures(
        records=result["records"], file_mb=path.stat().st_size / 1e6, seconds=result["seconds"],
        pages=result["pages"], articles=result["articles"], rss_mb_peak=watched.peak_mb,
        rss_by_time=watched.samples,
    )  # fmt: skip


def compare(
    records: int, env: dict[str, str], fetched: RunFigures | None = None
) -> tuple[WarcFigures, RunFigures]:
    """The WARC run and the fetch run of the same pages (``fetched`` when already measured in this run)."""
    with tempfile.TemporaryDirectory(prefix="bench-warc-file-") as tmp:
        path = Path(tmp) / "bench.warc.gz"
        build_warc(path, records)
        warc = run_warc(path, env)
        warc.read_seconds = min(read_only_seconds(path) for _ in range(2))
    if fetched is None or fetched.pages != records:
        with serve_pages(records) as site:
            fetched = run_ingest("prefect", site, env)
    return warc, fetched


def rows(warc: WarcFigures, fetched: RunFigures) -> list[tuple[str, str, str]]:
    warc_rate, fetch_rate = warc.pages / warc.seconds, fetched.pages / fetched.seconds
    quarters = warc.rss_at_quarters()
    return [
        (f"WARC backfill, {warc.records:,} records", f"{warc_rate:.1f} pages/s",
         f"{warc_rate / fetch_rate:.2f}x fetching the same pages from loopback ({fetch_rate:.1f} pages/s);"
         f" {warc.file_mb:.0f} MB file, {warc.seconds:.0f} s, {warc.articles:,} articles"),
        ("reading alone (all dropped by host)", f"{warc.records / warc.read_seconds:,.0f} records/s",
         f"{warc.file_mb / warc.read_seconds:.0f} MB/s of WARC.gz, {warc.read_seconds:.1f} s for the file"),
        ("memory over the WARC file", f"peak {warc.rss_mb_peak:.0f} MB",
         "highest in each quarter of the file: " + ", ".join(f"{q:.0f}" for q in quarters) + " MB"
         + (f" ({quarters[-1] / quarters[0] - 1:+.0%})" if quarters else "")),
    ]  # fmt: skip


def figures(warc: WarcFigures, fetched: RunFigures) -> dict[str, Any]:
    quarters = warc.rss_at_quarters()
    return {
        "warc_records": warc.records,
        "warc_pages_per_s": round(warc.pages / warc.seconds, 1),
        "warc_vs_fetch": round((warc.pages / warc.seconds) / (fetched.pages / fetched.seconds), 3),
        "warc_read_records_per_s": round(warc.records / warc.read_seconds),
        "warc_rss_mb_peak": round(warc.rss_mb_peak, 1),
        "warc_rss_mb_quarters": [round(q, 1) for q in quarters],
    }


def _child(path: str, db: str) -> None:
    from flows.nightly import nightly_ingest

    started = time.perf_counter()
    summary = nightly_ingest(db_path=db, warcs=[path], report_path="", run_label="bench-warc")
    seconds = time.perf_counter() - started
    stats = next(iter(summary["sources"].values()))
    from warehouse.warc_files import warc_files

    (row,) = warc_files(db)
    print(json.dumps({"seconds": seconds, "records": row["records_read"], "pages": row["pages_kept"],
                      "articles": stats["articles"]}))  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.warc", description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000, help="response records in the WARC file")
    parser.add_argument("--child", metavar="WARC", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.db)
        return
    with prefect_server() as env:
        print(f"WARC backfill vs fetching ({args.records:,} pages each)…", flush=True)
        warc, fetched = compare(args.records, env)
    table = rows(warc, fetched)
    width = max(len(r[0]) for r in table)
    print()
    for name, figure, detail in table:
        print(f"  {name:<{width}}  {figure:>22}   {detail}")
    print()
    print(json.dumps(figures(warc, fetched)))


if __name__ == "__main__":
    main()
