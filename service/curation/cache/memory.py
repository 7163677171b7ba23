"""In-process LRU cache bounded by bytes: the default backend when no Redis is configured.

An ``OrderedDict`` in recency order gives O(1) get, set and eviction; one ``threading.Lock`` makes it safe
to share between the event loop and worker threads (every critical section is a few dict operations, so
holding it on the loop never blocks for long). Expiry uses a monotonic clock, read lazily on access.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from typing import NamedTuple

from curation.cache.base import DELETE_BATCH, CacheObserver, NullObserver, check_prefix, check_ttl

__all__ = ["MemoryCache"]


class _Entry(NamedTuple):
    value: bytes
    expires_at: float
    size: int


def _key_size(key: str) -> int:
    return len(key) if key.isascii() else len(key.encode())


class MemoryCache:
    """LRU over at most ``max_bytes`` of keys plus values; a value over ``max_entry_bytes`` is refused.

    ``clock`` (seconds, monotonic) is injectable so tests can expire entries without sleeping.
    """

    def __init__(
        self,
        *,
        max_bytes: int,
        max_entry_bytes: int,
        observer: CacheObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        name: str = "memory",
    ) -> None:
        if max_bytes < 1 or max_entry_bytes < 1:
            raise ValueError("max_bytes and max_entry_bytes must be >= 1")
        self.name = name
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes
        self._observer: CacheObserver = observer or NullObserver()
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bytes = 0
        self.evictions = 0

    # ------------------------------------------------------------------ synchronous core (any thread)
    def get_sync(self, key: str) -> bytes | None:
        """``get`` for worker threads (no event loop needed)."""
        now = self._clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                if entry.expires_at <= now:
                    del self._entries[key]
                    self._bytes -= entry.size
                    entry = None
                else:
                    self._entries.move_to_end(key)
        if entry is None:
            self._observer.on_miss(self.name)
            return None
        self._observer.on_hit(self.name)
        return entry.value

    def set_sync(self, key: str, value: bytes, *, ttl_seconds: int) -> bool:
        """``set`` for worker threads (no event loop needed)."""
        check_ttl(ttl_seconds)
        value = value if type(value) is bytes else bytes(value)
        size = _key_size(key) + len(value)
        if len(value) > self.max_entry_bytes or size > self.max_bytes:
            self._observer.on_reject_oversize(self.name)
            return False
        entry = _Entry(value, self._clock() + ttl_seconds, size)
        evicted = 0
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[key] = entry
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, dropped = self._entries.popitem(last=False)
                self._bytes -= dropped.size
                evicted += 1
            self.evictions += evicted
        self._observer.on_store(self.name)
        return True

    def delete_sync(self, key: str) -> None:
        """``delete`` for worker threads."""
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old.size

    def delete_prefix_sync(self, prefix: str) -> int:
        """``delete_prefix`` for worker threads: the lock is held for one batch of keys at a time (a scan
        of the keys, then deletes), never for the whole flush."""
        check_prefix(prefix)
        with self._lock:
            matching = [key for key in self._entries if key.startswith(prefix)]
        removed = 0
        for start in range(0, len(matching), DELETE_BATCH):
            with self._lock:
                for key in matching[start : start + DELETE_BATCH]:
                    old = self._entries.pop(key, None)
                    if old is not None:
                        self._bytes -= old.size
                        removed += 1
        return removed

    def clear(self) -> None:
        """Drop every entry."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    @property
    def size_bytes(self) -> int:
        """Bytes (keys plus values) held now, expired entries not yet collected included."""
        return self._bytes

    def __len__(self) -> int:
        return len(self._entries)

    # ------------------------------------------------------------------ Cache protocol
    async def get(self, key: str) -> bytes | None:
        return self.get_sync(key)

    async def set(self, key: str, value: bytes, *, ttl_seconds: int) -> bool:
        return self.set_sync(key, value, ttl_seconds=ttl_seconds)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self.get_sync(key) for key in keys]

    async def set_many(self, items: Mapping[str, bytes], *, ttl_seconds: int) -> int:
        check_ttl(ttl_seconds)
        return sum(self.set_sync(key, value, ttl_seconds=ttl_seconds) for key, value in items.items())

    async def delete(self, key: str) -> None:
        self.delete_sync(key)

    async def delete_prefix(self, prefix: str) -> int:
        return self.delete_prefix_sync(prefix)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        self.clear()

    def describe(self) -> dict[str, str]:
        return {
            "backend": self.name,
            "entries": str(len(self._entries)),
            "bytes": str(self._bytes),
            "max_bytes": str(self.max_bytes),
        }
