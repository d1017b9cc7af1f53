"""Errors of the flows and the command line, and the exit code each one means.

    NewsfactsError                  anything the flows refuse or cannot do, said in one line
     ├── ConfigError                a bad option, sources file or URL: fix the input and re-run
     │    └── SourcesFileError      (ingest.sources) the sources file or a one-off source is wrong
     ├── PrefectUnavailable         the command needs a Prefect server and none answers
     ├── DeployedElsewhere          (flows.operations) the deployments already run on a work pool
     └── RunFailed                  a run finished, but no source gave a single page

The fetch tree (:mod:`crawler.errors`) never reaches the command line: a
page that cannot be fetched is recorded with its reason, not raised. The
warehouse's tree (:mod:`warehouse.errors`) does, and :func:`exit_code_for`
maps both trees to the exit codes below, which ``newsfacts --help`` and the
README list. Like sqlite-utils, the CLI prints one line for an expected error
and a traceback only when asked (``--debug``).
"""

from __future__ import annotations

from typing import Any

from warehouse.errors import WarehouseBusy, WarehouseError

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_BUSY = 3
EXIT_NO_PREFECT = 4
EXIT_RUN_FAILED = 5
EXIT_INTERRUPTED = 130

# (code, meaning): the one list that --help and the README describe.
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "done"),
    (EXIT_INTERNAL, "an unexpected error (a bug: run again with --debug for the traceback)"),
    (
        EXIT_USAGE,
        "bad input: an option, the sources file, a URL, or a --db that is missing or not a DuckDB file",
    ),
    (EXIT_BUSY, "the warehouse is busy: another run is loading it; try again later"),
    (EXIT_NO_PREFECT, "no reachable Prefect server: set PREFECT_API_URL (serve, alerts)"),
    (EXIT_RUN_FAILED, "the run finished but every source failed (see the table and `newsfacts sources`)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
)


class NewsfactsError(Exception):
    """Base class: the message is the one line the user sees."""

    exit_code = EXIT_INTERNAL


class ConfigError(NewsfactsError, ValueError):
    """Bad input the user can fix: an option, the sources file, a URL."""

    exit_code = EXIT_USAGE


class PrefectUnavailable(NewsfactsError):
    """The command needs a Prefect server (PREFECT_API_URL) and none answers."""

    exit_code = EXIT_NO_PREFECT


class RunFailed(NewsfactsError):
    """Every source of a run failed; ``summary`` is the run's summary, for printing."""

    exit_code = EXIT_RUN_FAILED

    def __init__(self, message: str, *, summary: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.summary = summary


def exit_code_for(exc: BaseException) -> int:
    """The documented exit code of an error from either tree; 1 for anything unexpected."""
    if isinstance(exc, NewsfactsError):
        return exc.exit_code
    if isinstance(exc, WarehouseBusy):
        return EXIT_BUSY
    if isinstance(exc, WarehouseError):
        return EXIT_USAGE
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_INTERNAL


def is_expected(exc: BaseException) -> bool:
    """Whether the error is one the user can act on (printed as one line, no traceback)."""
    return isinstance(exc, (NewsfactsError, WarehouseError))
