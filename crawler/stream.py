"""One long download read as a stream: WARC files and their listings.

A WARC file is about 1 GB, so it is never fetched whole like a page: the
response is read as it arrives, through a file-like object that the WARC
library pulls from. The same address policy as every page fetch applies (the
check runs at connect time, on every redirect hop), with connect and read
timeouts but no total deadline (a large file takes as long as it takes while
bytes keep coming).
"""

from __future__ import annotations

import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from crawler.errors import (
    BlockedAddress,
    ClientError,
    ConnectionFailed,
    FetchError,
    FetchTimeout,
    ServerError,
    TooManyRedirects,
    UnsupportedScheme,
)
from crawler.guard import AddressPolicy
from crawler.policy import FetchPolicy
from crawler.transport import BlockedConnection, _ssl_context, allowed_ips


class _GuardedSyncBackend(httpcore.NetworkBackend):
    """The blocking twin of the page fetcher's guarded backend."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        ips = allowed_ips(self._policy, host, port, infos)
        return self._inner.connect_tcp(
            ips[0], port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise BlockedConnection("unix sockets are not allowed")


class _GuardedSyncTransport(httpx.HTTPTransport):
    def __init__(self, policy: AddressPolicy) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=4,
            http1=True,
            http2=False,
            network_backend=_GuardedSyncBackend(policy),
        )


class RemoteStream:
    """A file-like view of a response body: ``read(n)`` pulls bytes as they arrive.

    ``size`` is the declared length (None when the server sent none) and
    ``bytes_read`` how much has arrived, for progress. A body that ends early
    (the connection dropped, fewer bytes than declared) raises
    :class:`ConnectionFailed` with reason ``truncated_download``.
    """

    def __init__(self, url: str, response: httpx.Response) -> None:
        self.url = url
        declared = response.headers.get("content-length")
        self.size: int | None = int(declared) if declared and declared.isdigit() else None
        self.bytes_read = 0
        self._chunks = response.iter_raw()  # as bytes arrive: a cut keeps what came
        self._pending = b""
        self._pos = 0

    def read(self, size: int = -1) -> bytes:
        want = size if size is not None and size >= 0 else 1 << 62
        while len(self._pending) - self._pos < want:
            try:
                chunk = next(self._chunks)
            except StopIteration:
                break
            except httpx.TimeoutException as exc:
                raise FetchTimeout(f"the download stalled: {exc}", url=self.url) from exc
            except httpx.HTTPError as exc:
                raise ConnectionFailed(
                    f"the download broke off after {self.bytes_read} bytes: {exc}",
                    url=self.url,
                    reason="truncated_download",
                ) from exc
            self._pending = self._pending[self._pos :] + chunk
            self._pos = 0
        out = self._pending[self._pos : self._pos + want]
        self._pos += len(out)
        self.bytes_read += len(out)
        return out


@contextmanager
def open_remote(url: str, policy: FetchPolicy) -> Iterator[RemoteStream]:
    """GET ``url`` and yield its body as a stream; raises :class:`FetchError` for a failed request."""
    scheme = url.split(":", 1)[0].lower()
    if scheme not in ("http", "https"):
        raise UnsupportedScheme(f"scheme {scheme!r} is not fetched", url=url)
    client = httpx.Client(
        transport=_GuardedSyncTransport(AddressPolicy.allowing(policy.allow_hosts)),
        timeout=httpx.Timeout(policy.read_timeout_s, connect=policy.connect_timeout_s),
        follow_redirects=True,
        max_redirects=policy.max_redirects,
        headers={"User-Agent": policy.user_agent},
    )
    try:
        with client.stream("GET", url) as response:
            status = response.status_code
            if status >= 500:
                raise ServerError(f"HTTP {status}", url=url, reason=f"http_{status}")
            if status >= 400:
                raise ClientError(f"HTTP {status}", url=url, reason=f"http_{status}")
            yield RemoteStream(url, response)
    except httpx.TooManyRedirects as exc:
        raise TooManyRedirects(str(exc), url=url) from exc
    except httpx.TimeoutException as exc:
        raise FetchTimeout(f"{type(exc).__name__}: {exc}", url=url) from exc
    except httpx.TransportError as exc:
        if isinstance(exc.__cause__, BlockedConnection):
            raise BlockedAddress(str(exc.__cause__), url=url) from exc
        raise ConnectionFailed(f"{type(exc).__name__}: {exc}", url=url) from exc
    finally:
        client.close()


__all__ = ["FetchError", "RemoteStream", "open_remote"]
