"""The batch steps as plain functions: extraction runs one batch at a time in-process."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest

from ingest import pipeline
from ingest.pipeline import FetchedBatch, extract_pages


def test_batches_in_flight_are_extracted_one_after_another(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extraction holds the GIL: batches extracted together only add switching and memory."""
    monkeypatch.delenv("NEWSFACTS_EXTRACT_PROCESSES", raising=False)
    active, most = 0, 0
    guard = threading.Lock()

    def fake_records_for(results: list[Any], source: str, known: Any) -> list[Any]:
        nonlocal active, most
        with guard:
            active += 1
            most = max(most, active)
        time.sleep(0.05)
        with guard:
            active -= 1
        return list(results)

    monkeypatch.setattr(pipeline, "records_for", fake_records_for)
    pages = [SimpleNamespace(url=f"https://a.example/{n}", body=b"<html></html>") for n in range(6)]
    batches = [FetchedBatch(results=[page], known={}) for page in pages]  # type: ignore[list-item]
    with ThreadPoolExecutor(max_workers=4) as pool:
        out = list(pool.map(lambda b: extract_pages("s", b), batches))
    assert out == [[page] for page in pages]
    assert most == 1
