"""Data callers stored on purpose (embedding collections, fitted label models): never evicted.

In process (``MemoryStore``, the default) under a budget of its own; in Redis (``RedisStore``, when
``REDIS_URL`` is set) under keys without a time to live, which the cache's ``volatile-lru`` eviction
cannot touch. A put over the budget fails with ``StorageFull``; a backend that is down is
``Unavailable``. See ``curation.store.base`` for the contract.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from curation.cache.base import CacheObserver
from curation.settings import Settings
from curation.store.base import Store, entry_size
from curation.store.memory import MemoryStore

if TYPE_CHECKING:
    from curation.store.redis import RedisStore

__all__ = ["MemoryStore", "RedisStore", "Store", "build_store", "entry_size"]

log = logging.getLogger("curation.store")


def build_store(settings: Settings, observer: CacheObserver | None = None) -> Store:
    """``RedisStore`` when ``settings.redis_url`` is set, else ``MemoryStore``. Never connects here."""
    store: Store
    if settings.redis_url:
        from curation.store.redis import RedisStore  # noqa: PLC0415  (see __getattr__)

        store = RedisStore(
            settings.redis_url,
            max_bytes=settings.store_redis_bytes,
            connect_timeout=settings.redis_connect_timeout,
            socket_timeout=settings.redis_socket_timeout,
            failure_threshold=settings.redis_failure_threshold,
            cooldown_seconds=settings.redis_cooldown_seconds,
            observer=observer,
            tenant_max_bytes=settings.tenant_stored_bytes,
        )
    else:
        store = MemoryStore(
            max_bytes=settings.store_memory_bytes, tenant_max_bytes=settings.tenant_stored_bytes
        )
    log.info("store backend chosen", extra=store.describe())
    return store


def __getattr__(name: str) -> Any:
    """``RedisStore`` on first use: the redis client costs about 0.07 s of CPU to import, which a start-up
    without ``REDIS_URL`` need not pay (issue 10)."""
    if name == "RedisStore":
        from curation.store.redis import RedisStore  # noqa: PLC0415

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
