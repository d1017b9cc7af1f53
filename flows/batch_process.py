"""``python -m flows.batch_process``: the process a pool worker starts for a batch flow run.

Prefect's process worker starts a new Python process for every flow run
(``python -m prefect.engine``). For a batch that costs about four seconds
before its first page (the worker's poll, a new interpreter, Prefect, the
flow, the extractors' first use; ``python -m bench.fleet_cost``), paid again
for every batch of a run. The batch deployment's ``command`` starts this
module instead (:func:`job_variables`, ``fleet.prefect.yaml``). It runs its
flow run with Prefect's engine, as ``prefect.engine`` does, and then, while
the process is warm, takes the next batch run of the same deployment that no
worker has taken yet:

- it reads the deployment's flow runs that are Scheduled and due, oldest first;
- it claims one by proposing Pending, the transition a worker proposes before
  it starts a run: the server accepts it for exactly one claimant, and a
  worker whose proposal comes second skips the run (and the other way round);
- it runs the claimed run with the same engine: the run has its own states,
  logs, heartbeats and artifacts in the UI, as if a worker had started it.

It stops when none is waiting, after :data:`MAX_RUNS` runs (so memory is
handed back now and then), or after a claimed run fails. A worker's slot
stays taken while this process lives, so ``--limit`` still bounds the
processes on a machine, and work spreads over workers as before: an idle
worker takes a waiting run at its next poll, a busy one's process takes it
when its batch is done. A process killed mid-run leaves that run Running with
no heartbeat, exactly as a killed ``prefect.engine`` would; the planning run
submits it once more (:class:`flows.pool.PoolBatch`).
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

from prefect._internal.control_listener import configure_from_env
from prefect.client.orchestration import SyncPrefectClient, get_client
from prefect.client.schemas.filters import (
    FlowRunFilter,
    FlowRunFilterDeploymentId,
    FlowRunFilterNextScheduledStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import FlowRun, StateType
from prefect.client.schemas.responses import SetStateStatus
from prefect.client.schemas.sorting import FlowRunSort
from prefect.engine import handle_engine_signals
from prefect.exceptions import Abort
from prefect.flow_engine import flow_run_logger, load_flow, load_flow_run, run_flow
from prefect.states import Pending

MAX_RUNS = 50  # flow runs one process runs before it exits and its worker starts a fresh one
_CANDIDATES = 8  # waiting runs read per look (others may claim the first ones meanwhile)


def job_variables(python: str, checkout: Path | str) -> dict[str, str]:
    """The batch deployment's process job variables that start this module, with ``python`` (the
    virtualenv's interpreter) in the ``checkout`` the deployment's flows come from."""
    return {"command": f"{python} -m flows.batch_process", "working_dir": str(checkout)}


def claim_next(client: SyncPrefectClient, deployment_id: UUID) -> FlowRun | None:
    """A Scheduled, due flow run of the deployment, claimed for this process (moved to Pending),
    or None when there is none left to claim.

    Raises what the server's answer raised (the caller stops taking runs)."""
    due = FlowRunFilter(
        deployment_id=FlowRunFilterDeploymentId(any_=[deployment_id]),
        state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.SCHEDULED])),
        next_scheduled_start_time=FlowRunFilterNextScheduledStartTime(before_=datetime.now(UTC)),
    )
    waiting = client.read_flow_runs(
        flow_run_filter=due, sort=FlowRunSort.NEXT_SCHEDULED_START_TIME_ASC, limit=_CANDIDATES
    )
    for run in waiting:
        if run.job_variables:  # asked for an environment of its own: leave it to a worker
            continue
        if client.set_flow_run_state(run.id, Pending()).status == SetStateStatus.ACCEPT:
            return client.read_flow_run(run.id)
    return None


def _run(flow: Any, flow_run: FlowRun) -> None:
    run_flow(flow, flow_run=flow_run, error_logger=flow_run_logger(flow_run=flow_run))


def main(flow_run_id: UUID) -> int:
    """Run the flow run the worker started this process for, then claimed ones; the exit status."""
    configure_from_env()  # the worker's cancel channel, for the run it started (as prefect.engine)
    with handle_engine_signals(flow_run_id):
        first = load_flow_run(flow_run_id=flow_run_id)
        try:
            flow = load_flow(first)
        except Exception:
            flow_run_logger(flow_run=first).error("could not load the flow", exc_info=True)
            raise
        _run(flow, first)
    if first.deployment_id is None:
        return 0
    # what this process did after its own run goes to its own run's log, where the UI shows it
    logger = flow_run_logger(flow_run=first)
    taken: list[str] = []
    with get_client(sync_client=True) as client:
        while len(taken) < MAX_RUNS - 1:
            try:
                claimed = claim_next(client, first.deployment_id)
            except Exception as exc:  # the server did not answer: leave the waiting runs to workers
                logger.warning("could not look for waiting batch runs (%s): this process stops here", exc)
                break
            if claimed is None:
                break
            taken.append(claimed.name)
            try:
                _run(flow, claimed)
            except (Abort, Exception) as exc:  # its own state and log say what happened
                logger.warning("%s ended with %r: this process takes no more runs", claimed.name, exc)
                break
    if taken:
        logger.info("then ran %d batch runs waiting on the pool: %s", len(taken), ", ".join(taken))
    return 0


if __name__ == "__main__":
    given = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("PREFECT__FLOW_RUN_ID", "")
    try:
        run_id = UUID(given)
    except ValueError:
        print(
            f"flows.batch_process: no flow run id (got {given!r}); a Prefect worker starts this",
            file=sys.stderr,
        )
        sys.exit(2)
    sys.exit(main(run_id))
