"""``newsfacts``: the command line over the flows and the warehouse.

Every command that reads or writes the warehouse takes ``--db`` (default:
``$NEWSFACTS_DB``, else ``./news.duckdb``). Prefect is imported only by the
commands that run a flow, so ``newsfacts trends`` answers instantly.

Errors: :func:`main` turns every expected error (:mod:`ingest.errors`,
:mod:`warehouse.errors`) into one line on stderr and the exit code listed in
``--help``; a traceback only with ``--debug``. Commands check their input
(:mod:`cli.preflight`) before they start Prefect.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from cli.backfill import add_backfill_parser
from ingest.errors import EXIT_CODES, EXIT_INTERRUPTED, ConfigError, RunFailed, exit_code_for, is_expected

DEFAULT_DB = "news.duckdb"
DEMO_TREND = "trend_investment_by_country_month"
DEMO_PORT = 8765  # flows.demo.DEMO_PORT, repeated so --help needs no Prefect import


def _default_db() -> str:
    return os.environ.get("NEWSFACTS_WAREHOUSE") or os.environ.get("NEWSFACTS_DB") or DEFAULT_DB


def _prefect_defaults() -> None:
    """Offline-friendly Prefect settings unless the user chose otherwise, library logs at INFO."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    os.environ.setdefault(
        "PREFECT_LOGGING_EXTRA_LOGGERS", "flows,ingest,crawler,report,cli,extractors,warehouse"
    )


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def format_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *, max_width: int = 48) -> str:
    """A plain-text table, right-aligning numbers; long cells are cut with an ellipsis."""
    cells = [[_cell(v) for v in row] for row in rows]
    cells = [[c if len(c) <= max_width else c[: max_width - 1] + "…" for c in row] for row in cells]
    widths = [max([len(col), *(len(r[i]) for r in cells)]) for i, col in enumerate(columns)]
    numeric = [
        all(isinstance(row[i], (int, float)) or row[i] is None for row in rows) for i in range(len(columns))
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    return "\n".join(out)


def _print_trend(db: str, name: str, limit: int | None) -> None:
    from warehouse import query_trend

    table = query_trend(db, name, limit=limit)
    print(f"\n{name}  ({len(table.rows)} rows{', first ' + str(limit) if limit else ''})\n")
    print(format_table(table.columns, table.rows) if table.rows else "(no rows yet)")


def cmd_ingest(args: argparse.Namespace) -> int:
    if not (args.sources or args.feed or args.sitemap or args.url):
        print("newsfacts ingest: give --sources FILE or at least one --feed/--sitemap/--url", file=sys.stderr)
        return 2
    from cli.preflight import check_ingest

    check_ingest(
        db_path=args.db, sources_file=args.sources, feeds=args.feed, sitemaps=args.sitemap, urls=args.url,
        allow_hosts=args.allow_host,
        numbers={"--delay": args.delay, "--concurrency": args.concurrency, "--timeout": args.timeout,
                 "--retries": args.retries, "--batch-size": args.batch_size},
        batch_deployment=args.batch_deployment,
    )  # fmt: skip
    _prefect_defaults()
    from flows.nightly import nightly_ingest

    _quiet_expected_tracebacks(args)

    hosts = _internal_hosts([*args.feed, *args.sitemap, *args.url], args.allow_host)
    try:
        summary = nightly_ingest(
            db_path=args.db,
            sources_file=args.sources,
            feeds=args.feed,
            sitemaps=args.sitemap,
            urls=args.url,
            allow_hosts=args.allow_host,
            delay=args.delay,
            concurrency=args.concurrency,
            user_agent=args.user_agent,
            batch_size=args.batch_size,
            timeout=args.timeout,
            retries=args.retries,
            batch_deployment=args.batch_deployment,
        )
    except RunFailed as exc:
        if exc.summary:
            _print_summary(exc.summary, hosts)
        raise
    _print_summary(summary, hosts)
    return 0


def _print_summary(summary: dict[str, Any], hosts: Sequence[str] = ()) -> None:
    columns = ["source", "status", "discovered", "fetched", "unchanged", "failed", "articles", "new", "facts"]
    rows = [
        [name, s["status"], s["discovered"], s["fetched"], s["unchanged"], s["failed"] + s["skipped"],
         s["articles"], s["new_articles"], s["facts"]]
        for name, s in summary["sources"].items()
    ]  # fmt: skip
    print(f"\nrun {summary['run_id']} -> {summary['db_path']}\n")
    print(format_table(columns, rows))
    for name, s in summary["sources"].items():
        if s["failed_by_reason"]:
            reasons = ", ".join(f"{k} {v}" for k, v in sorted(s["failed_by_reason"].items()))
            print(f"  {name}: not loaded: {reasons}")
            hint = _hint(s["failed_by_reason"], hosts)
            if hint:
                print(f"    hint: {hint}")


def _hint(reasons: dict[str, int], hosts: Sequence[str]) -> str | None:
    """The fix for the commonest reason, naming the blocked hosts of this command's URLs."""
    from crawler.errors import hint_for

    hint = hint_for(reasons)
    if hint and "blocked_address" in reasons and hosts:
        hint = hint.replace("--allow-host HOST", " ".join(f"--allow-host {h}" for h in hosts))
    return hint


def _internal_hosts(urls: Sequence[str], allowed: Sequence[str]) -> list[str]:
    """Hosts of ``urls`` written as internal IP addresses (or localhost) not yet allowed."""
    from crawler.guard import is_blocked_ip

    found = []
    for url in urls:
        host = (urlsplit(url).hostname or "").lower()
        try:
            internal = host == "localhost" or is_blocked_ip(host)
        except ValueError:  # a name, not an address: only the resolver knows
            internal = False
        if internal and host not in allowed and host not in found:
            found.append(host)
    return found


def cmd_migrate(args: argparse.Namespace) -> int:
    from warehouse import check_database, migrate_to

    check_database(args.db)  # a file that is no database: one line, and no lock file left beside it
    copied = migrate_to(args.db, args.to)  # refuses a destination that is no lake location
    print(format_table(["table", "rows"], [[name, count] for name, count in copied.items()]))
    print(f"\ncopied {sum(copied.values())} rows from {args.db} into the lake; point --warehouse at it")
    return 0


def cmd_maintain(args: argparse.Namespace) -> int:
    from warehouse import is_lake, maintain

    if args.keep_days < 0:
        raise ConfigError("--keep-days must be 0 or more")
    if not is_lake(args.db) and not os.path.exists(args.db):
        raise ConfigError(f"no warehouse at {args.db}: give --warehouse the lake to tidy")
    done = maintain(args.db, keep_days=args.keep_days, wait_s=args.wait)
    if done is None:
        print(
            f"{args.db} is a DuckDB file: it needs no maintenance (DuckDB reuses freed space); nothing done"
        )
        return 0
    rows = [
        ["data files", done.data_files_before, done.data_files_after],
        ["snapshots", done.snapshots_before, done.snapshots_after],
    ]
    print(format_table(["", "before", "after"], rows))
    print(
        f"\ntidied the lake in {done.seconds:.1f} s: small files merged, snapshots older than"
        f" {args.keep_days} days expired; files replaced go at the next maintenance, a day on at the earliest"
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from warehouse import check_database

    check_database(args.db)
    _prefect_defaults()
    from flows.demo import demo_ingest

    _quiet_expected_tracebacks(args)

    summary = demo_ingest(db_path=args.db, port=args.port)
    _print_summary(summary)
    _print_counts(args.db)
    _print_trend(args.db, DEMO_TREND, limit=15)
    print(f"\nMore: .venv/bin/newsfacts trends --db {args.db}   |   .venv/bin/duckdb -readonly {args.db}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from report import write_report

    if not _database_exists(args.db, "report"):
        return 2
    since = None
    if args.since:
        try:
            since = date.fromisoformat(args.since)
        except ValueError:
            print(
                f"newsfacts report: --since takes a date like 2024-01-31, not {args.since!r}", file=sys.stderr
            )
            return 2
    summary = write_report(args.db, args.out, since=since)
    print(
        f"wrote {summary.path} ({summary.size_bytes / 1024:.0f} KB): {summary.charts} charts,"
        f" {summary.events_shown} of {summary.current_events} events; open it in a browser"
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from cli.preflight import require_prefect_server

    url = require_prefect_server("serve")
    _prefect_defaults()
    # SIGTERM (systemd, docker stop, kill) stops serving as Ctrl-C does: runs in flight are
    # cancelled, and the process exits in seconds instead of after a page of tracebacks.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    from flows.operations import serve_all

    def announce(names: Sequence[str]) -> None:
        print(
            f"serving {len(names)} deployments of prefect.yaml ({', '.join(names)}) on {url}"
            " (Ctrl-C to stop); runs appear in the Prefect UI",
            flush=True,
        )

    # Prefect's runner handles SIGTERM itself once it runs: it pauses the schedules and returns, or
    # exits with status 0 while it is still starting. Before that, the handler above raises
    # KeyboardInterrupt. Each way ends here, quietly.
    try:
        serve_all(announce=announce)
    except KeyboardInterrupt:
        pass
    except SystemExit as exc:
        if exc.code not in (0, None):
            raise
    print("stopped serving", flush=True)
    return 0


def cmd_alerts(args: argparse.Namespace) -> int:
    from cli.preflight import require_prefect_server

    if urlsplit(args.webhook_url).scheme not in ("http", "https") or not urlsplit(args.webhook_url).hostname:
        raise ConfigError(f"--webhook-url must be an http(s) URL, not {args.webhook_url!r}")
    require_prefect_server("alerts")
    _prefect_defaults()
    from flows.operations import install_alerts

    names = install_alerts(args.webhook_url)
    print(f"notification block 'newsfacts-alerts' -> {args.webhook_url}")
    for name in names:
        print(f"automation created: {name}")
    return 0


def cmd_sources(args: argparse.Namespace) -> int:
    from warehouse import publish, set_source_enabled, source_health

    if not _database_exists(args.db, "sources", published=False):
        return 2
    for name, enabled in [(n, True) for n in args.enable] + [(n, False) for n in args.disable]:
        if not set_source_enabled(args.db, name, enabled=enabled):
            print(f"newsfacts sources: no source named {name!r}", file=sys.stderr)
            return 2
        print(f"{name}: {'enabled (failure count reset)' if enabled else 'disabled'}")
    if args.enable or args.disable:
        publish(args.db)
    health = source_health(args.db)
    now = datetime.now(UTC)
    rows = [
        [h["name"], h["kind"], _source_status(h), h["consecutive_failures"],
         _when(h["last_success_at"], now) or "never",
         ", ".join(str(n) for n in h["recent_yield"] or []) or "-"]
        for h in health
    ]  # fmt: skip
    columns = ["source", "kind", "status", "failed runs in a row", "last success",
               "new articles per run (newest first)"]  # fmt: skip
    print(format_table(columns, rows, max_width=60))
    for h in health:
        if h["last_error"] and h["consecutive_failures"]:
            print(f"\n{h['name']}: last error, {_when(h['last_error_at'], now)}:\n  {h['last_error']}")
    return 0


def _source_status(health: dict[str, Any]) -> str:
    if not health["enabled"]:
        return "disabled"
    return "failing" if health["consecutive_failures"] else ("ok" if health["last_success_at"] else "new")


def _when(value: datetime | None, now: datetime) -> str:
    """``2026-12-04 21:10 UTC (3 h ago)``; stored times are the writer's local time, without a zone."""
    if value is None:
        return ""
    moment = value.astimezone(UTC)  # a naive time is taken as local time
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        ago = "just now"
    elif seconds < 3600:
        ago = f"{seconds // 60:.0f} min ago"
    elif seconds < 48 * 3600:
        ago = f"{seconds // 3600:.0f} h ago"
    else:
        ago = f"{seconds // 86400:.0f} days ago"
    return f"{moment:%Y-%m-%d %H:%M} UTC ({ago})"


def _print_counts(db: str) -> None:
    from warehouse import reader

    with reader(db) as con:
        row = con.execute(
            "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM facts),"
            " (SELECT count(*) FROM pages)"
        ).fetchone()
    assert row is not None
    print(f"\n{db}: {row[0]} articles, {row[1]} facts, {row[2]} pages")


def cmd_trends(args: argparse.Namespace) -> int:
    from warehouse import UnknownTrend, list_trends

    if not _database_exists(args.db, "trends"):
        return 2
    if not args.name:
        trends = list_trends(args.db)
        print(format_table(["trend", "what it shows"], trends, max_width=100))
        print("\nShow one: newsfacts trends NAME")
        return 0
    try:
        _print_trend(args.db, args.name, args.limit)
    except UnknownTrend as exc:
        print(f"newsfacts trends: {exc}", file=sys.stderr)
        return 2
    return 0


def cmd_reextract(args: argparse.Namespace) -> int:
    from ingest.reextract import reextract_pages

    if not _database_exists(args.db, "reextract", published=False):
        return 2

    def progress(done: int, total: int) -> None:
        print(f"\r  re-extracted {done}/{total} pages", end="", file=sys.stderr, flush=True)

    counts = reextract_pages(args.db, everything=args.all, batch_size=args.batch_size, progress=progress)
    if counts["pages"]:
        print(file=sys.stderr)
        print(
            f"re-extracted {counts['pages']} stored pages: {counts['articles']} articles,"
            f" {counts['facts']} facts, {counts['rejected']} rejected; {counts['events']} events"
        )
        if counts["missing"]:
            print(f"{counts['missing']} pages were skipped: their bodies are missing from the page archive")
    else:
        print("nothing to do: every stored page is extracted by the current extractor version")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from warehouse.export import export_tables

    if not _database_exists(args.db, "export"):
        return 2
    files = export_tables(args.db, args.dir, file_format=args.format)
    print(f"wrote {len(files)} {'CSV' if args.format == 'csv' else 'Parquet'} files to {args.dir}")
    return 0


def _database_exists(db: str, command: str, *, published: bool = True) -> bool:
    """Whether there is a database to read (the published file) or to work on (either file)."""
    from warehouse import check_database, is_lake, work_path

    if is_lake(db):
        check_database(db)  # a malformed location: one line; an unreachable catalog fails when opened
        return True
    if os.path.exists(db) or (not published and os.path.exists(work_path(db))):
        check_database(db)  # a file that is no DuckDB database: one line, before any work
        return True
    if os.path.exists(work_path(db)):
        print(
            f"newsfacts {command}: {db} is not published yet: the first run is still loading", file=sys.stderr
        )
    else:
        print(
            f"newsfacts {command}: no database at {db} (run `make demo` or `newsfacts ingest`)",
            file=sys.stderr,
        )
    return False


def _exit_codes_epilog() -> str:
    lines = [f"  {code:>3}  {meaning}" for code, meaning in EXIT_CODES]
    return "An error prints one line on stderr (a traceback only with --debug). Exit codes:\n" + "\n".join(
        lines
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="newsfacts",
        description=(
            "Fetch news, extract facts about the AI race and data sovereignty, query trends in DuckDB."
        ),
        epilog=_exit_codes_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an error (for bug reports)"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add_db(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            "--warehouse",
            dest="db",
            default=_default_db(),
            metavar="LOCATION",
            help="the warehouse: a DuckDB file, or a lake (ducklake:postgres:<conninfo>?data_path=<folder>)"
            " (default: $NEWSFACTS_WAREHOUSE, else $NEWSFACTS_DB, else ./news.duckdb)",
        )

    ingest = sub.add_parser(
        "ingest",
        help="run the nightly ingest once",
        description="Discover, fetch, extract and load once, from a sources file and/or one-off sources.",
    )
    ingest.add_argument("--sources", metavar="FILE", help="TOML sources file (see sources.example.toml)")
    ingest.add_argument(
        "--feed", action="append", default=[], metavar="URL", help="an RSS/Atom feed (repeatable)"
    )
    ingest.add_argument(
        "--sitemap", action="append", default=[], metavar="URL", help="a sitemap (repeatable)"
    )
    ingest.add_argument(
        "--url", action="append", default=[], metavar="URL", help="an article URL (repeatable)"
    )
    ingest.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="HOST",
        help="let the crawler reach this internal host or IP (blocked by default; repeatable)",
    )
    ingest.add_argument(
        "--delay", type=float, metavar="SECONDS", help="seconds between requests to one host (default 5)"
    )
    ingest.add_argument(
        "--concurrency", type=int, metavar="N", help="requests in flight overall (default 16)"
    )
    ingest.add_argument("--user-agent", metavar="UA", help="User-Agent header (default names this crawler)")
    ingest.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="total time allowed per request (default 60)"
    )
    ingest.add_argument(
        "--retries", type=int, metavar="N", help="retries of a transient failure per URL (default 3)"
    )
    ingest.add_argument(
        "--batch-size", type=int, metavar="N", help="pages per fetch/extract/load batch (default 100)"
    )
    ingest.add_argument(
        "--batch-deployment",
        metavar="FLOW/DEPLOYMENT",
        help="run each batch as a flow run of this ingest-batch deployment on its work pool"
        ' (needs a lake warehouse; README "Scaling out")',
    )
    add_db(ingest)
    ingest.set_defaults(func=cmd_ingest)

    migrate = sub.add_parser(
        "migrate",
        help="copy a warehouse file into an empty DuckLake lake",
        description=(
            "Copy every table of the warehouse file (--db) and its stored page bodies into an empty"
            " lake, so a user who outgrows one file keeps their history. The file is left as it was."
        ),
    )
    migrate.add_argument(
        "--to",
        required=True,
        metavar="LAKE",
        help="the lake: ducklake:postgres:<conninfo>?data_path=<folder>",
    )
    add_db(migrate)
    migrate.set_defaults(func=cmd_migrate)

    maintain = sub.add_parser(
        "maintain",
        help="tidy a lake between runs: merge small files, expire old snapshots",
        description=(
            "DuckLake's housekeeping (CHECKPOINT) on a lake warehouse: merges the small files that"
            " batch commits leave, expires snapshots older than --keep-days (time travel reaches no"
            " further back), and deletes files that have been unused for a day. Takes the run lock, so"
            " it waits for a loading run. A warehouse file needs none; the command says so."
        ),
    )
    maintain.add_argument(
        "--keep-days",
        type=int,
        default=7,
        metavar="DAYS",
        help="keep snapshots this many days for time travel (default 7)",
    )
    maintain.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for a loading run to finish (default: stop at once if one is loading)",
    )
    add_db(maintain)
    maintain.set_defaults(func=cmd_maintain)

    demo = sub.add_parser(
        "demo",
        help="ingest the bundled demo corpus from a local server",
        description=(
            "Serve the bundled demo corpus on 127.0.0.1, run the nightly flow over its feed, print a trend."
        ),
    )
    demo.add_argument(
        "--port",
        type=int,
        default=DEMO_PORT,
        help=f"port of the local demo server (default {DEMO_PORT}; 0: any free one; every port loads the same"
        " articles)",
    )
    add_db(demo)
    demo.set_defaults(func=cmd_demo)

    trends = sub.add_parser(
        "trends",
        help="list the trend views, or print one",
        description="Without NAME, list the named trend views; with NAME, print that view as a table.",
    )
    trends.add_argument(
        "name", nargs="?", metavar="NAME", help="a trend view, e.g. trend_investment_by_country_month"
    )
    trends.add_argument("--limit", type=int, metavar="N", help="print at most N rows")
    add_db(trends)
    trends.set_defaults(func=cmd_trends)

    reextract = sub.add_parser(
        "reextract",
        help="re-run the extractors over stored pages (no network)",
        description=(
            "Extract again, from the raw pages kept in the warehouse, every page whose article was produced"
            " by another extractor version; replaces its article and facts and rebuilds events. Needs no"
            " network and no Prefect server."
        ),
    )
    reextract.add_argument(
        "--all", action="store_true", help="re-extract every stored page, not only stale ones"
    )
    reextract.add_argument("--batch-size", type=int, default=200, metavar="N", help="pages per transaction")
    add_db(reextract)
    reextract.set_defaults(func=cmd_reextract)

    add_backfill_parser(sub, add_db)

    export = sub.add_parser(
        "export",
        help="write every table and trend view to Parquet or CSV",
        description=(
            "Write each table and trend view as DIR/NAME.parquet, or DIR/NAME.csv with --format csv"
            " (UTF-8, a header row); raw page bytes are not exported."
        ),
    )
    export.add_argument(
        "--format", default="parquet", choices=["parquet", "csv"], help="output format (default parquet)"
    )
    export.add_argument("dir", metavar="DIR", help="output folder (created if missing)")
    add_db(export)
    export.set_defaults(func=cmd_export)

    report = sub.add_parser(
        "report",
        help="write the trend report: one self-contained HTML file",
        description=(
            "Write the trend report (five charts and the newest events, all inline: it opens offline and can"
            " be mailed as one file). Reads the published database read-only; never blocks a running load."
        ),
    )
    report.add_argument(
        "--out", default="report.html", metavar="FILE", help="output file (default report.html)"
    )
    report.add_argument(
        "--since", metavar="DATE", help="only months/weeks and events from this date (YYYY-MM-DD)"
    )
    add_db(report)
    report.set_defaults(func=cmd_report)

    sources = sub.add_parser(
        "sources",
        help="list sources with their health; re-enable or disable one",
        description=(
            "List every source the warehouse knows with its status, consecutive failures and recent yields."
            " A source that failed too many runs in a row is skipped until re-enabled with --enable."
        ),
    )
    sources.add_argument("--enable", action="append", default=[], metavar="NAME", help="re-enable a source")
    sources.add_argument("--disable", action="append", default=[], metavar="NAME", help="disable a source")
    add_db(sources)
    sources.set_defaults(func=cmd_sources)

    serve_cmd = sub.add_parser(
        "serve",
        help="serve the prefect.yaml deployments from this process (no worker needed)",
        description=(
            "Serve nightly, backfill, reextract and demo (as defined in prefect.yaml) from one long-running"
            " process with Prefect's serve: schedules run and runs can be triggered from the UI or with"
            " `prefect deployment run`. Needs PREFECT_API_URL pointing at a Prefect server."
        ),
    )
    serve_cmd.set_defaults(func=cmd_serve)

    alerts = sub.add_parser(
        "alerts",
        help="notify a webhook on failed/crashed runs and source drift",
        description=(
            "Save a webhook notification block and create the automations of"
            " automations/failures-and-drift.yaml pointing at it (run again to change the URL)."
        ),
    )
    alerts.add_argument("--webhook-url", required=True, metavar="URL", help="where notifications are POSTed")
    alerts.set_defaults(func=cmd_alerts)
    for command in sub.choices.values():  # --debug after the command too; SUPPRESS keeps the global one
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


class _HideExpectedTracebacks(logging.Filter):
    """Prefect logs a failed flow's exception with its traceback; for an expected error the
    one line that :func:`main` prints says it all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None and is_expected(record.exc_info[1]):
            record.exc_info = None
            record.exc_text = None
        return True


def _quiet_expected_tracebacks(args: argparse.Namespace) -> None:
    """Without --debug, keep tracebacks of expected errors out of Prefect's console log."""
    if getattr(args, "debug", False):
        return
    for name in ("prefect", ""):
        for handler in logging.getLogger(name).handlers:
            handler.addFilter(_HideExpectedTracebacks())


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; every expected error becomes one line on stderr and a documented exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        if args.debug:
            traceback.print_exc()
        print(f"newsfacts {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.debug:
            traceback.print_exc()
        if is_expected(exc):
            print(f"newsfacts {args.command}: {exc}", file=sys.stderr)
        else:
            print(
                f"newsfacts {args.command}: unexpected error: {type(exc).__name__}: {exc}"
                " (run again with --debug for the traceback, and please report it)",
                file=sys.stderr,
            )
        return exit_code_for(exc)


if __name__ == "__main__":
    sys.exit(main())
