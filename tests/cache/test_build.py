"""build_cache picks the backend from settings, never connects, and reports into Metrics."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest

import curation.cache
from curation.cache import Cache, MemoryCache, RedisCache, build_cache
from curation.metrics import Metrics
from curation.settings import Settings


def test_public_surface() -> None:
    assert sorted(curation.cache.__all__) == [
        "BreakerState",
        "Cache",
        "CacheObserver",
        "CircuitBreaker",
        "MemoryCache",
        "NullObserver",
        "RedisCache",
        "build_cache",
    ]
    for name in curation.cache.__all__:
        assert hasattr(curation.cache, name)


async def test_memory_by_default() -> None:
    cache = build_cache(Settings(cache_memory_bytes=1000, cache_max_entry_bytes=10))
    assert isinstance(cache, MemoryCache)
    assert isinstance(cache, Cache)
    assert (cache.max_bytes, cache.max_entry_bytes) == (1000, 10)
    assert cache.describe()["backend"] == "memory"


async def test_redis_when_configured_even_if_down(refused_url: str) -> None:
    url = refused_url.replace("redis://", "redis://user:s3cret@")
    cache = build_cache(
        Settings(
            redis_url=url,
            cache_max_entry_bytes=123,
            redis_connect_timeout=0.1,
            redis_socket_timeout=0.3,
            redis_failure_threshold=4,
            redis_cooldown_seconds=2.0,
        )
    )
    try:
        assert isinstance(cache, RedisCache)
        assert isinstance(cache, Cache)
        assert cache.max_entry_bytes == 123
        assert (cache.breaker.threshold, cache.breaker.cooldown_seconds) == (4, 2.0)
        assert cache._pool.connection_kwargs["socket_timeout"] == 0.3
        description = cache.describe()
        assert description["backend"] == "redis"
        assert description["breaker"] == "closed"
        assert description["endpoint"] == refused_url.removeprefix("redis://")
        assert "s3cret" not in repr(description)
        async with asyncio.timeout(5):
            assert await cache.get("k") is None
    finally:
        await cache.close()


def test_ttl_must_be_positive() -> None:
    with pytest.raises(ValueError, match="TTL"):
        build_cache(Settings(cache_ttl_seconds=0))


async def test_metrics_is_an_observer(redis_server: Any) -> None:
    metrics = Metrics()
    settings = Settings(cache_max_entry_bytes=4)
    for cache in (
        build_cache(settings, observer=metrics),
        build_cache(replace(settings, redis_url=redis_server.url), observer=metrics),
    ):
        try:
            async with asyncio.timeout(5):
                await cache.get("k")
                assert await cache.set("k", b"v", ttl_seconds=9)
                await cache.get("k")
                assert not await cache.set("big", b"x" * 5, ttl_seconds=9)
        finally:
            await cache.close()
        samples = {
            ("curation_cache_lookups_total", "hit"): 1.0,
            ("curation_cache_lookups_total", "miss"): 1.0,
            ("curation_cache_stores_total", "stored"): 1.0,
            ("curation_cache_stores_total", "oversize"): 1.0,
        }
        for (metric, result), expected in samples.items():
            labels = {"backend": cache.name, "result": result}
            assert metrics.registry.get_sample_value(metric, labels) == expected, (metric, labels)
