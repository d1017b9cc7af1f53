"""Shared fixtures: the real third-party benchmark pages, the demo site, a Prefect API.

The benchmark pages live in the shared folder beside the repository
(``../shared/benchmarks``, or ``$NEWSFACTS_SHARED/benchmarks``); they are
read from there and never copied in. Where that folder is absent (a user's
clone), the tests that need it are skipped with the reason.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.article_quality import load_article_body, load_publish_date

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("NEWSFACTS_SHARED", REPO.parent / "shared"))
BENCHMARKS = SHARED / "benchmarks"
DEMO = REPO / "demo"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")


def require_benchmark(name: str) -> Path:
    path = BENCHMARKS / name
    if not path.is_dir():
        pytest.skip(f"real benchmark pages not available: {path} is missing (they live in the shared folder)")
    return path


@pytest.fixture(scope="session")
def article_body_bench() -> list[dict[str, Any]]:
    """The 181 article-body pages: ``{"id", "url", "html" (bytes), "truth"}``."""
    return load_article_body(require_benchmark("article-body"))


@pytest.fixture(scope="session")
def publish_date_bench() -> list[dict[str, Any]]:
    """The 200 publication-date pages: ``{"url", "html" (bytes), "date"}``."""
    return load_publish_date(require_benchmark("publish-date"))


@pytest.fixture(scope="session")
def demo_manifest() -> list[dict[str, Any]]:
    return list(json.loads((DEMO / "corpus.json").read_text("utf-8")))


@pytest.fixture(scope="session")
def demo_site() -> Iterator[Any]:
    """The demo corpus on a real HTTP server on 127.0.0.1 (a free port)."""
    from ingest.demo_server import serve_demo

    with serve_demo(DEMO, port=0) as site:
        yield site


@pytest.fixture(scope="session")
def prefect_api() -> Iterator[None]:
    """A temporary Prefect server for the whole session (about 12 s to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def postgres() -> Iterator[Any]:
    """A real PostgreSQL cluster on a loopback port for the whole session (``bench/postgres.py``)."""
    from bench.postgres import postgres_cluster

    with postgres_cluster() as cluster:
        yield cluster


@pytest.fixture
def lake_location(postgres: Any, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A new, empty lake: its own catalog database and a data folder under ``tmp_path``."""
    import re

    from warehouse import lake

    name = "lake_" + re.sub(r"[^a-z0-9]+", "_", request.node.name.lower())[:40] + f"_{os.getpid()}"
    postgres.create_database(name)
    yield postgres.lake_location(name, tmp_path / "lake")
    lake.close_all()
    postgres.drop_database(name)
