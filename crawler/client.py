"""The crawler's HTTP client: one request, done right; many, done politely.

``Fetcher.fetch`` makes a single guarded GET (scheme check, address policy at
connect time, manual redirects, total deadline, streamed body with a decoded
size cap, content-type check) and raises a :mod:`crawler.errors` error on
failure. ``Fetcher.fetch_page`` wraps it for the pipeline: robots.txt, host
pacing and concurrency (kept by a :class:`HostGate`), conditional GET,
retries of transient errors with exponential backoff and jitter (honouring
``Retry-After``), and it never raises: every outcome, good or bad, is a
:class:`PageRecord` with a reason code.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Literal
from urllib.parse import urljoin, urlsplit

import httpx

from crawler.decoding import BoundedDecoder, DecodedTooLarge
from crawler.errors import (
    BlockedAddress,
    ClientError,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    NotHTML,
    RateLimited,
    ServerError,
    TooLarge,
    TooManyRedirects,
    TransientFetchError,
    UnsupportedScheme,
)
from crawler.guard import AddressPolicy
from crawler.policy import FetchPolicy
from crawler.politeness import ROBOTS, SLOTS, HostGate, HostGateError, RobotsRules, gate_for
from crawler.transport import BlockedConnection, GuardedTransport
from warehouse.records import PageRecord

log = logging.getLogger(__name__)

Accept = Literal["html", "feed", "any"]

_HTML_TYPES = ("text/html", "application/xhtml+xml")
_FEED_TYPES = ("xml", "rss", "atom", "text/plain", "text/html", "application/octet-stream")
_REDIRECTS = (301, 302, 303, 307, 308)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _retry_after_seconds(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _connection_reason(exc: BaseException) -> str:
    """What stopped a connection, from the chain of causes httpx and httpcore keep."""
    seen: BaseException | None = exc
    for _depth in range(10):
        if seen is None:
            break
        if isinstance(seen, socket.gaierror):
            return "dns_error"
        if isinstance(seen, ConnectionRefusedError):
            return "connection_refused"
        if isinstance(seen, ConnectionResetError | httpx.RemoteProtocolError):
            return "connection_reset"
        if isinstance(seen, ssl.SSLError):
            return "tls_error"
        seen = seen.__cause__ or seen.__context__
    return "connection_failed"


def media_type(content_type: str | None) -> tuple[str, str | None]:
    """The media type of a Content-Type header, lower-cased, and its charset if it names one."""
    if not content_type:
        return "", None
    parts = [p.strip() for p in content_type.split(";")]
    charset = None
    for param in parts[1:]:
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value:
            charset = value.strip().strip("\"'")
    return parts[0].lower(), charset


def _looks_binary(head: bytes) -> bool:
    sample = head[:2048]
    return b"\x00" in sample and not sample.startswith((b"\xff\xfe", b"\xfe\xff"))


# A request's extension: the moment by which it must go out to keep the host's spacing (HostGate.space).
START_BY = "newsfacts.start_by"
LATE_STARTS_ALLOWED = 3  # late starts in a row before a request goes out anyway (never stuck)


class LateStart(Exception):
    """The request was not sent: it could not go out by its start's deadline."""


async def _refuse_late_start(request: httpx.Request) -> None:
    """httpx's last hook before the transport: a request whose start went stale is not sent."""
    start_by = request.extensions.get(START_BY)
    if start_by is not None and time.monotonic() > start_by:
        raise LateStart(f"{request.url.host}: {time.monotonic() - start_by:.3f}s past its start")


