"""Redis store: keys without a time to live under their own prefix, and a byte budget kept in Redis.

Why this survives cache pressure: cache entries are written with a TTL (``SET EX``) and the chart runs
Redis with ``maxmemory-policy volatile-lru``, which evicts only keys that have a TTL. Store keys
(``curation-store:...``) have none, so no amount of caching can evict them; when Redis has nothing
left to evict it refuses writes (OOM), which a put reports as ``StorageFull`` and the cache as a miss.

A put is all or nothing: its values are first written into staging hashes (one command per chunk of
up to 10,000 values or 4 MiB, each hash with a TTL, so a put that dies half-way cleans itself up), then
one Lua script - atomic in Redis - checks every staged chunk is whole, computes the change in bytes
(the put's bytes less those of the values it replaces) against the budget counter
(``curation-store:#used``, shared by every replica), and either writes every value under its key
(``SET``: no TTL), drops the staging hashes and updates the counter, or changes nothing. Redis refuses
a script's first write when it is out of memory, so an OOM also changes nothing. Deletes run in a
script too, so the counter always matches the data. Failures go through ``RedisLink`` (breaker,
timeouts) and are raised: ``Unavailable``, or ``StorageFull`` when Redis itself is out of memory.
Single Redis only (not Cluster): a put's keys and the counter are touched by one script.

Per tenant, the same scripts keep the bytes of its embeddings (keys ``{tenant}:emb:...``) in a counter of
its own (``curation-store:#tenant:{tenant}``), updated in the same atomic step as the data it counts, so it
survives restarts and is shared by every replica, and a put over ``CURATION_TENANT_STORED_BYTES`` changes
nothing. (Summing a tenant's keys instead would cost a scan of all of them on every put, and could not be
checked atomically with the write.) The counter is kept whether or not a cap is set, so turning the cap on
later finds it right; embeddings stored by a version without it count from their first put after.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any, Final, NoReturn, TypeVar

from redis.exceptions import OutOfMemoryError

from curation.cache.base import CacheObserver
from curation.cache.redis import RedisFailure, RedisLink, glob_escape
from curation.errors import StorageFull, Unavailable
from curation.store.base import entry_size, tenant_full, tenant_of

__all__ = ["KEY_PREFIX", "RedisStore"]

T = TypeVar("T")

KEY_PREFIX: Final = "curation-store:"
# Internal keys use "#", which no namespace (NAME_PATTERN) contains.
_USED: Final = KEY_PREFIX + "#used"
_STAGE: Final = KEY_PREFIX + "#stage:"
_TENANT: Final = KEY_PREFIX + "#tenant:"
# Staged values outlive any put; a put that died half-way leaves them to expire.
STAGING_TTL_SECONDS: Final = 3600
# Items per pipeline or script call, and bytes per staging pipeline.
_CHUNK_KEYS: Final = 10_000
_CHUNK_BYTES: Final = 4 << 20
# Extra time a call may take per key it touches and per byte it moves, over the link's call timeout (a
# put of a million vectors renames a million keys; a staging pipeline carries megabytes).
_SECONDS_PER_KEY: Final = 2e-5
_SECONDS_PER_BYTE: Final = 5e-8
# The socket timeout of the store's connections: only the ceiling of one long call (a commit of a huge
# put); every call is bounded far sooner by its own overall timeout, as the cache's are.
_BULK_SOCKET_TIMEOUT: Final = 60.0
# The least time one ordinary store call is given. Longer than the cache's bound on purpose: a cache call
# that runs late is a miss and the answer is computed anyway, a store call that runs late fails the
# request (stored data cannot be recomputed), so a slow moment must not count as Redis being down.
MIN_CALL_TIMEOUT: Final = 1.0

_COMMIT: Final = """
local budget = tonumber(ARGV[1])
local stage = ARGV[2]
local names = {}
for k in string.gmatch(ARGV[3], "[^\\n]+") do names[#names + 1] = k end
local ends = {}
for e in string.gmatch(ARGV[4], "%d+") do ends[#ends + 1] = tonumber(e) end
local first = 1
for j, e in ipairs(ends) do
  if redis.call('HLEN', stage .. j) ~= e - first + 1 then return {0, j} end
  first = e + 1
end
local delta = tonumber(ARGV[5])
local tenants = {}
for t, n in string.gmatch(ARGV[6], "([^\\n=]+)=(%d+)") do tenants[t] = tonumber(n) end
local cap = tonumber(ARGV[7])
for i, k in ipairs(names) do
  local old = redis.call('STRLEN', k)
  if old > 0 or redis.call('EXISTS', k) == 1 then
    delta = delta - #k - old
    local t = string.match(k, TENANT_PATTERN)
    if t then tenants[t] = tenants[t] - #k - old end
  end
end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if delta > 0 and used + delta > budget then return {-1, used, delta} end
if cap > 0 then
  for t, d in pairs(tenants) do
    local held = tonumber(redis.call('GET', TENANT_KEY .. t) or '0')
    if d > 0 and held + d > cap then return {-2, held, d, t} end
  end
end
local j, e = 1, ends[1]
for i, k in ipairs(names) do
  if i > e then j = j + 1; e = ends[j] end
  redis.call('SET', k, redis.call('HGET', stage .. j, tostring(i)))
end
for n = 1, #ends do redis.call('UNLINK', stage .. n) end
redis.call('INCRBY', KEYS[1], delta)
for t, d in pairs(tenants) do count_tenant(t, d) end
return {1, used + delta, delta}
"""

_DELETE: Final = """
local freed, n = 0, 0
local tenants = {}
for i = 1, #ARGV do
  local k = ARGV[i]
  if redis.call('EXISTS', k) == 1 then
    local size = #k + redis.call('STRLEN', k)
    freed = freed + size
    local t = string.match(k, TENANT_PATTERN)
    if t then tenants[t] = (tenants[t] or 0) - size end
    redis.call('UNLINK', k)
    n = n + 1
  end
end
if n > 0 then redis.call('DECRBY', KEYS[1], freed) end
for t, d in pairs(tenants) do count_tenant(t, d) end
return n
"""

# What both scripts share: which keys count against a tenant's cap (``curation.store.base.tenant_of``) and
# its counter's update (a counter at zero or below - embeddings stored before counters - is dropped).
_TENANTS: Final = """
local TENANT_PATTERN = '^curation%-store:([^:#][^:]*):emb:'
local TENANT_KEY = 'curation-store:#tenant:'
local function count_tenant(t, d)
  if d ~= 0 and redis.call('INCRBY', TENANT_KEY .. t, d) <= 0 then redis.call('DEL', TENANT_KEY .. t) end
end
"""


class RedisStore:
    """A ``Store`` over one Redis (the cache's ``REDIS_URL``), at most ``max_bytes`` of keys plus values."""

    def __init__(
        self,
        url: str,
        *,
        max_bytes: int,
        connect_timeout: float = 0.25,
        socket_timeout: float = 0.5,
        failure_threshold: int = 3,
        cooldown_seconds: float = 5.0,
        observer: CacheObserver | None = None,
        name: str = "redis-store",
        tenant_max_bytes: int = 0,
    ) -> None:
        if max_bytes < 1:
            raise ValueError(f"max_bytes must be >= 1, got {max_bytes}")
        if tenant_max_bytes < 0:
            raise ValueError(f"CURATION_TENANT_STORED_BYTES must be >= 0, got {tenant_max_bytes}")
        self.name = name
        self.max_bytes = max_bytes
        self.tenant_max_bytes = tenant_max_bytes
        self.link = RedisLink(
            url,
            connect_timeout=connect_timeout,
            socket_timeout=max(socket_timeout, _BULK_SOCKET_TIMEOUT),
            call_timeout=max(MIN_CALL_TIMEOUT, socket_timeout + max(0.05, 0.2 * socket_timeout)),
            failure_threshold=failure_threshold,
            cooldown_seconds=cooldown_seconds,
            observer=observer,
            name=name,
        )
        self._commit = self.link.client.register_script(_TENANTS + _COMMIT)
        self._delete = self.link.client.register_script(_TENANTS + _DELETE)

    def _key(self, key: str) -> str:
        if "\n" in key or key.startswith("#"):
            raise ValueError(f"not a store key: {key!r}")
        return KEY_PREFIX + key

    async def _call(
        self, what: str, command: Callable[[], Awaitable[T]], *, keys: int = 0, size: int = 0
    ) -> T:
        timeout = self.link.call_timeout + keys * _SECONDS_PER_KEY + size * _SECONDS_PER_BYTE
        try:
            return await self.link.call(command, timeout=timeout)
        except RedisFailure as failure:
            _raise(failure, what)

    # ------------------------------------------------------------------ reads
    async def get(self, key: str) -> bytes | None:
        full = self._key(key)
        value = await self._call("read stored data", lambda: self.link.client.get(full))
        return value if isinstance(value, bytes) else None

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        out: list[bytes | None] = []
        for c0 in range(0, len(keys), _CHUNK_KEYS):
            chunk = [self._key(k) for k in keys[c0 : c0 + _CHUNK_KEYS]]
            values = await self._call(
                "read stored data", partial(self.link.client.mget, chunk), keys=len(chunk)
            )
            out.extend(v if isinstance(v, bytes) else None for v in values)
        return out

    async def used_bytes(self) -> int:
        value = await self._call("read its budget", lambda: self.link.client.get(_USED))
        return int(value or 0)

    async def tenant_used_bytes(self, tenant: str) -> int:
        """Bytes of embeddings ``tenant`` keeps (what its cap is checked against)."""
        value = await self._call("read its budget", lambda: self.link.client.get(_TENANT + tenant))
        return int(value or 0)

    # ------------------------------------------------------------------ writes
    async def put_many(self, items: Mapping[str, bytes]) -> None:
        if not items:
            return
        names = [self._key(k) for k in items]
        needed = 0
        by_tenant: defaultdict[str, int] = defaultdict(int)
        for key, name, value in zip(items, names, items.values(), strict=True):
            size = entry_size(name, value)
            needed += size
            if (tenant := tenant_of(key)) is not None:
                by_tenant[tenant] += size
        tenants = "\n".join(f"{t}={n}" for t, n in by_tenant.items())
        if needed > self.max_bytes:  # these keys alone would be over the budget, whatever they replace
            raise StorageFull(
                f"this put needs {needed:,} bytes, over the store's whole budget of {self.max_bytes:,} "
                "(CURATION_STORE_REDIS_BYTES)"
            )
        stage = f"{_STAGE}{secrets.token_hex(8)}:"
        ends: list[int] = []
        try:
            ends = await self._stage(stage, list(items.values()))
            listing = "\n".join(names)
            result: list[Any] = await self._call(
                "store data",
                lambda: self._commit(
                    keys=[_USED],
                    args=[
                        self.max_bytes,
                        stage,
                        listing,
                        ",".join(map(str, ends)),
                        needed,
                        tenants,
                        self.tenant_max_bytes,
                    ],
                ),
                keys=len(names),
                size=needed,
            )
        except BaseException:
            await self._drop_staged(stage, len(ends) + 1)
            raise
        status = int(result[0])
        if status == 1:
            return
        await self._drop_staged(stage, len(ends))
        if status == -2:
            tenant = result[3].decode() if isinstance(result[3], bytes) else str(result[3])
            raise tenant_full(tenant, int(result[1]), self.tenant_max_bytes, int(result[2]))
        if status == -1:
            raise StorageFull(
                f"the store holds {int(result[1]):,} of its {self.max_bytes:,} bytes; this put needs "
                f"{int(result[2]):,} more (delete stored data or raise CURATION_STORE_REDIS_BYTES)"
            )
        raise StorageFull("Redis evicted this put's staged values: it is out of memory (see maxmemory)")

    async def _stage(self, stage: str, values: list[bytes]) -> list[int]:
        """Write ``values`` as fields "1", "2", ... of hashes ``stage`` + "1", "2", ... (each with a TTL and
        bounded in keys and bytes: one command per chunk); the last 1-based index in each hash."""
        ends: list[int] = []
        start = 0
        while start < len(values):
            end, size = start, 0
            while end < len(values) and end - start < _CHUNK_KEYS and (size < _CHUNK_BYTES or end == start):
                size += len(values[end])
                end += 1
            chunk = f"{stage}{len(ends) + 1}"
            fields = {str(i + 1): values[i] for i in range(start, end)}

            async def send(chunk: str = chunk, fields: dict[str, bytes] = fields) -> list[Any]:
                async with self.link.client.pipeline(transaction=False) as pipe:
                    pipe.hset(chunk, mapping=fields)  # type: ignore[arg-type]  # bytes values are fine
                    pipe.expire(chunk, STAGING_TTL_SECONDS)
                    return await pipe.execute()

            await self._call("store data", send, keys=end - start, size=size)
            ends.append(end)
            start = end
        return ends

    async def _drop_staged(self, stage: str, chunks: int) -> None:
        """Best effort: staged hashes expire anyway."""
        if chunks < 1:
            return
        try:
            names = [f"{stage}{j}" for j in range(1, chunks + 1)]
            await self.link.call(partial(self.link.client.unlink, *names))
        except RedisFailure:
            pass

    async def delete_many(self, keys: Sequence[str]) -> int:
        deleted = 0
        for c0 in range(0, len(keys), _CHUNK_KEYS):
            chunk = [self._key(k) for k in keys[c0 : c0 + _CHUNK_KEYS]]
            deleted += int(await self._delete_full(chunk))
        return deleted

    async def _delete_full(self, chunk: list[str]) -> int:
        result = await self._call(
            "delete stored data", lambda: self._delete(keys=[_USED], args=chunk), keys=len(chunk)
        )
        return int(result)

    async def delete_prefix(self, prefix: str) -> int:
        if not prefix.endswith(":"):
            raise ValueError(f"a prefix ends with ':', got {prefix!r}")
        pattern = glob_escape(self._key(prefix)) + "*"
        cursor, deleted = 0, 0
        while True:
            cursor, found = await self._call(
                "delete stored data",
                partial(self.link.client.scan, cursor, match=pattern, count=_CHUNK_KEYS),
            )
            if found:
                deleted += await self._delete_full([k.decode() if isinstance(k, bytes) else k for k in found])
            if int(cursor) == 0:
                return deleted

    # ------------------------------------------------------------------ lifecycle
    async def ping(self) -> bool:
        try:
            return bool(await self.link.call(self.link.client.ping))
        except RedisFailure:
            return False

    async def close(self) -> None:
        await self.link.close()

    def describe(self) -> dict[str, str]:
        return {
            "backend": self.name,
            "endpoint": self.link.endpoint,
            "breaker": self.link.breaker.state,
            "max_bytes": str(self.max_bytes),
            "tenant_max_bytes": str(self.tenant_max_bytes),
        }


def _raise(failure: RedisFailure, what: str) -> NoReturn:
    """A failed Redis call as the error a caller sees."""
    if isinstance(failure.error, OutOfMemoryError) or (
        failure.kind == "response" and "OOM" in str(failure.error)
    ):
        raise StorageFull("Redis is out of memory (maxmemory reached with nothing left to evict)")
    raise Unavailable(f"the store could not {what}: Redis {failure.kind.replace('_', ' ')}") from failure
