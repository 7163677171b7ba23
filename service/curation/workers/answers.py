"""Encoded answers to small bodies repeated recently, kept in the serving process.

A byte-identical repeat of a small body is answered from the cache without a hop already; this goes one
step further and keeps the encoded bytes of that answer, so the next repeat skips the alias lookup, the
envelope check, the page cut and the encoding (protojson alone is most of a REST repeat's cost). An
answer is a function of (operation, namespace, codec, body digest) as long as its cached evaluation
exists, and a recomputed evaluation is the same, so an entry is never wrong; it is only kept briefly
(``ANSWER_SECONDS``), so it never outlives its cache entry by much, and only answers that came from the
cache (``cached: true``) are kept. Bounded by bytes; least recently used first out.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from curation.ops.keys import tenant_prefix

__all__ = ["ANSWER_SECONDS", "AnswerKey", "RecentAnswers"]

# How long an encoded answer is reused: hot repeats (a dashboard polling, a retried call) hit it.
ANSWER_SECONDS = 60.0

# (operation, namespace, body format, body digest)
AnswerKey = tuple[str, str, str, str]


class RecentAnswers:
    """A least-recently-used map of ``AnswerKey`` -> encoded answer, at most ``budget`` bytes of answers
    of at most ``max_answer_bytes`` each, each reused for ``seconds`` after it was put."""

    def __init__(
        self,
        budget: int,
        max_answer_bytes: int,
        *,
        seconds: float = ANSWER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._entries: OrderedDict[AnswerKey, tuple[bytes, float]] = OrderedDict()
        self._bytes = 0
        self._budget = budget
        self._max = max_answer_bytes
        self._seconds = seconds
        self._clock = clock

    @property
    def size(self) -> int:
        """Bytes of answers held."""
        return self._bytes

    def get(self, key: AnswerKey) -> bytes | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= self._clock():
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry[0]

    def put(self, key: AnswerKey, answer: bytes) -> None:
        if len(answer) > self._max or len(answer) > self._budget:
            return
        if key in self._entries:
            self._drop(key)
        self._entries[key] = (answer, self._clock() + self._seconds)
        self._bytes += len(answer)
        while self._bytes > self._budget:
            self._drop(next(iter(self._entries)))

    def drop_tenant(self, prefix: str) -> int:
        """Forget every answer given in the namespace whose cache keys start with ``prefix`` (its cache
        was flushed: ``curation.ops.keys.tenant_prefix``); how many."""
        doomed = [key for key in self._entries if tenant_prefix(key[1]) == prefix]
        for key in doomed:
            self._drop(key)
        return len(doomed)

    def _drop(self, key: AnswerKey) -> None:
        answer, _ = self._entries.pop(key)
        self._bytes -= len(answer)
