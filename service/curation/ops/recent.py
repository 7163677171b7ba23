"""Decoded payloads of recent answers, kept in process in front of the cache.

Entries are content-addressed (the cache key), so they are never stale: a repeat or the next page of a
large evaluation skips reading and parsing it again. Bounded by serialized bytes; an entry larger than a
quarter of the budget is not kept (it would evict everything else). Callers treat payloads as read-only.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TypeVar

from google.protobuf.message import Message

__all__ = ["RecentPayloads"]

M = TypeVar("M", bound=Message)


class RecentPayloads:
    """A least-recently-used map of cache key -> decoded payload, bounded by ``budget`` bytes (0 = off)."""

    def __init__(self, budget: int) -> None:
        self._entries: OrderedDict[str, tuple[Message, int]] = OrderedDict()
        self._bytes = 0
        self._budget = max(0, budget)

    def get(self, key: str, payload_type: type[M]) -> M | None:
        """The payload under ``key`` if it is one of ``payload_type``."""
        entry = self._entries.get(key)
        if entry is None or not isinstance(entry[0], payload_type):
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: str, payload: Message, size: int) -> None:
        """Remember ``payload`` (``size``: its serialized bytes), evicting the least recent as needed."""
        if size > self._budget // 4:
            return
        old = self._entries.pop(key, None)
        if old is not None:
            self._bytes -= old[1]
        self._entries[key] = (payload, size)
        self._bytes += size
        while self._bytes > self._budget:
            _, (_, dropped) = self._entries.popitem(last=False)
            self._bytes -= dropped
