"""RedisCache against a real redis-server: round trips, and every way Redis can fail mid-flight.

Each test bounds itself with ``asyncio.timeout`` so a regression (a call that hangs) fails instead of
hanging the suite; assertions are on behaviour (answers, breaker state, counted events), not wall time.
"""

from __future__ import annotations

import asyncio
import logging
import os
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from curation.cache import CircuitBreaker, RedisCache
from curation.errors import Unavailable

pytestmark = pytest.mark.redis

# Short limits so failure paths finish in a fraction of a second.
FAST: dict[str, Any] = {
    "connect_timeout": 0.2,
    "socket_timeout": 0.2,
    "failure_threshold": 2,
    "cooldown_seconds": 5.0,
    "max_entry_bytes": 1024,
}
BOUND = 5.0  # seconds any one test step may take before it counts as hung

MakeCache = Callable[..., RedisCache]


@pytest.fixture
async def make_cache(observer: Any, clock: Any) -> AsyncIterator[MakeCache]:
    """Build RedisCaches (fast limits, recording observer, fake breaker clock); all closed at the end."""
    made: list[RedisCache] = []

    def make(url: str, **overrides: Any) -> RedisCache:
        cache = RedisCache(url, **{**FAST, "observer": observer, "clock": clock, **overrides})
        made.append(cache)
        return cache

    yield make
    for cache in made:
        await cache.close()


def state_of(breaker: CircuitBreaker) -> str:
    """The breaker's state, read afresh (a property mypy would otherwise narrow between asserts)."""
    return breaker.state


def ttl_of(server: Any, key: str) -> int:
    reply = server.command("TTL", key)
    assert reply.startswith(b":"), reply
    return int(reply[1:].strip())


URL_SOURCES = ["local"] + (["env"] if os.environ.get("REDIS_URL") else [])


@pytest.mark.parametrize("source", URL_SOURCES)
async def test_round_trip(source: str, request: pytest.FixtureRequest, make_cache: MakeCache) -> None:
    url = request.getfixturevalue("redis_server").url if source == "local" else os.environ["REDIS_URL"]
    cache = make_cache(url)
    key = f"curation-test:{uuid.uuid4().hex}"
    async with asyncio.timeout(BOUND):
        try:
            assert await cache.ping() is True
            assert await cache.get(key) is None
            assert await cache.set(key, b"\x00payload\xff", ttl_seconds=60) is True
            assert await cache.get(key) == b"\x00payload\xff"
            assert await cache.set(key, b"second", ttl_seconds=60) is True
            assert await cache.get(key) == b"second"
            await cache.delete(key)
            assert await cache.get(key) is None
            items = {f"{key}:{i}": bytes([i]) * i for i in range(4)}
            assert await cache.set_many(items, ttl_seconds=60) == 4
            assert await cache.get_many([*items, f"{key}:absent"]) == [*items.values(), None]
            assert await cache.get_many([]) == []
        finally:
            for k in [key, *[f"{key}:{i}" for i in range(4)]]:
                await cache.delete(k)
    assert cache.describe()["breaker"] == "closed"


async def test_observer_counts_and_ttl(redis_server: Any, make_cache: MakeCache, observer: Any) -> None:
    cache = make_cache(redis_server.url)
    async with asyncio.timeout(BOUND):
        assert await cache.set("k", b"v", ttl_seconds=100)
        assert 0 < ttl_of(redis_server, "k") <= 100
        assert await cache.set("k", b"v", ttl_seconds=7)  # overwriting sets the new TTL
        assert 0 < ttl_of(redis_server, "k") <= 7
        await cache.get("k")
        await cache.get("missing")
    assert observer.events == {"redis:store": 2, "redis:hit": 1, "redis:miss": 1}


async def test_oversize_is_refused_before_sending(
    redis_server: Any, make_cache: MakeCache, observer: Any
) -> None:
    cache = make_cache(redis_server.url, max_entry_bytes=10)
    async with asyncio.timeout(BOUND):
        assert await cache.set("big", b"x" * 11, ttl_seconds=60) is False
        assert redis_server.command("EXISTS", "big") == b":0\r\n"
        assert await cache.set("fits", b"x" * 10, ttl_seconds=60) is True
        assert await cache.set_many({"a": b"x" * 11, "b": b"x", "c": b"y" * 99}, ttl_seconds=60) == 1
        assert await cache.get_many(["a", "b", "c"]) == [None, b"x", None]
    assert observer.events["redis:oversize"] == 3
    assert observer.errors() == 0


