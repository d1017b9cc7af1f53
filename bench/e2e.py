"""End to end: N real pages from a loopback site through the nightly flow into DuckDB.

A Prefect server is started for the run (as users run one), the site of
:mod:`bench.site` serves N pages under distinct URLs, and the ingest runs in
a child process (``bench.e2e_run``) whose resident memory is sampled from
``/proc`` against the number of pages served so far.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.site import BenchSite, serve_pages


@dataclass
class RunFigures:
    mode: str
    pages: int
    seconds: float
    articles: int
    rss_mb_peak: float
    rss_mb_final: float
    rss_by_pages: list[tuple[int, float]] = field(default_factory=list)

    def rss_at(self, pages: int) -> float | None:
        """RSS (MB) at the first sample taken once ``pages`` pages had been served."""
        return next((rss for done, rss in self.rss_by_pages if done >= pages), None)

    def peak_between(self, first: int, last: int) -> float | None:
        """The highest RSS (MB) sampled while pages ``first`` to ``last`` were being served."""
        return max((rss for done, rss in self.rss_by_pages if first <= done <= last), default=None)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def prefect_server() -> Iterator[dict[str, str]]:
    """A Prefect server on loopback with its own PREFECT_HOME; yields the environment to use it."""
    port = _free_port()
    home = tempfile.mkdtemp(prefix="bench-prefect-")
    env = {
        **os.environ,
        "PREFECT_HOME": home,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_API_URL": f"http://127.0.0.1:{port}/api",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    command = [str(Path(sys.executable).parent / "prefect"), "server", "start", "--host", "127.0.0.1",
               "--port", str(port)]  # fmt: skip
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the Prefect server did not start") from None
                time.sleep(0.5)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(child) for child in task.read_text().split()]
            except OSError:
                continue
    return found


def _memory_mb(pid: int) -> tuple[float, float] | None:
    """Resident memory now and at its highest (``VmRSS``, ``VmHWM``, as the kernel keeps them), in MB,
    of a process and its descendants (the extraction workers)."""
    rss = high = 0
    for proc in _descendants(pid):
        try:
            for line in Path(f"/proc/{proc}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    rss += int(line.split()[1])
                elif line.startswith("VmHWM:"):
                    high += int(line.split()[1])
        except OSError:
            continue
    return (rss / 1024, high / 1024) if rss else None


@dataclass
class Watched:
    """What a child run printed last (its JSON result), its memory samples and the kernel's peak."""

    result: dict[str, Any]
    samples: list[tuple[float, float]]
    peak_mb: float


def watch_child(
    args: list[str], env: dict[str, str], what: str, position: Callable[[], float],
    label: Callable[[float, float], str] | None,
) -> Watched:  # fmt: skip
    """Run ``args`` as a child process, sampling its memory every 0.1 s against ``position()``
    (pages served, seconds gone), and return the JSON line it prints last. ``label`` formats a
    progress line on stderr from a sample's position and RSS; None prints nothing."""
    child = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples: list[tuple[float, float]] = []
    high_water = [0.0]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            memory = _memory_mb(child.pid)
            if memory is not None:
                rss, high_water[0] = memory[0], max(high_water[0], memory[1])
                samples.append((position(), rss))
                if label is not None:
                    print(f"\r  {label(samples[-1][0], rss)}", end="", file=sys.stderr, flush=True)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = child.communicate()
    stop.set()
    sampler.join()
    if label is not None:
        print(file=sys.stderr)
    if child.returncode != 0:
        raise RuntimeError(f"{what} run failed:\n{err[-3000:]}")
    # The kernel's high-water mark (never below a sample) catches the spikes that fall between samples.
    return Watched(json.loads(out.strip().splitlines()[-1]), samples, high_water[0])


def run_ingest(mode: str, site: BenchSite, env: dict[str, str], *, progress: bool = True) -> RunFigures:
    """Run one ingest of every page of ``site`` in a child process, sampling its memory."""
    with tempfile.TemporaryDirectory(prefix="bench-e2e-") as tmp:
        args = [sys.executable, "-m", "bench.e2e_run", "--mode", mode, "--db", f"{tmp}/news.duckdb",
                "--sitemap", site.sitemap_url, "--host", site.host]  # fmt: skip
        served_before = site.served

        def label(done: float, rss: float) -> str:
            return f"{mode}: {done:,.0f}/{site.pages:,} pages, RSS {rss:.0f} MB"

        watched = watch_child(
            args, env, mode, lambda: site.served - served_before, label if progress else None
        )
    result, samples = watched.result, [(int(done), rss) for done, rss in watched.samples]
    final = samples[-1][1] if samples else 0.0
    return RunFigures(
        mode, result["pages"], result["seconds"], result["articles"], watched.peak_mb, final, samples
    )


def e2e(pages: int, *, env: dict[str, str]) -> RunFigures:
    with serve_pages(pages) as site:
        return run_ingest("prefect", site, env)


def prefect_overhead(
    pages: int, *, env: dict[str, str], rounds: int = 5
) -> tuple[list[RunFigures], list[RunFigures]]:
    """The same pages with and without Prefect, in the same session, ``rounds`` times each.

    A 1,000-page run varies by ±2 s from one try to the next on a busy 2-core machine, as much as
    the difference being measured; so the runs alternate (plain, flow, flow, plain, …) to spread
    any drift evenly, and the caller reports the median share over the rounds.
    """
    plain: list[RunFigures] = []
    flow: list[RunFigures] = []
    with serve_pages(pages) as site:
        for n in range(rounds):
            order = ("plain", "prefect") if n % 2 == 0 else ("prefect", "plain")
            for mode in order:
                (plain if mode == "plain" else flow).append(run_ingest(mode, site, env))
    return plain, flow


def prefect_share(plain: list[RunFigures], flow: list[RunFigures]) -> float:
    """The median over rounds of ``1 - plain / flow`` wall time (round n's runs were made side by side)."""
    return statistics.median(max(0.0, 1 - p.seconds / f.seconds) for p, f in zip(plain, flow, strict=True))
