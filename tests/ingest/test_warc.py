"""Reading WARC files: real files made with warcio's writer, from disk and from a loopback server.

No Prefect here: :func:`ingest.warc.ingest_warc_file` is the whole unit of work
(read, extract, load into a real DuckDB file). The flow and the CLI are
tested in ``test_warc_backfill.py``.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
from collections.abc import Iterator
from datetime import date, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bench.warc_build import DEMO_HOST, ArchivedPage, demo_pages, write_warc
from crawler import FetchPolicy
from ingest.sources import SourcesFileError, SourceSpec, load_sources
from ingest.warc import WarcFileOutcome, ingest_warc_file, warc_locations
from tests.conftest import DEMO
from warehouse import publish
from warehouse.warc_files import done_warc_files, record_warc_file

POLICY = FetchPolicy(max_bytes=400_000)
LOOPBACK = FetchPolicy(max_bytes=400_000, allow_hosts=frozenset({"127.0.0.1"}))


def spec(location: str, **extra: Any) -> SourceSpec:
    return SourceSpec.from_param({"name": "archive", "kind": "warc", "url": location, **extra})


def run(db: Path, location: str, policy: FetchPolicy = POLICY, **extra: Any) -> WarcFileOutcome:
    outcome = ingest_warc_file(spec(location, **extra), location, policy, str(db), "run-1", batch_size=10)
    record_warc_file(str(db), outcome.file)
    publish(str(db))
    return outcome


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    return {
        "pages": rows(
            db, "SELECT url, status, reason, content_hash, article_id, fetched_at FROM pages ORDER BY 1"
        ),
        "articles": rows(db, "SELECT article_id, title, text, published, language FROM articles ORDER BY 1"),
        "facts": rows(db, "SELECT * EXCLUDE (run_id) FROM facts ORDER BY fact_id"),
    }


@pytest.fixture(scope="module")
def manifest() -> list[dict[str, Any]]:
    return list(json.loads((DEMO / "corpus.json").read_text("utf-8")))


@pytest.fixture(scope="module")
def demo_warc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("warc") / "demo.warc.gz"
    write_warc(path, demo_pages(DEMO))
    return path


@pytest.fixture(scope="module")
def demo_db(demo_warc: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, WarcFileOutcome]:
    db = tmp_path_factory.mktemp("db") / "news.duckdb"
    return db, run(db, str(demo_warc))


def test_every_demo_page_lands_like_a_fetched_page(
    demo_db: tuple[Path, WarcFileOutcome], manifest: list[dict[str, Any]]
) -> None:
    db, outcome = demo_db
    assert outcome.file.status == "done"
    assert outcome.file.records_read == 1 + 2 * len(manifest)  # warcinfo, then request + response each
    assert outcome.file.html_records == outcome.file.pages_kept == len(manifest)
    assert outcome.file.skipped_by_reason == {"not_response": 1 + len(manifest)}
    assert outcome.file.failed_by_reason == {}
    assert {r[0] for r in rows(db, "SELECT title FROM articles")} == {e["title"] for e in manifest}
    assert outcome.loaded.facts == rows(db, "SELECT count(*) FROM facts")[0][0] >= 20
    # each page keeps its WARC-Target-URI and WARC-Date (the writer's crawl: the day after publication)
    pages = {r[0]: r[1:] for r in rows(db, "SELECT url, status, fetched_at, checked_at FROM pages")}
    for entry in manifest:
        status, fetched_at, checked_at = pages[f"https://{DEMO_HOST}/{entry['path']}"]
        crawled = datetime.fromisoformat(entry["published"]).replace(hour=12)
        assert status == "fetched" and fetched_at == checked_at and (fetched_at - crawled).days == 1
    # Japanese and Korean pages in legacy charsets come out as text
    for text, language in rows(db, "SELECT text, language FROM articles WHERE language IN ('ja', 'ko')"):
        script = r"[\u3040-\u30ff]" if language == "ja" else r"[\uac00-\ud7af]"
        assert "\ufffd" not in text and len(re.findall(script, text)) > 100


def test_reextract_reads_the_archived_bytes(demo_db: tuple[Path, WarcFileOutcome], tmp_path: Path) -> None:
    from flows.reextract import reextract_pages

    db, _ = demo_db
    before = contents(db)
    counts = reextract_pages(str(db), everything=True)
    publish(str(db))
    assert counts["missing"] == 0 and counts["pages"] == len(before["pages"])
    assert contents(db)["articles"] == before["articles"]


def test_a_second_read_of_a_file_changes_nothing(
    demo_db: tuple[Path, WarcFileOutcome], demo_warc: Path
) -> None:
    db, _ = demo_db
    before = contents(db)
    again = run(db, str(demo_warc))
    assert again.file.pages_kept == 0 and again.file.skipped_by_reason["already_stored"] == len(
        before["pages"]
    )
    assert contents(db) == before
    assert done_warc_files(str(db), [str(demo_warc), "/elsewhere.warc.gz"]) == {str(demo_warc)}


def _member(tmp: Path, page: ArchivedPage) -> bytes:
    path = tmp / "one.warc.gz"
    write_warc(path, [page], requests=False, warcinfo=False)
    return path.read_bytes()


def _lie(member: bytes, delta: int) -> bytes:
    """The member with its WARC Content-Length off by ``delta``."""
    raw = gzip.decompress(member)
    raw = re.sub(
        rb"Content-Length: (\d+)", lambda m: b"Content-Length: %d" % (int(m.group(1)) + delta), raw, count=1
    )
    return gzip.compress(raw)


@pytest.fixture(scope="module")
def good_pages() -> list[ArchivedPage]:
    return demo_pages(DEMO)[:6]


@pytest.mark.parametrize("where", ["disk", "http"])
def test_bad_records_are_counted_by_reason_and_reading_goes_on(
    where: str, tmp_path: Path, good_pages: list[ArchivedPage], request: pytest.FixtureRequest
) -> None:
    when = datetime(2024, 4, 2, 9)
    good = [_member(tmp_path, p) for p in good_pages]
    corrupt = bytearray(
        _member(tmp_path, ArchivedPage(f"https://{DEMO_HOST}/corrupt", b"<html>x</html>", when))
    )
    corrupt[20:40] = b"\x00" * 20
    huge = _member(tmp_path, ArchivedPage(f"https://{DEMO_HOST}/huge", b"<html>" + b"a" * 500_000, when))
    binary = _member(tmp_path, ArchivedPage(f"https://{DEMO_HOST}/bin", b"<html>\x00\x01\x02" * 50, when))
    image = _member(tmp_path, ArchivedPage(f"https://{DEMO_HOST}/i.png", b"\x89PNG....", when, "image/png"))
    gone = ArchivedPage(f"https://{DEMO_HOST}/gone", b"<html>gone</html>", when, status="404 Not Found")
    missing = _member(tmp_path, gone)
    cut = _member(tmp_path, ArchivedPage(f"https://{DEMO_HOST}/cut", b"<html>" + b"b" * 5000, when))
    data = b"".join(
        [good[0], bytes(corrupt), good[1], _lie(good[2], +300), good[3], _lie(good[4], -40), huge, binary,
         image, missing, good[5], cut[: len(cut) // 2]]
    )  # fmt: skip
    db = tmp_path / "news.duckdb"
    if where == "disk":
        path = tmp_path / "bad.warc.gz"
        path.write_bytes(data)
        outcome = run(db, str(path))
    else:  # the same bytes from a loopback server: damage is skipped without seeking back in the file
        served = request.getfixturevalue("served")
        (request.getfixturevalue("demo_warc").parent / "bad.warc.gz").write_bytes(data)
        outcome = run(db, f"{served}/bad.warc.gz", LOOPBACK)
    assert outcome.file.failed_by_reason == {
        "corrupt_gzip": 1, "length_mismatch": 2, "too_large": 1, "binary": 1, "not_html": 1, "truncated": 1,
    }  # fmt: skip
    assert outcome.file.skipped_by_reason == {"http_404": 1}
    assert outcome.file.status == "failed" and outcome.file.error.startswith("truncated")
    kept = {p.url for p in (good_pages[0], good_pages[1], good_pages[3], good_pages[5])}
    assert {r[0] for r in rows(db, "SELECT url FROM pages")} == kept
    stored = rows(db, "SELECT status, failures, size_bytes FROM warc_files")
    assert stored == [("failed", 7, len(data))]


def test_plain_warc_and_a_file_that_is_no_warc(tmp_path: Path, good_pages: list[ArchivedPage]) -> None:
    plain = tmp_path / "plain.warc"
    write_warc(plain, good_pages[:3], gzip=False)
    db = tmp_path / "news.duckdb"
    assert run(db, str(plain)).file.pages_kept == 3
    cut = tmp_path / "cut.warc"
    cut.write_bytes(plain.read_bytes()[: plain.stat().st_size - 600])
    assert run(db, str(cut)).file.failed_by_reason == {"truncated": 1}
    junk = tmp_path / "junk.warc.gz"
    junk.write_bytes(b"this is not an archive\n" * 40)
    outcome = run(db, str(junk))
    assert (outcome.file.status, outcome.file.failed_by_reason) == ("failed", {"not_warc": 1})
    outcome = run(db, str(tmp_path / "absent.warc.gz"))
    assert (outcome.file.status, outcome.file.failed_by_reason) == ("failed", {"not_found": 1})


def test_filters_on_host_url_date_and_language(tmp_path: Path, manifest: list[dict[str, Any]]) -> None:
    pages = demo_pages(DEMO) + demo_pages(DEMO, host="other.example.com", copy=1)
    undated = [  # not articles: their day is their WARC-Date
        ArchivedPage(
            f"https://{DEMO_HOST}/tiny-{m}", b"<html><body>short</body></html>", datetime(2024, m, 3)
        )
        for m in (1, 4)
    ]
    path = tmp_path / "mixed.warc.gz"
    write_warc(path, pages + undated)
    db = tmp_path / "news.duckdb"
    outcome = run(
        db, str(path), hosts=[DEMO_HOST], exclude=["/ko/"], languages=["en", "ja"],
        published_after="2024-04-01", published_before="2024-04-30",
    )  # fmt: skip
    april = (date(2024, 4, 1), date(2024, 4, 30))
    wanted = [
        e
        for e in manifest
        if e["language"] != "ko" and april[0] <= date.fromisoformat(e["published"]) <= april[1]
    ]
    assert {r[0] for r in rows(db, "SELECT title FROM articles")} == {e["title"] for e in wanted}
    korean = sum(1 for e in manifest if e["language"] == "ko")
    skipped = outcome.file.skipped_by_reason
    assert skipped["host"] == len(manifest) and skipped["url_pattern"] == korean
    assert (
        skipped["date"] == len(manifest) - korean - len(wanted) + 1
    )  # + the January page that is no article
    assert rows(db, "SELECT url, status FROM pages WHERE article_id IS NULL") == [
        (f"https://{DEMO_HOST}/tiny-4", "rejected")
    ]
    english_only = run(tmp_path / "en.duckdb", str(path), hosts=[DEMO_HOST], languages=["en"])
    assert english_only.file.skipped_by_reason["language"] == sum(
        1 for e in manifest if e["language"] != "en"
    )


class _Handler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path.startswith("/broken/"):  # declares the whole file, sends half, hangs up
            data = (Path(self.directory) / self.path.removeprefix("/broken/")).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        super().do_GET()


@pytest.fixture(scope="module")
def served(demo_warc: Path) -> Iterator[str]:
    root = demo_warc.parent
    listing = "\n".join(
        ["crawl-data/CC-NEWS/2024/04/demo.warc.gz", "crawl-data/CC-NEWS/2024/04/gone.warc.gz"]
    )
    target = root / "crawl-data" / "CC-NEWS" / "2024" / "04"
    target.mkdir(parents=True, exist_ok=True)
    (target / "demo.warc.gz").write_bytes(demo_warc.read_bytes())
    (root / "warc.paths.gz").write_bytes(gzip.compress(listing.encode()))

    def handler(*args: Any, **kwargs: Any) -> _Handler:
        return _Handler(*args, directory=str(root), **kwargs)

    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_warc_file_over_http_loads_the_same_rows(
    served: str, demo_db: tuple[Path, WarcFileOutcome], tmp_path: Path
) -> None:
    db = tmp_path / "news.duckdb"
    outcome = run(db, f"{served}/demo.warc.gz", LOOPBACK)
    assert outcome.file.status == "done" and outcome.file.size_bytes == outcome.file.size_bytes > 100_000
    local = contents(demo_db[0])
    assert contents(db)["articles"] == local["articles"]


def test_http_failures_are_recorded_with_their_reason(served: str, tmp_path: Path) -> None:
    db = tmp_path / "news.duckdb"
    cut = run(db, f"{served}/broken/demo.warc.gz", LOOPBACK)
    assert cut.file.status == "failed" and "truncated_download" in cut.file.failed_by_reason
    assert 0 < cut.file.pages_kept < 28  # the pages before the cut are loaded; a re-run reads the file again
    assert run(db, f"{served}/nothing.warc.gz", LOOPBACK).file.failed_by_reason == {"http_404": 1}
    blocked = run(db, f"{served}/demo.warc.gz", POLICY)  # loopback not allowed
    assert blocked.file.failed_by_reason == {"blocked_address": 1}


def test_a_cc_news_listing_is_expanded_and_a_missing_one_reported(served: str, tmp_path: Path) -> None:
    files, failures = warc_locations(spec(f"{served}/warc.paths.gz"), LOOPBACK)
    assert files == [
        f"{served}/crawl-data/CC-NEWS/2024/04/demo.warc.gz",
        f"{served}/crawl-data/CC-NEWS/2024/04/gone.warc.gz",
    ]
    assert failures == []
    outcomes = [run(tmp_path / "news.duckdb", f, LOOPBACK) for f in files]
    assert [o.file.status for o in outcomes] == ["done", "failed"]
    files, failures = warc_locations(spec(f"{served}/missing.paths.gz"), LOOPBACK)
    assert files == [] and [(f.reason, f.location) for f in failures] == [
        ("http_404", f"{served}/missing.paths.gz")
    ]
    local = tmp_path / "warc.paths.gz"
    local.write_bytes(gzip.compress(b"crawl-data/CC-NEWS/2024/01/CC-NEWS-20240101.warc.gz\n"))
    assert warc_locations(spec(str(local), max_files=1), LOOPBACK)[0] == [
        "https://data.commoncrawl.org/crawl-data/CC-NEWS/2024/01/CC-NEWS-20240101.warc.gz"
    ]


def test_sources_file_takes_warc_sources(tmp_path: Path) -> None:
    path = tmp_path / "sources.toml"
    path.write_text(
        '[[source]]\nname = "cc-news-2024-04"\nkind = "warc"\n'
        'url = "https://data.commoncrawl.org/crawl-data/CC-NEWS/2024/04/warc.paths.gz"\n'
        'hosts = ["nikkei.com"]\nlanguages = ["en", "ja"]\nmax_files = 2\n'
        'published_after = "2024-04-01"\n',
        "utf-8",
    )
    (source,) = load_sources(path).sources
    assert (source.kind, source.hosts, source.languages, source.max_files) == (
        "warc",
        ("nikkei.com",),
        ("en", "ja"),
        2,
    )
    path.write_text('[[source]]\nname = "x"\nkind = "warc"\n', "utf-8")
    with pytest.raises(SourcesFileError, match="kind 'warc' needs url"):
        load_sources(path)


@pytest.mark.benchmarks
def test_real_pages_from_a_warc_file_load_as_the_same_rows_as_fetched_ones(tmp_path: Path) -> None:
    """The real benchmark pages, fetched from loopback by the nightly steps and read from a WARC file."""
    import asyncio

    from bench.site import serve_pages
    from ingest.pipeline import fetch_and_extract, load_batch
    from tests.conftest import require_benchmark

    require_benchmark("article-body")
    count = 40
    with serve_pages(count) as site:
        urls = [f"{site.base_url}/p/{n}.html" for n in range(count)]
        source = SourceSpec(name="archive", kind="urls", urls=tuple(urls), allow_hosts=(site.host,))
        policy = FetchPolicy(per_host_delay_s=0.0, allow_hosts=frozenset({site.host}))
        fetched_db = tmp_path / "fetched.duckdb"
        records = asyncio.run(fetch_and_extract(source, urls, policy, str(fetched_db), "run-1"))
        load_batch("archive", records, str(fetched_db), "run-1")
        publish(str(fetched_db))
        bodies = {r.url: r.body for r in records}
    now = datetime.now().replace(microsecond=0)
    path = tmp_path / "real.warc.gz"
    write_warc(path, [ArchivedPage(url, body, now) for url, body in bodies.items() if body is not None])
    warc_db = tmp_path / "warc.duckdb"
    outcome = run(warc_db, str(path), FetchPolicy())
    assert (outcome.file.pages_kept, outcome.file.failed_by_reason) == (count, {})
    for table in ("articles", "facts"):
        assert contents(warc_db)[table] == contents(fetched_db)[table]
    assert len(contents(warc_db)["articles"]) > count * 0.8
