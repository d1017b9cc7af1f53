"""``newsfacts demo`` as a user types it: on any port it loads the same articles, never copies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.demo_server import DEMO_CANONICAL

pytestmark = pytest.mark.prefect


def demo(db: Path, *extra: str) -> str:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PREFECT_LOGGING_LEVEL": "WARNING"}
    command = [str(Path(sys.executable).parent / "newsfacts"), "demo", "--db", str(db), *extra]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def snapshot(db: Path) -> dict[str, Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        one = {
            name: con.execute(sql).fetchall()
            for name, sql in {
                "articles": "SELECT article_id, canonical_url FROM articles ORDER BY 1",
                "facts": "SELECT count(*) FROM facts",
                "events": "SELECT event_id, mention_count, article_count FROM events ORDER BY 1",
                "mentions": "SELECT count(*) FROM fact_mentions",
                "investment": "SELECT * FROM trend_investment_by_country_month ORDER BY ALL",
                "actors": "SELECT * FROM trend_top_actors ORDER BY ALL",
            }.items()
        }
        one["pages"] = [r[0] for r in con.execute("SELECT url FROM pages").fetchall()]
        return one
    finally:
        con.close()


def test_demo_on_another_port_adds_nothing(prefect_api: None, tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    out = demo(db)  # the default port (or a free one if it is taken: the articles are the same)
    first = snapshot(db)
    assert "28 articles" in out and len(first["articles"]) == 28
    assert all(url.startswith(DEMO_CANONICAL + "/") for _, url in first["articles"])

    out = demo(db, "--port", "0")
    second = snapshot(db)
    assert "28 articles" in out
    for key in ("articles", "facts", "events", "mentions", "investment", "actors"):
        assert second[key] == first[key], key
    microsoft_jp = [r for r in second["investment"] if r[0] == "JP" and "Microsoft" in r[4]]
    assert microsoft_jp, "the demo's Microsoft investment in Japan should be in the trend view"
    # The pages table records every address fetched: the second port's pages are new rows, no more.
    new_pages = set(second["pages"]) - set(first["pages"])
    assert len(new_pages) == 28 and not any(url.startswith(DEMO_CANONICAL + "/") for url in new_pages)
