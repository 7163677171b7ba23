"""The per-tenant cap on stored embeddings (CURATION_TENANT_STORED_BYTES), in both stores: a tenant's
embeddings keys are counted apart, a put over its cap is refused naming ``vectors`` and changes nothing,
other tenants and other data are not counted, deleting frees; in Redis the count survives a new store
(a restart) because it is kept in Redis, beside the data, by the same scripts."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from curation.errors import StorageFull
from curation.store import MemoryStore, RedisStore, entry_size
from curation.store.redis import KEY_PREFIX
from tests.conftest import RedisProcess

CAP = 1000
Either = MemoryStore | RedisStore


def _redis(url: str) -> RedisStore:
    return RedisStore(url, max_bytes=1 << 20, tenant_max_bytes=CAP, connect_timeout=0.5, socket_timeout=0.5)


@pytest.fixture(params=["memory", "redis"])
async def store(request: pytest.FixtureRequest) -> AsyncIterator[Either]:
    if request.param == "memory":
        yield MemoryStore(max_bytes=1 << 20, tenant_max_bytes=CAP)
        return
    server: RedisProcess = request.getfixturevalue("redis_server")
    s = _redis(server.url)
    yield s
    await s.close()


def _size(store: Either, key: str, value: bytes) -> int:
    return entry_size(KEY_PREFIX + key if isinstance(store, RedisStore) else key, value)


async def test_a_tenant_over_its_cap_is_refused_and_deleting_frees(store: Either) -> None:
    first = {"a:emb:c:g1:v1": b"x" * 400, "a:emb:c:header": b"h"}
    await store.put_many(first)
    used = sum(_size(store, k, v) for k, v in first.items())
    assert await store.tenant_used_bytes("a") == used
    await store.put_many({"a:model:m1": b"m" * 2000, "b:emb:c:g1:v1": b"y" * 900})  # not a's embeddings
    assert await store.tenant_used_bytes("a") == used
    with pytest.raises(StorageFull, match="CURATION_TENANT_STORED_BYTES") as info:
        await store.put_many({"a:emb:c:g1:v2": b"z" * 600, "a:emb:c:header": b"h"})
    assert info.value.field == "vectors"
    assert await store.get("a:emb:c:g1:v2") is None and await store.tenant_used_bytes("a") == used
    await store.put_many({"a:emb:c:g1:v1": b"x" * 100})  # a replacement counts the difference
    used -= 300
    assert await store.tenant_used_bytes("a") == used
    assert await store.delete_many(["a:emb:c:g1:v1"]) == 1
    assert await store.tenant_used_bytes("a") == _size(store, "a:emb:c:header", b"h")
    await store.put_many({"a:emb:c:g1:v2": b"z" * 600})  # fits once deleted
    assert await store.delete_prefix("a:emb:c:") == 2
    assert await store.tenant_used_bytes("a") == 0
    assert await store.tenant_used_bytes("b") == _size(store, "b:emb:c:g1:v1", b"y" * 900)


async def test_without_a_cap_tenants_are_still_counted(redis_server: RedisProcess) -> None:
    for store in (MemoryStore(max_bytes=1 << 20), RedisStore(redis_server.url, max_bytes=1 << 20)):
        await store.put_many({"a:emb:c:g:v": b"x" * 5000})
        assert await store.tenant_used_bytes("a") == _size(store, "a:emb:c:g:v", b"x" * 5000)
        await store.close()


async def test_the_redis_count_survives_a_restart(redis_server: RedisProcess) -> None:
    before = _redis(redis_server.url)
    await before.put_many({"a:emb:c:g:v1": b"x" * 800})
    await before.close()
    after = _redis(redis_server.url)  # a new process: nothing counted in memory
    with pytest.raises(StorageFull) as info:
        await after.put_many({"a:emb:c:g:v2": b"x" * 300})
    assert info.value.field == "vectors"
    await after.delete_prefix("a:emb:c:")
    await after.put_many({"a:emb:c:g:v2": b"x" * 300})
    assert await after.tenant_used_bytes("a") == _size(after, "a:emb:c:g:v2", b"x" * 300)
    await after.close()
