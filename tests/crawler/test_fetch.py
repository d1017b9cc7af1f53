"""The fetch layer against exact faults (httpx.MockTransport) and real loopback servers."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from crawler import Fetcher, FetchPolicy
from crawler.errors import TransientFetchError, is_transient
from crawler.guard import AddressPolicy, is_blocked_ip
from warehouse import PageRecord

FAST = FetchPolicy(per_host_delay_s=0, backoff_base_s=0.01, backoff_max_s=0.05, max_bytes=1_000_000)
HTML = (
    b"<html><head><title>t</title></head><body><p>" + b"Data centres in Japan. " * 40 + b"</p></body></html>"
)


def stream(data: bytes, chunk: int = 65536) -> Any:
    """A response body that arrives in chunks, as from a socket (not pre-read by httpx)."""

    async def chunks() -> Any:
        for start in range(0, len(data), chunk):
            yield data[start : start + chunk]

    return chunks()


class Sleeps:
    """Records requested sleeps instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def run(
    handler: Callable[[httpx.Request], httpx.Response],
    url: str = "https://news.example/a",
    policy: FetchPolicy = FAST,
    sleeps: Sleeps | None = None,
    **kwargs: Any,
) -> PageRecord:
    async def go() -> PageRecord:
        async with Fetcher(policy, transport=httpx.MockTransport(handler), sleep=sleeps or Sleeps()) as f:
            return await f.fetch_page(url, **kwargs)

    return asyncio.run(go())


def site(
    routes: dict[str, Callable[[httpx.Request], httpx.Response]],
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        route = routes.get(request.url.path)
        if route is None:
            return httpx.Response(404)
        return route(request)

    return handler


def html_ok(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"content-type": "text/html; charset=utf-8"}, content=stream(HTML))


