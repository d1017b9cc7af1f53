"""A small Prefect fleet for tests and benches: a server on PostgreSQL, a process pool, workers.

    with postgres_cluster(tmp) as pg:
        pg.create_database("prefect")
        with prefect_server(pg.url("prefect", "postgresql+asyncpg"), tmp) as api_url:
            work_pool(api_url, "fleet")
            deployment_id = deploy(api_url, "fleet", "tests/fleet_probe.py:fleet_probe", "probe")
            with workers(api_url, "fleet", 2, tmp) as procs:
                ...                     # run_deployment(...) under use_api(api_url)
                kill_worker(procs[0])   # the worker and the flow runs it started, at once

Each server and worker is its own process group, started from this repository's
virtualenv, with its own ``PREFECT_HOME`` under ``base_dir`` and analytics off.
A deployment's source is this repository's folder: its pull step is
``set_working_directory``, so a process worker on the same machine (or one that
sees the same folder) runs the flow from the checkout with no storage step.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

REPO = Path(__file__).resolve().parent.parent
PREFECT = str(Path(sys.executable).parent / "prefect")

# Seconds between a worker's polls for scheduled runs (Prefect's default is 10).
QUERY_SECONDS = 1.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        PREFECT_LOGGING_LEVEL="WARNING",
    )
    return env


def _stop(proc: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM the process group, SIGKILL it after ``grace`` seconds."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _healthy(api_url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@contextlib.contextmanager
def prefect_server(database_url: str, base_dir: Path, timeout: float = 120.0) -> Iterator[str]:
    """``prefect server start`` on ``database_url`` (``postgresql+asyncpg://…``); yields the API URL.

    No UI; the server's output goes to ``base_dir/prefect-server.log``. The time the
    server took to answer ``/health`` is in ``prefect_server.last_start_seconds``.
    """
    base_dir = Path(base_dir)
    home = base_dir / "prefect-server-home"
    home.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    env = _base_env(home)
    env.update(
        PREFECT_API_DATABASE_CONNECTION_URL=database_url,
        PREFECT_SERVER_UI_ENABLED="false",
        PREFECT_SERVER_LOGGING_LEVEL="WARNING",
    )
    api_url = f"http://127.0.0.1:{port}/api"
    log_path = base_dir / "prefect-server.log"
    started = time.monotonic()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"],
            env=env,
            cwd=base_dir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        while not _healthy(api_url):
            if proc.poll() is not None or time.monotonic() - started > timeout:
                tail = log_path.read_text("utf-8", "replace")[-3000:]
                raise RuntimeError(f"Prefect server did not start on {api_url} (see {log_path}):\n{tail}")
            time.sleep(0.2)
        prefect_server.last_start_seconds = time.monotonic() - started  # type: ignore[attr-defined]
        yield api_url
    finally:
        _drain_logs()
        _stop(proc)


def _drain_logs() -> None:
    """Send the logs this process's flow runs left queued for the server while it still answers;
    at exit Prefect would try to send them to a stopped server, for about a minute."""
    handlers = sys.modules.get("prefect.logging.handlers")
    if handlers is not None:
        handlers.APILogWorker.drain_all(timeout=10)


@contextlib.contextmanager
def use_api(api_url: str) -> Iterator[None]:
    """Point this process's Prefect client at ``api_url`` for the block."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: api_url}):
        yield


def work_pool(api_url: str, name: str, concurrency_limit: int | None = None) -> None:
    """Create a process work pool ``name`` (Prefect's default process job template)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.workers.process import ProcessWorker

    with use_api(api_url), get_client(sync_client=True) as client:
        client.create_work_pool(
            WorkPoolCreate(
                name=name,
                type="process",
                base_job_template=ProcessWorker.get_default_base_job_template(),
                concurrency_limit=concurrency_limit,
            ),
            overwrite=True,
        )


def deploy(
    api_url: str,
    pool: str,
    entrypoint: str,
    name: str,
    source: Path = REPO,
    job_variables: dict[str, Any] | None = None,
    concurrency_limit: int | None = None,
) -> UUID:
    """Deploy the flow at ``entrypoint`` (``path.py:function``, relative to ``source``) to ``pool``.

    The source is a local folder: Prefect stores a ``set_working_directory`` pull step,
    so workers import the flow from that folder; nothing is built or pushed.
    """
    from prefect import flow

    with use_api(api_url), contextlib.redirect_stdout(io.StringIO()):  # no table of deployments
        loaded = flow.from_source(source=str(source), entrypoint=entrypoint)
        return loaded.deploy(
            name=name,
            work_pool_name=pool,
            job_variables=job_variables or {},
            concurrency_limit=concurrency_limit,
            print_next_steps=False,
            ignore_warnings=True,
        )


def deploy_batches(api_url: str, pool: str, name: str) -> UUID:
    """The ``ingest-batch`` flow deployed to ``pool`` as ``fleet.prefect.yaml`` deploys it: its runs'
    processes are ``flows.batch_process`` (run, then take the next waiting batch run), started with
    this virtualenv's Python in this checkout."""
    from flows.batch_process import job_variables

    return deploy(
        api_url,
        pool,
        "flows/pool.py:ingest_batch_flow",
        name,
        job_variables=job_variables(sys.executable, REPO),
    )


LOST_RUNS_AUTOMATION = REPO / "automations" / "lost-flow-runs.yaml"


def lost_runs_automation(api_url: str, within_seconds: float | None = None) -> UUID:
    """Create the automation that marks a flow run Crashed when its heartbeats stop.

    It reads ``automations/lost-flow-runs.yaml`` (``within_seconds`` overrides its
    window). Heartbeats need ``PREFECT_FLOWS_HEARTBEAT_FREQUENCY`` (at least 30) in
    the workers' environment: ``start_worker(..., env={...})``.
    """
    import yaml
    from prefect.automations import Automation

    spec = yaml.safe_load(LOST_RUNS_AUTOMATION.read_text("utf-8"))["automations"][0]
    if within_seconds is not None:
        spec["trigger"]["within"] = within_seconds
    with use_api(api_url):
        return Automation.model_validate(spec).create().id


def start_worker(
    api_url: str,
    pool: str,
    name: str,
    base_dir: Path,
    limit: int | None = None,
    query_seconds: float = QUERY_SECONDS,
    prefetch_seconds: float = 0.0,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """``prefect worker start`` for ``pool`` as its own process group.

    Flow runs it starts see ``NEWSFACTS_FLEET_WORKER=<name>`` in their environment.
    Output goes to ``base_dir/worker-<name>.log``.
    """
    home = Path(base_dir) / f"worker-{name}-home"
    home.mkdir(parents=True, exist_ok=True)
    worker_env = _base_env(home)
    worker_env.update(
        PREFECT_API_URL=api_url,
        PREFECT_WORKER_QUERY_SECONDS=str(query_seconds),
        PREFECT_WORKER_PREFETCH_SECONDS=str(prefetch_seconds),
        NEWSFACTS_FLEET_WORKER=name,
    )
    worker_env.update(env or {})
    cmd = [PREFECT, "worker", "start", "--pool", pool, "--name", name, "--type", "process"]
    cmd += ["--install-policy", "never", "--no-create-pool-if-not-found"]
    if limit is not None:
        cmd += ["--limit", str(limit)]
    with open(Path(base_dir) / f"worker-{name}.log", "wb") as log:
        return subprocess.Popen(
            cmd, env=worker_env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_for_workers(
    api_url: str, pool: str, names: list[str], since: datetime | None = None, timeout: float = 60.0
) -> None:
    """Block until every named worker has sent a heartbeat to the server (after ``since``, if given:
    a restarted worker keeps its name, and the server remembers the old one's heartbeats)."""
    from prefect.client.orchestration import get_client

    deadline = time.monotonic() + timeout
    with use_api(api_url), get_client(sync_client=True) as client:
        while True:
            seen = {
                w.name
                for w in client.read_workers_for_work_pool(pool)
                if since is None or (w.last_heartbeat_time is not None and w.last_heartbeat_time >= since)
            }
            if set(names) <= seen:
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"workers {sorted(set(names) - seen)} did not reach pool {pool}")
            time.sleep(0.2)


@contextlib.contextmanager
def workers(
    api_url: str,
    pool: str,
    n: int,
    base_dir: Path | None = None,
    limit: int | None = None,
    query_seconds: float = QUERY_SECONDS,
    prefetch_seconds: float = 0.0,
    env: dict[str, str] | None = None,
) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Start ``n`` process workers named ``worker-0``… on ``pool``, ready when yielded.

    ``env`` is added to each worker's environment, so to its flow runs' (e.g.
    ``{"PREFECT_FLOWS_HEARTBEAT_FREQUENCY": "30"}`` for ``lost_runs_automation``).

    Stop one early with ``kill_worker(procs[i])`` (a crash) or ``_stop`` (a clean stop);
    on exit every one still alive gets SIGTERM, then SIGKILL.
    """
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    names = [f"worker-{i}" for i in range(n)]
    procs: list[subprocess.Popen[bytes]] = []
    since = datetime.now(UTC)
    try:
        for name in names:
            procs.append(start_worker(api_url, pool, name, base, limit, query_seconds, prefetch_seconds, env))
        wait_for_workers(api_url, pool, names, since)
        yield procs
    finally:
        for proc in procs:
            kill_tree(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                kill_tree(proc.pid, signal.SIGKILL)
                proc.wait()


def _children() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def descendants(pid: int) -> list[int]:
    """Every live process below ``pid`` (Linux ``/proc``), nearest first."""
    tree, found, todo = _children(), [], [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_tree(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal ``pid``'s process group and every descendant, also those in their own session.

    Prefect's process worker starts each flow run in a new session, so killing the
    worker's group alone would leave its flow runs running.
    """
    targets = descendants(pid)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
    for child in targets:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, sig)


def kill_worker(proc: subprocess.Popen[bytes]) -> None:
    """Crash a worker as a lost machine would: SIGKILL it and its flow runs at once."""
    kill_tree(proc.pid, signal.SIGKILL)
    proc.wait()
