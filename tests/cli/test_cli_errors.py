"""A user's first hour, through the real command line: one-line errors, exit codes, a warehouse untouched.

Every test runs ``newsfacts`` as a user types it (a subprocess, real files, a
real warehouse) and asserts the one line on stderr, the exit code, and that
the warehouse and the folder around it are byte for byte as before.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import pytest

from ingest.errors import EXIT_CODES, EXIT_NO_PREFECT, EXIT_RUN_FAILED, EXIT_USAGE

NEWSFACTS = str(Path(sys.executable).parent / "newsfacts")
README = Path(__file__).resolve().parents[2] / "README.md"
FAST_S = 5.0  # a configuration error is reported before any Prefect server could start (6+ s)


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NEWSFACTS, *args], capture_output=True, text=True, timeout=120, env=env, cwd=cwd)


def no_prefect_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a user who has not set up Prefect: no API URL, a fresh profile."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env["PREFECT_HOME"] = str(tmp_path / "prefect-home")
    return env


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the hash of its bytes."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    return lines[0]


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def warehouse_dir(tmp_path: Path) -> Path:
    """A folder holding a real, published warehouse with one source and one run in it."""
    from warehouse import SourceRunStats, finish_run, record_source_run, register_sources, start_run

    folder = tmp_path / "data"
    db = str(folder / "news.duckdb")
    start_run(db, "run-1", flow_name="nightly")
    register_sources(db, [("example", "rss", "https://example.org/feed", "en")])
    record_source_run(db, "run-1", SourceRunStats("example", discovered=3, fetched=3, articles=3))
    finish_run(db, "run-1", status="completed")
    return folder


BAD_SOURCES = {
    "missing": (None, "sources file {path} not found"),
    "malformed": ("[[source]\nname = 'a'\n", "is not valid TOML"),
    "unknown kind": (
        "[[source]]\nname = 'a'\nkind = 'blog'\nurl = 'https://example.org/'\n",
        "kind must be one of rss, atom, sitemap, urls, homepage",
    ),
    "unknown key": (
        "[[source]]\nname = 'a'\nkind = 'rss'\nurl = 'https://example.org/'\nspeed = 3\n",
        "unknown keys ['speed']",
    ),
    "bad default": (
        "[defaults]\ndelay = 'fast'\n\n[[source]]\nname = 'a'\nkind = 'urls'\nurls = ['https://example.org/a']\n",
        "[defaults] delay must be int or float",
    ),
}


@pytest.mark.parametrize("case", list(BAD_SOURCES))
def test_a_bad_sources_file_is_one_line_before_prefect_starts(
    case: str, warehouse_dir: Path, tmp_path: Path
) -> None:
    text, expected = BAD_SOURCES[case]
    sources = tmp_path / "sources.toml"
    if text is not None:
        sources.write_text(text, "utf-8")
    before = snapshot(warehouse_dir)
    started = time.monotonic()
    done = run("ingest", "--sources", str(sources), "--db", str(warehouse_dir / "news.duckdb"),
               env=no_prefect_env(tmp_path))  # fmt: skip
    took = time.monotonic() - started
    line = one_line(done.stderr)
    assert line.startswith("newsfacts ingest: ") and expected.format(path=sources) in line
    assert done.returncode == EXIT_USAGE and done.stdout == ""
    assert took < FAST_S, f"{took:.1f}s: was a Prefect server started?"
    assert snapshot(warehouse_dir) == before


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("NEWSFACTS_DELAYY", "1", "unknown environment variable NEWSFACTS_DELAYY; known: "),
        ("NEWSFACTS_DELAY", "soon", "NEWSFACTS_DELAY must be a number, not 'soon'"),
    ],
)
def test_a_bad_environment_setting_is_one_line_before_prefect_starts(
    variable: str, value: str, expected: str, warehouse_dir: Path, tmp_path: Path
) -> None:
    before = snapshot(warehouse_dir)
    started = time.monotonic()
    env = {**no_prefect_env(tmp_path), variable: value}
    done = run(
        "ingest", "--url", "https://example.org/a", "--db", str(warehouse_dir / "news.duckdb"), env=env
    )
    assert time.monotonic() - started < FAST_S
    assert done.returncode == EXIT_USAGE
    assert one_line(done.stderr).startswith(f"newsfacts ingest: {expected}")
    assert snapshot(warehouse_dir) == before


@pytest.mark.parametrize(
    ("option", "value", "expected"),
    [
        ("--url", "not-a-url", "'not-a-url' is not an http(s) URL"),
        ("--feed", "ftp://example.org/feed", "'ftp://example.org/feed' is not an http(s) URL"),
        ("--sitemap", "https://", "'https://' is not an http(s) URL"),
        ("--url", "http://example.org:99999/", "has a bad port"),
    ],
)
def test_a_bad_url_is_one_line(
    option: str, value: str, expected: str, warehouse_dir: Path, tmp_path: Path
) -> None:
    before = snapshot(warehouse_dir)
    done = run(
        "ingest", option, value, "--db", str(warehouse_dir / "news.duckdb"), env=no_prefect_env(tmp_path)
    )
    assert expected in one_line(done.stderr)
    assert done.returncode == EXIT_USAGE
    assert snapshot(warehouse_dir) == before


def test_a_bad_number_is_one_line(warehouse_dir: Path, tmp_path: Path) -> None:
    before = snapshot(warehouse_dir)
    done = run("ingest", "--url", "https://example.org/a", "--concurrency", "0",
               "--db", str(warehouse_dir / "news.duckdb"), env=no_prefect_env(tmp_path))  # fmt: skip
    assert one_line(done.stderr) == "newsfacts ingest: --concurrency must be above 0, not 0"
    assert done.returncode == EXIT_USAGE
    assert snapshot(warehouse_dir) == before


NOT_DUCKDB = b"name,amount\nopenai,6600000000\n"  # a CSV the user named .duckdb


@pytest.mark.parametrize(
    "command",
    [
        ["ingest", "--url", "https://example.org/a"],
        ["demo"],
        ["trends"],
        ["sources"],
        ["sources", "--disable", "example"],
        ["report"],
        ["reextract"],
        ["export", "OUT"],
    ],
)
def test_a_db_that_is_not_duckdb_is_one_line_and_left_alone(command: list[str], tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    db = folder / "figures.duckdb"
    db.write_bytes(NOT_DUCKDB)
    args = [str(tmp_path / "out") if a == "OUT" else a for a in command]
    started = time.monotonic()
    done = run(*args, "--db", str(db), env=no_prefect_env(tmp_path), cwd=tmp_path)
    line = one_line(done.stderr)
    assert (
        line
        == f"newsfacts {command[0]}: {db} is not a DuckDB database (another kind of file); give another path"
    )
    assert done.returncode == EXIT_USAGE
    assert time.monotonic() - started < FAST_S
    assert snapshot(folder) == {
        "figures.duckdb": hashlib.sha256(NOT_DUCKDB).hexdigest()
    }  # no .work, no .lock
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (["--warc", "nope.warc.gz"], "newsfacts backfill: no such file: nope.warc.gz"),
        (
            ["--warc", "WARC", "--after", "2024-13-01"],
            "--after takes a date like 2024-01-31, not '2024-13-01'",
        ),
        (["--warc", "WARC", "--include", "("], "bad pattern '('"),
        (["--warc", "WARC", "--batch-size", "0"], "--batch-size must be above 0, not 0"),
        (["--warc", "WARC", "--db", "NOTDB"], "is not a DuckDB database (another kind of file)"),
    ],
)
def test_a_bad_backfill_is_one_line_before_prefect_starts(
    extra: list[str], expected: str, warehouse_dir: Path, tmp_path: Path
) -> None:
    warc = tmp_path / "one.warc.gz"
    warc.write_bytes(b"")  # never read: every case is refused first
    notdb = warehouse_dir / "notes.duckdb"
    notdb.write_bytes(NOT_DUCKDB)
    args = [str(warc) if a == "WARC" else str(notdb) if a == "NOTDB" else a for a in extra]
    if "--db" not in args:
        args += ["--db", str(warehouse_dir / "news.duckdb")]
    before = snapshot(warehouse_dir)
    started = time.monotonic()
    done = run("backfill", *args, env=no_prefect_env(tmp_path), cwd=tmp_path)
    line = one_line(done.stderr)
    assert line.startswith("newsfacts backfill: ") and expected in line
    assert done.returncode == EXIT_USAGE and done.stdout == ""
    assert time.monotonic() - started < FAST_S, "was a Prefect server started?"
    assert snapshot(warehouse_dir) == before


def test_a_db_that_is_a_folder_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "looks-like-a.duckdb"
    folder.mkdir()
    done = run("ingest", "--url", "https://example.org/a", "--db", str(folder), env=no_prefect_env(tmp_path))
    assert one_line(done.stderr).endswith("is a folder, not a DuckDB database file")
    assert done.returncode == EXIT_USAGE
    assert list(tmp_path.glob("looks-like-a.duckdb*")) == [folder] and not any(folder.iterdir())


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback(where: str, tmp_path: Path) -> None:
    command = ["ingest", "--url", "not-a-url", "--db", str(tmp_path / "x.duckdb")]
    args = ["--debug", *command] if where == "before" else [*command, "--debug"]
    done = run(*args, env=no_prefect_env(tmp_path))
    assert "Traceback" in done.stderr and "SourcesFileError" in done.stderr
    assert done.stderr.splitlines()[-1].startswith("newsfacts ingest: ")
    assert done.returncode == EXIT_USAGE
    assert not list(tmp_path.glob("x.duckdb*"))


def test_exit_codes_are_documented_in_help_and_readme() -> None:
    done = run("--help")
    readme = README.read_text("utf-8")
    assert done.returncode == 0
    for code, meaning in EXIT_CODES:
        assert re.search(rf"^\s*{code}\s+{re.escape(meaning)}$", done.stdout, re.MULTILINE), (
            code,
            done.stdout,
        )
        assert re.search(rf"^\| {code} \| ", readme, re.MULTILINE), f"exit code {code} missing from README"
    assert "--debug" in done.stdout


# Reading Prefect's settings (for a URL set in a profile rather than the environment) costs a
# second or two on a busy machine; a temporary server would cost 6+ s and print that it started.
PREFECT_CHECK_S = 10.0


@pytest.mark.parametrize("command", [["serve"], ["alerts", "--webhook-url", "https://hooks.example.org/x"]])
def test_serve_and_alerts_refuse_without_a_prefect_server(command: list[str], tmp_path: Path) -> None:
    started = time.monotonic()
    done = run(*command, env=no_prefect_env(tmp_path))
    line = one_line(done.stderr)
    assert "needs a Prefect server, and PREFECT_API_URL is not set" in line
    assert done.returncode == EXIT_NO_PREFECT
    assert done.stdout == ""  # neither "serving…" nor "automation created"
    assert time.monotonic() - started < PREFECT_CHECK_S


@pytest.mark.parametrize("command", [["serve"], ["alerts", "--webhook-url", "https://hooks.example.org/x"]])
def test_serve_and_alerts_refuse_an_unreachable_prefect_server(command: list[str], tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/api"
    started = time.monotonic()
    done = run(*command, env={**no_prefect_env(tmp_path), "PREFECT_API_URL": url})
    line = one_line(done.stderr)
    assert f"no Prefect server answers at PREFECT_API_URL={url}" in line and "refused" in line
    assert done.returncode == EXIT_NO_PREFECT
    assert done.stdout == ""
    assert time.monotonic() - started < PREFECT_CHECK_S


def test_alerts_refuses_a_bad_webhook_url(tmp_path: Path) -> None:
    done = run("alerts", "--webhook-url", "hooks.example.org/x", env=no_prefect_env(tmp_path))
    assert "--webhook-url must be an http(s) URL" in one_line(done.stderr)
    assert done.returncode == EXIT_USAGE


# --- with a real Prefect server -------------------------------------------------------------


@pytest.fixture(scope="module")
def api_env(prefect_api: None) -> dict[str, str]:
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": str(PREFECT_API_URL.value()), "PREFECT_LOGGING_LEVEL": "WARNING"}


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def failing_run(api_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Any]:
    """One ingest of two sources that cannot give a page: nothing listens at one (allowed loopback
    address, closed port); the other is a loopback URL given without --allow-host."""
    folder = tmp_path_factory.mktemp("failing")
    refused = f"http://127.0.0.1:{free_port()}/article"
    sources = folder / "sources.toml"
    sources.write_text(
        f"[[source]]\nname = 'refused'\nkind = 'urls'\nurls = ['{refused}']\nallow_hosts = ['127.0.0.1']\n",
        "utf-8",
    )
    db = folder / "news.duckdb"
    done = run("ingest", "--sources", str(sources), "--url", f"http://127.0.0.1:{free_port()}/a",
               "--db", str(db), "--retries", "1", env=api_env)  # fmt: skip
    return db, refused, done


@pytest.mark.prefect
def test_a_refused_connection_is_named_and_the_source_is_failing(failing_run: tuple[Path, str, Any]) -> None:
    db, refused, done = failing_run
    assert done.returncode == EXIT_RUN_FAILED, done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("newsfacts ingest: every source failed in run ")
    assert "Traceback" not in done.stderr
    assert (
        "refused: not loaded: connection_refused 1" in done.stdout and "robots_unreachable" not in done.stdout
    )
    assert re.search(r"^refused\s+failing\s", done.stdout, re.MULTILINE), done.stdout
    assert rows(db, f"SELECT status, reason FROM pages WHERE url = '{refused}'") == [
        ("failed", "connection_refused")
    ]
    assert rows(db, "SELECT source, status FROM source_runs ORDER BY source") == [
        ("refused", "failing"),
        ("urls", "failing"),
    ]
    assert rows(db, "SELECT last_success_at, consecutive_failures FROM sources WHERE name = 'refused'") == [
        (None, 1)
    ]

    listing = run("sources", "--db", str(db))
    assert listing.returncode == 0 and listing.stderr == ""
    header, _rule, *table = listing.stdout.splitlines()
    assert (
        header.split()[:3] == ["source", "kind", "status"] and "new articles per run (newest first)" in header
    )
    assert any(re.match(r"refused\s+urls\s+failing\s+1\s+never\s+0$", line) for line in table), table
    assert re.search(
        r"refused: last error, \d{4}-\d\d-\d\d \d\d:\d\d UTC \((just now|\d+ min ago)\)", listing.stdout
    )
    assert "connection_refused 1" in listing.stdout and "is the site or server running?" in listing.stdout


@pytest.mark.prefect
def test_a_blocked_loopback_address_hints_at_allow_host(failing_run: tuple[Path, str, Any]) -> None:
    db, _refused, done = failing_run
    assert done.returncode == EXIT_RUN_FAILED
    assert "urls: not loaded: blocked_address 1" in done.stdout
    hint = done.stdout.split("urls: not loaded: blocked_address 1", 1)[1].splitlines()[1]
    assert hint.strip().startswith("hint: ") and "pass --allow-host 127.0.0.1" in hint
    listing = run("sources", "--db", str(db))
    assert "urls: last error" in listing.stdout and "--allow-host HOST" in listing.stdout


@pytest.mark.prefect
def test_serve_stops_cleanly_on_sigterm(api_env: dict[str, str], tmp_path: Path) -> None:
    proc = subprocess.Popen([NEWSFACTS, "serve"], env=api_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)  # fmt: skip
    try:
        assert proc.stdout is not None
        announced = proc.stdout.readline()  # blocks until the checks passed and serving starts
        assert announced.startswith("serving 4 deployments of prefect.yaml"), announced
        time.sleep(1.0)
        proc.terminate()
        started = time.monotonic()
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert took < 10, f"{took:.1f}s to stop"
    assert "Traceback" not in err and "stopped serving" in out


def test_a_db_inside_a_file_is_one_line(tmp_path: Path) -> None:
    mine = tmp_path / "notes.txt"
    mine.write_text("mine", "utf-8")
    done = run("ingest", "--url", "https://example.org/a", "--db", str(mine / "news.duckdb"),
               env=no_prefect_env(tmp_path))  # fmt: skip
    assert one_line(done.stderr).endswith(
        f"{mine} is a file, so the warehouse {mine}/news.duckdb cannot be made inside it"
    )
    assert done.returncode == EXIT_USAGE
    assert snapshot(tmp_path) == {"notes.txt": hashlib.sha256(b"mine").hexdigest()}
