"""Per-host politeness across worker processes, through a real Prefect server.

A loopback site records when every page request arrives and how many are in
flight. Two separate processes each fetch half of its pages with the same
policy. Through the fleet gate (Prefect global concurrency and rate limits)
the site sees request starts at least ``DELAY`` apart and never more than
``PER_HOST`` requests at once; through the in-process gate alone it sees
both processes' requests side by side (the contrast shows the test can fail).

This file is also the worker: ``python test_fleet_politeness.py '<json>'``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
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
def _child_env() -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    api = PREFECT_API_URL.value()
    assert api, "the prefect_api fixture sets the API URL"
    return {**os.environ, "PREFECT_API_URL": api}


def _start(job: dict[str, Any]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, __file__, json.dumps(job)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()  # the imports take a few seconds; wait for every worker before "go"
    assert line.strip() == "ready", f"worker did not start: {line!r}"
    return proc


def run_workers(site: Site, gate: str) -> list[dict[str, Any]]:
    """Two worker processes, each fetching half the pages; started together."""
    urls = [f"{site.base_url}/p{i}.html" for i in range(PAGES)]
    jobs = [{"mode": "fetch", "gate": gate, "urls": urls[k::2]} for k in range(2)]
    procs = [_start(job) for job in jobs]
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


# --- tests ----------------------------------------------------------------------
def test_fleet_gate_spaces_and_caps_a_host_across_two_processes(prefect_api: None) -> None:
    with recording_site() as site:
        outputs = run_workers(site, "fleet")
    statuses = [s for out in outputs for s in out["statuses"]]
    assert statuses == ["fetched"] * PAGES
    assert len(site.arrivals) == PAGES
    gaps = site.gaps()
    assert min(gaps) >= DELAY - TOLERANCE, f"starts closer than {DELAY}s: {sorted(gaps)[:5]}"
    assert site.max_in_flight <= PER_HOST
    # both workers fetched while the other did: their requests interleave, not one after the other
    spans = [(out["first_start"], out["last_start"]) for out in outputs]
    assert spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1]

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
        outputs = run_workers(site, "local")
    assert [s for out in outputs for s in out["statuses"]] == ["fetched"] * PAGES
    # each process keeps its own spacing and slots, so the site sees twice the concurrency
    assert site.max_in_flight == 2 * PER_HOST
    assert min(site.gaps()) < DELAY / 2


def test_a_missing_gate_name_is_a_clear_error() -> None:
    from flows.fetch import Fetcher, FetchPolicy

    with pytest.raises(ValueError, match="host gate 'elsewhere' is not available"):
        Fetcher(FetchPolicy(host_gate="elsewhere"))


# --- the worker -----------------------------------------------------------------
async def _fetch(job: dict[str, Any]) -> dict[str, Any]:
    from flows.fetch import Fetcher, FetchPolicy

    policy = FetchPolicy(
        per_host_delay_s=DELAY,
        per_host_concurrency=PER_HOST,
        concurrency=8,
        max_retries=0,
        allow_hosts=frozenset({"127.0.0.1"}),
        host_gate=job["gate"],
    )
    starts: list[float] = []
    async with Fetcher(policy) as fetcher:
        space = fetcher.gate.space

        async def timed_space(host: str, delay_s: float) -> None:
            await space(host, delay_s)
            starts.append(time.time())

        fetcher.gate.space = timed_space  # type: ignore[method-assign]
        results = await fetcher.fetch_many(job["urls"])
    return {
        "statuses": [r.status for r in results],
        "first_start": min(starts),
        "last_start": max(starts),
    }


def _worker(job: dict[str, Any]) -> None:
    if job["gate"] == "fleet":
        import flows.fleet  # noqa: F401 (registers the fleet gate, as the Prefect shell does)
    print("ready", flush=True)
    sys.stdin.readline()
    print(json.dumps(asyncio.run(_fetch(job))), flush=True)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _worker(json.loads(sys.argv[1]))
