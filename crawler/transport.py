"""An httpx transport whose every TCP connection is checked against the address policy.

The check runs inside the connection pool's network backend: the host is
resolved once, every address is checked, and the socket is opened to a
checked address. So a redirect to an internal host, or a name that resolves
differently a second time (DNS rebinding), cannot slip past it. TLS still
verifies the original host name (httpcore passes it as SNI).
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Iterable
from functools import cache
from typing import Any

import httpcore
import httpx

from crawler.guard import AddressPolicy


class BlockedConnection(httpcore.ConnectError):
    """Raised at connect time for a target the policy refuses."""


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        loop = asyncio.get_running_loop()
        try:
            infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
        except (OSError, TimeoutError) as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
        ips = allowed_ips(self._policy, host, port, infos)
        return await self._inner.connect_tcp(
            ips[0],
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedConnection("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def allowed_ips(policy: AddressPolicy, host: str, port: int, infos: Iterable[Any]) -> list[str]:
    """The addresses ``host`` resolved to, in order, once the policy allows them all (checked on
    the resolved IPs at connect time, so redirects and DNS rebinding are covered too)."""
    ips = list(dict.fromkeys(str(info[4][0]) for info in infos))
    refusal = policy.check(host, port, ips)
    if refusal:
        raise BlockedConnection(refusal)
    return ips


@cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context per process: loading the CA bundle takes ~40 ms, and a
    fetcher is made per batch. An ``SSLContext`` may be shared by connections and threads."""
    return httpx.create_ssl_context(trust_env=False)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """``httpx.AsyncHTTPTransport`` with the connection pool built on the guarded backend."""

    def __init__(self, policy: AddressPolicy, *, max_connections: int = 64) -> None:
        super().__init__(verify=_ssl_context(), trust_env=False)
        # httpx builds its pool in __init__ without a backend hook; rebuild it with ours
        # (same settings as httpx's defaults, plus the guarded backend).
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=max_connections,
            max_keepalive_connections=max_connections // 2,
            keepalive_expiry=5.0,
            http1=True,
            http2=False,
            network_backend=_GuardedBackend(policy),
        )
