"""Decoded payloads of recent answers, kept in process in front of the cache.

Entries are content-addressed (the cache key), so they are never stale: a repeat or the next page of a
large evaluation skips reading and parsing it again. Bounded by the real memory of the decoded messages,
an entry larger than a quarter of the budget is not kept (it would evict everything else). Callers
treat payloads as read-only.

A decoded protobuf message costs more than its serialization: every sub-message, string and repeated
field has its own header in the message's arena, so records of a few wire bytes cost several times
that. Counting serialized bytes let a 256 MiB budget hold ~1.1 GB. Each entry is therefore charged its
serialized size times the factor measured for its type (``python -m bench.request_memory --payloads``:
RSS growth per serialized byte of decoded copies, after ``malloc_trim``), rounded up; types not measured
are charged the largest factor. tracemalloc cannot measure this: the messages live in upb arenas, which
Python's allocator never sees.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import TypeVar

from google.protobuf.message import Message

__all__ = ["MEMORY_PER_SERIALIZED_BYTE", "UNMEASURED_FACTOR", "RecentPayloads", "memory_of"]

M = TypeVar("M", bound=Message)

# Measured RSS per serialized byte (single- and multi-label classification with 10 classes and
# 50-100k rows: 4.9-7.0; detection with 20 categories and 500 images: 2.2-2.7), rounded up.
MEMORY_PER_SERIALIZED_BYTE: dict[str, float] = {
    "curation.internal.v1.ClassificationEvaluation": 7.5,
    "curation.internal.v1.DetectionEvaluation": 3.0,
}
UNMEASURED_FACTOR = 7.5


def memory_of(payload: Message, size: int) -> int:
    """Bytes a decoded ``payload`` holds, from ``size`` (its serialized bytes) and its type's factor."""
    factor = MEMORY_PER_SERIALIZED_BYTE.get(payload.DESCRIPTOR.full_name, UNMEASURED_FACTOR)
    return math.ceil(size * factor)


class RecentPayloads:
    """A least-recently-used map of cache key -> decoded payload, bounded by ``budget`` bytes of real
    memory (0 = off)."""

    def __init__(self, budget: int) -> None:
        self._entries: OrderedDict[str, tuple[Message, int]] = OrderedDict()
        self._bytes = 0
        self._budget = max(0, budget)

    @property
    def memory(self) -> int:
        """Estimated bytes held by the entries (at most the budget)."""
        return self._bytes

    def get(self, key: str, payload_type: type[M], *, max_size: int | None = None) -> M | None:
        """The payload under ``key`` if it is one of ``payload_type`` (and was at most ``max_size``
        serialized bytes, when given)."""
        entry = self._entries.get(key)
        if entry is None or not isinstance(entry[0], payload_type):
            return None
        if max_size is not None and entry[1] > memory_of(entry[0], max_size):
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def drop_prefix(self, prefix: str) -> int:
        """Forget every entry whose key starts with ``prefix`` (a tenant's flush); how many."""
        doomed = [key for key in self._entries if key.startswith(prefix)]
        for key in doomed:
            self._bytes -= self._entries.pop(key)[1]
        return len(doomed)

    def put(self, key: str, payload: Message, size: int) -> None:
        """Remember ``payload`` (``size``: its serialized bytes), evicting the least recent as needed."""
        cost = memory_of(payload, size)
        if cost > self._budget // 4:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        self._entries[key] = (payload, cost)
        self._bytes += cost
        while self._bytes > self._budget:
            _, (_, dropped) = self._entries.popitem(last=False)
            self._bytes -= dropped
