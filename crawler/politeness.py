"""Per-host pacing and robots.txt, shared by every fetch in the process.

Batches of one run may fetch from several threads (Prefect's thread pool),
each with its own event loop, so the pacing state is guarded by a
``threading.Lock`` and consulted before each request; the sleep itself is
async. Concurrency slots are shared the same way (:class:`SharedSlots`).
robots.txt files are cached per run and origin, in a bounded map.

A :class:`HostGate` is where a fetch asks leave to talk to a host: a slot of
the host's concurrency and the next start of its spacing. :class:`LocalGate`
keeps both in this process (the default). A gate that holds for a whole fleet
of workers lives outside the crawler (the Prefect shell registers one as
``"fleet"``, see ``flows/fleet.py``); the policy names the gate, so any
worker process can build it from plain data.
"""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.robotparser
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol


class HostPacer:
    """Spaces request starts to one host at least ``delay`` seconds apart."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._next_start: dict[str, float] = {}

    def reserve(self, host: str, delay_s: float) -> float:
        """Reserve the next start slot for ``host``; returns seconds to wait for it."""
        if delay_s <= 0:
            return 0.0
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next_start.get(host, 0.0))
            self._next_start[host] = slot + delay_s
            if len(self._next_start) > 10_000:  # forget hosts whose slots have passed
                self._next_start = {h: t for h, t in self._next_start.items() if t > now}
            return slot - now


@dataclass(frozen=True, slots=True)
class RobotsRules:
    """Parsed robots.txt for one origin; ``unreachable`` means disallow everything."""

    parser: urllib.robotparser.RobotFileParser | None
    unreachable: str | None = None
    # The reason code when the host itself did not answer (``connection_refused``, ``timeout``…):
    # its pages then fail for that reason, not as "skipped by robots.txt".
    host_failure: str | None = None

    def allows(self, user_agent: str, url: str) -> bool:
        if self.unreachable:
            return False
        return self.parser is None or self.parser.can_fetch(user_agent, url)

    def crawl_delay(self, user_agent: str) -> float | None:
        if self.parser is None:
            return None
        delay = self.parser.crawl_delay(user_agent)
        return float(delay) if delay is not None else None

    @classmethod
    def from_text(cls, text: str) -> RobotsRules:
        parser = urllib.robotparser.RobotFileParser()
        parser.parse(text.splitlines())
        return cls(parser)


class RobotsCache:
    """robots.txt rules per (run, origin), at most ``max_entries`` kept."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple[str, str], RobotsRules] = OrderedDict()
        self._max = max_entries

    def get(self, run_key: str, origin: str) -> RobotsRules | None:
        with self._lock:
            rules = self._entries.get((run_key, origin))
            if rules is not None:
                self._entries.move_to_end((run_key, origin))
            return rules

    def put(self, run_key: str, origin: str, rules: RobotsRules) -> None:
        with self._lock:
            self._entries[(run_key, origin)] = rules
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)


class SharedSlots:
    """Counting semaphores shared by every thread and event loop of a process.

    ``--concurrency`` and the per-host limit hold for a whole run, although
    its batches fetch from several threads, each with its own event loop.
    Waiters poll a non-blocking acquire from async code, so no executor
    thread is parked on a lock (the executor also serves DNS look-ups).
    """

    _POLL_S = 0.005

    def __init__(self, max_keys: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._slots: OrderedDict[tuple[str, str], threading.BoundedSemaphore] = OrderedDict()
        self._max = max_keys

    def _semaphore(self, key: tuple[str, str], size: int) -> threading.BoundedSemaphore:
        with self._lock:
            sem = self._slots.get(key)
            if sem is None:
                sem = self._slots[key] = threading.BoundedSemaphore(max(1, size))
                while len(self._slots) > self._max:
                    self._slots.popitem(last=False)
            return sem

    @asynccontextmanager
    async def hold(self, run_key: str, name: str, size: int) -> AsyncIterator[None]:
        sem = self._semaphore((run_key, name), size)
        while not sem.acquire(blocking=False):
            await asyncio.sleep(self._POLL_S)
        try:
            yield
        finally:
            sem.release()


PACER = HostPacer()
SLOTS = SharedSlots()
ROBOTS = RobotsCache()

Sleep = Callable[[float], Awaitable[None]]


class HostGateError(Exception):
    """The gate could not say yes or no (its server is unreachable, a limit is refused)."""


class HostGate(Protocol):
    """Per-host politeness: how many requests at once, and how far apart they start."""

    def hold(self, host: str, limit: int) -> AbstractAsyncContextManager[None]:
        """Hold one of ``limit`` slots of ``host`` for the body of the ``async with``."""
        ...

    async def space(self, host: str, delay_s: float) -> float | None:
        """Return when a request to ``host`` may start, ``delay_s`` after the previous start.

        Returns the latest moment (``time.monotonic()``) at which the start still keeps the spacing,
        or None where it has no such limit. A request that could not go out by then (its process
        waited for a core) is not sent: its fetcher asks for a new start.
        """
        ...

    async def release_idle(self) -> None:
        """Give back what this event loop keeps between requests (a fetcher closing)."""
        ...


class LocalGate:
    """The in-process gate: limits hold for the threads of one process, per run."""

    def __init__(self, run_key: str, sleep: Sleep = asyncio.sleep) -> None:
        self._run_key = run_key
        self._sleep = sleep

    def hold(self, host: str, limit: int) -> AbstractAsyncContextManager[None]:
        return SLOTS.hold(self._run_key, host, limit)

    async def space(self, host: str, delay_s: float) -> float | None:
        wait = PACER.reserve(host, delay_s)
        if wait > 0:
            await self._sleep(wait)
        return None  # the threads of one process: a late start only widens the next gap here

    async def release_idle(self) -> None:
        """Nothing: the in-process slots go back as each request ends."""


GateFactory = Callable[[str, Sleep], HostGate]
_GATES: dict[str, GateFactory] = {"local": LocalGate}
_GATES_LOCK = threading.Lock()


def register_gate(name: str, factory: GateFactory) -> None:
    """Make ``FetchPolicy(host_gate=name)`` build its gate with ``factory(run_key, sleep)``."""
    with _GATES_LOCK:
        _GATES[name] = factory


def gate_for(name: str, run_key: str, sleep: Sleep = asyncio.sleep) -> HostGate:
    """The gate a policy names; a name nobody registered in this process is an error."""
    with _GATES_LOCK:
        factory = _GATES.get(name)
        known = sorted(_GATES)
    if factory is None:
        raise ValueError(
            f"host gate {name!r} is not available in this process (known: {', '.join(known)}); "
            "the fleet gate is registered by importing flows.fleet, which the Prefect shell does"
        )
    return factory(run_key, sleep)
