"""``run_ingest``: the whole run as a plain function, with no Prefect, over the demo site on 127.0.0.1."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import subprocess
import sys
import textwrap
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import duckdb

from ingest.backfill import WarcFileJob, read_warc_file
from ingest.config import IngestOptions, build_config
from ingest.run import BatchSpec, DiscoveryJob, RunSummary, discover_urls, ingest_batch, run_ingest

PLAIN_RUN = textwrap.dedent(
    """
    import json, sys
    from ingest.config import IngestOptions, build_config
    from ingest.demo_server import DEMO_DIR, serve_demo
    from ingest.run import run_ingest

    db, report = sys.argv[1], sys.argv[2]
    with serve_demo(DEMO_DIR, port=0) as site:
        source = {"name": "demo", "kind": "rss", "url": site.feed_url, "allow_hosts": [site.host]}
        options = IngestOptions(
            warehouse=db, sources=(source,), delay=0.0, report_path=report, run_label="plain"
        )
        summary = run_ingest(build_config(options, env={}))
    prefect = sorted(m for m in sys.modules if m == "prefect" or m.startswith("prefect."))
    print(json.dumps({"summary": summary.as_dict(), "prefect_modules": prefect}))
    """
)


def counts(db: Path) -> dict[str, Any]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            "articles": con.execute("SELECT count(*) FROM articles").fetchone()[0],  # type: ignore[index]
            "facts": con.execute("SELECT count(*) FROM facts").fetchone()[0],  # type: ignore[index]
            "runs": con.execute("SELECT flow_name, status FROM runs").fetchall(),
            "events": con.execute("SELECT count(*) FROM events").fetchone()[0],  # type: ignore[index]
        }
    finally:
        con.close()


def test_a_plain_run_ingests_the_demo_site_without_importing_prefect(
    tmp_path: Path, demo_manifest: list[dict[str, Any]]
) -> None:
    db, report = tmp_path / "plain.duckdb", tmp_path / "plain.html"
    done = subprocess.run(
        [sys.executable, "-c", PLAIN_RUN, str(db), str(report)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["prefect_modules"] == []
    demo = out["summary"]["sources"]["demo"]
    assert demo["status"] == "ok"
    assert demo["discovered"] == demo["fetched"] == demo["articles"] == len(demo_manifest)
    found = counts(db)
    assert found["articles"] == len(demo_manifest)
    assert found["facts"] >= 10
    assert found["events"] == out["summary"]["events"] > 0
    assert found["runs"] == [("plain", "completed")]
    assert report.read_text("utf-8").lower().startswith("<!doctype html>")


class SpawnedRunner:
    """A runner whose units run in another, freshly started process: jobs must pickle, units import."""

    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool
        self.batches: list[BatchSpec] = []

    def discover(self, job: DiscoveryJob) -> Any:
        return self.pool.submit(discover_urls, job)

    def ingest(self, spec: BatchSpec) -> Any:
        self.batches.append(spec)
        return self.pool.submit(ingest_batch, spec)

    def read_warc(self, job: WarcFileJob) -> Any:
        return self.pool.submit(read_warc_file, job)


class Recorder:
    def __init__(self) -> None:
        self.total = self.done = 0
        self.finished: list[RunSummary] = []

    def progress_started(self, total: int, description: str) -> None:
        self.total = total

    def progress_advanced(self, amount: int) -> None:
        self.done += amount

    def warc_started(self, files: int, description: str) -> None:
        pass

    def warc_advanced(self, percent: float, description: str) -> None:
        pass

    def run_finished(self, summary: RunSummary, new_events: Any, drifts: Any, health: Any) -> None:
        self.finished.append(summary)

    def report_written(self, report: Any) -> None:
        pass


def test_batches_run_in_another_process_through_the_runner_seam(
    tmp_path: Path, demo_site: Any, demo_manifest: list[dict[str, Any]]
) -> None:
    db = tmp_path / "spawned.duckdb"
    source = {"name": "demo", "kind": "rss", "url": demo_site.feed_url, "allow_hosts": [demo_site.host]}
    options = IngestOptions(warehouse=str(db), sources=(source,), delay=0.0, batch_size=8, report_path="")
    config = build_config(options, env={})
    recorder = Recorder()
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        runner = SpawnedRunner(pool)
        summary = run_ingest(config, runner, recorder)
    assert [b.batch_no for b in runner.batches] == list(range(1, len(runner.batches) + 1))
    assert len(runner.batches) == -(-len(demo_manifest) // 8) > 1
    assert recorder.total == recorder.done == len(demo_manifest)
    assert recorder.finished == [summary]
    (demo,) = summary.sources
    assert (demo.status, demo.articles) == ("ok", len(demo_manifest))
    assert counts(db)["articles"] == len(demo_manifest)


def test_a_batch_spec_travels_as_json_and_pickle() -> None:
    from datetime import date

    from crawler import FetchPolicy
    from ingest.sources import SourceSpec

    source = SourceSpec.from_param(
        {"name": "ex", "kind": "sitemap", "url": "https://example.org/sitemap.xml", "include": ["/news/"],
         "allow_hosts": ["10.0.0.2"], "published_after": "2024-01-01"}
    )  # fmt: skip
    policy = FetchPolicy(per_host_delay_s=0.5, allow_hosts=frozenset({"10.0.0.2", "10.0.0.3"}))
    spec = BatchSpec(source, ("https://example.org/news/1",), 3, policy, "lake.duckdb", "run-1")
    assert source.published_after == date(2024, 1, 1)
    assert BatchSpec.from_params(json.loads(json.dumps(spec.to_params()))) == spec
    assert pickle.loads(pickle.dumps(spec)) == spec
