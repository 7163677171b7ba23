"""RedisStore against a real redis-server: keys without TTL, the budget counter, all-or-nothing puts,
Redis out of memory as StorageFull, and a Redis that is down as Unavailable (never as absent data)."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from curation.cache.redis import RedisCache
from curation.errors import StorageFull, Unavailable
from curation.store import RedisStore, entry_size
from curation.store.redis import KEY_PREFIX
from tests.conftest import REDIS_SERVER, RedisProcess


def make(url: str, max_bytes: int = 1 << 20) -> RedisStore:
    return RedisStore(
        url,
        max_bytes=max_bytes,
        connect_timeout=0.2,
        socket_timeout=0.2,
        failure_threshold=2,
        cooldown_seconds=0.2,
    )


@pytest.fixture
async def store(redis_server: RedisProcess) -> AsyncIterator[RedisStore]:
    s = make(redis_server.url, max_bytes=4000)
    yield s
    await s.close()


def full(key: str) -> int:
    return entry_size(KEY_PREFIX + key, b"")


async def test_round_trip_without_ttl_and_the_budget_counter(
    store: RedisStore, redis_server: RedisProcess
) -> None:
    await store.put_many({"ns:a:1": b"x" * 100, "ns:a:2": b"y" * 100, "ns:b:1": b"z"})
    assert await store.get_many(["ns:a:1", "ns:zz", "ns:b:1"]) == [b"x" * 100, None, b"z"]
    assert redis_server.command("TTL", KEY_PREFIX + "ns:a:1").startswith(b":-1")  # no TTL: never evicted
    assert await store.used_bytes() == full("ns:a:1") + full("ns:a:2") + full("ns:b:1") + 201
    await store.put_many({"ns:a:1": b"w" * 40})  # a replacement counts the difference
    assert await store.used_bytes() == full("ns:a:1") + full("ns:a:2") + full("ns:b:1") + 141
    assert await store.delete_many(["ns:a:1", "ns:nothing"]) == 1
    assert await store.delete_prefix("ns:a:") == 1
    assert await store.used_bytes() == full("ns:b:1") + 1
    assert await store.get("ns:b:1") == b"z" and await store.get("ns:a:2") is None
    # Nothing staged is left behind.
    assert redis_server.command("KEYS", KEY_PREFIX + "#stage:*").startswith(b"*0")


async def test_a_put_over_the_budget_changes_nothing(store: RedisStore) -> None:
    await store.put_many({"c:0": b"z" * 1500, "c:1": b"a" * 1500})
    before = await store.used_bytes()
    with pytest.raises(StorageFull, match="this put needs"):
        # Within the budget on its own (so the Lua commit decides), over it with what is stored.
        await store.put_many({"c:1": b"b" * 1500, "c:2": b"c" * 1500})
    assert await store.get_many(["c:0", "c:1", "c:2"]) == [b"z" * 1500, b"a" * 1500, None]
    assert await store.used_bytes() == before
    with pytest.raises(StorageFull):  # over the whole budget on its own: refused before sending anything
        await store.put_many({"c:9": b"e" * 5000})
    await store.delete_many(["c:0"])
    await store.put_many({"c:2": b"f" * 1500})
    assert await store.get("c:2") == b"f" * 1500


async def test_a_large_put_spans_many_pipelines_and_stays_one_commit(redis_server: RedisProcess) -> None:
    store = make(redis_server.url, max_bytes=64 << 20)
    try:
        items = {f"big:{i}": i.to_bytes(4, "little") * 300 for i in range(25_000)}  # 3 staging chunks
        await store.put_many(items)
        got = await store.get_many(list(items))
        assert got == list(items.values())
        assert await store.delete_prefix("big:") == 25_000
        assert await store.used_bytes() == 0
    finally:
        await store.close()


async def test_redis_out_of_memory_is_storage_full_and_loses_nothing(
    store: RedisStore, redis_server: RedisProcess
) -> None:
    await store.put_many({"m:1": b"keep"})
    used = int(redis_server.command("MEMORY", "USAGE", KEY_PREFIX + "m:1").split(b"\r\n")[0][1:] or 0)
    assert used >= 0
    info = redis_server.command("INFO", "memory").decode()
    now = int(next(line.split(":")[1] for line in info.split("\r\n") if line.startswith("used_memory:")))
    redis_server.command("CONFIG", "SET", "maxmemory", str(now // 2))
    redis_server.command("CONFIG", "SET", "maxmemory-policy", "volatile-lru")
    try:
        with pytest.raises(StorageFull, match="memory"):
            await store.put_many({"m:1": b"lost?", "m:2": b"new"})
    finally:
        redis_server.command("CONFIG", "SET", "maxmemory", "0")
    assert await store.get_many(["m:1", "m:2"]) == [b"keep", None]


async def test_a_dead_redis_is_unavailable_not_absent(redis_server: RedisProcess) -> None:
    store = make(redis_server.url)
    try:
        await store.put_many({"d:1": b"v"})
        redis_server.kill()
        for _ in range(3):  # the first failures, then the open breaker: all Unavailable, never None
            with pytest.raises(Unavailable):
                await store.get("d:1")
        with pytest.raises(Unavailable):
            await store.put_many({"d:2": b"v"})
        assert not await store.ping()
    finally:
        await store.close()


async def test_a_unix_socket_url_works_for_the_store_and_the_cache(tmp_path: Path) -> None:
    """``unix://`` is a documented REDIS_URL form: the pinned TCP-only options must not break it."""
    assert REDIS_SERVER is not None
    sock = tmp_path / "redis.sock"
    server = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(500):
            if sock.exists():
                break
            await asyncio.sleep(0.01)
        store, cache = make(f"unix://{sock}"), RedisCache(f"unix://{sock}", max_entry_bytes=1 << 20)
        await store.put_many({"u:1": b"stored"})
        assert await store.get("u:1") == b"stored"
        assert await cache.set("k", b"cached", ttl_seconds=60)
        assert await cache.get("k") == b"cached"
        await store.close()
        await cache.close()
    finally:
        server.kill()
        server.wait(timeout=10)
