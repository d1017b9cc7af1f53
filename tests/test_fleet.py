"""Proof of the fleet harness: a Prefect server on PostgreSQL, one process pool, two workers.

Eight flow runs of the probe flow are submitted at once; both workers run some.
One worker is killed (with its flow runs, as a lost machine) while it runs one:
the other worker finishes every run still scheduled, while the runs the dead
worker held stay RUNNING (or PENDING) for good: Prefect has no worker to
report the crash. Putting those runs back to SCHEDULED lets the live worker
run them again under the same flow run id.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from bench.postgres import postgres_cluster
from tests.fleet import deploy, descendants, kill_worker, prefect_server, use_api, work_pool, workers

pytestmark = pytest.mark.prefect

POOL = "fleet"
RUNS = 8
SLEEP = 3.0


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[tuple[str, UUID, list[Any], Path]]:
    with postgres_cluster() as pg:
        pg.create_database("prefect")
        with prefect_server(pg.url("prefect", driver="postgresql+asyncpg"), tmp_path) as api_url:
            work_pool(api_url, POOL)
            deployment_id = deploy(api_url, POOL, "tests/fleet_probe.py:fleet_probe", "probe")
            with workers(api_url, POOL, 2, tmp_path, limit=2) as procs:
                yield api_url, deployment_id, procs, tmp_path


def _records(out: Path, kind: str) -> dict[int, dict[str, Any]]:
    return {int(p.name.split(".")[0]): json.loads(p.read_text("utf-8")) for p in out.glob(f"*.{kind}.json")}


def _wait(check: Any, timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.25)


def test_two_workers_share_runs_and_a_killed_workers_runs_can_be_rescheduled(
    fleet: tuple[str, UUID, list[Any], Path],
) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.deployments import run_deployment
    from prefect.states import Scheduled

    api_url, deployment_id, procs, base = fleet
    out = base / "out"
    out.mkdir()
    with use_api(api_url), get_client(sync_client=True) as client:
        runs = [
            run_deployment(
                deployment_id,
                parameters={"out_dir": str(out), "index": i, "sleep_seconds": SLEEP},
                timeout=0,
            )
            for i in range(RUNS)
        ]
        index_of = {run.id: i for i, run in enumerate(runs)}

        # Kill worker-0 while one of its flow runs is mid-way.
        def worker0_busy() -> bool:
            done = _records(out, "done")
            return any(
                r["worker"] == "worker-0" and i not in done for i, r in _records(out, "started").items()
            )

        _wait(worker0_busy, 60, "worker-0 to start a run")
        kill_worker(procs[0])
        cut_off = set(_records(out, "started")) - set(_records(out, "done"))

        def states() -> dict[int, StateType]:
            return {index_of[r.id]: r.state_type for r in client.read_flow_runs() if r.id in index_of}

        # Every run the dead worker did not hold is finished by worker-1: none is left
        # scheduled and the rest stay open while worker-1 is idle (no flow-run process
        # below it), five polls in a row.
        quiet: list[bool] = []

        def settled() -> bool:
            now = states()
            open_runs = {i for i, s in now.items() if s != StateType.COMPLETED}
            started_by_1 = {i for i, r in _records(out, "started").items() if r["worker"] == "worker-1"}
            waiting = StateType.SCHEDULED in now.values()
            quiet.append(not waiting and not open_runs & started_by_1 and not descendants(procs[1].pid))
            return len(quiet) >= 5 and all(quiet[-5:])

        _wait(settled, 60, "worker-1 to finish every run the dead worker did not hold")
        final = states()
        started = _records(out, "started")
        orphans = sorted(i for i, s in final.items() if s != StateType.COMPLETED)
        assert {r["worker"] for r in started.values()} == {"worker-0", "worker-1"}
        assert orphans, "the killed worker held no run"
        assert set(orphans) >= {i for i in cut_off if started[i]["worker"] == "worker-0"}
        assert all(final[i] in (StateType.RUNNING, StateType.PENDING) for i in orphans), final
        assert {i for i, s in final.items() if s == StateType.COMPLETED} == set(_records(out, "done"))

        # Recovery: the orphans go back to SCHEDULED and the live worker runs them.
        for i in orphans:
            client.set_flow_run_state(runs[i].id, Scheduled(), force=True)
        _wait(
            lambda: all(s == StateType.COMPLETED for s in states().values()),
            60,
            "worker-1 to run the rescheduled orphans",
        )
        done = _records(out, "done")
        assert set(done) == set(range(RUNS))
        assert all(done[i]["worker"] == "worker-1" for i in orphans)
