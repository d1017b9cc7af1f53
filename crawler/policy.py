"""Crawl settings: timeouts, limits, politeness, identity. One frozen object per run."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_USER_AGENT = (
    "newsfacts/0.1 (news research crawler; respects robots.txt; "
    "set NEWSFACTS_USER_AGENT or user_agent in the sources file to add your contact)"
)


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 20.0
    total_timeout_s: float = 60.0  # a server trickling bytes is cut off here
    max_bytes: int = 8 * 1024 * 1024  # decoded body
    max_redirects: int = 5
    max_retries: int = 3
    backoff_base_s: float = 1.0
    backoff_max_s: float = 60.0
    max_retry_after_s: float = 120.0  # longer waits are recorded as failures, not slept
    per_host_delay_s: float = 5.0  # between request starts to one host (trafilatura's default)
    per_host_concurrency: int = 2
    concurrency: int = 16
    respect_robots: bool = True
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    # Where per-host concurrency and spacing are kept: "local" (this process) or a gate the
    # shell registered, such as "fleet" (every worker, through the Prefect server).
    host_gate: str = "local"

    def with_overrides(self, **changes: Any) -> FetchPolicy:
        """A copy with the non-None ``changes`` applied."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
