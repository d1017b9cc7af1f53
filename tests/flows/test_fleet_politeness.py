"""Per-host politeness across worker processes, through a real Prefect server.

A loopback site records when every page request arrives and how many are in
flight. Two separate processes each fetch half of its pages with the same
policy. Through the fleet gate (Prefect global concurrency and rate limits)
the site sees request starts at least ``DELAY`` apart and never more than
``PER_HOST`` requests at once; through the in-process gate alone it sees
both processes' requests side by side (the contrast shows the test can fail).

A worker killed while it holds a host's slot does not block the host for
good: its lease runs out (60 s, the shortest Prefect grants) and the
server's lease sweep gives the slot back. That minute overlaps the other
tests: the first test starts a server and a worker and kills the worker, the
last one waits for the slot.

This file is also the worker: ``python test_fleet_politeness.py '<json>'``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

DELAY = 0.2  # seconds between request starts to one host
PER_HOST = 2  # requests in flight to one host
PAGE_S = 0.5  # how long the site takes to answer a page: long enough for the concurrency cap to bind
PAGES = 20
TOLERANCE = 0.03  # arrival jitter between acquiring a start and the request reaching the site


# --- the site -----------------------------------------------------------------
@dataclass
class Site:
    base_url: str
    arrivals: list[float] = field(default_factory=list)  # monotonic start of every page request
    in_flight: int = 0
    max_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def host(self) -> str:
        return self.base_url.split("//", 1)[1]

    def gaps(self) -> list[float]:
        starts = sorted(self.arrivals)
        return [b - a for a, b in itertools.pairwise(starts)]


@contextmanager
def recording_site() -> Iterator[Site]:
    site = Site("")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                self._send(b"User-agent: *\nAllow: /\n", "text/plain")
                return
            with site.lock:
                site.arrivals.append(time.monotonic())
                site.in_flight += 1
                site.max_in_flight = max(site.max_in_flight, site.in_flight)
            try:
                time.sleep(PAGE_S)
                self._send(f"<html><body><p>{self.path}</p></body></html>".encode(), "text/html")
            finally:
                with site.lock:
                    site.in_flight -= 1

        def _send(self, body: bytes, content_type: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()


# --- worker processes -----------------------------------------------------------
def _start(job: dict[str, Any], api_url: str | None = None) -> subprocess.Popen[str]:
    if api_url is None:
        from prefect.settings import PREFECT_API_URL

        api_url = PREFECT_API_URL.value()  # the prefect_api fixture's server
    assert api_url
    proc = subprocess.Popen(
        [sys.executable, __file__, json.dumps(job)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PREFECT_API_URL": api_url},
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the imports take a few seconds; wait for every worker before "go"
    assert line.strip() == "ready", f"worker did not start: {line!r}"
    return proc


def run_workers(site: Site, gate: str) -> list[list[str]]:
    """Two worker processes, each fetching half the pages, told to go together; their statuses."""
    urls = [f"{site.base_url}/p{i}.html" for i in range(PAGES)]
    procs = [_start({"mode": "fetch", "gate": gate, "urls": urls[k::2]}) for k in range(2)]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = []
    for proc in procs:
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 0, f"worker failed: {out}"
        outputs.append(json.loads(out.strip().splitlines()[-1]))
    return outputs


# --- a killed worker -----------------------------------------------------------
SWEEP_S = 1  # the lease sweep interval of the server the kill test starts (Prefect's default: 15 s)
KILL_BOUND_S = 60 + SWEEP_S + 14  # the shortest lease Prefect grants, a sweep, slack for a loaded machine


@dataclass
class Killed:
    host: str
    api_url: str
    held_at: float  # when the killed worker had the slot (CLOCK_MONOTONIC, the same in every process)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_healthy(server: subprocess.Popen[bytes], api_url: str) -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{api_url}/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        assert server.poll() is None and time.monotonic() < deadline, "the sweeping server did not start"
        time.sleep(0.3)


@pytest.fixture(scope="module")
def killed_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Killed]:
    """A worker that took the only slot of a host, then was killed with SIGKILL (no cleanup).

    The session's test server is ephemeral and runs no lease sweep, so this
    starts a full ``prefect server start`` of its own, sweeping every second.
    """
    home = tmp_path_factory.mktemp("prefect-sweeping")
    port = _free_port()
    api_url = f"http://127.0.0.1:{port}/api"
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{home}/prefect.db",
        "PREFECT_SERVER_SERVICES_REPOSSESSOR_LOOP_SECONDS": str(SWEEP_S),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_API_URL": api_url,
    }
    prefect = os.path.join(os.path.dirname(sys.executable), "prefect")
    server = subprocess.Popen(
        [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui",
         "--no-scheduler", "--no-late-runs"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        _wait_healthy(server, api_url)
        host = f"killed-{os.getpid()}.test"
        proc = _start({"mode": "hold", "gate": "fleet", "host": host}, api_url)
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
        assert proc.stdout.readline().strip() == "held"
        held_at = time.monotonic()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        yield Killed(host, api_url, held_at)
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()


def _probe(killed: Killed, wait_s: float) -> float | None:
    """When a fresh process got the killed worker's host slot, or None if not within ``wait_s``."""
    proc = _start({"mode": "probe", "gate": "fleet", "host": killed.host, "wait_s": wait_s}, killed.api_url)
    out, _ = proc.communicate("go\n", timeout=wait_s + 60)
    answer = json.loads(out.strip().splitlines()[-1])
    return None if answer is None else float(answer)


