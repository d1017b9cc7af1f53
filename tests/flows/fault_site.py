"""A local news site whose one feed leads to every fault a crawler meets.

Good pages are demo pages (English, Shift_JIS, EUC-KR) with ETag and
Last-Modified; the rest misbehave: robots-disallowed, 429 with Retry-After,
500 then 200, a hang, a trickle, a redirect loop, a redirect to a loopback
address that is not allowed, a gzip bomb, an oversize body, binary served as
HTML, a PDF, a 404. A second server on 127.0.0.2 counts any request that
reaches it (none should).
"""

from __future__ import annotations

import email.utils
import hashlib
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

FAULTS = {
    "/private/secret.html": "robots",
    "/hang.html": "timeout",
    "/trickle.html": "timeout",
    "/loop-a.html": "redirect_loop",
    "/to-internal.html": "blocked_address",
    "/bomb.html": "too_large",
    "/huge.html": "too_large",
    "/binary.html": "not_html",
    "/report.pdf": "not_html",
    "/gone.html": "http_404",
}
RECOVERS = ("/busy.html", "/flaky.html")  # 429 then 200; 500 then 200
LAST_MODIFIED = email.utils.formatdate(time.time() - 86400, usegmt=True)


def _bomb(decoded_mb: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = b"\0" * (1 << 20)
    return b"".join([*(packer.compress(zeros) for _ in range(decoded_mb)), packer.flush()])


@dataclass
class FaultSite:
    base_url: str
    good: dict[str, dict[str, Any]]  # path -> demo manifest entry
    hits: Counter[str]
    internal_hits: Counter[str]

    @property
    def feed_url(self) -> str:
        return f"{self.base_url}/feed.xml"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    site: FaultSite
    pages: dict[str, bytes]
    internal_url: str
    bomb: bytes
    lock: threading.Lock


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, *args: Any) -> None:
        pass

    def _send(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        with self.server.lock:
            self.server.site.hits[path] += 1
            count = self.server.site.hits[path]
        html = {"Content-Type": "text/html; charset=utf-8"}
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"})
        elif path == "/feed.xml":
            self._send(200, self.server.pages["/feed.xml"], {"Content-Type": "application/rss+xml"})
        elif path in self.server.pages:
            body = self.server.pages[path]
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, headers={"ETag": etag})
                return
            ctype = self.server.site.good[path]["content_type"]
            self._send(200, body, {"Content-Type": ctype, "ETag": etag, "Last-Modified": LAST_MODIFIED})
        elif path == "/busy.html":
            if count == 1:
                self._send(429, headers={"Retry-After": "1"})
            else:
                self._send(200, self.server.pages["/ok-copy"], html)
        elif path == "/flaky.html":
            self._send(500) if count == 1 else self._send(200, self.server.pages["/ok-copy2"], html)
        elif path == "/hang.html":
            time.sleep(6)
            self._send(200, b"<html>late</html>", html)
        elif path == "/trickle.html":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(60):
                    self.wfile.write(b"<p>.</p>")
                    self.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass
        elif path == "/loop-a.html":
            self._send(302, headers={"Location": "/loop-b.html"})
        elif path == "/loop-b.html":
            self._send(302, headers={"Location": "/loop-a.html"})
        elif path == "/to-internal.html":
            self._send(302, headers={"Location": self.server.internal_url + "/secret"})
        elif path == "/bomb.html":
            self._send(200, self.server.bomb, {**html, "Content-Encoding": "gzip"})
        elif path == "/huge.html":
            self._send(200, b"<html><body>" + b"x" * (12 * 1024 * 1024), html)
        elif path == "/binary.html":
            self._send(200, b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 4000, html)
        elif path == "/report.pdf":
            self._send(200, b"%PDF-1.7 " + b"0" * 2000, {"Content-Type": "application/pdf"})
        else:
            self._send(404, b"<html><head><title>404 Not Found</title></head></html>", html)


class _Internal(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.counter[self.path] += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


def _feed(base: str, paths: list[str]) -> bytes:
    items = "".join(
        f"<item><title>{p}</title><link>{base}{p}</link><guid>{base}{p}</guid></item>" for p in paths
    )
    head = '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>faults</title>'
    return f"{head}<link>{base}/</link><description>every fault</description>{items}</channel></rss>".encode()


@contextmanager
def serve_faults(demo_dir: Path, manifest: list[dict[str, Any]]) -> Iterator[FaultSite]:
    internal = ThreadingHTTPServer(("127.0.0.2", 0), _Internal)
    internal.counter = Counter()  # type: ignore[attr-defined]
    server = _Server(("127.0.0.1", 0), _Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    picks = [next(e for e in manifest if e["encoding"] == enc) for enc in ("utf-8", "shift_jis", "euc_kr")]
    picks += [e for e in manifest if e["encoding"] == "utf-8" and not e["negative"]][1:3]
    good: dict[str, dict[str, Any]] = {}
    pages: dict[str, bytes] = {}
    charsets = {"utf-8": "text/html; charset=utf-8", "shift_jis": "text/html; charset=Shift_JIS",
                "euc_kr": "text/html"}  # fmt: skip
    for entry in picks:
        path = "/" + entry["path"]
        raw = (demo_dir / "site" / entry["path"]).read_bytes().replace(b"{{BASE_URL}}", base.encode())
        pages[path] = raw
        good[path] = {**entry, "content_type": charsets[entry["encoding"]]}
    pages["/ok-copy"] = pages[next(iter(good))].replace(b"/en/", b"/busy-copy/en/")
    pages["/ok-copy2"] = pages[next(iter(good))].replace(b"/en/", b"/flaky-copy/en/")
    pages["/feed.xml"] = _feed(base, [*good, *RECOVERS, *FAULTS])
    server.pages = pages
    server.internal_url = f"http://127.0.0.2:{internal.server_address[1]}"
    server.bomb = _bomb(1024)  # 1 GiB of zeros in about 1 MB
    server.lock = threading.Lock()
    server.site = FaultSite(base, good, Counter(), internal.counter)  # type: ignore[attr-defined]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in (server, internal)]
    for thread in threads:
        thread.start()
    try:
        yield server.site
    finally:
        for s in (server, internal):
            s.shutdown()
            s.server_close()