class Fetcher:
    """An async HTTP client with the crawler's rules. Use as ``async with``."""

    def __init__(
        self,
        policy: FetchPolicy,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        run_key: str | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        gate: HostGate | None = None,
    ) -> None:
        self.policy = policy
        # robots.txt is cached per run; a fetcher outside a run gets a cache of its own.
        self.run_key = run_key or uuid.uuid4().hex
        self._sleep = sleep
        # per-host concurrency and spacing: the gate given, else the one the policy names
        self.gate = gate if gate is not None else gate_for(policy.host_gate, self.run_key, sleep)
        self._address_policy = AddressPolicy.allowing(policy.allow_hosts)
        self._client = httpx.AsyncClient(
            transport=transport or GuardedTransport(self._address_policy),
            timeout=httpx.Timeout(
                policy.read_timeout_s, connect=policy.connect_timeout_s, pool=policy.total_timeout_s
            ),
            follow_redirects=False,
            event_hooks={"request": [_refuse_late_start]},
            headers={
                "User-Agent": policy.user_agent,
                "Accept-Encoding": "gzip, deflate, br",
                "Accept-Language": "en, ja;q=0.9, ko;q=0.9, *;q=0.5",
            },
        )

    async def __aenter__(self) -> Fetcher:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()
        await self.gate.release_idle()

    # -- one request -------------------------------------------------------
    async def fetch(
        self,
        url: str,
        *,
        accept: Accept = "html",
        etag: str | None = None,
        last_modified: str | None = None,
        start_by: float | None = None,
    ) -> PageRecord:
        """One GET with redirects followed by hand; raises :class:`FetchError`, or :class:`LateStart`
        (nothing sent) when the first request cannot go out by ``start_by`` (``time.monotonic()``)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen = {url}
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            scheme = urlsplit(current).scheme.lower()
            if scheme not in ("http", "https"):
                raise UnsupportedScheme(f"scheme {scheme or '(none)'!r} is not fetched", url=current)
            try:
                async with asyncio.timeout(self.policy.total_timeout_s):
                    result = await self._get_once(url, current, headers, accept, start_by)
                start_by = None  # redirects follow the request the spacing was for
            except TimeoutError as exc:
                raise FetchTimeout(
                    f"no complete response within {self.policy.total_timeout_s:.0f}s", url=current
                ) from exc
            if isinstance(result, PageRecord):
                return result
            target = urljoin(current, result)
            if target in seen:
                raise TooManyRedirects("redirect loop", url=url, reason="redirect_loop")
            seen.add(target)
            current = target
        raise TooManyRedirects(f"more than {self.policy.max_redirects} redirects", url=url)

    async def _get_once(
        self, url: str, current: str, headers: dict[str, str], accept: Accept, start_by: float | None = None
    ) -> PageRecord | str:
        """A PageRecord, or the Location of a redirect to follow."""
        extensions = {START_BY: start_by} if start_by is not None else None
        try:
            async with self._client.stream("GET", current, headers=headers, extensions=extensions) as resp:
                status = resp.status_code
                if status in _REDIRECTS and resp.headers.get("location"):
                    return resp.headers["location"]
                self._raise_for_status(resp, current)
                if status == 304:
                    return PageRecord(
                        url=url, status="unchanged", checked_at=_now(), final_url=current,
                        http_status=304, etag=resp.headers.get("etag"),
                        last_modified=resp.headers.get("last-modified"),
                    )  # fmt: skip
                media, charset = media_type(resp.headers.get("content-type"))
                self._check_media(media, accept, current)
                body = await self._read_body(resp, current)
                if accept == "html" and _looks_binary(body):
                    raise NotHTML("the body is binary despite its content type", url=current)
                return PageRecord(
                    url=url, status="fetched", checked_at=_now(), final_url=current,
                    http_status=status, content_type=media or None, charset=charset,
                    etag=resp.headers.get("etag"), last_modified=resp.headers.get("last-modified"),
                    body=body, fetched_at=_now(), headers=dict(resp.headers),
                )  # fmt: skip
        except httpx.TimeoutException as exc:
            raise FetchTimeout(f"{type(exc).__name__}: {exc}", url=current) from exc
        except httpx.TransportError as exc:
            # httpx re-raises the pool's errors as its own; the guard's refusal is the cause.
            if isinstance(exc.__cause__, BlockedConnection):
                raise BlockedAddress(str(exc.__cause__), url=current) from exc
            raise ConnectionFailed(
                f"{type(exc).__name__}: {exc}", url=current, reason=_connection_reason(exc)
            ) from exc

    def _raise_for_status(self, resp: httpx.Response, url: str) -> None:
        status = resp.status_code
        if status == 429:
            raise RateLimited(
                "429 Too Many Requests",
                url=url,
                retry_after=_retry_after_seconds(resp.headers.get("retry-after")),
            )
        if status >= 500:
            raise ServerError(f"HTTP {status}", url=url, reason=f"http_{status}")
        if status >= 400 or (status >= 300 and status != 304):
            raise ClientError(f"HTTP {status}", url=url, reason=f"http_{status}")

    def _check_media(self, media: str, accept: Accept, url: str) -> None:
        if accept == "html" and media and not media.startswith(_HTML_TYPES):
            raise NotHTML(f"content type {media!r} is not HTML", url=url)
        if accept == "feed" and media and not any(t in media for t in _FEED_TYPES):
            raise NotHTML(f"content type {media!r} is not a feed or sitemap", url=url)

    async def _read_body(self, resp: httpx.Response, url: str) -> bytes:
        declared = resp.headers.get("content-length")
        plain = not resp.headers.get("content-encoding")
        if plain and declared and declared.isdigit() and int(declared) > self.policy.max_bytes:
            raise TooLarge(f"Content-Length {declared} over {self.policy.max_bytes}", url=url)
        if resp.is_stream_consumed:  # a transport that handed over a fully read response
            if len(resp.content) > self.policy.max_bytes:
                raise TooLarge(f"body over {self.policy.max_bytes} bytes", url=url)
            return resp.content
        decoder = BoundedDecoder(resp.headers.get("content-encoding"), self.policy.max_bytes)
        chunks: list[bytes] = []
        try:
            async for raw in resp.aiter_raw():
                chunks.append(decoder.feed(raw))
            chunks.append(decoder.finish())
        except DecodedTooLarge as exc:
            raise TooLarge(str(exc), url=url) from exc
        except ValueError as exc:
            raise ConnectionFailed(str(exc), url=url, reason="corrupt_body") from exc
        return b"".join(chunks)

    # -- politeness and retries -------------------------------------------
    async def _robots(self, url: str) -> RobotsRules:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        rules = ROBOTS.get(self.run_key, origin)
        if rules is not None:
            return rules
        try:
            result = await self.fetch(origin + "/robots.txt", accept="any")
            text = (result.body or b"").decode("utf-8", "replace")
            rules = RobotsRules.from_text(text)
        except ClientError:
            rules = RobotsRules(None)  # no robots.txt: everything allowed
        except BlockedAddress:
            raise  # the page itself is refused for the same reason
        except (ConnectionFailed, FetchTimeout) as exc:
            # the host did not answer at all: its pages would fail the same way, so say why
            rules = RobotsRules(None, unreachable=f"{origin} did not answer: {exc}", host_failure=exc.reason)
        except FetchError as exc:
            rules = RobotsRules(None, unreachable=f"robots.txt unavailable: {exc.reason}")
        ROBOTS.put(self.run_key, origin, rules)
        return rules

    async def fetch_page(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: Accept = "html",
        delay_s: float | None = None,
    ) -> PageRecord:
        """Fetch politely with retries; every outcome comes back as a result."""
        try:
            return await self._fetch_page(url, etag, last_modified, accept, delay_s)
        except HostGateError as exc:
            # the page was not requested: a later run fetches it once the gate answers again
            log.warning("failed %s: the host gate did not answer: %s", url, exc)
            return PageRecord(
                url=url, status="failed", checked_at=_now(), reason="host_gate", detail=str(exc),
                transient=True, attempts=0,
            )  # fmt: skip

    async def _fetch_page(
        self, url: str, etag: str | None, last_modified: str | None, accept: Accept, delay_s: float | None
    ) -> PageRecord:
        delay = self.policy.per_host_delay_s if delay_s is None else delay_s
        host = urlsplit(url).netloc.lower()
        attempts = 0
        async with (
            SLOTS.hold(self.run_key, "*", self.policy.concurrency),
            self.gate.hold(host, self.policy.per_host_concurrency),
        ):
            if self.policy.respect_robots and urlsplit(url).scheme in ("http", "https"):
                try:
                    rules = await self._robots(url)
                except FetchError as exc:
                    return self._failed(url, exc, attempts)
                if rules.host_failure:
                    log.info("failed %s: %s", url, rules.unreachable)
                    return PageRecord(
                        url=url, status="failed", checked_at=_now(), reason=rules.host_failure,
                        detail=rules.unreachable, transient=True, attempts=1,
                    )  # fmt: skip
                if not rules.allows(self.policy.user_agent, url):
                    reason = "robots_unreachable" if rules.unreachable else "robots"
                    detail = rules.unreachable or "disallowed by robots.txt"
                    log.info("skip %s: %s", url, detail)
                    return PageRecord(
                        url=url, status="skipped", checked_at=_now(), reason=reason, detail=detail,
                        attempts=0,
                    )  # fmt: skip
                delay = max(delay, min(rules.crawl_delay(self.policy.user_agent) or 0.0, 60.0))
            late = 0
            while True:
                start_by = await self.gate.space(host, delay)
                attempts += 1
                try:
                    result = await self.fetch(
                        url, accept=accept, etag=etag, last_modified=last_modified,
                        start_by=start_by if late < LATE_STARTS_ALLOWED else None,
                    )  # fmt: skip
                except LateStart as exc:
                    # this process waited for a core between the start and the send: sent now, the
                    # request could reach the host right beside another worker's; ask again
                    log.debug("late start for %s: %s", url, exc)
                    attempts -= 1
                    late += 1
                    continue
                except TransientFetchError as exc:
                    wait = self._backoff(attempts, exc)
                    if attempts > self.policy.max_retries or wait is None:
                        return self._failed(url, exc, attempts)
                    log.info("retry %s in %.1fs after %s", url, wait, exc.reason)
                    await self._sleep(wait)
                    continue
                except FetchError as exc:
                    return self._failed(url, exc, attempts)
                # one line per page would flood the run's log (10k+ lines a night): successes at DEBUG;
                # failures, retries and skips stay at INFO, and the run summary counts every outcome
                log.debug("GET %s -> %s %s", url, result.http_status, result.status)
                return replace(result, attempts=attempts)

    def _backoff(self, attempt: int, exc: TransientFetchError) -> float | None:
        """Seconds to wait before the next try, or None to give up now."""
        if isinstance(exc, RateLimited) and exc.retry_after is not None:
            if exc.retry_after > self.policy.max_retry_after_s:
                return None
            return exc.retry_after
        ceiling = min(self.policy.backoff_max_s, self.policy.backoff_base_s * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)  # "equal jitter"

    @staticmethod
    def _failed(url: str, exc: FetchError, attempts: int) -> PageRecord:
        log.info("failed %s: %s (%s)", url, exc.reason, exc)
        return PageRecord(
            url=url, status="failed", checked_at=_now(), reason=exc.reason, detail=str(exc),
            transient=isinstance(exc, TransientFetchError), attempts=attempts,
        )  # fmt: skip

    async def fetch_many(
        self,
        urls: Iterable[str],
        *,
        validators: Mapping[str, tuple[str | None, str | None]] | None = None,
        delay_s: float | None = None,
    ) -> list[PageRecord]:
        """Fetch all ``urls`` concurrently within the policy's limits, in input order."""
        known = validators or {}
        tasks = [
            self.fetch_page(
                url,
                etag=known.get(url, (None, None))[0],
                last_modified=known.get(url, (None, None))[1],
                delay_s=delay_s,
            )
            for url in urls
        ]
        return list(await asyncio.gather(*tasks))
