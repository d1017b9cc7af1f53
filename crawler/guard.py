"""Which addresses the crawler may talk to.

A URL from a feed is untrusted input: without this check a feed could point
the crawler at a cloud metadata endpoint or a service on the worker's own
network. Targets are checked on the resolved IP (every address a name
resolves to), at connect time and so on every redirect hop. An allow-list
names exact hosts or addresses (``127.0.0.1``, ``127.0.0.1:8765``,
``intranet.example``); allowing one loopback address allows no other.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

BLOCKED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::1/128",
        "::/128",
        "fc00::/7",
        "fe80::/10",
        "ff00::/8",
    )
)


def is_blocked_ip(ip: str) -> bool:
    """True for private, loopback, link-local, metadata and other internal addresses."""
    addr = ipaddress.ip_address(ip.split("%", 1)[0])
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return any(addr in net for net in BLOCKED_NETWORKS)


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Hosts explicitly allowed despite resolving to internal addresses."""

    allow_hosts: frozenset[str] = frozenset()

    @classmethod
    def allowing(cls, hosts: Iterable[str]) -> AddressPolicy:
        return cls(frozenset(h.strip().lower().strip("[]") for h in hosts if h.strip()))

    def host_allowed(self, host: str, port: int | None) -> bool:
        host = host.lower().strip("[]")
        return host in self.allow_hosts or (port is not None and f"{host}:{port}" in self.allow_hosts)

    def check(self, host: str, port: int | None, resolved_ips: Iterable[str]) -> str | None:
        """None when the connection may go ahead, else the reason it may not."""
        if self.host_allowed(host, port):
            return None
        for ip in resolved_ips:
            if is_blocked_ip(ip) and ip.lower() not in self.allow_hosts:
                return f"{host} resolves to internal address {ip}"
        return None
