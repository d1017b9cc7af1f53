"""Fetch errors, split by what a retry can do about them.

    FetchError                      any failure to get a usable page
     ├── TransientFetchError        may succeed later: retried with backoff
     │    ├── FetchTimeout          connect/read timeout or total deadline hit
     │    ├── ConnectionFailed      no usable connection; ``reason`` says which:
     │    │                         connection_refused, dns_error, connection_reset,
     │    │                         tls_error, corrupt_body, connection_failed
     │    ├── RateLimited           429 (``retry_after`` seconds when the server said)
     │    └── ServerError           5xx
     └── PermanentFetchError        retrying cannot help
          ├── ClientError           4xx other than 429
          ├── BlockedAddress        private/loopback/link-local target not allowed
          ├── UnsupportedScheme     anything but http(s)
          ├── RobotsDisallowed      robots.txt forbids the URL
          ├── NotHTML               binary or non-HTML content type
          ├── TooLarge              body (after decompression) over the limit
          ├── TooManyRedirects      redirect chain too long or looping

Each error has a stable ``reason`` code (``timeout``, ``http_503``, ``robots``…)
that is stored with the page and counted in run summaries; Prefect's retry
condition looks only at ``TransientFetchError``. A host that does not answer
its robots.txt request fails its pages with that same reason (not as skipped
by robots.txt). :data:`HINTS` says, for some reasons, what the user can do.
"""

from __future__ import annotations

from collections.abc import Mapping


class FetchError(Exception):
    """Base class; carries the URL and a stable reason code."""

    reason = "fetch_error"

    def __init__(self, message: str, *, url: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        if reason is not None:
            self.reason = reason

    def __str__(self) -> str:
        return f"{super().__str__()} ({self.url})"


class TransientFetchError(FetchError):
    reason = "transient"


class FetchTimeout(TransientFetchError):
    reason = "timeout"


class ConnectionFailed(TransientFetchError):
    reason = "connection_failed"


class RateLimited(TransientFetchError):
    reason = "http_429"

    def __init__(self, message: str, *, url: str, retry_after: float | None = None) -> None:
        super().__init__(message, url=url)
        self.retry_after = retry_after


class ServerError(TransientFetchError):
    reason = "http_5xx"


class PermanentFetchError(FetchError):
    reason = "permanent"


class ClientError(PermanentFetchError):
    reason = "http_4xx"


class BlockedAddress(PermanentFetchError):
    reason = "blocked_address"


class UnsupportedScheme(PermanentFetchError):
    reason = "unsupported_scheme"


class RobotsDisallowed(PermanentFetchError):
    reason = "robots"


class NotHTML(PermanentFetchError):
    reason = "not_html"


class TooLarge(PermanentFetchError):
    reason = "too_large"


class TooManyRedirects(PermanentFetchError):
    reason = "too_many_redirects"


def is_transient(exc: BaseException) -> bool:
    """What Prefect's ``retry_condition_fn`` asks: would a retry help?"""
    return isinstance(exc, TransientFetchError)


# What a user can do about a reason, where a fix is known (shown by `newsfacts ingest`/`sources`).
HINTS: dict[str, str] = {
    "blocked_address": (
        "the URL is on a loopback or private address, which the crawler refuses by default;"
        " to crawl it, pass --allow-host HOST (or allow_hosts in the source)"
    ),
    "connection_refused": "nothing listens at that address and port; is the site or server running?",
    "dns_error": "the host name does not resolve; check the spelling and the machine's DNS",
    "timeout": "the site answered too slowly; try a larger --timeout",
    "robots": "the site's robots.txt forbids these pages to crawlers",
    "robots_unreachable": "the site's robots.txt could not be read, so its pages are not fetched",
    "http_429": "the site asks for fewer requests; raise --delay",
    "tls_error": "the TLS handshake failed (certificate or protocol); check the URL's https setup",
}


def hint_for(reasons: Mapping[str, int]) -> str | None:
    """The hint of the most frequent reason that has one."""
    for reason, _count in sorted(reasons.items(), key=lambda kv: -kv[1]):
        if reason in HINTS:
            return HINTS[reason]
    return None
