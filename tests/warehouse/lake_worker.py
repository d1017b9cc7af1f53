"""A separate writer or schema creator for the lake tests: ``python lake_worker.py MODE LOCATION ...``.

Real processes, each with its own DuckDB and catalog connections, as on
separate machines. Each waits for the file ``GO`` to appear, so all start
at the same moment.

* ``create LOCATION GO``: open the lake for writing (creating its schema if new);
* ``load LOCATION GO FIRST LAST BATCH``: load pages FIRST..LAST-1 in batches, two facts each;
* ``churn LOCATION GO SECONDS``: load and rebuild events over and over for SECONDS.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import date, datetime

from extractors.models import Article, Fact
from warehouse import PageRecord, load_pages, refresh_events, writer


def page(n: int, *, version: int = 1) -> PageRecord:
    url = f"https://lake.example/{n}"
    text = f"Company {n % 7} will invest ${n + 1} billion in Japan (version {version})."
    article = Article(url=url, canonical_url=url, title=f"Story {n}", text=text,
                      published=date(2026, 1, 1 + n % 28), language="en")  # fmt: skip
    facts = tuple(
        Fact(
            type="investment",
            actor=f"Company {n % 7}",
            evidence=text,
            evidence_start=0,
            evidence_end=len(text),
            target_country="JP",
            amount=(n + 1) * 1e9 + k,
            currency="USD",
            amount_usd=(n + 1) * 1e9 + k,
            extractor_version="t",
        )
        for k in range(2)
    )
    return PageRecord(url=url, source="lake", status="fetched", checked_at=datetime.now(),
                      fetched_at=datetime.now(), body=f"<html>{n} v{version}</html>".encode(),
                      article=article, facts=facts, extractor_version="t")  # fmt: skip


def wait_for(go: str) -> None:
    deadline = time.monotonic() + 30
    while not os.path.exists(go):
        if time.monotonic() > deadline:
            sys.exit("the go file never appeared")
        time.sleep(0.005)


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    mode, location, go = sys.argv[1:4]
    wait_for(go)
    if mode == "create":
        with writer(location) as con:
            con.execute("SELECT count(*) FROM pages").fetchone()
    elif mode == "load":
        first, last, batch = map(int, sys.argv[4:7])
        for start in range(first, last, batch):
            load_pages(
                location, [page(n, version=2) for n in range(start, min(start + batch, last))], run_id="r"
            )
    elif mode == "churn":
        until = time.monotonic() + float(sys.argv[4])
        n = 0
        while time.monotonic() < until:
            load_pages(location, [page(n + k) for k in range(10)], run_id=f"churn-{n}")
            refresh_events(location, run_id=f"churn-{n}")
            n += 10
    print("done", flush=True)


if __name__ == "__main__":
    main()
