"""Checks a command makes before it starts Prefect or touches the warehouse.

A bad sources file, URL, option or ``--db`` is found here in milliseconds and
said in one line, instead of after a temporary Prefect server has started
(several seconds) and the flow has failed inside it (a page of traceback,
stray working and lock files beside the user's file). The flows check again
when they run, for deployments started from the UI; this module only moves
the first check in front of everything slow. Nothing here imports Prefect.
"""

from __future__ import annotations

import json
import os
import tempfile
import urllib.error
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from ingest.config import IngestOptions, build_config, check_env
from ingest.errors import ConfigError, PrefectUnavailable
from ingest.sources import SourceSpec, load_sources, one_off_sources, warc_one_off
from warehouse import check_database, is_lake

PREFECT_CHECK_TIMEOUT_S = 3.0


def check_ingest(
    *,
    db_path: str,
    sources_file: str | None,
    feeds: Sequence[str],
    sitemaps: Sequence[str],
    urls: Sequence[str],
    allow_hosts: Sequence[str],
    numbers: dict[str, float | int | None],
    batch_deployment: str | None = None,
) -> list[SourceSpec]:
    """The run's sources, validated, after checking the options and the database; raises ConfigError."""
    _check_numbers(numbers)
    specs = list(load_sources(sources_file).sources) if sources_file else []
    specs += one_off_sources(list(feeds), list(sitemaps), list(urls), allow_hosts=list(allow_hosts))
    # The environment's NEWSFACTS_* settings: the run reads them through the same builder.
    options = IngestOptions(
        warehouse=db_path,
        sources_file=sources_file,
        feeds=tuple(feeds),
        sitemaps=tuple(sitemaps),
        urls=tuple(urls),
        allow_hosts=tuple(allow_hosts),
        batch_deployment=batch_deployment,
    )
    build_config(options, os.environ)
    check_database(db_path)
    check_writable(db_path)
    return specs


def check_backfill(
    *,
    db_path: str,
    warcs: Sequence[str],
    hosts: Sequence[str],
    include: Sequence[str],
    exclude: Sequence[str],
    languages: Sequence[str],
    allow_hosts: Sequence[str],
    batch_size: int,
) -> list[SourceSpec]:
    """The backfill's ``warc`` source, validated, after checking its local files, the batch size and
    the database; raises ConfigError."""
    from ingest.warc import is_remote, local_path  # the WARC reader, not Prefect

    check_env(os.environ)
    missing = [w for w in warcs if not is_remote(w) and not os.path.exists(local_path(w))]
    if missing:
        raise ConfigError(
            f"no such file: {', '.join(missing)} (give WARC files, a warc.paths.gz listing,"
            " or their http(s) URLs)"
        )
    _check_numbers({"--batch-size": batch_size})
    specs = warc_one_off(
        list(warcs), hosts=list(hosts), include=list(include), exclude=list(exclude),
        languages=list(languages), allow_hosts=list(allow_hosts),
    )  # fmt: skip
    check_database(db_path)
    check_writable(db_path)
    return specs


def _check_numbers(numbers: dict[str, float | int | None]) -> None:
    for option, value in numbers.items():
        if value is None:
            continue
        low = 0 if option in ("--delay", "--retries") else 1e-9
        if value < low:
            raise ConfigError(f"{option} must be {'at least 0' if low == 0 else 'above 0'}, not {value}")


def check_writable(db_path: str) -> None:
    """A run writes beside the database (working copy, lock, page archive): its folder must allow it."""
    if db_path == ":memory:" or is_lake(db_path):  # a lake's files live under its data path
        return
    folder = Path(db_path).resolve().parent
    while not folder.exists():  # a missing folder is created by the run, if its parent allows
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError(f"{folder} is a file, so the warehouse {db_path} cannot be made inside it")
    try:
        with tempfile.TemporaryFile(dir=folder):  # unnamed where the OS allows; gone when closed
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot write in {folder} ({exc.strerror or exc}): the warehouse {db_path} needs a folder"
            " you can write to"
        ) from exc


def prefect_api_url() -> str | None:
    """PREFECT_API_URL from the environment, else from the active Prefect profile."""
    url = os.environ.get("PREFECT_API_URL")
    if url:
        return url
    from prefect.settings import PREFECT_API_URL  # settings only: starts nothing

    value = PREFECT_API_URL.value()
    return str(value) if value else None


def require_prefect_server(command: str, *, timeout_s: float = PREFECT_CHECK_TIMEOUT_S) -> str:
    """The API URL of a Prefect server that answers its health check, or PrefectUnavailable.

    Without a server Prefect would start a temporary one for this process alone:
    whatever ``serve`` schedules or ``alerts`` creates would vanish with it.
    """
    url = prefect_api_url()
    if not url:
        raise PrefectUnavailable(
            f"{command} needs a Prefect server, and PREFECT_API_URL is not set: start one"
            " (`prefect server start`) and set PREFECT_API_URL=http://127.0.0.1:4200/api"
        )
    health = url.rstrip("/") + "/health"
    try:
        with urllib.request.urlopen(health, timeout=timeout_s) as response:
            healthy = json.loads(response.read() or b"null") is True
    except (urllib.error.URLError, OSError, ValueError) as exc:
        if isinstance(exc, urllib.error.HTTPError):
            why: object = f"HTTP {exc.code} {exc.reason}"
        else:
            why = getattr(exc, "reason", None) or exc
        raise PrefectUnavailable(
            f"no Prefect server answers at PREFECT_API_URL={url} ({why}); start one with"
            " `prefect server start` or correct the URL"
        ) from exc
    if not healthy:
        raise PrefectUnavailable(f"the Prefect server at PREFECT_API_URL={url} is not healthy")
    return url
