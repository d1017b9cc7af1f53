"""``python -m bench.fleet_cost``: what one flow run costs on a process worker.

A throwaway PostgreSQL 15 cluster, a Prefect server on it, a process pool and
workers (``tests/fleet.py``) run the probe flow (``tests/fleet_probe.py``, an
empty body). Prints, per worker poll interval (``PREFECT_WORKER_QUERY_SECONDS``):

- pickup: submission (``run_deployment(..., timeout=0)``) to the flow run's
  process being created (the worker's poll wait plus its own work);
- boot: that process's creation to the flow body starting (Python, Prefect,
  loading the flow from the checkout, the move to RUNNING);
- finish: the body's end to the server reporting COMPLETED;
- total, the flow-run process's CPU seconds and peak memory, the worker's memory.

Runs one at a time on one worker, then ``--burst`` runs at once on two workers
that take one run at a time each (``--limit 1``, as one machine's slot), twice:
started as Prefect starts them (``python -m prefect.engine``, one process per
run) and as the batch deployment starts them (``python -m flows.batch_process``,
whose process takes the runs still waiting when its own is done). The
makespans show what a process per run costs when runs queue up.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID

from bench.postgres import postgres_cluster
from flows.batch_process import job_variables
from tests.fleet import REPO, deploy, descendants, prefect_server, use_api, work_pool, workers

ENTRYPOINT = "tests/fleet_probe.py:fleet_probe"


def _rss_kb(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    return int(status.split("VmRSS:")[1].split()[0]) if "VmRSS:" in status else 0


def _wait_completed(client: Any, run_ids: list[UUID], timeout: float = 120.0) -> dict[UUID, float]:
    seen: dict[UUID, float] = {}
    deadline = time.monotonic() + timeout
    while len(seen) < len(run_ids):
        for run_id in run_ids:
            if run_id not in seen and client.read_flow_run(run_id).state_type.value == "COMPLETED":
                seen[run_id] = time.time()
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(run_ids) - len(seen)} flow runs did not complete in {timeout:.0f} s")
        time.sleep(0.05)
    return seen


def one_at_a_time(api_url: str, deployment_id: UUID, out: Path, runs: int) -> list[dict[str, float]]:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    rows = []
    with use_api(api_url), get_client(sync_client=True) as client:
        for i in range(runs):
            submitted = time.time()
            run = run_deployment(deployment_id, parameters={"out_dir": str(out), "index": i}, timeout=0)
            completed = _wait_completed(client, [run.id])[run.id]
            rec = json.loads((out / f"{i}.done.json").read_text("utf-8"))
            rows.append(
                {
                    "pickup": rec["process_started"] - submitted,
                    "boot": rec["started"] - rec["process_started"],
                    "finish": completed - rec["done"],
                    "total": completed - submitted,
                    "cpu": rec["cpu_at_done"],
                    "rss_peak_mb": rec["rss_peak_kb"] / 1024,
                }
            )
    return rows


def burst(api_url: str, deployment_id: UUID, out: Path, runs: int) -> float:
    from prefect.client.orchestration import get_client
    from prefect.deployments import run_deployment

    with use_api(api_url), get_client(sync_client=True) as client:
        submitted = time.time()
        ids = [
            run_deployment(deployment_id, parameters={"out_dir": str(out), "index": i}, timeout=0).id
            for i in range(runs)
        ]
        return max(_wait_completed(client, ids).values()) - submitted


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_cost", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=8, help="sequential runs per poll interval (default 8)")
    parser.add_argument("--burst", type=int, default=8, help="runs submitted at once to two workers")
    parser.add_argument("--query-seconds", type=float, nargs="+", default=[1.0, 10.0])
    args = parser.parse_args(argv)

    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="fleet-cost-") as tmp:
        base = Path(tmp)
        started = time.monotonic()
        with postgres_cluster() as pg:
            figures["postgres_start_s"] = time.monotonic() - started
            pg.create_database("prefect")
            with prefect_server(pg.url("prefect", driver="postgresql+asyncpg"), base) as api_url:
                figures["server_start_s"] = prefect_server.last_start_seconds  # type: ignore[attr-defined]
                work_pool(api_url, "fleet")
                deployment_id = deploy(api_url, "fleet", ENTRYPOINT, "probe")
                for q in args.query_seconds:
                    out = base / f"seq-{q}"
                    out.mkdir()
                    t = time.monotonic()
                    with workers(api_url, "fleet", 1, base / f"w-{q}", query_seconds=q) as procs:
                        figures["worker_ready_s"] = time.monotonic() - t
                        time.sleep(1)
                        figures["worker_idle_rss_mb"] = (
                            sum(_rss_kb(p) for p in [procs[0].pid, *descendants(procs[0].pid)]) / 1024
                        )
                        rows = one_at_a_time(api_url, deployment_id, out, args.runs)
                    figures[f"q{q:g}"] = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
                warm_id = deploy(
                    api_url, "fleet", ENTRYPOINT, "warm", job_variables=job_variables(sys.executable, REPO)
                )
                figures["burst_runs"] = args.burst
                for label, deployed in (("engine", deployment_id), ("batch_process", warm_id)):
                    out = base / f"burst-{label}"
                    out.mkdir()
                    with workers(api_url, "fleet", 2, base / f"burst-w-{label}", limit=1, query_seconds=1.0):
                        figures[f"burst_makespan_{label}_s"] = burst(api_url, deployed, out, args.burst)
                    figures[f"burst_processes_{label}"] = len(
                        {json.loads(f.read_text("utf-8"))["pid"] for f in out.glob("*.done.json")}
                    )

    print(
        f"PostgreSQL start {figures['postgres_start_s']:.1f} s, Prefect server start (PG, migrations) "
        f"{figures['server_start_s']:.1f} s, worker ready {figures['worker_ready_s']:.1f} s, "
        f"idle worker {figures['worker_idle_rss_mb']:.0f} MB RSS"
    )
    print(
        f"{'query s':>8} {'pickup':>7} {'boot':>6} {'finish':>7} {'total':>6} {'cpu s':>6} {'peak MB':>8}"
        "  (medians, s)"
    )
    for q in args.query_seconds:
        f = figures[f"q{q:g}"]
        print(
            f"{q:>8g} {f['pickup']:>7.2f} {f['boot']:>6.2f} {f['finish']:>7.2f} {f['total']:>6.2f} "
            f"{f['cpu']:>6.2f} {f['rss_peak_mb']:>8.0f}"
        )
    for label, command in (("engine", "prefect.engine"), ("batch_process", "flows.batch_process")):
        print(
            f"burst: {figures['burst_runs']} empty runs on 2 workers of one slot each (poll 1 s), "
            f"python -m {command}: makespan {figures[f'burst_makespan_{label}_s']:.1f} s in "
            f"{figures[f'burst_processes_{label}']} processes"
        )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
