"""WARC files made with warcio's writer, for the tests and the WARC benchmark.

Each page becomes a request record and a response record, as in CC-NEWS,
after a warcinfo record; with ``gzip`` each record is its own gzip member.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

DEMO_HOST = "demo-news.example.org"
_CANONICAL = re.compile(rb"<link[^>]+rel=[\"']?canonical[^>]*>|<meta[^>]+og:url[^>]*>", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ArchivedPage:
    url: str
    body: bytes
    date: datetime
    content_type: str = "text/html; charset=utf-8"
    status: str = "200 OK"


def write_warc(
    path: Path,
    pages: Iterable[ArchivedPage],
    *,
    gzip: bool = True,
    requests: bool = True,
    warcinfo: bool = True,
) -> list[int]:
    """Write ``pages`` to ``path``; returns the offset of each page's response record."""
    offsets = []
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        if warcinfo:
            writer.write_record(writer.create_warcinfo_record(path.name, {"software": "newsfacts tests"}))
        for page in pages:
            stamp = page.date.strftime("%Y-%m-%dT%H:%M:%SZ")
            if requests:
                request = StatusAndHeaders(
                    f"GET {page.url} HTTP/1.1", [("User-Agent", "test")], is_http_request=True
                )
                writer.write_record(
                    writer.create_warc_record(
                        page.url, "request", http_headers=request, warc_headers_dict={"WARC-Date": stamp}
                    )
                )
            headers = StatusAndHeaders(
                page.status,
                [("Content-Type", page.content_type), ("Content-Length", str(len(page.body)))],
                protocol="HTTP/1.1",
            )
            offsets.append(fh.tell())
            writer.write_record(
                writer.create_warc_record(
                    page.url, "response", payload=io.BytesIO(page.body), http_headers=headers,
                    warc_headers_dict={"WARC-Date": stamp},
                )
            )  # fmt: skip
    return offsets


def demo_pages(demo_dir: Path, *, host: str = DEMO_HOST, copy: int | None = None) -> list[ArchivedPage]:
    """The demo corpus as archived pages, crawled the day after publication, with their header charsets.

    ``copy`` makes a distinct copy of every page (its own URL and bytes), for larger files.
    """
    from ingest.demo_server import header_charsets

    charsets = header_charsets(demo_dir)
    pages = []
    for entry in json.loads((demo_dir / "corpus.json").read_text("utf-8")):
        body = (demo_dir / "site" / entry["path"]).read_bytes()
        charset = charsets.get("/" + entry["path"], "utf-8")
        path = entry["path"] if copy is None else f"c{copy}/{entry['path']}"
        if copy is not None:  # its own article: no shared canonical URL, distinct bytes
            body = _CANONICAL.sub(b"", body) + b"<!-- copy %d -->" % copy
        crawled = datetime.fromisoformat(entry["published"]).replace(hour=12) + timedelta(days=1)
        pages.append(
            ArchivedPage(
                url=f"https://{host}/{path}",
                body=body,
                date=crawled,
                content_type=f"text/html; charset={charset}" if charset else "text/html",
            )
        )
    return pages
