"""Admission of computations: a memory budget for concurrent work and a fair queue in front of the workers.

Every computation states its :class:`~curation.ops.operation_spec.Cost` before it runs. It is admitted
when a worker slot is free and its estimated memory fits in what the running ones leave of the budget
(one computation alone is always admitted: the per-request budget already bounds it). Otherwise it
waits in its tenant's queue; tenants take turns (round robin), so one namespace's burst of heavy work
cannot starve another's, and *heavy* computations (estimated memory at least ``heavy_bytes``) never
hold the last free slot, so small requests keep flowing behind large ones of the same tenant. A full
queue answers ``Overloaded`` at once (429 / RESOURCE_EXHAUSTED: retry with back-off); a waiter whose
deadline passes gets ``DeadlineExceeded``; a waiter whose caller leaves is simply removed.

Per tenant, CPU-heavy *requests* (a body large enough to be parsed off the loop, or an estimated cost
that is heavy) hold one of at most ``tenant_heavy`` tickets while any of their stages (hashing,
parsing, computing, encoding) runs in a worker thread (``heavy``: a queue per tenant, first come first
served). With ``tenant_heavy`` below the worker count, one tenant's million-row requests can never
hold every worker thread: another tenant's small request always finds one free.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict, deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from curation.errors import DeadlineExceeded, Overloaded
from curation.ops.operation_spec import Cost

__all__ = ["Admission"]


@dataclass(eq=False, slots=True)
class _Waiter:
    namespace: str
    cost: Cost
    granted: asyncio.Future[None] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class Admission:
    """Grants computations their slot and memory; ``admit`` is the only entry point."""

    def __init__(
        self,
        *,
        slots: int,
        memory_bytes: int,
        heavy_bytes: int,
        max_waiting: int = 1000,
        tenant_heavy: int = 0,
    ) -> None:
        self.slots = max(1, slots)
        self.memory_bytes = memory_bytes
        self.heavy_bytes = heavy_bytes
        self.max_waiting = max_waiting
        self.running = 0
        self.running_heavy = 0
        self.memory_in_use = 0
        self._queues: OrderedDict[str, deque[_Waiter]] = OrderedDict()
        self._waiting = 0
        # Heavy tickets per tenant (0: no cap): held now, and the waiters in order (entries of tenants
        # holding none and waiting for none are dropped, so memory follows the busy tenants).
        self.tenant_heavy = max(0, tenant_heavy)
        self._tickets: dict[str, int] = {}
        self._ticket_waiters: dict[str, deque[asyncio.Future[None]]] = {}

    @property
    def waiting(self) -> int:
        return self._waiting

    @asynccontextmanager
    async def admit(self, namespace: str, cost: Cost, *, deadline: float | None) -> AsyncIterator[None]:
        """Hold a slot and ``cost.memory_bytes`` of the budget for the body of the ``async with``."""
        if not self._waiting and self._fits(cost):
            self._take(cost)
        else:
            await self._wait(namespace, cost, deadline)
        try:
            yield
        finally:
            self._release(cost)

    def is_heavy(self, cost: Cost) -> bool:
        """Whether a computation of ``cost`` is heavy (its estimated memory is at least ``heavy_bytes``)."""
        return self._heavy(cost)

    def tickets(self, namespace: str) -> int:
        """Heavy tickets ``namespace`` holds now."""
        return self._tickets.get(namespace, 0)

    @asynccontextmanager
    async def heavy(self, namespace: str, *, deadline: float | None) -> AsyncIterator[None]:
        """Hold one of ``namespace``'s ``tenant_heavy`` heavy tickets for the body of the ``async with``."""
        if not self.tenant_heavy:
            yield
            return
        held = self._tickets.get(namespace, 0)
        if held < self.tenant_heavy and namespace not in self._ticket_waiters:
            self._tickets[namespace] = held + 1
        else:
            await self._wait_ticket(namespace, deadline)
        try:
            yield
        finally:
            self._release_ticket(namespace)

    # ------------------------------------------------------------------ internals
    async def _wait_ticket(self, namespace: str, deadline: float | None) -> None:
        waiting = self._waiting + sum(len(q) for q in self._ticket_waiters.values())
        if waiting >= self.max_waiting:
            raise Overloaded(f"{waiting} computations are already waiting; retry with back-off")
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._ticket_waiters.setdefault(namespace, deque()).append(granted)
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            await asyncio.wait_for(asyncio.shield(granted), timeout)
        except BaseException as exc:
            if granted.done() and not granted.cancelled():
                self._release_ticket(namespace)  # handed over just as the caller left: pass it on
            else:
                granted.cancel()
                queue = self._ticket_waiters.get(namespace)
                if queue is not None and granted in queue:
                    queue.remove(granted)
                    if not queue:
                        del self._ticket_waiters[namespace]
            if isinstance(exc, TimeoutError):
                raise DeadlineExceeded("deadline passed while waiting for the tenant's heavy work") from None
            raise

    def _release_ticket(self, namespace: str) -> None:
        """Hand the ticket to the tenant's next waiter, or give it back."""
        queue = self._ticket_waiters.get(namespace)
        if queue:
            queue.popleft().set_result(None)
            if not queue:
                del self._ticket_waiters[namespace]
            return
        held = self._tickets[namespace] - 1
        if held:
            self._tickets[namespace] = held
        else:
            del self._tickets[namespace]

    def _heavy(self, cost: Cost) -> bool:
        return cost.memory_bytes >= self.heavy_bytes

    def _fits(self, cost: Cost) -> bool:
        if self.running >= self.slots:
            return False
        if self._heavy(cost) and self.slots > 1 and self.running_heavy >= self.slots - 1:
            return False
        return self.running == 0 or self.memory_in_use + cost.memory_bytes <= self.memory_bytes

    def _take(self, cost: Cost) -> None:
        self.running += 1
        self.running_heavy += self._heavy(cost)
        self.memory_in_use += cost.memory_bytes

    def _release(self, cost: Cost) -> None:
        self.running -= 1
        self.running_heavy -= self._heavy(cost)
        self.memory_in_use -= cost.memory_bytes
        self._grant()

    async def _wait(self, namespace: str, cost: Cost, deadline: float | None) -> None:
        if self._waiting >= self.max_waiting:
            raise Overloaded(f"{self._waiting} computations are already waiting; retry with back-off")
        waiter = _Waiter(namespace, cost)
        self._queues.setdefault(namespace, deque()).append(waiter)
        self._waiting += 1
        self._grant()  # a light newcomer may fit where the heads before it do not
        timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
        try:
            await asyncio.wait_for(asyncio.shield(waiter.granted), timeout)
        except BaseException as exc:
            if waiter.granted.done() and not waiter.granted.cancelled():
                self._release(cost)  # granted just as the caller left: give it back
            else:
                self._forget(waiter)
            if isinstance(exc, TimeoutError):
                raise DeadlineExceeded("deadline passed while waiting for a worker") from None
            raise

    def _forget(self, waiter: _Waiter) -> None:
        queue = self._queues.get(waiter.namespace)
        if queue is not None and waiter in queue:
            queue.remove(waiter)
            self._waiting -= 1
            if not queue:
                del self._queues[waiter.namespace]
        waiter.granted.cancel()
        self._grant()  # a heavy head that left may unblock a light one behind it

    def _grant(self) -> None:
        """Admit waiters in tenant round-robin order while the head of some tenant's queue fits."""
        progress = True
        while progress and self._queues:
            progress = False
            for namespace in list(self._queues):
                queue = self._queues[namespace]
                head = queue[0]
                if not self._fits(head.cost):
                    continue
                queue.popleft()
                self._waiting -= 1
                self._queues.pop(namespace)
                if queue:
                    self._queues[namespace] = queue  # back of the round
                self._take(head.cost)
                head.granted.set_result(None)
                progress = True
                break