async def test_refused_port_is_a_miss_and_opens_the_breaker(
    refused_url: str, make_cache: MakeCache, observer: Any, caplog: pytest.LogCaptureFixture
) -> None:
    cache = make_cache(refused_url)
    with caplog.at_level(logging.WARNING, logger="curation.cache"):
        async with asyncio.timeout(BOUND):
            assert await cache.get("k") is None
            assert await cache.set("k", b"v", ttl_seconds=60) is False
            assert cache.describe()["breaker"] == "open"
            # Open: skipped without touching the network, still answered as miss / not stored.
            for _ in range(10):
                assert await cache.get("k") is None
                assert await cache.set("k", b"v", ttl_seconds=60) is False
            assert await cache.get_many(["a", "b"]) == [None, None]
            assert await cache.set_many({"a": b"1"}, ttl_seconds=60) == 0
            await cache.delete("k")
            assert await cache.ping() is False
    assert observer.events["redis:error:connection"] == 2
    assert observer.events["redis:error:circuit_open"] == 20 + 4
    assert observer.events["redis:miss"] == 11 + 2
    assert [r.getMessage() for r in caplog.records].count(
        "cache backend failing, circuit open: skipping it for the cool-down"
    ) == 1


async def test_paused_redis_times_out_opens_and_recovers(
    redis_server: Any, make_cache: MakeCache, observer: Any, clock: Any
) -> None:
    cache = make_cache(redis_server.url)
    async with asyncio.timeout(BOUND):
        assert await cache.set("k", b"before", ttl_seconds=60)
    redis_server.pause()
    try:
        async with asyncio.timeout(BOUND):
            assert await cache.get("k") is None  # pooled connection: the read times out
            assert await cache.set("k2", b"v", ttl_seconds=60) is False  # new connection: handshake hangs
            assert state_of(cache.breaker) == "open"
            assert await cache.get("k") is None
            assert await cache.ping() is False
        assert observer.events["redis:error:timeout"] == 2
        assert observer.events["redis:error:circuit_open"] == 2
        clock.advance(FAST["cooldown_seconds"])
        async with asyncio.timeout(BOUND):
            assert await cache.get("k") is None  # the half-open trial fails while still paused
        assert state_of(cache.breaker) == "open"
    finally:
        redis_server.resume()
    clock.advance(FAST["cooldown_seconds"])
    async with asyncio.timeout(BOUND):
        assert await cache.get("k") == b"before"
        assert state_of(cache.breaker) == "closed"
        assert await cache.set("k2", b"after", ttl_seconds=60) is True
        assert await cache.get("k2") == b"after"


async def test_call_timeout_bounds_a_silent_server_whatever_redis_py_does(
    silent_url: str, make_cache: MakeCache, observer: Any
) -> None:
    # redis-py's own timeouts are far too long here; only the overall asyncio.timeout can save the call.
    cache = make_cache(silent_url, connect_timeout=30.0, socket_timeout=30.0, call_timeout=0.2)
    async with asyncio.timeout(BOUND):
        assert await cache.get("k") is None
        assert await cache.set("k", b"v", ttl_seconds=60) is False
    assert observer.events["redis:error:timeout"] == 2
    assert state_of(cache.breaker) == "open"


async def test_caller_cancellation_propagates(silent_url: str, make_cache: MakeCache) -> None:
    cache = make_cache(silent_url, call_timeout=30.0, socket_timeout=30.0)
    task = asyncio.ensure_future(cache.get("k"))
    await asyncio.sleep(0.05)
    task.cancel()
    async with asyncio.timeout(BOUND):
        with pytest.raises(asyncio.CancelledError):
            await task
    assert cache.breaker.consecutive_failures == 0


async def test_flushall_mid_test_is_a_plain_miss(
    redis_server: Any, make_cache: MakeCache, observer: Any
) -> None:
    cache = make_cache(redis_server.url)
    async with asyncio.timeout(BOUND):
        assert await cache.set("k", b"v", ttl_seconds=60)
        assert await cache.get("k") == b"v"
        assert redis_server.command("FLUSHALL") == b"+OK\r\n"
        assert await cache.get("k") is None
        assert await cache.set("k", b"w", ttl_seconds=60) is True
        assert await cache.get("k") == b"w"
    assert observer.errors() == 0


