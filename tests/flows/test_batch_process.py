"""``flows.batch_process``, the process behind every batch run on the pool.

That a batch run's process goes on to the batch runs waiting on the pool, on a
real server with real workers, one of them killed, is checked end to end in
``tests/test_fleet_ingest.py``. Here: the deployment file starts it the way the
tests and benches do, and started by hand it says what it needs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from flows.batch_process import job_variables

REPO = Path(__file__).resolve().parents[2]


def test_the_fleet_file_starts_batch_runs_with_batch_process() -> None:
    fleet = yaml.safe_load((REPO / "fleet.prefect.yaml").read_text("utf-8"))
    by_entrypoint = {d["entrypoint"]: d for d in fleet["deployments"]}
    pool = by_entrypoint["flows/pool.py:ingest_batch_flow"]["work_pool"]
    assert pool["name"] == fleet["definitions"]["work_pools"]["fleet"]["name"]  # the fleet's own pool
    batch = pool["job_variables"]
    assert {k: batch[k] for k in ("command", "working_dir")} == job_variables(
        "{{ $PWD }}/.venv/bin/python", "{{ $PWD }}"
    )
    assert batch["env"]["PREFECT_FLOWS_HEARTBEAT_FREQUENCY"]  # the fleet's environment is kept
    # the planning run is started by Prefect's own engine: a process of its own per nightly run
    planner = by_entrypoint["flows/nightly.py:nightly_ingest"]["work_pool"]["job_variables"]
    assert "command" not in planner


def test_started_without_a_flow_run_it_says_so_in_one_line() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "flows.batch_process"],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "a Prefect worker starts this" in done.stderr
