"""MemoryStore: its own budget, never evicting; a put over it changes nothing; deletes free bytes."""

from __future__ import annotations

import pytest

from curation.errors import StorageFull
from curation.store import MemoryStore, Store, entry_size


async def test_round_trip_budget_and_deletes_free_bytes() -> None:
    store = MemoryStore(max_bytes=1000)
    assert isinstance(store, Store)
    await store.put_many({"ns:a:1": b"x" * 100, "ns:a:2": b"y" * 100, "ns:b:1": b"z" * 10})
    assert await store.get_many(["ns:a:1", "ns:a:3", "ns:b:1"]) == [b"x" * 100, None, b"z" * 10]
    used = entry_size("ns:a:1", b"x" * 100) * 2 + entry_size("ns:b:1", b"z" * 10)
    assert await store.used_bytes() == used and len(store) == 3
    # Replacing a value counts the difference only.
    await store.put_many({"ns:a:1": b"w" * 50})
    assert await store.used_bytes() == used - 50
    assert await store.delete_many(["ns:a:1", "ns:missing"]) == 1
    assert await store.delete_prefix("ns:a:") == 1
    assert await store.used_bytes() == entry_size("ns:b:1", b"z" * 10) and len(store) == 1
    assert await store.get("ns:a:2") is None and await store.get("ns:b:1") == b"z" * 10


async def test_a_put_over_the_budget_changes_nothing() -> None:
    store = MemoryStore(max_bytes=450)
    await store.put_many({"c:1": b"a" * 200})
    before = await store.used_bytes()
    with pytest.raises(StorageFull):
        # One key replaced, one added: together over the budget, so neither is written.
        await store.put_many({"c:1": b"b" * 200, "c:2": b"c" * 300})
    assert await store.get_many(["c:1", "c:2"]) == [b"a" * 200, None]
    assert await store.used_bytes() == before
    # Shrinking is always allowed, and a put within the budget still succeeds after a refusal.
    await store.put_many({"c:1": b"d" * 10})
    await store.put_many({"c:2": b"e" * 200})
    assert await store.get_many(["c:1", "c:2"]) == [b"d" * 10, b"e" * 200]


async def test_many_puts_never_evict_anything() -> None:
    store = MemoryStore(max_bytes=10_000)
    written = 0
    for i in range(1000):
        try:
            await store.put_many({f"k:{i}": b"v" * 50})
            written += 1
        except StorageFull:
            break
    assert 0 < written < 1000
    assert all(v == b"v" * 50 for v in await store.get_many([f"k:{i}" for i in range(written)]))


async def test_delete_prefix_needs_a_separator() -> None:
    with pytest.raises(ValueError, match="ends with"):
        await MemoryStore(max_bytes=10).delete_prefix("ns:a")
