"""Admission: slots, the memory budget for concurrent work, tenant round robin, light work never starved."""

from __future__ import annotations

import asyncio
import time

import pytest

from curation.errors import DeadlineExceeded, Overloaded
from curation.ops import Cost
from curation.ops.admission import Admission

LIGHT = Cost(1)
HEAVY = Cost(100)


async def hold(
    admission: Admission, namespace: str, cost: Cost, order: list[str], gate: asyncio.Event
) -> None:
    async with admission.admit(namespace, cost, deadline=None):
        order.append(namespace)
        await gate.wait()


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_tenants_take_turns_for_a_single_slot() -> None:
    admission = Admission(slots=1, memory_bytes=1000, heavy_bytes=1000)
    order: list[str] = []
    gates = [asyncio.Event() for _ in range(5)]
    names = ["a", "a", "a", "a", "b"]
    tasks = []
    for name, gate in zip(names, gates, strict=True):
        tasks.append(asyncio.create_task(hold(admission, name, LIGHT, order, gate)))
        await settle()
    for gate in gates:  # each holder leaves in turn; the next is chosen by the fair queue
        await settle()
        gate.set()
    await asyncio.gather(*tasks)
    assert order == ["a", "a", "b", "a", "a"]  # b is served after one more a, not after all of them


async def test_heavy_work_never_takes_the_last_slot() -> None:
    admission = Admission(slots=2, memory_bytes=1000, heavy_bytes=50)
    order: list[str] = []
    gate = asyncio.Event()
    first = asyncio.create_task(hold(admission, "t", HEAVY, order, gate))
    second = asyncio.create_task(hold(admission, "t-heavy", HEAVY, order, gate))
    await settle()
    light = asyncio.create_task(hold(admission, "t-light", LIGHT, order, gate))
    await settle()
    assert order == ["t", "t-light"] and admission.waiting == 1
    gate.set()
    await asyncio.gather(first, second, light)
    assert order == ["t", "t-light", "t-heavy"]


async def test_the_memory_budget_bounds_concurrent_work_but_one_alone_always_runs() -> None:
    admission = Admission(slots=4, memory_bytes=150, heavy_bytes=10_000)
    order: list[str] = []
    gate = asyncio.Event()
    big = asyncio.create_task(hold(admission, "big", Cost(400), order, gate))  # over budget, but alone
    await settle()
    second = asyncio.create_task(hold(admission, "second", HEAVY, order, gate))
    await settle()
    assert order == ["big"] and admission.memory_in_use == 400
    gate.set()
    await asyncio.gather(big, second)
    assert order == ["big", "second"] and admission.memory_in_use == 0 and admission.running == 0


async def test_a_full_queue_answers_overloaded_at_once() -> None:
    admission = Admission(slots=1, memory_bytes=10, heavy_bytes=10, max_waiting=1)
    gate = asyncio.Event()
    order: list[str] = []
    holder = asyncio.create_task(hold(admission, "a", LIGHT, order, gate))
    waiter = asyncio.create_task(hold(admission, "b", LIGHT, order, gate))
    await settle()
    with pytest.raises(Overloaded, match="already waiting"):
        async with admission.admit("c", LIGHT, deadline=None):
            pass
    gate.set()
    await asyncio.gather(holder, waiter)


async def test_a_waiter_past_its_deadline_or_whose_caller_left_gives_its_place_back() -> None:
    admission = Admission(slots=1, memory_bytes=10, heavy_bytes=10)
    gate = asyncio.Event()
    order: list[str] = []
    holder = asyncio.create_task(hold(admission, "a", LIGHT, order, gate))
    await settle()
    with pytest.raises(DeadlineExceeded, match="waiting for a worker"):
        async with admission.admit("b", LIGHT, deadline=time.monotonic() + 0.01):
            pass
    leaving = asyncio.create_task(hold(admission, "c", LIGHT, order, gate))
    await settle()
    leaving.cancel()
    await settle()
    assert admission.waiting == 0
    gate.set()
    await holder
    assert order == ["a"] and admission.running == 0


async def hold_ticket(admission: Admission, namespace: str, order: list[str], gate: asyncio.Event) -> None:
    async with admission.heavy(namespace, deadline=None):
        order.append(namespace)
        await gate.wait()


async def test_a_tenant_holds_at_most_its_heavy_tickets_and_others_are_not_held_up() -> None:
    admission = Admission(slots=4, memory_bytes=1000, heavy_bytes=1000, tenant_heavy=2)
    order: list[str] = []
    gates = {name: asyncio.Event() for name in ("a1", "a2", "a3", "b1")}
    tasks = {
        name: asyncio.create_task(hold_ticket(admission, name[0], order, gate))
        for name, gate in gates.items()
    }
    await settle()
    assert order == ["a", "a", "b"] and admission.tickets("a") == 2  # a's third waits, b's is granted
    gates["a2"].set()
    await settle()
    assert order == ["a", "a", "b", "a"] and admission.tickets("a") == 2  # handed to a's next waiter
    for gate in gates.values():
        gate.set()
    await asyncio.gather(*tasks.values())
    assert admission.tickets("a") == admission.tickets("b") == 0 and not admission._ticket_waiters


async def test_a_ticket_waiter_past_its_deadline_or_whose_caller_left_gives_its_place_back() -> None:
    admission = Admission(slots=4, memory_bytes=1000, heavy_bytes=1000, tenant_heavy=1)
    gate = asyncio.Event()
    order: list[str] = []
    holder = asyncio.create_task(hold_ticket(admission, "a", order, gate))
    await settle()
    with pytest.raises(DeadlineExceeded, match="heavy work"):
        async with admission.heavy("a", deadline=time.monotonic() + 0.01):
            pass
    leaving = asyncio.create_task(hold_ticket(admission, "a", order, gate))
    await settle()
    leaving.cancel()
    await settle()
    gate.set()
    await holder
    assert order == ["a"] and admission.tickets("a") == 0 and not admission._ticket_waiters


async def test_without_a_tenant_cap_tickets_are_free() -> None:
    admission = Admission(slots=1, memory_bytes=10, heavy_bytes=10)
    async with admission.heavy("a", deadline=None), admission.heavy("a", deadline=None):
        assert admission.tickets("a") == 0