# --- tests ----------------------------------------------------------------------
def test_a_killed_worker_keeps_its_slot_until_its_lease_runs_out(killed_worker: Killed) -> None:
    assert _probe(killed_worker, wait_s=2.0) is None


def test_fleet_gate_spaces_and_caps_a_host_across_two_processes(prefect_api: None) -> None:
    with recording_site() as site:
        statuses = run_workers(site, "fleet")
    assert [s for out in statuses for s in out] == ["fetched"] * PAGES
    assert len(site.arrivals) == PAGES
    gaps = site.gaps()
    assert min(gaps) >= DELAY - TOLERANCE, f"starts closer than {DELAY}s: {sorted(gaps)[:5]}"
    assert site.max_in_flight <= PER_HOST

    from prefect.client.orchestration import get_client

    from flows.fleet import concurrency_limit_name, rate_limit_name

    async def limits() -> tuple[Any, Any]:
        async with get_client() as client:
            return (
                await client.read_global_concurrency_limit_by_name(concurrency_limit_name(site.host)),
                await client.read_global_concurrency_limit_by_name(rate_limit_name(site.host)),
            )

    slots, rate = asyncio.run(limits())
    assert (slots.limit, slots.slot_decay_per_second, slots.active_slots) == (PER_HOST, 0.0, 0)
    assert (rate.limit, rate.slot_decay_per_second) == (1, pytest.approx(1 / DELAY))


def test_in_process_gate_alone_does_not_hold_across_processes(prefect_api: None) -> None:
    with recording_site() as site:
        statuses = run_workers(site, "local")
    assert [s for out in statuses for s in out] == ["fetched"] * PAGES
    # each process keeps its own spacing and slots, so the site sees twice the concurrency
    assert site.max_in_flight == 2 * PER_HOST
    assert min(site.gaps()) < DELAY / 2


def test_a_killed_workers_slot_comes_back_within_the_bound(killed_worker: Killed) -> None:
    left = killed_worker.held_at + KILL_BOUND_S - time.monotonic()
    got_at = _probe(killed_worker, wait_s=max(left, 1.0))
    assert got_at is not None, f"the killed worker's slot was not back {KILL_BOUND_S}s after it was taken"
    waited = got_at - killed_worker.held_at
    assert waited > 55, f"the slot came back after {waited:.0f}s, before its lease could have run out"


def test_a_limit_deleted_while_a_worker_runs_is_made_again(prefect_api: None) -> None:
    from prefect.client.orchestration import get_client

    from flows.fleet import FleetGate, concurrency_limit_name, rate_limit_name

    host = f"deleted-{os.getpid()}.test"
    names = [concurrency_limit_name(host), rate_limit_name(host)]

    async def scenario() -> list[int]:
        gate = FleetGate(timeout_s=10)
        async with gate.hold(host, 3):
            await gate.space(host, 0.5)
        await gate.release_idle()  # as a fetcher does when it closes: the slot kept for reuse goes back
        async with get_client() as client:
            for name in names:
                await client.delete_global_concurrency_limit_by_name(name)
            async with gate.hold(host, 3):  # the gate believes both exist: it must notice they do not
                await gate.space(host, 0.5)
            return [(await client.read_global_concurrency_limit_by_name(n)).limit for n in names]

    assert asyncio.run(scenario()) == [3, 1]


