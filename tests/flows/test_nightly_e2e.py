"""The nightly flow end to end: a real Prefect API, the demo site on 127.0.0.1, a DuckDB file."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import duckdb
import pytest

pytestmark = pytest.mark.prefect


def table_counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("pages", "articles", "facts")
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def demo_db(prefect_api: None, demo_site: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from flows.nightly import nightly_ingest

    db = tmp_path_factory.mktemp("e2e") / "news.duckdb"
    summary = nightly_ingest(
        db_path=str(db),
        sources=[{"name": "demo", "kind": "rss", "url": demo_site.feed_url, "allow_hosts": [demo_site.host]}],
        delay=0.0,
        run_label="test",
    )
    assert summary["sources"]["demo"]["status"] == "ok"
    return db


def test_demo_run_loads_articles_and_facts(demo_db: Path, demo_manifest: list[dict[str, Any]]) -> None:
    counts = table_counts(demo_db)
    assert counts["pages"] == len(demo_manifest)
    assert counts["articles"] == len(demo_manifest) >= 20
    assert counts["facts"] >= 10
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        runs = con.execute("SELECT status, fetched, articles FROM runs").fetchall()
        assert runs == [("completed", len(demo_manifest), len(demo_manifest))]
        assert con.execute("SELECT count(*) FROM facts WHERE fact_type = 'investment'").fetchone()[0] >= 3
        orphans = con.execute(
            "SELECT count(*) FROM facts WHERE article_id NOT IN (SELECT article_id FROM articles)"
        )
        assert orphans.fetchone()[0] == 0
    finally:
        con.close()


def test_japanese_and_korean_articles_are_decoded(demo_db: Path, demo_manifest: list[dict[str, Any]]) -> None:
    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        rows = con.execute(
            "SELECT url, title, text, language FROM articles WHERE language IN ('ja', 'ko')"
        ).fetchall()
    finally:
        con.close()
    titles = {e["title"] for e in demo_manifest if e["language"] in ("ja", "ko")}
    assert {r[1] for r in rows} == titles
    for url, title, text, language in rows:
        assert "\ufffd" not in title + text, url
        script = r"[\u3040-\u30ff]" if language == "ja" else r"[\uac00-\ud7af]"
        assert len(re.findall(script, text)) > 100, url


def test_second_run_is_304s_and_adds_nothing(demo_db: Path, demo_site: Any) -> None:
    from flows.nightly import nightly_ingest

    before = table_counts(demo_db)
    hits_before = sum(demo_site.hits.values())
    summary = nightly_ingest(
        db_path=str(demo_db),
        sources=[{"name": "demo", "kind": "rss", "url": demo_site.feed_url, "allow_hosts": [demo_site.host]}],
        delay=0.0,
        run_label="test",
    )
    stats = summary["sources"]["demo"]
    assert stats["unchanged"] == before["articles"] and stats["fetched"] == 0
    assert table_counts(demo_db) == before
    assert sum(demo_site.hits.values()) - hits_before == before["pages"] + 2  # pages (304s), feed, robots.txt


def test_demo_events_count_each_commitment_once(demo_db: Path, demo_manifest: list[dict[str, Any]]) -> None:
    """AWS's 2.26 trillion yen for Japan is one event however its articles word it (with or without
    "Japan"); the METI programme's parts are linked to its total, not summed; and trend_top_actors
    agrees with the commitments counted by hand from the demo labels."""
    from datetime import date

    from extractors.facts.fx import to_usd

    con = duckdb.connect(str(demo_db), read_only=True)
    try:
        parts = con.execute(
            "SELECT p.amount, t.amount FROM events p JOIN events t ON t.event_id = p.part_of"
            " ORDER BY p.amount"
        ).fetchall()
        rows = con.execute("SELECT actor, events, usd_billions FROM trend_top_actors").fetchall()
        top = {row[0]: row[1:] for row in rows}
    finally:
        con.close()
    assert parts == [(1.02e10, 7.25e10), (5.01e10, 7.25e10)]
    for actor in ("Amazon Web Services", "Oracle"):
        commitments: dict[tuple[Any, ...], float] = {}
        for entry in demo_manifest:
            for fact in entry["facts"]:
                key = (fact["type"], fact["target_country"], fact["amount"], fact["currency"])
                if fact["actor"] == actor and key not in commitments:
                    usd = to_usd(fact["amount"], fact["currency"], date.fromisoformat(entry["published"]))
                    commitments[key] = usd[0] if usd else 0.0
        events, usd_billions = top[actor]
        assert events == len(commitments), (actor, commitments)
        assert usd_billions == pytest.approx(sum(commitments.values()) / 1e9, rel=0.02), actor
