"""A real HTTP server on 127.0.0.1 that serves the bundled demo corpus.

The demo and the tests fetch through it exactly as they would fetch a news
site: robots.txt, an RSS feed, HTML pages in UTF-8, Shift_JIS and EUC-KR,
ETag/If-None-Match (so a second run sees 304s), gzip when asked for.
``{{BASE_URL}}`` in any served file is replaced by the server's own address,
so feeds and links point back at it.

Where a page names its own address (``<link rel="canonical">``, ``og:url``,
the JSON-LD ``@id``) it gets the *canonical* base instead, when one is given:
``newsfacts demo`` passes :data:`DEMO_CANONICAL`, the address of the default
port, so whichever port serves the corpus, every article keeps one canonical
URL (the warehouse's article key) and a second demo on another port adds no
article, fact or mention.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
PLACEHOLDER = b"{{BASE_URL}}"
DEMO_PORT = 8765  # the default port of `newsfacts demo`
DEMO_CANONICAL = f"http://127.0.0.1:{DEMO_PORT}"  # where demo articles say they live, whatever the port
# The places where a page names its own address: these take the canonical base.
_SELF_ADDRESS = re.compile(rb'(rel="canonical" href="|property="og:url" content="|"@id": ")\{\{BASE_URL\}\}')
_TYPES = {
    ".html": "text/html",
    ".xml": "application/rss+xml",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
# Charset names as legacy sites send them in the Content-Type header.
_HTTP_CHARSET = {"utf-8": "utf-8", "shift_jis": "Shift_JIS", "euc_kr": "EUC-KR", "euc_jp": "EUC-JP"}


@dataclass(frozen=True, slots=True)
class ServedFile:
    body: bytes
    content_type: str
    etag: str


def fill_addresses(body: bytes, base_url: str, canonical_base: str | None = None) -> bytes:
    """A corpus file as served from ``base_url``; its self-references point at ``canonical_base``."""
    if canonical_base is not None:
        canonical = canonical_base.encode("ascii")
        body = _SELF_ADDRESS.sub(lambda m: m.group(1) + canonical, body)
    return body.replace(PLACEHOLDER, base_url.encode("ascii"))


def _load_site(
    root: Path,
    base_url: str,
    header_charset: dict[str, str | None],
    *,
    prefix: str = "",
    canonical_base: str | None = None,
) -> dict[str, ServedFile]:
    files: dict[str, ServedFile] = {}
    canonical = None if canonical_base is None else canonical_base + prefix
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        rel = prefix + "/" + path.relative_to(root).as_posix()
        body = fill_addresses(path.read_bytes(), base_url + prefix, canonical)
        ctype = _TYPES.get(path.suffix, "application/octet-stream")
        if path.suffix == ".html":
            charset = header_charset.get(rel.removeprefix(prefix), "utf-8")
            ctype = f"text/html; charset={charset}" if charset else "text/html"
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        files[rel] = ServedFile(body, ctype, etag)
        if rel.endswith("/index.html"):
            files[rel.removesuffix("index.html")] = files[rel]
    return files


def header_charsets(corpus_dir: Path) -> dict[str, str | None]:
    """Which charset each page announces in its HTTP header.

    UTF-8 and Shift_JIS pages announce theirs; EUC-KR pages announce none, as
    many legacy Korean sites do, so the ``<meta>`` tag has to be found.
    """
    manifest = corpus_dir / "corpus.json"
    if not manifest.exists():
        return {}
    mapping: dict[str, str | None] = {}
    for entry in json.loads(manifest.read_text("utf-8")):
        encoding = entry.get("encoding", "utf-8")
        mapping["/" + entry["path"]] = None if encoding == "euc_kr" else _HTTP_CHARSET.get(encoding, encoding)
    return mapping


_ITEM = re.compile(rb"<item>.*?</item>", re.DOTALL)


def _mirror(
    root: Path, base_url: str, header_charset: dict[str, str | None], copies: int, canonical_base: str | None
) -> dict[str, ServedFile]:
    """The site ``copies`` times under ``/c<n>/``, each copy with its own URLs and canonicals,
    plus ``/feed.xml`` listing every copy's articles (for load and durability tests)."""
    files: dict[str, ServedFile] = {}
    items: list[bytes] = []
    for n in range(copies):
        copy = _load_site(root, base_url, header_charset, prefix=f"/c{n}", canonical_base=canonical_base)
        items += _ITEM.findall(copy[f"/c{n}/feed.xml"].body)
        files.update(copy)
    feed = (
        b'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Demo mirror</title>'
        + f"<link>{base_url}/</link><description>{copies} copies of the demo corpus</description>".encode()
        + b"".join(items)
        + b"</channel></rss>"
    )
    files["/feed.xml"] = ServedFile(
        feed, "application/rss+xml", '"' + hashlib.sha256(feed).hexdigest()[:16] + '"'
    )
    files["/robots.txt"] = files["/c0/robots.txt"]
    return files


