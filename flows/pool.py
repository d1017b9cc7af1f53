"""Batches on a Prefect work pool: the ``ingest-batch`` flow and the runner that submits it.

With ``batch_deployment`` set (README "Scaling out"), the nightly run still
plans in its own process (sources, health, discovery, batches), but hands
every batch to a deployment of :func:`ingest_batch_flow` as a flow run of its
own. Any number of ``prefect worker start --pool ...`` processes, on any
machines that reach the Prefect server and the lake, take those runs.

Nothing a batch needs or yields lives in one process's memory: the batch
travels as JSON flow-run parameters (:meth:`ingest.run.BatchSpec.to_params`),
the worker loads it into the lake and records its figures there
(``ingest_batch(record=True)``, in the load's own transaction), and the planning run reads them back when
the flow run has finished. A flow run that crashed (its worker died) or that
stayed pending or running past ``batch_timeout_s`` is submitted once more; its pages were
either loaded in one transaction or not at all, so a repeat duplicates
nothing, and a batch still lost is failed in the run summary, its pages left
for the next run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.objects import StateType
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.runtime import flow_run
from prefect.states import Crashed

import flows.fleet  # noqa: F401  registers the fleet-wide host gate ("fleet") that batches fetch through
from ingest.backfill import WarcFileJob
from ingest.config import DEFAULT_BATCH_TIMEOUT_S
from ingest.discovery import Discovery
from ingest.errors import ConfigError
from ingest.pipeline import BatchOutcome
from ingest.run import (
    BatchSpec,
    DiscoveryJob,
    Pending,
    Runner,
    ingest_batch,
    recorded_outcome,
)
from ingest.warc import WarcFileOutcome

BATCHES_ON_POOL = 32  # batches submitted ahead: the pool's queue keeps every worker busy
POLL_S = 1.0
RESUBMITS = 1


def _batch_run_name() -> str:
    """``ingest-<source>-<n>``, as the in-process task runs are named."""
    batch = flow_run.parameters.get("batch") or {}
    source = (batch.get("source") or {}).get("name", "batch")
    return f"ingest-{source}-{batch.get('batch_no', 0)}"


@flow(
    name="ingest-batch",
    flow_run_name=_batch_run_name,
    description="One batch of a nightly run, on any worker: fetch, extract, load, record its figures.",
    validate_parameters=False,
)
def ingest_batch_flow(batch: dict[str, Any]) -> dict[str, int]:
    """One batch of URLs from a planning run: fetch (fleet-wide politeness), extract, load, record.

    Args:
        batch: the batch as :meth:`ingest.run.BatchSpec.to_params` wrote it.
    """
    spec = BatchSpec.from_params(batch)
    outcome = recorded_outcome(spec)
    if outcome is not None:  # submitted again after a timeout, but its first run finished the load
        get_run_logger().info(
            "%s batch %d was loaded by an earlier run of it", spec.source.name, spec.batch_no
        )
    else:
        outcome = ingest_batch(spec, record=True, flow_run_id=str(flow_run.id) if flow_run.id else None)
        get_run_logger().info(
            "%s batch %d: %d pages, fetched %d, unchanged %d, failed %d, rejected %d, articles %d, facts %d",
            spec.source.name, spec.batch_no, outcome.pages, outcome.fetched, outcome.unchanged,
            outcome.failed, outcome.rejected, outcome.articles, outcome.facts,
        )  # fmt: skip
    return {"pages": outcome.pages, "articles": outcome.articles, "facts": outcome.facts}


class BatchLost(RuntimeError):
    """A batch's flow run crashed or never finished, also when submitted again."""


@dataclass
class PoolBatch:
    """A batch submitted to the pool; :meth:`result` waits for its flow run and reads its figures."""

    runner: PoolRunner
    spec: BatchSpec
    flow_run_id: UUID
    attempt: int = 0
    history: list[str] = field(default_factory=list)

    def result(self) -> BatchOutcome:
        while True:
            state = self.runner.wait(self.flow_run_id)
            outcome = recorded_outcome(self.spec)
            if outcome is not None:  # also when the run looks lost: a slow run of it loaded the batch
                return outcome
            if state == "COMPLETED":
                raise BatchLost(f"batch flow run {self.flow_run_id} completed but recorded no figures")
            self.history.append(f"{self.flow_run_id}: {state}")
            if state == "FAILED" or self.attempt >= self.runner.resubmits:
                raise BatchLost(
                    f"batch {self.spec.source.name}-{self.spec.batch_no} was not loaded"
                    f" ({'; '.join(self.history)}); its pages are left for the next run"
                )
            self.attempt += 1
            self.flow_run_id = self.runner.submit(self.spec, self.attempt)


class PoolRunner:
    """Discovery and WARC files run here (``local``); every batch runs on the pool as a flow run."""

    def __init__(
        self,
        deployment: str,
        local: Runner,
        *,
        window: int = BATCHES_ON_POOL,
        batch_timeout_s: float = DEFAULT_BATCH_TIMEOUT_S,
        resubmits: int = RESUBMITS,
        poll_s: float = POLL_S,
    ) -> None:
        self.deployment = deployment
        self.local = local
        self.window = window
        self.batch_timeout_s = batch_timeout_s
        self.resubmits = resubmits
        self.poll_s = poll_s

    def check(self) -> None:
        """Raise :class:`ConfigError` unless the batch deployment exists on the Prefect server."""
        with get_client(sync_client=True) as client:
            try:
                client.read_deployment_by_name(self.deployment)
            except ObjectNotFound:
                raise ConfigError(
                    f"no deployment {self.deployment} on the Prefect server; create it with `prefect"
                    ' --no-prompt deploy --all --prefect-file fleet.prefect.yaml` (README "Scaling out")'
                ) from None

    def discover(self, job: DiscoveryJob) -> Pending[Discovery]:
        return self.local.discover(job)

    def read_warc(self, job: WarcFileJob) -> Pending[WarcFileOutcome]:
        return self.local.read_warc(job)

    def ingest(self, spec: BatchSpec) -> PoolBatch:
        return PoolBatch(self, spec, self.submit(spec, 0))

    def submit(self, spec: BatchSpec, attempt: int) -> UUID:
        """One flow run of the batch deployment; the key makes a repeated submission a no-op."""
        fleet = replace(spec, policy=replace(spec.policy, host_gate="fleet"))
        run = run_deployment(
            self.deployment,
            parameters={"batch": fleet.to_params()},
            timeout=0,
            idempotency_key=f"{spec.run_id}:{spec.source.name}:{spec.batch_no}:{attempt}",
            as_subflow=True,
        )
        return UUID(str(run.id))

    def wait(self, flow_run_id: UUID) -> str:
        """The flow run's final state type, or ``LOST`` once it was taken by a worker (pending or
        running) ``batch_timeout_s`` ago and is still not done; a lost run is marked Crashed."""
        with get_client(sync_client=True) as client:
            while True:
                run = client.read_flow_run(flow_run_id)
                state = run.state
                if state is not None and state.is_final():
                    return str(state.type.value)
                if (
                    state is not None
                    and state.type in (StateType.PENDING, StateType.RUNNING)
                    and (datetime.now(UTC) - state.timestamp).total_seconds() > self.batch_timeout_s
                ):
                    message = f"no result after {self.batch_timeout_s:.0f}s: taken as lost (its worker died?)"
                    client.set_flow_run_state(flow_run_id, Crashed(message=message), force=True)
                    return "LOST"
                time.sleep(self.poll_s)
