"""The cache behind the ops seam: an in-process LRU by default, Redis when ``REDIS_URL`` is set.

Values are ``CacheEnvelope`` bytes (the ops seam packs and checks them); a backend only stores bytes
with a time to live and turns every storage failure into a miss.
"""

from __future__ import annotations

import logging

from curation.cache.base import Cache, CacheObserver, NullObserver
from curation.cache.breaker import BreakerState, CircuitBreaker
from curation.cache.memory import MemoryCache
from curation.cache.redis import RedisCache
from curation.settings import Settings

__all__ = [
    "BreakerState",
    "Cache",
    "CacheObserver",
    "CircuitBreaker",
    "MemoryCache",
    "NullObserver",
    "RedisCache",
    "build_cache",
]

log = logging.getLogger("curation.cache")


def build_cache(settings: Settings, observer: CacheObserver | None = None) -> Cache:
    """``RedisCache`` when ``settings.redis_url`` is set, else ``MemoryCache``. Never connects here."""
    if settings.cache_ttl_seconds < 1:
        raise ValueError(f"cache TTL must be >= 1 second, got {settings.cache_ttl_seconds}")
    cache: Cache
    if settings.redis_url:
        cache = RedisCache(
            settings.redis_url,
            max_entry_bytes=settings.cache_max_entry_bytes,
            connect_timeout=settings.redis_connect_timeout,
            socket_timeout=settings.redis_socket_timeout,
            failure_threshold=settings.redis_failure_threshold,
            cooldown_seconds=settings.redis_cooldown_seconds,
            observer=observer,
        )
    else:
        cache = MemoryCache(
            max_bytes=settings.cache_memory_bytes,
            max_entry_bytes=settings.cache_max_entry_bytes,
            observer=observer,
        )
    log.info("cache backend chosen", extra=cache.describe())
    return cache
