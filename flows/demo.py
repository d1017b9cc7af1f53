"""The demo as a flow: serve the bundled corpus on loopback and ingest it.

Used by ``newsfacts demo`` / ``make demo`` and by the ``demo`` deployment, so
the whole path (feed, fetch, extract, load, artifacts) can be tried offline,
from the command line or from the Prefect UI.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from prefect import flow, get_run_logger

from flows.nightly import nightly_ingest
from ingest.demo_server import DEMO_CANONICAL, DEMO_DIR, DEMO_PORT, serve_demo

__all__ = ["DEMO_PORT", "demo_ingest"]


@flow(
    name="demo-ingest",
    flow_run_name=lambda: f"demo-{date.today():%Y-%m-%d}",
    description="Ingest the bundled demo corpus offline.",
)
def demo_ingest(db_path: str = "news.duckdb", port: int = DEMO_PORT) -> dict[str, Any]:
    """Serve ``demo/`` on 127.0.0.1 and run the nightly flow over its RSS feed.

    The default port lets a re-run send the same URLs (and get 304s). On any
    other port the pages still declare their canonical address on the default
    port, so the articles, facts and events are the same ones, not copies.

    Args:
        db_path: DuckDB warehouse file.
        port: port of the demo server (0: any free port; a taken port falls back to a free one).
    """
    with serve_demo(DEMO_DIR, port=port, canonical_base=DEMO_CANONICAL) as site:
        get_run_logger().info("demo corpus served on %s", site.base_url)
        source = {
            "name": "demo",
            "kind": "rss",
            "url": site.feed_url,
            "language": "en",
            "allow_hosts": [site.host],
        }
        return nightly_ingest(db_path=db_path, sources=[source], delay=0.0, run_label="demo")
