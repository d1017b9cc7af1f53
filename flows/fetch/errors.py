"""Fetch errors, split by what a retry can do about them.

    FetchError                      any failure to get a usable page
     ├── TransientFetchError        may succeed later: retried with backoff
     │    ├── FetchTimeout          connect/read timeout or total deadline hit
     │    ├── ConnectionFailed      DNS, refused, reset
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
condition looks only at ``TransientFetchError``.
"""

from __future__ import annotations


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
