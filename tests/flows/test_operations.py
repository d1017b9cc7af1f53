"""The Prefect side: artifacts read back from a real API, drift events, deployments, automations."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

pytestmark = pytest.mark.prefect
REPO = Path(__file__).resolve().parents[2]


def _artifacts(flow_run_id: str) -> dict[str, Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id]))
        )
    return {a.key: a for a in found if a.key}


@pytest.fixture(scope="module")
def demo_run(prefect_api: None, demo_site: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from flows.nightly import nightly_ingest

    db = tmp_path_factory.mktemp("ops") / "news.duckdb"
    source = {"name": "demo", "kind": "rss", "url": demo_site.feed_url, "allow_hosts": [demo_site.host]}
    return dict(nightly_ingest(db_path=str(db), sources=[source], delay=0.0, run_label="test"))


def test_run_is_named_from_its_parameters(demo_run: dict[str, Any]) -> None:
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        run = client.read_flow_run(demo_run["flow_run_id"])
    assert run.name == f"test-{date.today():%Y-%m-%d}"


def test_run_summary_source_health_new_events_and_progress(demo_run: dict[str, Any]) -> None:
    artifacts = _artifacts(demo_run["flow_run_id"])
    assert {"run-summary", "source-health", "new-events", "ingest-progress", "trend-report"} <= set(artifacts)
    report = artifacts["trend-report"]  # the key tables inline, and where the HTML file is
    assert report.type == "markdown" and "5 charts" in (report.description or "")
    target = report.data.split("](file://", 1)[1].split(")", 1)[0]
    assert target.endswith("news.report.html") and "<svg" in Path(target).read_text("utf-8")
    con = duckdb.connect(demo_run["db_path"], read_only=True)
    try:
        investment = con.execute(
            "SELECT month, country, events, usd_billions, actors FROM trend_investment_by_country_month"
        ).fetchall()
        top = con.execute("SELECT actor, events FROM trend_top_actors LIMIT 3").fetchall()
    finally:
        con.close()
    for month, country, events, usd, actors in investment:  # every row, as the view has it
        assert f"| {month} | {country} | {events} | {usd:,.2f} | {actors} |" in report.data
    for actor, events in top:
        assert f"| {actor} | {events} |" in report.data
    assert "## Newest events" in report.data and "Microsoft" in report.data.split("## Newest events")[1]

    summary = json.loads(artifacts["run-summary"].data)
    assert len(summary) == 1
    row, stats = summary[0], demo_run["sources"]["demo"]
    assert row["source"] == "demo" and row["status"] == "ok"
    assert (row["discovered"], row["fetched"], row["articles"], row["facts"]) == (
        stats["discovered"], stats["fetched"], stats["articles"], stats["facts"],
    )  # fmt: skip
    assert row["new events"] == demo_run["new_events"] > 0

    health = json.loads(artifacts["source-health"].data)
    assert [(h["source"], h["status"], h["consecutive failures"]) for h in health] == [("demo", "ok", 0)]

    events_md = artifacts["new-events"].data
    assert "| type | actor | amount |" in events_md and "Microsoft" in events_md
    assert events_md.count("](http://127.0.0.1:") >= demo_run["new_events"] // 2  # evidence links
    assert artifacts["ingest-progress"].data == 100.0


def test_drift_is_flagged_and_emitted(prefect_api: None, demo_site: Any, tmp_path: Path,
                                      demo_manifest: list[dict[str, Any]]) -> None:  # fmt: skip
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventNameFilter

    from flows.nightly import nightly_ingest
    from ingest.errors import RunFailed
    from warehouse import source_health

    db = str(tmp_path / "drift.duckdb")
    good = [f"{demo_site.base_url}/{e['path']}" for e in demo_manifest[:5]]
    bad = [f"{demo_site.base_url}/missing/{n}.html" for n in range(5)]
    for urls in (good, good, good):  # three healthy runs
        source = {"name": "flaky", "kind": "urls", "urls": urls, "allow_hosts": [demo_site.host]}
        nightly_ingest(db_path=db, sources=[source], delay=0.0, run_label="test")
    healthy = source_health(db)[0]
    assert healthy["consecutive_failures"] == 0 and healthy["last_success_at"] is not None
    source = {"name": "flaky", "kind": "urls", "urls": bad, "allow_hosts": [demo_site.host]}
    with pytest.raises(RunFailed) as failed:  # then every URL fails: the source is failing, the run failed
        nightly_ingest(db_path=db, sources=[source], delay=0.0, run_label="test")
    summary = failed.value.summary
    assert summary is not None and summary["sources"]["flaky"]["status"] == "failing"
    assert summary["drift"] == ["flaky: 100% URLs failing, usually 0%"]
    failing = source_health(db)[0]  # no fresh "last success" for a run that fetched nothing
    assert failing["consecutive_failures"] == 1 and failing["last_success_at"] == healthy["last_success_at"]
    assert failing["last_error"] == "no page fetched of 5: http_404 5"
    row = json.loads(_artifacts(summary["flow_run_id"])["run-summary"].data)[0]
    assert row["drift"] == "error_rate" and row["failed by reason"] == "http_404 5"
    payloads: list[dict[str, Any]] = []
    deadline = time.monotonic() + 20  # the server stores events asynchronously
    with get_client(sync_client=True) as client:
        while not payloads and time.monotonic() < deadline:
            wanted = EventFilter(event=EventNameFilter(name=["newsfacts.source.drift"]))
            page = client.read_events(filter=wanted, limit=50)  # the server's maximum page
            payloads = [e.payload for e in page.events if e.payload.get("run_id") == summary["run_id"]]
            time.sleep(0.5)
    assert payloads and payloads[0]["metric"] == "error_rate"


def test_drift_rules() -> None:
    from ingest.health import detect_drift

    usual = [{"source": "s", "status": "ok", "new_articles": 20, "articles": 20, "no_date": 1,
              "fetched": 20, "failed": 0}] * 4  # fmt: skip
    assert detect_drift({**usual[0]}, usual) == []
    assert detect_drift({**usual[0], "new_articles": 2}, usual)[0].metric == "yield"
    assert detect_drift({**usual[0], "no_date": 15}, usual)[0].metric == "date_missing_rate"
    assert detect_drift({**usual[0], "new_articles": 2}, usual[:2]) == []  # too little history


def test_prefect_yaml_deployments_match_the_flows() -> None:
    from prefect.flows import load_flow_from_entrypoint

    spec = yaml.safe_load((REPO / "prefect.yaml").read_text("utf-8"))
    deployments = {d["name"]: d for d in spec["deployments"]}
    assert set(deployments) == {"nightly", "backfill", "reextract", "demo"}
    for name, d in deployments.items():
        flow = load_flow_from_entrypoint(str(REPO / d["entrypoint"]))
        flow.validate_parameters(d.get("parameters") or {})  # raises on a parameter the flow lacks
        assert d["description"] and "newsfacts" in d["tags"], name
        if "writes-warehouse" in d["tags"]:
            assert d["concurrency_limit"] == 1, name
        assert d["work_pool"]["name"] == "newsfacts"
    (nightly_schedule,) = deployments["nightly"]["schedules"]
    assert nightly_schedule == {"cron": "30 2 * * *", "timezone": "Asia/Tokyo", "active": True}


def test_serve_builds_the_same_deployments() -> None:
    from flows.operations import served_deployments

    served = {d.name: d for d in served_deployments()}
    assert set(served) == {"nightly", "backfill", "reextract", "demo"}
    (schedule,) = served["nightly"].schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("30 2 * * *", "Asia/Tokyo")
    assert all(d.concurrency_limit == 1 for d in served.values())


def test_alert_automations_load_and_install(prefect_api: None) -> None:
    from prefect.client.orchestration import get_client

    from flows.operations import install_alerts

    names = install_alerts("http://127.0.0.1:9/hook")
    assert names == ["newsfacts run failed or crashed", "newsfacts source drift"]
    assert install_alerts("http://127.0.0.1:9/other") == names  # idempotent: replaced, not duplicated
    with get_client(sync_client=True) as client:
        automations = [a for a in client.read_automations() if a.name in names]
    assert len(automations) == 2
    drift = next(a for a in automations if a.name == "newsfacts source drift")
    assert drift.trigger.expect == {"newsfacts.source.drift"}
    assert str(drift.actions[0].block_document_id) != "00000000-0000-0000-0000-000000000000"


def test_a_source_is_failing_only_when_it_listed_pages_and_got_none() -> None:
    from ingest.health import settle_status
    from warehouse import SourceRunStats

    refused = SourceRunStats("s", discovered=2, failed=2, failed_by_reason={"connection_refused": 2})
    failing = settle_status(refused)
    assert failing.status == "failing"
    assert failing.error == (
        "no page fetched of 2: connection_refused 2"
        " (hint: nothing listens at that address and port; is the site or server running?)"
    )
    assert settle_status(SourceRunStats("s", discovered=2, unchanged=2)).status == "ok"  # all 304s
    assert settle_status(SourceRunStats("s", discovered=2, fetched=1, failed=1)).status == "ok"
    assert settle_status(SourceRunStats("s")).status == "ok"  # an empty feed is drift's business
    assert settle_status(SourceRunStats("s", status="failed", error="feed 404")).error == "feed 404"


def test_lake_maintenance_flow_tidies_the_lake_and_shows_what_it_did(
    prefect_api: None, lake_location: str, tmp_path: Path
) -> None:
    import sys

    from flows.maintenance import lake_maintenance
    from warehouse import load_pages

    sys.path.insert(0, str(REPO / "tests" / "warehouse"))
    from lake_worker import page

    for batch in range(4):
        load_pages(lake_location, [page(n) for n in range(batch * 3, batch * 3 + 3)], run_id=f"r{batch}")
    state = lake_maintenance(warehouse=lake_location, keep_days=0, return_state=True)
    figures = state.result()
    assert figures["lake"] and figures["data_files_after"] < figures["data_files_before"]
    artifacts = _artifacts(str(state.state_details.flow_run_id))
    assert "lake-maintenance" in artifacts and "data files" in json.dumps(artifacts["lake-maintenance"].data)
    assert lake_maintenance(warehouse=str(tmp_path / "news.duckdb")) == {"lake": False}  # a file: left alone

    fleet = yaml.safe_load((REPO / "fleet.prefect.yaml").read_text("utf-8"))
    (weekly,) = [
        d for d in fleet["deployments"] if d["entrypoint"] == "flows/maintenance.py:lake_maintenance"
    ]
    assert weekly["schedules"][0]["cron"] == "0 5 * * 0" and weekly["concurrency_limit"] == 1
