"""MemoryCache: LRU by bytes, per-entry cap, TTL on an injected clock, thread safety."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.cache import Cache, MemoryCache


def test_is_a_cache(observer: Any) -> None:
    cache = MemoryCache(max_bytes=100, max_entry_bytes=10, observer=observer)
    assert isinstance(cache, Cache)
    assert cache.describe()["backend"] == "memory"


async def test_round_trip_and_observer(observer: Any) -> None:
    cache = MemoryCache(max_bytes=1000, max_entry_bytes=100, observer=observer)
    assert await cache.get("a") is None
    assert await cache.set("a", b"xyz", ttl_seconds=10) is True
    assert await cache.get("a") == b"xyz"
    await cache.delete("a")
    await cache.delete("never-there")
    assert await cache.get("a") is None
    assert await cache.ping() is True
    assert observer.events == {"memory:miss": 2, "memory:store": 1, "memory:hit": 1}


async def test_lru_evicts_least_recently_used_by_bytes() -> None:
    # Each entry costs len(key) + len(value) = 1 + 9 = 10 bytes; the budget holds three.
    cache = MemoryCache(max_bytes=30, max_entry_bytes=100)
    for key in "abc":
        assert await cache.set(key, key.encode() * 9, ttl_seconds=60)
    assert cache.size_bytes == 30
    assert await cache.get("a") == b"a" * 9  # "a" is now the most recent; "b" the least
    assert await cache.set("d", b"d" * 9, ttl_seconds=60)
    assert await cache.get("b") is None
    assert [await cache.get(k) for k in "acd"] == [b"a" * 9, b"c" * 9, b"d" * 9]
    assert cache.size_bytes == 30
    assert cache.evictions == 1
    # One large entry evicts as many as it needs.
    assert await cache.set("e", b"e" * 19, ttl_seconds=60)
    assert len(cache) == 2
    assert cache.size_bytes == 30
    assert await cache.get("e") == b"e" * 19


async def test_overwrite_replaces_the_size() -> None:
    cache = MemoryCache(max_bytes=100, max_entry_bytes=100)
    await cache.set("k", b"x" * 50, ttl_seconds=60)
    await cache.set("k", b"y" * 5, ttl_seconds=60)
    assert cache.size_bytes == 1 + 5
    assert len(cache) == 1
    assert await cache.get("k") == b"y" * 5


async def test_per_entry_cap_and_budget(observer: Any) -> None:
    cache = MemoryCache(max_bytes=20, max_entry_bytes=8, observer=observer)
    assert await cache.set("k", b"x" * 8, ttl_seconds=60) is True
    assert await cache.set("big", b"x" * 9, ttl_seconds=60) is False
    assert await cache.get("big") is None
    # Under the per-entry cap but key + value over the whole budget.
    assert await cache.set("k" * 15, b"x" * 8, ttl_seconds=60) is False
    assert await cache.get("k") == b"x" * 8  # nothing was evicted for a refused entry
    assert observer.events["memory:oversize"] == 2
    # Keys are measured in UTF-8 bytes.
    assert await cache.set("é", b"", ttl_seconds=60)
    assert cache.size_bytes == 1 + 8 + 2


async def test_ttl_expiry_uses_the_injected_clock(clock: Any) -> None:
    cache = MemoryCache(max_bytes=100, max_entry_bytes=100, clock=clock)
    await cache.set("short", b"1", ttl_seconds=5)
    await cache.set("long", b"2", ttl_seconds=50)
    clock.advance(4.999)
    assert await cache.get("short") == b"1"
    clock.advance(0.001)
    assert await cache.get("short") is None
    assert await cache.get("long") == b"2"
    assert cache.size_bytes == len("long") + 1  # the expired entry was dropped on access
    clock.advance(100)
    assert await cache.get_many(["long", "short"]) == [None, None]
    assert cache.size_bytes == 0


async def test_many_helpers() -> None:
    cache = MemoryCache(max_bytes=100, max_entry_bytes=4)
    assert await cache.set_many({"a": b"1", "b": b"22", "c": b"55555"}, ttl_seconds=9) == 2
    assert await cache.get_many(["a", "b", "c", "a"]) == [b"1", b"22", None, b"1"]
    assert await cache.get_many([]) == []


@pytest.mark.parametrize("ttl", [0, -1, 1.5, True])
async def test_bad_ttl_is_a_programming_error(ttl: Any) -> None:
    cache = MemoryCache(max_bytes=100, max_entry_bytes=100)
    with pytest.raises(ValueError, match="ttl_seconds"):
        await cache.set("k", b"v", ttl_seconds=ttl)
    with pytest.raises(ValueError, match="ttl_seconds"):
        await cache.set_many({"k": b"v"}, ttl_seconds=ttl)


def test_bad_limits() -> None:
    with pytest.raises(ValueError):
        MemoryCache(max_bytes=0, max_entry_bytes=1)


async def test_close_clears() -> None:
    cache = MemoryCache(max_bytes=100, max_entry_bytes=100)
    await cache.set("k", b"v", ttl_seconds=1)
    await cache.close()
    assert len(cache) == 0
    assert cache.size_bytes == 0


def test_threads_share_it_safely() -> None:
    """Smoke: many threads setting, reading and deleting keep the byte accounting exact and bounded."""
    cache = MemoryCache(max_bytes=4000, max_entry_bytes=200)
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def work(worker: int) -> None:
        try:
            start.wait()
            for i in range(2000):
                key = f"k{(i * 7 + worker) % 97}"
                value = bytes([worker]) * ((i * 13 + worker) % 150)
                cache.set_sync(key, value, ttl_seconds=60)
                got = cache.get_sync(key)
                assert got is None or (len(got) < 150 and len(set(got)) <= 1)
                if i % 17 == 0:
                    cache.delete_sync(key)
        except BaseException as error:  # collected and re-raised in the main thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    held = sum(len(k) + len(e.value) for k, e in cache._entries.items())
    assert cache.size_bytes == held <= 4000


@settings(max_examples=60, deadline=None)
@given(
    ops=st.lists(
        st.tuples(
            st.sampled_from(["set", "get", "delete", "tick"]),
            st.sampled_from(["a", "b", "c", "d", "e"]),
            st.integers(0, 30),
        ),
        max_size=60,
    )
)
def test_matches_a_reference_lru(ops: list[tuple[str, str, int]]) -> None:
    """Against a plain-list model: same hits, same evictions, accounting exact, never over budget."""
    now = [0.0]
    cache = MemoryCache(max_bytes=50, max_entry_bytes=25, clock=lambda: now[0])
    model: list[tuple[str, bytes, float]] = []  # least recent first: (key, value, expires_at)

    def model_bytes() -> int:
        return sum(len(k) + len(v) for k, v, _ in model)

    for op, key, n in ops:
        if op == "tick":
            now[0] += n / 10
        elif op == "set":
            value = key.encode() * n
            stored = cache.set_sync(key, value, ttl_seconds=2)
            assert stored == (n <= 25)
            if stored:
                model[:] = [e for e in model if e[0] != key] + [(key, value, now[0] + 2)]
                while model_bytes() > 50:
                    model.pop(0)
        elif op == "get":
            found = next((e for e in model if e[0] == key), None)
            expected = None
            if found is not None:
                model.remove(found)
                if found[2] > now[0]:
                    expected = found[1]
                    model.append(found)
            assert cache.get_sync(key) == expected
        else:
            cache.delete_sync(key)
            model[:] = [e for e in model if e[0] != key]
        assert cache.size_bytes == model_bytes() <= 50
        assert list(cache._entries) == [k for k, _, _ in model]


async def test_delete_prefix_removes_one_tenant_and_frees_its_bytes() -> None:
    cache = MemoryCache(max_bytes=1 << 20, max_entry_bytes=1 << 10)
    for i in range(2500):  # more than one batch
        await cache.set(f"curation:a:op:v1:{i}", b"x" * 10, ttl_seconds=60)
    await cache.set("curation:a-dev:op:v1:0", b"y", ttl_seconds=60)
    await cache.set("curation:ab:op:v1:0", b"z", ttl_seconds=60)
    kept = cache.size_bytes - 2500 * (len("curation:a:op:v1:") + 10) - sum(len(str(i)) for i in range(2500))
    assert await cache.delete_prefix("curation:a:") == 2500
    assert len(cache) == 2 and cache.size_bytes == kept
    assert (
        await cache.get("curation:a-dev:op:v1:0") == b"y" and await cache.get("curation:ab:op:v1:0") == b"z"
    )
    assert await cache.delete_prefix("curation:a:") == 0  # idempotent
    with pytest.raises(ValueError, match="ends with ':'"):
        await cache.delete_prefix("curation:a")
