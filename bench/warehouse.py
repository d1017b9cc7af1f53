"""Warehouse benchmark: bulk-load throughput and trend-view latency on a synthetic warehouse.

Synthetic data is used for this scale test only: N facts (default 1,000,000)
spread over articles, actors, countries and two years of dates. Figures:

* load: facts/s through ``load_records`` in bulk transactions of 100k articles
  (500k facts, with their pages and articles; ``--batch-articles`` to change), and the same rows through
  ``executemany`` measured on a sample in the same run, as the baseline ratio;
* events: seconds to rebuild ``events`` from all facts;
* each ``trend_*`` view: median latency of 5 runs.

Run: ``python -m bench.warehouse [--facts N] [--db LOCATION] [--lake]``; with ``--lake`` the
warehouse is a DuckLake lake on a throwaway local PostgreSQL cluster (``bench/postgres.py``)
and a data folder in a temporary directory.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.postgres import postgres_cluster
from extractors.models import FACT_TYPES, Article, Fact
from warehouse import PageRecord, load_records, rebuild_events, writer
from warehouse.trends import trend_views

ACTORS = [f"Company {i:03d}" for i in range(300)] + [f"Regulator {i:02d}" for i in range(40)]
COUNTRIES = ["JP", "KR", "US", "IN", "DE", "FR", "GB", "SG", "ID", "MY", "SA", "AE", "BR", "MX", "AU"]
FACTS_PER_ARTICLE = 5
BATCH_ARTICLES = 100_000  # a bulk load (backfill, reextract): 500k facts per transaction


def synthetic_batch(start: int, count: int, rng: random.Random) -> list[PageRecord]:
    records = []
    base = date(2024, 1, 1)
    for n in range(start, start + count):
        url = f"https://news{n % 50}.example/{n}"
        published = base + timedelta(days=rng.randrange(730))
        article = Article(url=url, canonical_url=url, title=f"Story {n}", text="Synthetic text.",
                          published=published, language="en", site_name=f"news{n % 50}")  # fmt: skip
        facts = []
        for k in range(FACTS_PER_ARTICLE):
            amount = rng.choice([None, rng.randrange(1, 500) * 1e8])
            facts.append(
                Fact(
                    type=rng.choice(FACT_TYPES),
                    actor=rng.choice(ACTORS),
                    evidence=f"Sentence {k} of {n}.",
                    evidence_start=k * 20,
                    evidence_end=k * 20 + 15,
                    target_country=rng.choice(COUNTRIES),
                    amount=amount,
                    currency="USD" if amount else None,
                    amount_usd=amount,
                    background=rng.random() < 0.3,
                    confidence=0.8,
                    extractor_version="bench",
                )
            )
        records.append(PageRecord(url=url, source="bench", status="fetched", checked_at=datetime.now(),
                                  article=article, facts=tuple(facts), topics=("cloud",)))  # fmt: skip
    return records


def executemany_baseline(rows: int, rng: random.Random) -> float:
    """Facts/s inserting fact rows one statement per row (what the house rules forbid)."""
    with tempfile.TemporaryDirectory() as tmp, writer(str(Path(tmp) / "base.duckdb")) as con:
        params = [
            (
                f"f{i}",
                "a",
                "investment",
                "Company 1",
                "JP",
                None,
                1e9,
                "USD",
                1e9,
                None,
                None,
                None,
                None,
                False,
                False,
                0.8,
                "e",
                0,
                1,
                date(2024, 1, 1),
                "bench",
                "r",
            )
            for i in range(rows)
        ]
        started = time.perf_counter()
        con.executemany(f"INSERT INTO facts VALUES ({', '.join('?' * 22)})", params)
        return rows / (time.perf_counter() - started)


def run(total_facts: int, db: str, batch_articles: int = BATCH_ARTICLES) -> dict[str, Any]:
    rng = random.Random(7)
    articles = total_facts // FACTS_PER_ARTICLE
    load_seconds = 0.0
    with writer(db) as con:
        for start in range(0, articles, batch_articles):
            batch = synthetic_batch(start, min(batch_articles, articles - start), rng)
            began = time.perf_counter()
            load_records(con, batch, run_id="bench")
            load_seconds += time.perf_counter() - began
            print(f"\r  loaded {min(start + batch_articles, articles) * FACTS_PER_ARTICLE:,} facts",
                  end="", flush=True)  # fmt: skip
        print()
        # A real warehouse fills night by night: spread first sightings over the two years.
        con.execute("UPDATE articles SET first_seen_at = CAST(published AS TIMESTAMP) + INTERVAL 6 HOUR")
        began = time.perf_counter()
        events = rebuild_events(con, run_id="bench")
        rebuild_seconds = time.perf_counter() - began
        latencies = {}
        for name, _ in trend_views(con):
            samples = []
            for _ in range(5):
                began = time.perf_counter()
                con.execute(f"SELECT * FROM {name}").fetchall()
                samples.append(time.perf_counter() - began)
            latencies[name] = statistics.median(samples) * 1000
    baseline = executemany_baseline(2_000, rng)
    facts_per_s = total_facts / load_seconds
    return {
        "facts": total_facts,
        "load_facts_per_s": facts_per_s,
        "executemany_facts_per_s": baseline,
        "load_speedup_vs_executemany": facts_per_s / baseline,
        "events": events,
        "event_rebuild_s": rebuild_seconds,
        "view_ms": latencies,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--facts", type=int, default=1_000_000, help="synthetic facts to load (default 1M)")
    parser.add_argument("--db", help="warehouse location (default: a temporary file)")
    parser.add_argument("--lake", action="store_true", help="load into a lake on a throwaway PostgreSQL")
    parser.add_argument(
        "--batch-articles", type=int, default=BATCH_ARTICLES, help="articles (x5 facts) per load transaction"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        db = args.db or str(Path(tmp) / "bench.duckdb")
        if args.lake:
            pg = stack.enter_context(postgres_cluster())
            pg.create_database("bench")
            db = pg.lake_location("bench", Path(tmp) / "lake")
        result = run(args.facts, db, args.batch_articles)
    kind = "lake" if args.lake else "file"
    print(f"\n{kind} warehouse on {result['facts']:,} synthetic facts ({result['events']:,} events),"
          f" {args.batch_articles * FACTS_PER_ARTICLE:,} facts per load transaction\n")  # fmt: skip
    print(f"  load            {result['load_facts_per_s']:>12,.0f} facts/s"
          f"   {result['load_speedup_vs_executemany']:>7,.0f}x executemany "
          f"({result['executemany_facts_per_s']:,.0f} facts/s, same run)")  # fmt: skip
    print(f"  event rebuild   {result['event_rebuild_s']:>12.2f} s")
    for name, ms in result["view_ms"].items():
        print(f"  {name:<34} {ms:>8.1f} ms")


if __name__ == "__main__":
    main()
