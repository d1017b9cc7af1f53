"""``newsfacts backfill``: load history from WARC files (Common Crawl News or any web archive).

Kept apart from :mod:`cli.main`, which only registers the command; Prefect is
imported when the command runs, not when the CLI starts.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from datetime import date
from typing import Any

from ingest.errors import ConfigError, RunFailed


def _date(text: str | None, flag: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{flag} takes a date like 2024-01-31, not {text!r}") from None


def cmd_backfill(args: argparse.Namespace) -> int:
    from cli.preflight import check_backfill

    check_backfill(
        db_path=args.db, warcs=args.warc, hosts=args.host, include=args.include, exclude=args.exclude,
        languages=args.language, allow_hosts=args.allow_host, batch_size=args.batch_size,
    )  # fmt: skip
    after, before = _date(args.after, "--after"), _date(args.before, "--before")
    from cli.main import _prefect_defaults, _print_summary, _quiet_expected_tracebacks

    _prefect_defaults()
    from flows.nightly import nightly_ingest
    from warehouse.warc_files import warc_files

    _quiet_expected_tracebacks(args)
    try:
        summary = nightly_ingest(
            db_path=args.db,
            warcs=args.warc,
            warc_hosts=args.host,
            warc_include=args.include,
            warc_exclude=args.exclude,
            warc_languages=args.language,
            allow_hosts=args.allow_host,
            published_after=after,
            published_before=before,
            batch_size=args.batch_size,
            run_label="backfill",
        )
    except RunFailed as exc:  # every file failed: the tables say why, then the CLI prints the error line
        if exc.summary:
            _print_summary(exc.summary)
            _print_files(warc_files(args.db, run_id=exc.summary["run_id"]))
        raise
    _print_summary(summary)
    _print_files(warc_files(args.db, run_id=summary["run_id"]))
    return 0


def _print_files(rows: list[dict[str, Any]]) -> None:
    from cli.main import format_table

    if not rows:
        print("\nno WARC file read in this run (every file was done by an earlier run)")
        return
    columns = ["file", "status", "MB read", "records", "html", "kept", "articles", "facts", "failures"]
    table = [
        [os.path.basename(r["location"].rstrip("/")) or r["location"], r["status"],
         round((r["size_bytes"] or 0) / 1e6, 1), r["records_read"], r["html_records"], r["pages_kept"],
         r["articles"], r["facts"],
         ", ".join(f"{k} {v}" for k, v in sorted(r["failed_by_reason"].items())) or "-"]
        for r in rows
    ]  # fmt: skip
    print()
    print(format_table(columns, table, max_width=60))


def add_backfill_parser(
    sub: Any, add_db: Callable[[argparse.ArgumentParser], None]
) -> argparse.ArgumentParser:
    """Register ``backfill`` on the CLI's subcommands."""
    backfill = sub.add_parser(
        "backfill",
        help="load history from WARC files (Common Crawl News or any web archive)",
        description=(
            "Read WARC or WARC.gz files (local paths, http(s) URLs, or a CC-NEWS warc.paths.gz listing) as"
            " streams, one file per task, and load their HTML pages like fetched pages: articles, facts,"
            " events. Files finished by an earlier run are skipped; a file cut short is read again."
        ),
    )
    backfill.add_argument(
        "--warc", action="append", required=True, metavar="PATH_OR_URL",
        help="a WARC/WARC.gz file or a warc.paths.gz listing, local or http(s) (repeatable)",
    )  # fmt: skip
    backfill.add_argument(
        "--host", action="append", default=[], metavar="HOST",
        help="keep pages of this host and its subdomains only (repeatable)",
    )  # fmt: skip
    backfill.add_argument(
        "--include", action="append", default=[], metavar="REGEX", help="keep matching URLs"
    )
    backfill.add_argument(
        "--exclude", action="append", default=[], metavar="REGEX", help="drop matching URLs"
    )
    backfill.add_argument("--after", metavar="DATE", help="keep pages dated on or after DATE (YYYY-MM-DD)")
    backfill.add_argument("--before", metavar="DATE", help="keep pages dated on or before DATE (YYYY-MM-DD)")
    backfill.add_argument(
        "--language",
        action="append",
        default=[],
        metavar="CODE",
        help="keep articles in this language (en, ja, ko…)",
    )
    backfill.add_argument(
        "--allow-host", action="append", default=[], metavar="HOST",
        help="let downloads reach this internal host or IP (blocked by default; repeatable)",
    )  # fmt: skip
    backfill.add_argument(
        "--batch-size", type=int, default=100, metavar="N", help="pages per extract/load batch"
    )
    add_db(backfill)
    backfill.set_defaults(func=cmd_backfill)
    return backfill
