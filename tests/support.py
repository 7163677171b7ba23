"""Helpers shared by the tests of the ops seam."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class DictCache:
    """A ``curation.cache.base.Cache`` over a plain dict the test reads and corrupts: no TTL, no size limit,
    never fails."""

    name = "dict"

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    async def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    async def set(self, key: str, value: bytes, *, ttl_seconds: int) -> bool:
        self.data[key] = value
        return True

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        return [self.data.get(key) for key in keys]

    async def set_many(self, items: Mapping[str, bytes], *, ttl_seconds: int) -> int:
        self.data.update(items)
        return len(items)

    async def delete(self, key: str) -> None:
        self.data.pop(key, None)

    async def ping(self) -> bool:
        return True

    async def close(self) -> None:
        pass

    def describe(self) -> dict[str, str]:
        return {"backend": self.name, "entries": str(len(self.data))}
