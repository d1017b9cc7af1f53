"""Politeness for a whole fleet of workers, kept by the Prefect server.

The crawler asks a :class:`~crawler.politeness.HostGate` before each
request; its default keeps the limits in one process, so N workers would
give a site N times the rate. :class:`FleetGate` keeps them in Prefect's
global concurrency limits instead, two per host, created on first use:

- ``host:<host>``: a concurrency limit of ``per_host_concurrency`` slots.
  A fetch holds one slot under a lease (60 s, renewed by Prefect every 45 s
  while held); a killed worker's slot comes back when its lease runs out and
  the server's lease sweep (every 15 s by default) revokes it. A slot a
  fetch is done with stays with its event loop for the next fetch to the
  same host (``LINGER_S``, at most ``MAX_HOLD_S`` in all, and back to the
  server when the fetcher closes): a batch fetching one site asks the server
  once per slot, not twice per page, and fleet-wide no more requests are in
  flight to a host than it has slots.
- ``host-rate:<host>``: a rate limit of one slot that decays at ``1/delay``
  per second, so request starts to the host are at least ``delay`` apart.

Both are acquired with ``strict=True``: a limit that is missing is an error,
never a silent pass. Importing this module registers the gate under the name
``"fleet"``, so ``FetchPolicy(host_gate="fleet")`` selects it in any process
that imported the Prefect shell.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any, TypeVar
from uuid import UUID

from prefect.client.orchestration import PrefectClient, get_client
from prefect.concurrency.asyncio import ConcurrencySlotAcquisitionError
from prefect.exceptions import ObjectAlreadyExists, PrefectHTTPStatusError

from crawler.politeness import HostGateError, HostPacer, SharedSlots, Sleep, register_gate

log = logging.getLogger(__name__)
T = TypeVar("T")

GATE_NAME = "fleet"
LEASE_S = 60.0  # the shortest lease the server grants
# Callers in one process first wait here until the delay (and this margin) has passed since the
# host's last start this process was granted, so their ask finds the server's slot decayed: an ask
# that comes early is refused and retried only after the server's Retry-After (about the delay
# again, with jitter), which stretches the spacing by half on average.
_LOCAL_MARGIN_S = 0.01
# A start whose answer took this share of the delay longer than the server's usual answer is not
# used (FleetGate.space): the request would go out that late after the server's grant, and the next
# grant is only one delay after it. So requests to a host start at least (1 - share) delays apart,
# less the usual answer time (a few ms from a server nearby). The usual time is the quickest of the
# last answers, so a server that is always slow to answer slows no request twice.
_STALE_SHARE = 0.25
_ANSWERS_KEPT = 32
LINGER_S = 0.5  # a slot waits this long for its loop's next fetch to the host before going back
MAX_HOLD_S = 20.0  # then it goes back to the server, so that other workers get their turn
_BANNED = str.maketrans({c: "_" for c in "/%&><"})  # characters Prefect refuses in a limit's name


def concurrency_limit_name(host: str) -> str:
    """The global concurrency limit that caps requests in flight to ``host`` (``host:<host>``)."""
    return "host:" + host.lower().translate(_BANNED)


def rate_limit_name(host: str) -> str:
    """The global rate limit that spaces request starts to ``host`` (``host-rate:<host>``)."""
    return "host-rate:" + host.lower().translate(_BANNED)


class FleetGate:
    """Per-host concurrency and spacing held for every worker that talks to one Prefect server.

    Limits are created on demand from the policy's numbers. Within a process
    the strictest numbers seen for a host win (the fewest slots, the longest
    delay, e.g. a robots.txt crawl-delay), and the server's limit is updated
    when they change; a new worker process brings a limit back to its policy.
    """

    def __init__(
        self, lease_duration_s: float = LEASE_S, timeout_s: float | None = None, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.lease_duration_s = max(LEASE_S, lease_duration_s)
        self.timeout_s = timeout_s  # None waits as long as it takes, like the in-process gate
        self._sleep = sleep
        self._pacer = HostPacer()
        self._granted: dict[str, float] = {}  # host -> when this process last got a start (monotonic)
        self.stale_starts = 0  # starts that came back too late to use (asked again instead)
        self._answers: deque[float] = deque(maxlen=_ANSWERS_KEPT)  # how long the last starts took
        # A process never needs more of a host's slots than the limit, so only that many of its
        # fetches ask the server at once: every refused ask raises the server's Retry-After.
        self._local = SharedSlots()
        self._ensuring: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self._ensured: dict[str, tuple[int, float]] = {}  # limit name -> (slots, decay per second)
        # slots held from the server but not in use, per (event loop, host)
        self._idle: dict[tuple[int, str], list[_Held]] = {}
        # one open client per event loop (a new one costs a TLS context and a connection), closed
        # when the loop's fetcher closes (release_idle)
        self._clients: dict[int, tuple[asyncio.AbstractEventLoop, PrefectClient]] = {}

    def _wanted(self, name: str, limit: int, decay: float) -> tuple[int, float] | None:
        """The numbers the server's limit must have (the strictest seen here), or None if it has them."""
        with self._lock:
            seen = self._ensured.get(name)
        wanted = (limit, decay) if seen is None else (min(limit, seen[0]), min(decay, seen[1]))
        return None if wanted == seen else wanted

    async def _ensure(self, name: str, limit: int, decay: float) -> None:
        if self._wanted(name, limit, decay) is None:
            return
        with self._lock:
            busy = self._ensuring.setdefault(name, threading.Lock())
        while not busy.acquire(blocking=False):  # one creation per name at a time in this process
            await asyncio.sleep(0.005)
        try:
            wanted = self._wanted(name, limit, decay)  # again: another fetch may have made it meanwhile
            if wanted is not None:
                await self._upsert(name, *wanted)
        finally:
            busy.release()

    async def _upsert(self, name: str, limit: int, decay: float) -> None:
        try:
            async with get_client() as client:
                for _attempt in range(3):  # two workers may create the same limit at once
                    try:
                        await client.upsert_global_concurrency_limit_by_name(
                            name, limit, slot_decay_per_second=decay
                        )
                        break
                    except ObjectAlreadyExists:
                        continue
        except Exception as exc:  # the server refused or did not answer: one line, not a traceback
            raise HostGateError(f"cannot create or update the limit {name!r}: {exc}") from exc
        with self._lock:
            self._ensured[name] = (limit, decay)

    async def _client(self) -> PrefectClient:
        """This event loop's client of the Prefect server, opened on first use."""
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._clients.get(id(loop))
        if found is not None and found[0] is loop:
            return found[1]
        client = get_client()
        await client.__aenter__()
        with self._lock:
            self._clients[id(loop)] = (loop, client)
        return client

    async def _close_client(self) -> None:
        loop = asyncio.get_running_loop()
        with self._lock:
            found = self._clients.pop(id(loop), None)
        if found is not None and found[0] is loop:
            await found[1].__aexit__(None, None, None)

    def hold(self, host: str, limit: int) -> AbstractAsyncContextManager[None]:
        return self._hold(host, max(1, limit))

    @asynccontextmanager
    async def _hold(self, host: str, limit: int) -> AsyncIterator[None]:
        async with self._local.hold("", host, limit), self._hold_fleet(host, limit):
            yield

    async def _acquire(self, name: str, limit: int, decay: float, ask: Callable[[], Awaitable[T]]) -> T:
        """``ask()`` once the limit exists; a limit deleted since it was made here is made again."""
        await self._ensure(name, limit, decay)
        for again in (True, False):
            try:
                return await ask()
            except ConcurrencySlotAcquisitionError as exc:
                if not again:
                    raise HostGateError(f"no slot of {name!r}: {exc}") from exc
                with self._lock:
                    self._ensured.pop(name, None)  # e.g. `prefect gcl delete`: create it again
                await self._ensure(name, limit, decay)
            except TimeoutError as exc:
                raise HostGateError(f"no slot of {name!r} within {self.timeout_s}s") from exc
        raise AssertionError("unreachable")

    @asynccontextmanager
    async def _hold_fleet(self, host: str, limit: int) -> AsyncIterator[None]:
        name = concurrency_limit_name(host)
        loop = asyncio.get_running_loop()
        key = (id(loop), host)
        slot, stale = self._reuse(key)
        for old in stale:
            await self._release(old)
        if slot is None:
            slot = await self._acquire(name, limit, 0.0, lambda: self._take(name))
        try:
            yield
        finally:
            if slot.young():
                slot.idle_since = time.monotonic()
                with self._lock:
                    self._idle.setdefault(key, []).append(slot)
                loop.call_later(LINGER_S, lambda: loop.create_task(self._release_idle(key, LINGER_S)))
            else:
                await self._release(slot)

    async def _ask(self, name: str, call: Callable[[PrefectClient], Awaitable[Any]]) -> tuple[Any, float]:
        """``call`` the server until it grants (423 Locked: every slot is taken, ask again after its
        Retry-After); the answer (an HTTP response) and when the granting ask was sent (monotonic)."""
        deadline = None if self.timeout_s is None else time.monotonic() + self.timeout_s
        client = await self._client()
        while True:
            asked = time.monotonic()
            try:
                return await call(client), asked
            except PrefectHTTPStatusError as exc:
                if exc.response.status_code != 423:
                    raise ConcurrencySlotAcquisitionError(f"{name!r}: {exc}") from exc
                wait = float(exc.response.headers.get("Retry-After", "0.1") or 0.1)
                if deadline is not None and time.monotonic() + wait > deadline:
                    raise TimeoutError(name) from None
                await asyncio.sleep(wait)

    async def _take(self, name: str) -> _Held:
        """One slot of ``name`` under a lease, kept alive by a renewal task until released.

        Asked of the server directly (not through ``prefect.concurrency``'s context manager),
        because a slot outlives the fetch that took it and is given back by another task.
        """
        response, _ = await self._ask(
            name,
            lambda client: client.increment_concurrency_slots_with_lease(
                names=[name], slots=1, mode="concurrency", lease_duration=self.lease_duration_s
            ),
        )
        body = response.json()
        if not body.get("limits"):  # strict: a missing limit is an error, never a silent pass
            raise ConcurrencySlotAcquisitionError(f"the limit {name!r} does not exist")
        lease_id = UUID(str(body["lease_id"]))
        renewal = asyncio.get_running_loop().create_task(self._renew(name, lease_id))
        return _Held(name, lease_id, renewal, time.monotonic())

    async def _start(self, name: str) -> float:
        """One start of the rate limit ``name``; when the ask that got it was sent (monotonic).

        Asked on this loop's own client rather than through ``prefect.concurrency.rate_limit``,
        which hands the ask to Prefect's event-loop thread and the answer back: two more threads
        to wait for while an extraction holds the GIL, each wait making the start staler.
        """
        response, asked = await self._ask(
            name, lambda client: client.increment_concurrency_slots(names=[name], slots=1, mode="rate_limit")
        )
        if not response.json():  # strict: a missing limit is an error, never a silent pass
            raise ConcurrencySlotAcquisitionError(f"the limit {name!r} does not exist")
        return asked

    async def _renew(self, name: str, lease_id: UUID) -> None:
        """Renew the lease at three quarters of its length until cancelled (the slot given back)."""
        while True:
            await asyncio.sleep(self.lease_duration_s * 0.75)
            try:
                client = await self._client()
                await client.renew_concurrency_lease(lease_id, lease_duration=self.lease_duration_s)
            except Exception as exc:  # a missed renewal must not cancel a fetch: the next may work
                log.warning("could not renew a slot of %r: %s", name, exc)

    def _reuse(self, key: tuple[int, str]) -> tuple[_Held | None, list[_Held]]:
        """A slot this loop holds for the host and is not using, if one is young enough; and the
        idle ones found too old, for the caller to give back."""
        stale: list[_Held] = []
        with self._lock:
            idle = self._idle.get(key, [])
            while idle:
                slot = idle.pop()
                if slot.young():
                    return slot, stale
                stale.append(slot)
        return None, stale

    async def _release_idle(self, key: tuple[int, str] | None, older_than: float = 0.0) -> None:
        """Give back to the server the slots of ``key`` (every key of this loop if None) idle that long."""
        loop_id = id(asyncio.get_running_loop())
        now = time.monotonic()
        going: list[_Held] = []
        with self._lock:
            for k, idle in list(self._idle.items()):
                if (k != key) if key is not None else k[0] != loop_id:
                    continue
                staying = []
                for slot in idle:
                    (going if now - slot.idle_since >= older_than - 1e-3 else staying).append(slot)
                if staying:
                    self._idle[k] = staying
                else:
                    del self._idle[k]
        for slot in going:
            await self._release(slot)

    async def release_idle(self) -> None:
        """Give back every slot this event loop holds and is not using, and close the loop's client
        (a fetcher closing)."""
        await self._release_idle(None)
        await self._close_client()

    async def _release(self, slot: _Held) -> None:
        """Give the slot back to the server (its lease runs out instead if the server does not answer)."""
        slot.renewal.cancel()
        try:
            client = await self._client()
            await client.release_concurrency_slots_with_lease(slot.lease_id)
        except Exception as exc:
            log.warning("could not release a slot of %r (its lease runs out instead): %s", slot.name, exc)

    async def space(self, host: str, delay_s: float) -> float | None:
        if delay_s <= 0:
            return None
        name = rate_limit_name(host)
        await self._ensure(name, 1, 1.0 / delay_s)  # before the wait, so a start is not late for it
        wait = self._pacer.reserve(host, delay_s + _LOCAL_MARGIN_S)
        while True:
            while wait > 0:  # the start before ours may have been granted late: wait on from then
                await self._sleep(wait)
                with self._lock:
                    granted = self._granted.get(host)
                wait = 0.0 if granted is None else granted + delay_s + _LOCAL_MARGIN_S - time.monotonic()
            asked = await self._acquire(name, 1, 1.0 / delay_s, lambda: self._start(name))
            now = time.monotonic()
            with self._lock:
                self._granted[host] = now
                if len(self._granted) > 10_000:  # forget hosts not started for a while
                    horizon = now - 3600
                    self._granted = {h: t for h, t in self._granted.items() if t > horizon}
                usual = min(self._answers, default=0.0)
                self._answers.append(now - asked)
                start_by = asked + usual + _STALE_SHARE * delay_s
                if now <= start_by:
                    return start_by  # checked again just before the request goes out
                # The server granted the start somewhere between the ask and now, and may grant
                # the next one, to any worker, a delay after that: sent now, this request could
                # reach the site right beside that one. The start is spent; a fresh one follows a
                # delay from now.
                self.stale_starts += 1
            log.debug("a start of %r came back after %.3fs: asking again", name, now - asked)
            wait = delay_s + _LOCAL_MARGIN_S


@dataclass(slots=True)
class _Held:
    """One slot of a host's limit that this process holds under a lease, and the lease's renewal."""

    name: str
    lease_id: UUID
    renewal: asyncio.Task[None]
    taken: float
    idle_since: float = 0.0

    def young(self) -> bool:
        """Whether the slot may serve another request before it goes back (``MAX_HOLD_S``)."""
        return time.monotonic() - self.taken < MAX_HOLD_S


_FLEET: FleetGate | None = None
_FLEET_LOCK = threading.Lock()


def fleet_gate(run_key: str = "", sleep: Sleep = asyncio.sleep) -> FleetGate:
    """The process's fleet gate (one, so limits are ensured once per process)."""
    global _FLEET
    with _FLEET_LOCK:
        if _FLEET is None:
            _FLEET = FleetGate()
        return _FLEET


register_gate(GATE_NAME, fleet_gate)