def test_ok_page_with_validators_then_304() -> None:
    def page(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"abc"':
            return httpx.Response(304, headers={"etag": '"abc"'})
        return httpx.Response(
            200, headers={"content-type": "text/html", "etag": '"abc"'}, content=stream(HTML)
        )

    first = run(site({"/a": page}))
    assert (first.status, first.etag, first.body) == ("fetched", '"abc"', HTML)
    second = run(site({"/a": page}), etag='"abc"')
    assert (second.status, second.http_status, second.body) == ("unchanged", 304, None)


def test_robots_disallow_is_skipped_never_fetched() -> None:
    seen: list[str] = []

    def robots(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, text="User-agent: *\nDisallow: /private/\n")

    def page(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return html_ok(request)

    result = run(site({"/robots.txt": robots, "/private/a": page}), url="https://news.example/private/a")
    assert (result.status, result.reason) == ("skipped", "robots")
    assert seen == []


def test_429_with_retry_after_is_honoured_then_succeeds() -> None:
    calls = iter([httpx.Response(429, headers={"retry-after": "7"}), None])
    sleeps = Sleeps()

    def page(request: httpx.Request) -> httpx.Response:
        return next(calls) or html_ok(request)

    result = run(site({"/a": page}), sleeps=sleeps)
    assert result.status == "fetched" and result.attempts == 2
    assert 7.0 in sleeps.calls


def test_429_with_a_long_retry_after_gives_up_with_reason() -> None:
    result = run(site({"/a": lambda r: httpx.Response(429, headers={"retry-after": "86400"})}))
    assert (result.status, result.reason) == ("failed", "http_429")


def test_500_then_200_is_retried_with_backoff() -> None:
    responses = iter([httpx.Response(500), httpx.Response(503), None])
    sleeps = Sleeps()
    result = run(site({"/a": lambda r: next(responses) or html_ok(r)}), sleeps=sleeps)
    assert result.status == "fetched" and result.attempts == 3
    assert len(sleeps.calls) == 2 and all(0 < s <= FAST.backoff_max_s for s in sleeps.calls)


def test_persistent_5xx_fails_after_the_retry_budget() -> None:
    hits = []
    result = run(site({"/a": lambda r: hits.append(1) or httpx.Response(502)}))
    assert (result.status, result.reason) == ("failed", "http_502")
    assert len(hits) == FAST.max_retries + 1


def test_404_is_permanent_and_not_retried() -> None:
    hits = []
    result = run(site({"/a": lambda r: hits.append(1) or httpx.Response(404)}))
    assert (result.status, result.reason, len(hits)) == ("failed", "http_404", 1)


def test_timeout_is_transient_and_recorded() -> None:
    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    result = run(site({"/a": slow}))
    assert (result.status, result.reason) == ("failed", "timeout")
    assert result.attempts == FAST.max_retries + 1


def test_redirect_loop_and_too_many_redirects() -> None:
    loop = {"/a": lambda r: httpx.Response(302, headers={"location": "/b"}),
            "/b": lambda r: httpx.Response(301, headers={"location": "/a"})}  # fmt: skip
    assert run(site(loop)).reason == "redirect_loop"

    def hop(request: httpx.Request) -> httpx.Response:
        step = int(request.url.path.strip("/"))
        return httpx.Response(302, headers={"location": f"/{step + 1}"})

    chain = {f"/{i}": hop for i in range(20)}
    assert run(site(chain), url="https://news.example/0").reason == "too_many_redirects"


def test_redirect_to_other_scheme_is_refused() -> None:
    result = run(site({"/a": lambda r: httpx.Response(302, headers={"location": "file:///etc/passwd"})}))
    assert (result.status, result.reason) == ("failed", "unsupported_scheme")


def test_binary_and_non_html_content_are_refused() -> None:
    pdf = run(
        site(
            {
                "/a": lambda r: httpx.Response(
                    200, headers={"content-type": "application/pdf"}, content=stream(b"%PDF")
                )
            }
        )
    )
    assert pdf.reason == "not_html"
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00" * 50
    disguised = run(
        site(
            {"/a": lambda r: httpx.Response(200, headers={"content-type": "text/html"}, content=stream(png))}
        )
    )
    assert disguised.reason == "not_html"


def test_oversize_body_is_cut_off() -> None:
    big = b"<html>" + b"x" * 2_000_000
    read: list[int] = []

    async def counted() -> Any:
        async for part in stream(big):
            read.append(len(part))
            yield part

    headers = {"content-type": "text/html", "content-length": str(len(big))}
    declared = run(site({"/a": lambda r: httpx.Response(200, headers=headers, content=counted())}))
    assert declared.reason == "too_large"
    assert read == []  # refused on the declared length, before reading the body

    def streamed(request: httpx.Request) -> httpx.Response:  # no Content-Length: counted while streaming
        return httpx.Response(200, headers={"content-type": "text/html"}, content=stream(big))

    assert run(site({"/a": streamed})).reason == "too_large"


def _gzip_bomb(decoded_mb: int) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\0" * (1 << 20)
    return b"".join([*(compressor.compress(chunk) for _ in range(decoded_mb)), compressor.flush()])


def test_gzip_bomb_is_stopped_with_bounded_memory() -> None:
    import tracemalloc

    bomb = _gzip_bomb(200)  # 200 MB of zeros in about 200 KB
    assert len(bomb) < 400_000

    def page(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/html", "content-encoding": "gzip"}, content=stream(bomb)
        )

    tracemalloc.start()
    result = run(site({"/a": page}))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert (result.status, result.reason) == ("failed", "too_large")
    assert peak < 20 * FAST.max_bytes, f"peak {peak / 1e6:.1f} MB"


def test_brotli_and_gzip_bodies_are_decoded() -> None:
    import brotli

    for encoding, encoded in (("gzip", gzip.compress(HTML)), ("br", brotli.compress(HTML))):
        headers = {"content-type": "text/html", "content-encoding": encoding}
        result = run(
            site({"/a": lambda r, h=headers, b=encoded: httpx.Response(200, headers=h, content=stream(b))})
        )
        assert result.body == HTML, encoding


def test_error_tree_tells_prefect_what_to_retry() -> None:
    from crawler.errors import ClientError, FetchTimeout, RateLimited, RobotsDisallowed, ServerError

    assert all(is_transient(e("x", url="u")) for e in (FetchTimeout, ServerError, RateLimited))
    assert not any(is_transient(e("x", url="u")) for e in (ClientError, RobotsDisallowed))
    assert issubclass(RateLimited, TransientFetchError)


# --- real servers on 127.0.0.1 -----------------------------------------------


@contextmanager
def serve(handler_cls: type[BaseHTTPRequestHandler], host: str = "127.0.0.1") -> Iterator[str]:
    server = ThreadingHTTPServer((host, 0), handler_cls)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class Trickle(BaseHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        try:
            for _ in range(100):
                self.wfile.write(b"<p>drip</p>")
                self.wfile.flush()
                time.sleep(0.1)
        except (BrokenPipeError, ConnectionResetError):
            pass


def fetch_real(url: str, policy: FetchPolicy) -> PageRecord:
    async def go() -> PageRecord:
        async with Fetcher(policy) as fetcher:
            return await fetcher.fetch_page(url)

    return asyncio.run(go())


def test_trickling_server_is_cut_off_by_the_total_deadline() -> None:
    policy = FetchPolicy(per_host_delay_s=0, total_timeout_s=1.0, read_timeout_s=5, max_retries=0,
                         allow_hosts=frozenset({"127.0.0.1"}))  # fmt: skip
    with serve(Trickle) as base:
        started = time.monotonic()
        result = fetch_real(base + "/slow", policy)
        elapsed = time.monotonic() - started
    assert (result.status, result.reason) == ("failed", "timeout")
    assert elapsed < 4


def test_loopback_is_refused_unless_allowed_exactly() -> None:
    with serve(Trickle) as base:
        blocked = fetch_real(base + "/x", FetchPolicy(per_host_delay_s=0, max_retries=0))
        assert (blocked.status, blocked.reason) == ("failed", "blocked_address")
        other = FetchPolicy(per_host_delay_s=0, max_retries=0, allow_hosts=frozenset({"127.0.0.2"}))
        assert fetch_real(base + "/x", other).reason == "blocked_address"


def test_redirect_to_a_non_allowed_loopback_address_is_refused() -> None:
    with serve(Trickle, host="127.0.0.2") as internal:

        class Redirector(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self.send_response(302 if self.path != "/robots.txt" else 404)
                self.send_header("Location", internal + "/secret")
                self.send_header("Content-Length", "0")
                self.end_headers()

        with serve(Redirector) as base:
            policy = FetchPolicy(per_host_delay_s=0, max_retries=0, allow_hosts=frozenset({"127.0.0.1"}))
            result = fetch_real(base + "/go", policy)
    assert (result.status, result.reason) == ("failed", "blocked_address")


def test_address_policy_unit() -> None:
    for ip in ("10.1.2.3", "172.20.0.1", "192.168.1.1", "127.0.0.1", "169.254.169.254", "::1", "fd00::1",
               "::ffff:127.0.0.1"):  # fmt: skip
        assert is_blocked_ip(ip), ip
    assert not is_blocked_ip("93.184.216.34")
    policy = AddressPolicy.allowing(["127.0.0.1"])
    assert policy.check("127.0.0.1", 80, ["127.0.0.1"]) is None
    assert policy.check("127.0.0.2", 80, ["127.0.0.2"]) is not None
    assert policy.check("evil.example", 80, ["169.254.169.254"]) is not None


def test_demo_server_pages_in_legacy_charsets(demo_site: Any, demo_manifest: list[dict[str, Any]]) -> None:
    from extractors import extract_article

    policy = FetchPolicy(per_host_delay_s=0, allow_hosts=frozenset({demo_site.host}))
    legacy = [e for e in demo_manifest if e["encoding"] in ("shift_jis", "euc_kr")]
    for entry in legacy:
        result = fetch_real(f"{demo_site.base_url}/{entry['path']}", policy)
        assert result.status == "fetched"
        article = extract_article(result.body or b"", result.url, declared_charset=result.charset)
        assert article.title == entry["title"]
        assert "\ufffd" not in article.text


def _discover(spec: Any, host: str) -> Any:
    from ingest.discovery import discover

    async def go() -> Any:
        async with Fetcher(FetchPolicy(per_host_delay_s=0, allow_hosts=frozenset({host}))) as fetcher:
            return await discover(fetcher, spec)

    return asyncio.run(go())


def test_homepage_source_finds_its_feed(demo_site: Any, demo_manifest: list[dict[str, Any]]) -> None:
    from ingest.sources import SourceSpec

    spec = SourceSpec(name="home", kind="homepage", url=demo_site.base_url + "/", include=("/20\\d\\d/",))
    found = _discover(spec, demo_site.host)
    assert found.listings_fetched == 2  # the homepage, then the feed it announces
    assert {e.url for e in found.entries} == {f"{demo_site.base_url}/{e['path']}" for e in demo_manifest}


def test_sitemap_index_is_followed_and_filtered_by_date() -> None:
    from datetime import date

    from ingest.sources import SourceSpec

    class Sitemaps(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/sitemap.xml":
                body = (f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"<sitemap><loc>{base}/news-1.xml</loc></sitemap>"
                        f"<sitemap><loc>{base}/news-2.xml</loc></sitemap></sitemapindex>")  # fmt: skip
            elif self.path.startswith("/news-"):
                n = self.path[6]
                body = (f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                        f"<url><loc>{base}/a{n}.html</loc><lastmod>2024-0{n}-10</lastmod></url>"
                        f"<url><loc>{base}/b{n}.html?utm_source=x</loc><lastmod>2024-0{n}-20</lastmod></url>"
                        f"</urlset>")  # fmt: skip
            else:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            data = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    with serve(Sitemaps) as base:
        spec = SourceSpec(name="sm", kind="sitemap", url=base + "/sitemap.xml")
        everything = _discover(spec, "127.0.0.1")
        assert everything.listings_fetched == 3
        assert sorted(e.url for e in everything.entries) == [
            f"{base}/a1.html", f"{base}/a2.html", f"{base}/b1.html", f"{base}/b2.html",
        ]  # fmt: skip
        late_february = SourceSpec(name="sm", kind="sitemap", url=base + "/sitemap.xml",
                           published_after=date(2024, 2, 15), published_before=date(2024, 2, 28))  # fmt: skip
        assert [e.url for e in _discover(late_february, "127.0.0.1").entries] == [f"{base}/b2.html"]


@pytest.mark.parametrize(
    ("response", "transient"),
    [
        (lambda r: httpx.Response(503), True),
        (lambda r: httpx.Response(404), False),
        (
            lambda r: httpx.Response(
                200,
                headers={"content-type": "application/rss+xml", "content-encoding": "gzip"},
                content=stream(b"\x1f\x8b not really gzip"),
            ),
            True,
        ),
    ],
)
def test_a_failed_listing_keeps_the_error_trees_verdict(response: Any, transient: bool) -> None:
    from crawler.errors import PermanentFetchError
    from ingest.discovery import discover
    from ingest.sources import SourceSpec

    async def go() -> Any:
        async with Fetcher(
            FAST, transport=httpx.MockTransport(site({"/feed.xml": response})), sleep=Sleeps()
        ) as f:
            return await discover(f, SourceSpec(name="feed", kind="rss", url="https://news.example/feed.xml"))

    expected = TransientFetchError if transient else PermanentFetchError
    with pytest.raises(expected):
        asyncio.run(go())


def _closed_port() -> int:
    """A loopback port with nothing listening on it."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("robots", [True, False])
def test_a_refused_connection_is_named_as_such(robots: bool) -> None:
    """Not ``robots_unreachable``: the host did not answer, and the page fails for that reason."""
    policy = FetchPolicy(per_host_delay_s=0, max_retries=0, respect_robots=robots,
                         allow_hosts=frozenset({"127.0.0.1"}))  # fmt: skip
    result = fetch_real(f"http://127.0.0.1:{_closed_port()}/article", policy)
    assert (result.status, result.reason, result.transient) == ("failed", "connection_refused", True)


def test_a_name_that_does_not_resolve_is_a_dns_error() -> None:
    policy = FetchPolicy(per_host_delay_s=0, max_retries=0, respect_robots=False)
    result = fetch_real("http://no-such-host.invalid/article", policy)  # .invalid never resolves (RFC 2606)
    assert (result.status, result.reason) == ("failed", "dns_error")


def test_a_robots_txt_that_errors_still_skips_as_robots_unreachable() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503 if request.url.path == "/robots.txt" else 200, html=HTML.decode())

    result = run(handler, policy=FetchPolicy(per_host_delay_s=0, max_retries=0))
    assert (result.status, result.reason) == ("skipped", "robots_unreachable")


class LateOnce:
    """A host gate whose first start is already stale when it is handed over (its process stalled)."""

    def __init__(self) -> None:
        self.starts = 0

    def hold(self, host: str, limit: int) -> Any:
        from crawler.politeness import SLOTS

        return SLOTS.hold("late-once", host, limit)

    async def space(self, host: str, delay_s: float) -> float | None:
        self.starts += 1
        return time.monotonic() - 1.0 if self.starts == 1 else time.monotonic() + 60.0

    async def release_idle(self) -> None:
        pass


def fetch_through(gate: LateOnce) -> tuple[PageRecord, list[str]]:
    """One page fetched through ``gate``; the record and the page requests that reached the site."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/robots.txt"):
            seen.append(str(request.url))
        return httpx.Response(200, headers={"content-type": "text/html"}, content=HTML)

    async def go() -> PageRecord:
        async with Fetcher(FAST, transport=httpx.MockTransport(handler), sleep=Sleeps(), gate=gate) as f:
            return await f.fetch_page("https://news.example/a")

    return asyncio.run(go()), seen


def test_a_request_whose_start_went_stale_is_not_sent_and_asks_again() -> None:
    """A start the process could not use in time is not used: nothing reaches the site, a new start
    is asked, and the page is fetched once on it."""
    gate = LateOnce()
    record, seen = fetch_through(gate)
    assert record.status == "fetched" and record.attempts == 1
    assert gate.starts == 2
    assert seen == ["https://news.example/a"]


def test_a_start_that_stays_stale_still_lets_the_request_out() -> None:
    """Late every time (an overloaded machine): after a few new starts the request goes out anyway."""

    class AlwaysLate(LateOnce):
        async def space(self, host: str, delay_s: float) -> float | None:
            self.starts += 1
            return time.monotonic() - 1.0

    gate = AlwaysLate()
    record, seen = fetch_through(gate)
    assert record.status == "fetched"
    assert gate.starts == 4  # three late starts refused, the fourth sent without a deadline
    assert seen == ["https://news.example/a"]