async def test_redis_answering_with_errors_does_not_open_the_breaker(
    redis_server: Any, make_cache: MakeCache, observer: Any
) -> None:
    cache = make_cache(redis_server.url)
    async with asyncio.timeout(BOUND):
        assert await cache.set("k", b"v", ttl_seconds=60)
        redis_server.command("LPUSH", "list", "x")
        assert await cache.get("list") is None  # WRONGTYPE
        redis_server.command("CONFIG", "SET", "maxmemory", "1")
        for i in range(5):  # OOM: refused, yet Redis is alive
            assert await cache.set(f"n{i}", b"v", ttl_seconds=60) is False
        assert state_of(cache.breaker) == "closed"
        assert await cache.get("k") == b"v"
    assert observer.events["redis:error:response"] == 6


async def test_killed_redis_then_restarted_on_the_same_port(
    redis_server: Any, make_cache: MakeCache, observer: Any, clock: Any
) -> None:
    cache = make_cache(redis_server.url)
    async with asyncio.timeout(BOUND):
        assert await cache.set("k", b"v", ttl_seconds=60)
    redis_server.kill()
    async with asyncio.timeout(BOUND):
        for _ in range(5):
            assert await cache.get("k") is None
            assert await cache.set("k", b"v", ttl_seconds=60) is False
    assert state_of(cache.breaker) == "open"
    assert observer.events["redis:error:connection"] == 2
    redis_server.start()  # a new, empty redis on the same port
    clock.advance(FAST["cooldown_seconds"])
    async with asyncio.timeout(BOUND):
        assert await cache.get("k") is None  # recovered (trial succeeded), but the data died with Redis
        assert state_of(cache.breaker) == "closed"
        assert await cache.set("k", b"again", ttl_seconds=60) is True
        assert await cache.get("k") == b"again"
    assert observer.events["redis:error:connection"] == 2


async def test_restart_between_calls_costs_no_failure(
    redis_server: Any, make_cache: MakeCache, observer: Any
) -> None:
    """The pooled connection a restart closed is replaced by the one pinned ConnectionError retry."""
    cache = make_cache(redis_server.url)
    async with asyncio.timeout(BOUND):
        assert await cache.set("k", b"v", ttl_seconds=60)
        redis_server.kill()
        redis_server.start()
        assert await cache.set("k", b"w", ttl_seconds=60) is True
        assert await cache.get("k") == b"w"
    assert observer.errors() == 0


async def test_pinned_client_options(refused_url: str, make_cache: MakeCache) -> None:
    """redis-py 8 would otherwise retry 10 times with backoff on timeouts too (about a minute when hung)."""
    cache = make_cache(refused_url)
    kwargs = cache._pool.connection_kwargs
    assert kwargs["socket_timeout"] == FAST["socket_timeout"]
    assert kwargs["socket_connect_timeout"] == FAST["connect_timeout"]
    assert kwargs["retry_on_timeout"] is False
    assert kwargs["health_check_interval"] == 0
    retry = kwargs["retry"]
    assert retry.get_retries() == 1
    assert set(retry._supported_errors) == {RedisConnectionError}
    assert retry._backoff.compute(1) == 0
    assert cache._pool.max_connections == 32
    assert cache.call_timeout > FAST["socket_timeout"]


async def test_delete_prefix_scans_in_batches_and_keeps_other_keys(
    redis_server: Any, make_cache: MakeCache
) -> None:
    cache = make_cache(redis_server.url)
    async with asyncio.timeout(BOUND * 4):
        assert (
            await cache.set_many({f"curation:a:op:v1:{i}": b"x" for i in range(2500)}, ttl_seconds=60) == 2500
        )
        others = {"curation:a-dev:op:v1:0": b"y", "curation:ab:x": b"y", "curation-store:a:model:0": b"y"}
        assert await cache.set_many(others, ttl_seconds=60) == 3
        await cache.set("curation:a*:op", b"glob", ttl_seconds=60)  # a pattern character is literal
        assert await cache.delete_prefix("curation:a:") == 2500
        assert await cache.get_many(list(others)) == [b"y", b"y", b"y"]
        assert await cache.get("curation:a*:op") == b"glob"
        assert await cache.delete_prefix("curation:a:") == 0
    stats = redis_server.command("INFO", "commandstats")
    assert b"cmdstat_scan:" in stats and b"cmdstat_keys:" not in stats  # SCAN only, never KEYS


async def test_delete_prefix_against_a_dead_redis_is_unavailable(
    make_cache: MakeCache, refused_url: str
) -> None:
    cache = make_cache(refused_url)
    async with asyncio.timeout(BOUND):
        with pytest.raises(Unavailable, match="could not be flushed"):
            await cache.delete_prefix("curation:a:")