class _Handler(BaseHTTPRequestHandler):
    server: _SiteServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        log.debug("demo server: " + format, *args)

    def do_GET(self) -> None:
        if self.server.delay_s and not self.path.endswith(("robots.txt", "feed.xml")):
            time.sleep(self.server.delay_s)
        path = unquote(urlsplit(self.path).path)
        served = self.server.files.get(path)
        self.server.hits[path] = self.server.hits.get(path, 0) + 1
        if served is None:
            self._send(404, b"<html><head><title>404 Not Found</title></head><body>not found</body></html>",
                       "text/html; charset=utf-8", None)  # fmt: skip
            return
        if self.headers.get("If-None-Match") == served.etag:
            self._send(304, b"", None, served.etag)
            return
        body = served.body
        gzipped = "gzip" in (self.headers.get("Accept-Encoding") or "") and len(body) > 1024
        if gzipped:
            body = gzip.compress(body, compresslevel=5, mtime=0)
        self._send(200, body, served.content_type, served.etag, gzipped=gzipped)

    def _send(
        self, status: int, body: bytes, ctype: str | None, etag: str | None, *, gzipped: bool = False
    ) -> None:
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        if etag:
            self.send_header("ETag", etag)
        if gzipped:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)


class _SiteServer(ThreadingHTTPServer):
    daemon_threads = True
    files: dict[str, ServedFile]
    hits: dict[str, int]
    delay_s: float = 0.0


@dataclass(frozen=True, slots=True)
class RunningSite:
    base_url: str
    host: str
    port: int
    hits: dict[str, int]

    @property
    def feed_url(self) -> str:
        return f"{self.base_url}/feed.xml"


@contextmanager
def serve_demo(
    corpus_dir: Path = DEMO_DIR,
    *,
    port: int = 0,
    copies: int = 1,
    delay_s: float = 0.0,
    canonical_base: str | None = None,
) -> Iterator[RunningSite]:
    """Serve ``corpus_dir/site`` on 127.0.0.1 (a free port unless given) until the block ends.

    ``copies`` > 1 mirrors the corpus under ``/c<n>/`` (see :func:`_mirror`);
    ``delay_s`` makes every page answer that much later, like a slow site;
    ``canonical_base`` is where pages say they live (default: where they are served).
    """
    site_root = corpus_dir / "site"
    if not site_root.is_dir():
        raise FileNotFoundError(f"no demo site at {site_root}")
    try:
        server = _SiteServer(("127.0.0.1", port), _Handler)
    except OSError as exc:
        if port == 0:
            raise
        log.warning("port %d is taken (%s); serving the demo on a free port instead", port, exc)
        server = _SiteServer(("127.0.0.1", 0), _Handler)
    host, bound_port = server.server_address[:2]
    base_url = f"http://{host}:{bound_port}"
    charsets = header_charsets(corpus_dir)
    if copies > 1:
        server.files = _mirror(site_root, base_url, charsets, copies, canonical_base)
    else:
        server.files = _load_site(site_root, base_url, charsets, canonical_base=canonical_base)
    server.hits = {}
    server.delay_s = delay_s
    thread = threading.Thread(target=server.serve_forever, name="demo-site", daemon=True)
    thread.start()
    log.info("demo site on %s (%d files)", base_url, len(server.files))
    try:
        yield RunningSite(base_url, str(host), int(bound_port), server.hits)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
