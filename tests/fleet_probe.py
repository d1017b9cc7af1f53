"""A tiny flow for the fleet tests and bench: it records which worker ran it.

Deployed from this folder with entrypoint ``tests/fleet_probe.py:fleet_probe``.
Each run writes ``<out_dir>/<index>.started.json`` when it begins and
``<index>.done.json`` when it ends (each written whole, then renamed into place):
its worker, PIDs, host, its process's creation time, CPU seconds and peak memory.
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from prefect import flow


def _process_started() -> float:
    """When this process was created (wall clock, Linux ``/proc``)."""
    ticks = int(Path("/proc/self/stat").read_text().rsplit(")", 1)[1].split()[19])
    boot = next(
        int(line.split()[1])
        for line in Path("/proc/stat").read_text().splitlines()
        if line.startswith("btime")
    )
    return boot + ticks / os.sysconf("SC_CLK_TCK")


def _write(path: Path, record: dict[str, object]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(record), "utf-8")
    os.replace(tmp, path)


@flow(name="fleet-probe", persist_result=False)
def fleet_probe(out_dir: str, index: int, sleep_seconds: float = 0.0) -> None:
    record: dict[str, object] = {
        "index": index,
        "worker": os.environ.get("NEWSFACTS_FLEET_WORKER", ""),
        "pid": os.getpid(),
        "ppid": os.getppid(),
        "host": socket.gethostname(),
        "started": time.time(),
        "process_started": _process_started(),
        "cpu_at_start": time.process_time(),
    }
    _write(Path(out_dir) / f"{index}.started.json", record)
    time.sleep(sleep_seconds)
    record["done"] = time.time()
    record["cpu_at_done"] = time.process_time()
    status = Path("/proc/self/status").read_text()
    record["rss_peak_kb"] = int(status.split("VmHWM:")[1].split()[0])
    _write(Path(out_dir) / f"{index}.done.json", record)
