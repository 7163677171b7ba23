"""What a store offers: bytes a caller stored on purpose (embedding collections, fitted models).

A store is not a cache. Nothing in it expires or is evicted to make room for anything else; it has a
byte budget of its own, and a put that would go over it fails with ``StorageFull`` (429 /
RESOURCE_EXHAUSTED) leaving every stored value as it was. Each tenant's embeddings (keys ``{tenant}:emb:...``)
are counted apart too, and with a per-tenant cap (``CURATION_TENANT_STORED_BYTES``) a put taking its
tenant over it fails the same way, naming the field ``vectors``. A multi-key put is all or nothing: afterwards
either every key holds its new value or every key holds what it held before. A backend that cannot
answer raises ``Unavailable``: stored data cannot be recomputed, so a read never pretends it is absent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from curation.errors import StorageFull

__all__ = ["TENANT_FIELD", "Store", "entry_size", "tenant_full", "tenant_of"]

# The request field a put over its tenant's cap names (only embeddings count against the cap).
TENANT_FIELD = "vectors"


def entry_size(key: str, value: bytes) -> int:
    """What one entry counts against a budget: its key's and its value's bytes."""
    return (len(key) if key.isascii() else len(key.encode())) + len(value)


def tenant_of(key: str) -> str | None:
    """The tenant whose stored-bytes cap ``key`` counts against: ``{tenant}:emb:...`` (an embeddings
    collection's header or vector, ``curation.ops.embeddings``); None for any other key."""
    cut = key.find(":")
    return key[:cut] if cut > 0 and key.startswith("emb:", cut + 1) else None


def tenant_full(tenant: str, used: int, cap: int, needed: int) -> StorageFull:
    """The refusal of a put that would take ``tenant`` over its cap."""
    return StorageFull(
        f"tenant {tenant!r} keeps {used:,} bytes of embeddings, its cap is {cap:,} "
        f"(CURATION_TENANT_STORED_BYTES); this put needs {needed:,} more (delete vectors or collections)",
        field=TENANT_FIELD,
    )


@runtime_checkable
class Store(Protocol):
    """An async byte store without eviction, bounded by ``max_bytes`` (keys plus values)."""

    name: str
    max_bytes: int

    async def get(self, key: str) -> bytes | None:
        """The value under ``key`` or ``None`` (never stored, or deleted); ``Unavailable`` on failure."""
        ...

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        """One value (or ``None``) per key, in order."""
        ...

    async def put_many(self, items: Mapping[str, bytes]) -> None:
        """Store every item, or none of them (``StorageFull`` over the budget, ``Unavailable``)."""
        ...

    async def delete_many(self, keys: Sequence[str]) -> int:
        """Delete these keys (their bytes are free again); the number that existed."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key starting with ``prefix`` (which ends with ``":"``); the number deleted."""
        ...

    async def used_bytes(self) -> int:
        """Bytes counted against the budget now."""
        ...

    async def ping(self) -> bool:
        """Whether the backend answers now."""
        ...

    async def close(self) -> None:
        """Release connections; the store is not used afterwards."""
        ...

    def describe(self) -> dict[str, str]:
        """Backend name and budget for /readyz (never a credential)."""
        ...
