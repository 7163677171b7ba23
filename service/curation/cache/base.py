"""What every cache backend offers, and the observer it reports to.

The ops seam stores ``CacheEnvelope`` bytes under string keys; a backend only moves bytes. A cache is an
optimisation: a backend never raises because its storage failed, it answers a miss (``None``) or "not
stored" (``False``) and tells the observer why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

__all__ = ["DELETE_BATCH", "Cache", "CacheObserver", "NullObserver", "check_prefix", "check_ttl"]

# Keys one step of ``Cache.delete_prefix`` collects and deletes at a time (a lock held or a command sent).
DELETE_BATCH = 1000


class CacheObserver(Protocol):
    """Counters a cache reports to (``curation.metrics.Metrics`` implements it); ``backend`` = ``Cache.name``.

    ``kind`` of an error: ``"timeout"``, ``"connection"``, ``"response"`` (Redis answered with an error),
    ``"circuit_open"`` (Redis skipped by the breaker) or ``"other"``.
    """

    def on_hit(self, backend: str) -> None: ...

    def on_miss(self, backend: str) -> None: ...

    def on_error(self, backend: str, kind: str) -> None: ...

    def on_store(self, backend: str) -> None: ...

    def on_reject_oversize(self, backend: str) -> None: ...


class NullObserver:
    """The default observer: counts nothing."""

    def on_hit(self, backend: str) -> None:
        pass

    def on_miss(self, backend: str) -> None:
        pass

    def on_error(self, backend: str, kind: str) -> None:
        pass

    def on_store(self, backend: str) -> None:
        pass

    def on_reject_oversize(self, backend: str) -> None:
        pass


@runtime_checkable
class Cache(Protocol):
    """An async byte store with per-entry time to live. Failures are misses, never exceptions."""

    name: str

    async def get(self, key: str) -> bytes | None:
        """The value stored under ``key``, or ``None`` (absent, expired, or the backend failed)."""
        ...

    async def set(self, key: str, value: bytes, *, ttl_seconds: int) -> bool:
        """Store ``value`` for ``ttl_seconds``; ``False`` if not stored (oversize, backend failed)."""
        ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """One value (or ``None``) per key, in order."""
        ...

    async def set_many(self, items: Mapping[str, bytes], *, ttl_seconds: int) -> int:
        """Store every item for ``ttl_seconds``; the number stored (oversize items are skipped)."""
        ...

    async def delete(self, key: str) -> None:
        """Forget ``key`` (best effort)."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Forget every key starting with ``prefix`` (which ends with ``":"``), in bounded batches; the
        number removed. The one call that reports a failure (``curation.errors.Unavailable``): it is an
        operator's explicit request (a tenant's flush), which must not pass for done when it was not."""
        ...

    async def ping(self) -> bool:
        """Whether the backend answers now."""
        ...

    async def close(self) -> None:
        """Release connections; the cache is not used afterwards."""
        ...

    def describe(self) -> dict[str, str]:
        """Backend name and state for /readyz (never a credential)."""
        ...


def check_prefix(prefix: str) -> str:
    """A key prefix to delete by: non-empty and ending with ``":"``, so ``a:`` never reaches ``ab:``."""
    if not prefix.endswith(":") or prefix == ":":
        raise ValueError(f"a prefix is non-empty and ends with ':', got {prefix!r}")
    return prefix


def check_ttl(ttl_seconds: int) -> None:
    """A time to live is a whole number of seconds >= 1 (Redis ``SET EX`` refuses anything else)."""
    if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int) or ttl_seconds < 1:
        raise ValueError(f"ttl_seconds must be an integer >= 1, got {ttl_seconds!r}")
