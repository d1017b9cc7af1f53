"""A tiny flow for the fleet tests and bench: it records which worker ran it.

Deployed from this folder with entrypoint ``tests/fleet_probe.py:fleet_probe``.
Each run writes ``<out_dir>/<index>.started.json`` when it begins and
``<index>.done.json`` when it ends (each written whole, then renamed into place).
"""

from __future__ import annotations

import json
import os
import socket
import time
from pathlib import Path

from prefect import flow


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
    }
    _write(Path(out_dir) / f"{index}.started.json", record)
    time.sleep(sleep_seconds)
    record["done"] = time.time()
    _write(Path(out_dir) / f"{index}.done.json", record)
