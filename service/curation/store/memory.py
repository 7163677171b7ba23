"""In-process store: the default when no Redis is configured. Bounded by its own budget, never evicts.

Entries are grouped by their key up to the last ``":"`` (an embedding collection's generation, say), so
deleting a whole group costs the group, not a scan of every key. One ``threading.Lock`` guards the
maps and the byte count; a put checks the budget and applies every item under it, so it is all or
nothing and concurrent puts cannot overshoot the budget together.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Mapping, Sequence

from curation.errors import StorageFull
from curation.store.base import entry_size, tenant_full, tenant_of

__all__ = ["MemoryStore"]


def _split(key: str) -> tuple[str, str]:
    cut = key.rfind(":") + 1
    return key[:cut], key[cut:]


class MemoryStore:
    """A ``Store`` in this process's memory, holding at most ``max_bytes`` of keys plus values."""

    def __init__(self, *, max_bytes: int, name: str = "memory", tenant_max_bytes: int = 0) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be >= 1, got {max_bytes}")
        if tenant_max_bytes < 0:
            raise ValueError(f"CURATION_TENANT_STORED_BYTES must be >= 0, got {tenant_max_bytes}")
        self.name = name
        self.max_bytes = max_bytes
        # Each tenant's embeddings bytes (``tenant_of``), and their cap (0: none).
        self.tenant_max_bytes = tenant_max_bytes
        self._tenants: dict[str, int] = {}
        self._lock = threading.Lock()
        self._groups: dict[str, dict[str, bytes]] = {}
        self._bytes = 0
        self._count = 0

    def _get(self, key: str) -> bytes | None:
        group, suffix = _split(key)
        found = self._groups.get(group)
        return None if found is None else found.get(suffix)

    async def get(self, key: str) -> bytes | None:
        with self._lock:
            return self._get(key)

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        with self._lock:
            return [self._get(key) for key in keys]

    async def put_many(self, items: Mapping[str, bytes]) -> None:
        values = {key: value if type(value) is bytes else bytes(value) for key, value in items.items()}
        with self._lock:
            delta = 0
            by_tenant: defaultdict[str, int] = defaultdict(int)
            for key, value in values.items():
                old = self._get(key)
                change = entry_size(key, value) - (0 if old is None else entry_size(key, old))
                delta += change
                if (tenant := tenant_of(key)) is not None:
                    by_tenant[tenant] += change
            if delta > 0 and self._bytes + delta > self.max_bytes:
                raise StorageFull(
                    f"the store holds {self._bytes:,} of its {self.max_bytes:,} bytes; this put needs "
                    f"{delta:,} more (delete stored data or raise CURATION_STORE_MEMORY_BYTES)"
                )
            cap = self.tenant_max_bytes
            for tenant, change in by_tenant.items():
                used = self._tenants.get(tenant, 0)
                if cap and change > 0 and used + change > cap:
                    raise tenant_full(tenant, used, cap, change)
            for tenant, change in by_tenant.items():
                self._count_tenant(tenant, change)
            for key, value in values.items():
                group, suffix = _split(key)
                entries = self._groups.setdefault(group, {})
                self._count += suffix not in entries
                entries[suffix] = value
            self._bytes += delta

    def _delete(self, key: str) -> bool:
        group, suffix = _split(key)
        entries = self._groups.get(group)
        if entries is None or suffix not in entries:
            return False
        size = entry_size(key, entries.pop(suffix))
        self._bytes -= size
        if (tenant := tenant_of(key)) is not None:
            self._count_tenant(tenant, -size)
        self._count -= 1
        if not entries:
            del self._groups[group]
        return True

    async def delete_many(self, keys: Sequence[str]) -> int:
        with self._lock:
            return sum(self._delete(key) for key in keys)

    async def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith(":"):
            raise ValueError(f"a prefix ends with ':', got {prefix!r}")
        deleted = 0
        with self._lock:
            for group in [g for g in self._groups if g.startswith(prefix)]:
                entries = self._groups.pop(group)
                size = sum(entry_size(group + s, v) for s, v in entries.items())
                self._bytes -= size
                if (tenant := tenant_of(group)) is not None:
                    self._count_tenant(tenant, -size)
                self._count -= len(entries)
                deleted += len(entries)
        return deleted

    async def used_bytes(self) -> int:
        return self._bytes

    async def tenant_used_bytes(self, tenant: str) -> int:
        """Bytes of embeddings ``tenant`` keeps (what its cap is checked against)."""
        return self._tenants.get(tenant, 0)

    def _count_tenant(self, tenant: str, change: int) -> None:
        used = self._tenants.get(tenant, 0) + change
        if used > 0:
            self._tenants[tenant] = used
        else:
            self._tenants.pop(tenant, None)

    def __len__(self) -> int:
        return self._count

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        with self._lock:
            self._groups.clear()
            self._tenants.clear()
            self._bytes = self._count = 0

    def describe(self) -> dict[str, str]:
        return {
            "backend": self.name,
            "entries": str(self._count),
            "bytes": str(self._bytes),
            "max_bytes": str(self.max_bytes),
            "tenant_max_bytes": str(self.tenant_max_bytes),
        }
