"""The cache behind the ops seam: an in-process LRU by default, Redis when ``REDIS_URL`` is set.

Values are ``CacheEnvelope`` bytes (the ops seam packs and checks them); a backend only stores bytes
with a time to live and turns every storage failure into a miss.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from curation.cache.base import Cache, CacheObserver, NullObserver
from curation.cache.breaker import BreakerState, CircuitBreaker
from curation.cache.memory import MemoryCache
from curation.settings import Settings

if TYPE_CHECKING:
    from curation.cache.redis import RedisCache

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
        from curation.cache.redis import RedisCache  # noqa: PLC0415  (see __getattr__)

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


def __getattr__(name: str) -> Any:
    """``RedisCache`` on first use: the redis client costs about 0.07 s of CPU to import, which a start-up
    without ``REDIS_URL`` need not pay (issue 10)."""
    if name == "RedisCache":
        from curation.cache.redis import RedisCache  # noqa: PLC0415

        return RedisCache
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
