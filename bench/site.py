"""A loopback news site of N pages made from the real benchmark pages, for end-to-end runs.

The 381 real pages of ``../shared/benchmarks`` (article-body and
publish-date) are served again and again under distinct URLs
(``/p/<n>.html``), with their own canonical and ``og:url`` tags removed so
every URL is a distinct article, and a comment naming the URL so every body is
distinct too (as on a real site: nothing is stored once for many URLs), listed
by a sitemap index of 10,000-URL sitemaps. No politeness delay; robots.txt allows everything.
"""

from __future__ import annotations

import gzip
import json
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
PER_SITEMAP = 10_000
_CANONICAL = re.compile(rb"<link[^>]+rel=[\"']?canonical[^>]*>|<meta[^>]+og:url[^>]*>", re.IGNORECASE)


def real_pages(shared: Path = SHARED) -> list[bytes]:
    """The real benchmark pages as bytes, canonical tags removed."""
    root = shared / "benchmarks"
    if not root.is_dir():
        raise FileNotFoundError(f"the real benchmark pages are not available: {root} is missing")
    pages = [
        gzip.decompress(p.read_bytes()) for p in sorted((root / "article-body" / "html").glob("*.html.gz"))
    ]
    labels = json.loads((root / "publish-date" / "labels.json").read_text("utf-8"))
    pages += [gzip.decompress((root / "publish-date" / "html" / f"{v['file']}.gz").read_bytes())
              for v in labels.values()]  # fmt: skip
    return [_CANONICAL.sub(b"", page) for page in pages]


DEMO = Path(__file__).resolve().parent.parent / "demo"


def demo_pages(demo: Path = DEMO) -> list[bytes]:
    """The bundled demo corpus's article pages (this project's own words), canonical tags removed."""
    manifest = json.loads((demo / "corpus.json").read_text("utf-8"))
    return [_CANONICAL.sub(b"", (demo / "site" / entry["path"]).read_bytes()) for entry in manifest]


@dataclass(frozen=True, slots=True)
class BenchSite:
    base_url: str
    host: str
    pages: int
    server: _Server

    @property
    def served(self) -> int:
        """Article pages served so far."""
        return self.server.served

    @property
    def sitemap_url(self) -> str:
        return f"{self.base_url}/sitemap.xml"


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        body, ctype = self.server.route(path)
        self.send_response(200 if body is not None else 404)
        self.send_header("Content-Type", ctype)
        payload = body or b"not found"
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, pages: list[bytes], count: int, host: str = "127.0.0.1", timed: bool = False) -> None:
        super().__init__((host, 0), _Handler)
        self.pages = pages
        self.count = count
        self.served = 0
        # time.monotonic() of every article request, in arrival order, when timed (a benchmark of
        # 100,000 pages measures its own memory, so it keeps none)
        self.arrivals: list[float] = []
        self.timed = timed
        self._lock = threading.Lock()
        self.base = f"http://{host}:{self.server_address[1]}"

    def route(self, path: str) -> tuple[bytes | None, str]:
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n", "text/plain"
        if path == "/sitemap.xml":
            children = "".join(
                f"<sitemap><loc>{self.base}/sitemap-{k}.xml</loc></sitemap>"
                for k in range((self.count + PER_SITEMAP - 1) // PER_SITEMAP)
            )
            xml = f'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{children}'
            return (xml + "</sitemapindex>").encode(), "application/xml"
        if path.startswith("/sitemap-"):
            k = int(path.removeprefix("/sitemap-").removesuffix(".xml"))
            urls = "".join(
                f"<url><loc>{self.base}/p/{n}.html</loc></url>"
                for n in range(k * PER_SITEMAP, min(self.count, (k + 1) * PER_SITEMAP))
            )
            xml = f'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}'
            return (xml + "</urlset>").encode(), "application/xml"
        if path.startswith("/p/"):
            n = int(path.removeprefix("/p/").removesuffix(".html"))
            if n < self.count:
                with self._lock:
                    self.served += 1
                    if self.timed:
                        self.arrivals.append(time.monotonic())
                return self.pages[n % len(self.pages)] + b"<!-- p%d -->" % n, "text/html; charset=utf-8"
        return None, "text/plain"


@contextmanager
def serve_pages(
    count: int,
    shared: Path = SHARED,
    *,
    pages: list[bytes] | None = None,
    host: str = "127.0.0.1",
    timed: bool = False,
) -> Iterator[BenchSite]:
    """Serve ``count`` pages on ``host`` (a loopback address) until the block ends.

    The pages are the real benchmark pages unless ``pages`` are given; ``timed`` keeps the
    arrival time of every article request (``site.server.arrivals``).
    """
    server = _Server(pages if pages is not None else real_pages(shared), count, host, timed)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield BenchSite(server.base, host, count, server)
    finally:
        server.shutdown()
        server.server_close()