def test_a_start_answered_late_is_not_used(prefect_api: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The server grants a start somewhere during the ask, and the next start (to any worker) one
    delay after that. A start whose answer reaches the fetch late, as when its process waits for a
    core, would send the request right beside the next worker's: the gate asks again instead."""
    from prefect.client.orchestration import PrefectClient

    from flows.fleet import FleetGate

    host = f"late-{os.getpid()}.test"
    real = PrefectClient.increment_concurrency_slots
    granted: list[float] = []

    async def first_answer_late(self: PrefectClient, *args: Any, **kwargs: Any) -> Any:
        response = await real(self, *args, **kwargs)  # a refused ask raises: only grants get here
        granted.append(time.monotonic())
        if len(granted) == 1:
            await asyncio.sleep(0.6)
        return response

    monkeypatch.setattr(PrefectClient, "increment_concurrency_slots", first_answer_late)

    async def scenario() -> tuple[FleetGate, float, float]:
        gate = FleetGate(timeout_s=10)
        await gate.space(host, 1.0)
        late = time.monotonic()
        await gate.space(host, 1.0)  # answered on time: used as it comes
        on_time = time.monotonic()
        await gate.release_idle()
        return gate, late, on_time

    gate, late, on_time = asyncio.run(scenario())
    assert gate.stale_starts == 1
    assert len(granted) == 3
    assert late - granted[0] >= 1.0, "the late start was used: its request would go out beside the next one"
    assert on_time - granted[2] < 0.25


def test_a_server_always_slow_to_answer_costs_one_start_not_every_one(
    prefect_api: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Late is measured against the server's usual answer time: a far server's answers are all slow,
    and asking again each time would never start a request."""
    from prefect.client.orchestration import PrefectClient

    from flows.fleet import FleetGate

    host = f"far-{os.getpid()}.test"
    real = PrefectClient.increment_concurrency_slots

    async def always_slow(self: PrefectClient, *args: Any, **kwargs: Any) -> Any:
        response = await real(self, *args, **kwargs)
        await asyncio.sleep(0.3)
        return response

    monkeypatch.setattr(PrefectClient, "increment_concurrency_slots", always_slow)

    async def starts(gate: FleetGate) -> None:
        for _ in range(4):
            await gate.space(host, 0.5)
        await gate.release_idle()

    async def scenario() -> FleetGate:
        gate = FleetGate(timeout_s=10)
        await asyncio.wait_for(starts(gate), timeout=20)  # four starts take about 3.5 s
        return gate

    gate = asyncio.run(scenario())
    assert gate.stale_starts == 1  # the first: no usual answer time known yet


def test_a_missing_gate_name_is_a_clear_error() -> None:
    from crawler import Fetcher, FetchPolicy

    with pytest.raises(ValueError, match="host gate 'elsewhere' is not available"):
        Fetcher(FetchPolicy(host_gate="elsewhere"))


# --- the worker -----------------------------------------------------------------
async def _fetch(job: dict[str, Any]) -> list[str]:
    from crawler import Fetcher, FetchPolicy

    policy = FetchPolicy(
        per_host_delay_s=DELAY,
        per_host_concurrency=PER_HOST,
        concurrency=8,
        max_retries=0,
        allow_hosts=frozenset({"127.0.0.1"}),
        host_gate=job["gate"],
    )
    async with Fetcher(policy) as fetcher:
        return [r.status for r in await fetcher.fetch_many(job["urls"])]


async def _hold_forever(host: str) -> None:
    from flows.fleet import FleetGate

    async with FleetGate().hold(host, 1):
        print("held", flush=True)
        await asyncio.sleep(3600)


async def _probe_slot(host: str, wait_s: float) -> float | None:
    from crawler.politeness import HostGateError
    from flows.fleet import FleetGate

    deadline = time.monotonic() + wait_s
    while True:
        try:
            async with FleetGate(timeout_s=min(2.0, wait_s)).hold(host, 1):
                return time.monotonic()
        except HostGateError:
            if time.monotonic() >= deadline:
                return None


def _worker(job: dict[str, Any]) -> None:
    if job["gate"] == "fleet":
        import flows.fleet  # noqa: F401 (registers the fleet gate, as the Prefect shell does)
    print("ready", flush=True)
    sys.stdin.readline()
    if job["mode"] == "hold":
        asyncio.run(_hold_forever(job["host"]))
    elif job["mode"] == "probe":
        print(json.dumps(asyncio.run(_probe_slot(job["host"], job["wait_s"]))), flush=True)
    else:
        print(json.dumps(asyncio.run(_fetch(job))), flush=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker(json.loads(sys.argv[1]))


def test_a_slot_kept_between_fetches_still_counts_and_goes_back_when_the_fetcher_closes(
    prefect_api: None,
) -> None:
    from prefect.client.orchestration import get_client

    from flows.fleet import LINGER_S, FleetGate, concurrency_limit_name

    host = f"kept-{os.getpid()}.test"
    name = concurrency_limit_name(host)

    async def active() -> int:
        async with get_client() as client:
            return (await client.read_global_concurrency_limit_by_name(name)).active_slots

    async def scenario() -> list[int]:
        gate = FleetGate(timeout_s=10)
        seen = []
        async with gate.hold(host, 2):
            seen.append(await active())
        seen.append(await active())  # kept for this loop's next fetch to the host: still taken
        async with gate.hold(host, 2):  # the kept slot is used again, no second one is taken
            seen.append(await active())
        await gate.release_idle()
        seen.append(await active())
        async with gate.hold(host, 2):
            pass
        await asyncio.sleep(LINGER_S + 0.5)  # unused for longer than the linger: back to the server
        seen.append(await active())
        return seen

    assert asyncio.run(scenario()) == [1, 1, 1, 0, 0]
