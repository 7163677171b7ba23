"""Redis backend: a shared cache for every replica, that never fails or stalls a request.

Everything that can go wrong talking to Redis (refused, reset, timed out, paused, out of memory) is
caught by ``RedisLink`` (shared with the store in ``curation.store``), counted through the observer
and fed to a ``CircuitBreaker``, so that a dead Redis costs a few timeouts and then nothing until the
cool-down ends; the cache answers every failure as a miss (``get`` -> ``None``) or "not stored"
(``set`` -> ``False``).

redis-py 8 defaults are tuned for "eventually succeed", not "answer fast": 5 s socket timeouts and
``Retry(ExponentialWithJitterBackoff(base=0.01, cap=1), retries=10)`` on ``ConnectionError`` and
``TimeoutError`` (``redis/_defaults.py``, ``redis/asyncio/client.py``), i.e. about a minute against a
port that accepts but never answers. ``_client_options`` pins every one of those knobs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from functools import partial
from typing import Any, Final, TypeVar

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from curation.cache.base import DELETE_BATCH, CacheObserver, NullObserver, check_prefix, check_ttl
from curation.cache.breaker import CircuitBreaker
from curation.errors import Unavailable

__all__ = ["DEFAULT_MAX_CONNECTIONS", "RedisCache", "RedisFailure", "RedisLink", "glob_escape"]

log = logging.getLogger("curation.cache")

T = TypeVar("T")

# Connections per process. Requests beyond this wait (at most the socket timeout) for a free one.
DEFAULT_MAX_CONNECTIONS: Final = 32


class _Failed:
    """The call did not reach an answer (skipped by the breaker, or failed): a miss / not stored."""


_FAILED: Final = _Failed()


def _client_options(connect_timeout: float, socket_timeout: float, max_connections: int) -> dict[str, Any]:
    """Connection-pool options, each pinned on purpose (see the module docstring for the defaults)."""
    return {
        # A dead host costs at most this much to connect, a hung one this much per read or write.
        "socket_connect_timeout": connect_timeout,
        "socket_timeout": socket_timeout,
        # One immediate retry, on ConnectionError only: it transparently replaces a pooled connection that
        # a Redis restart closed (GET/SET/MGET/DEL are idempotent). Timeouts are never retried, so a
        # hung Redis costs one socket_timeout, not eleven.
        "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
        "retry_on_timeout": False,
        "retry_on_error": [],
        # No PING before a command on an idle connection (a round trip per request after a pause); dead
        # idle connections are caught by TCP keepalive and the retry above.
        "health_check_interval": 0,
        "socket_keepalive": True,
        # Bounded pool; a request waits for a free connection at most one socket timeout.
        "max_connections": max_connections,
        "timeout": socket_timeout,
        "client_name": "curation",
    }


def glob_escape(text: str) -> str:
    """``text`` matched literally by a Redis glob pattern (``SCAN MATCH``)."""
    return re.sub(r"([\\*?\[\]])", r"\\\1", text)


def _error_kind(error: BaseException) -> str:
    if isinstance(error, RedisTimeoutError | TimeoutError):
        return "timeout"
    if isinstance(error, RedisConnectionError):
        return "connection"
    if isinstance(error, ResponseError):
        return "response"
    return "other"


class RedisFailure(Exception):
    """A Redis call reached no answer (``kind`` as ``CacheObserver.on_error`` names it) or Redis refused it
    (``kind == "response"``: ``error`` holds Redis's own message, such as ``OOM command not allowed``)."""

    def __init__(self, kind: str, error: BaseException | None = None) -> None:
        super().__init__(f"redis {kind}: {error!r}" if error is not None else f"redis {kind}")
        self.kind = kind
        self.error = error


class RedisLink:
    """One Redis client with pinned options, a circuit breaker and an overall per-call timeout.

    Shared by the cache (which turns a failure into a miss) and the store (which reports it: stored data
    cannot be recomputed). ``call`` counts the failure through the observer and feeds the breaker.
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 0.25,
        socket_timeout: float = 0.5,
        failure_threshold: int = 3,
        cooldown_seconds: float = 5.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        call_timeout: float | None = None,
        observer: CacheObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        name: str = "redis",
    ) -> None:
        if connect_timeout <= 0 or socket_timeout <= 0:
            raise ValueError("Redis connect and socket timeouts must be > 0 (None would mean wait forever)")
        if max_connections < 1:
            raise ValueError("max_connections must be >= 1")
        self.name = name
        self.call_timeout = (
            call_timeout if call_timeout is not None else socket_timeout + max(0.05, 0.2 * socket_timeout)
        )
        self.observer: CacheObserver = observer or NullObserver()
        self.breaker = CircuitBreaker(
            threshold=failure_threshold, cooldown_seconds=cooldown_seconds, name=name, clock=clock
        )
        options = _client_options(connect_timeout, socket_timeout, max_connections)
        if url.startswith("unix://"):
            # A Unix socket has no TCP keepalive: redis-py's UnixDomainSocketConnection refuses the option
            # (every call would fail, so the cache would only ever miss).
            del options["socket_keepalive"]
        self.pool: BlockingConnectionPool = BlockingConnectionPool.from_url(url, **options)
        self.client: Redis = Redis.from_pool(self.pool)
        self.endpoint = self._endpoint()

    def _endpoint(self) -> str:
        """Where Redis is, without credentials."""
        kw = self.pool.connection_kwargs
        if "path" in kw:
            return f"unix:{kw['path']}?db={kw.get('db', 0)}"
        return f"{kw.get('host', 'localhost')}:{kw.get('port', 6379)}/{kw.get('db', 0)}"

    async def call(self, command: Callable[[], Awaitable[T]], *, timeout: float | None = None) -> T:
        """Run one Redis command through the breaker and the overall timeout (``timeout`` overrides it for a
        call known to be long, such as a large pipeline); raises ``RedisFailure``, counted and logged."""
        if not self.breaker.allow():
            self.observer.on_error(self.name, "circuit_open")
            raise RedisFailure("circuit_open")
        try:
            async with asyncio.timeout(self.call_timeout if timeout is None else timeout):
                result = await command()
        except ResponseError as error:
            # Redis answered (OOM, READONLY, ...): the server is up, so this does not trip the breaker.
            self.breaker.record_success()
            self.observer.on_error(self.name, "response")
            log.debug("redis refused a command", extra={"backend": self.name, "error": str(error)})
            raise RedisFailure("response", error) from error
        except Exception as error:
            kind = _error_kind(error)
            self.breaker.record_failure(kind)
            self.observer.on_error(self.name, kind)
            log.debug("redis call failed", extra={"backend": self.name, "kind": kind, "error": repr(error)})
            raise RedisFailure(kind, error) from error
        except BaseException:
            self.breaker.abandon()
            raise
        self.breaker.record_success()
        return result

    async def close(self) -> None:
        try:
            async with asyncio.timeout(self.call_timeout):
                await self.client.aclose()
        except Exception as error:
            log.debug("closing the redis client failed", extra={"backend": self.name, "error": repr(error)})


class RedisCache:
    """A ``Cache`` over one Redis (``redis://``, ``rediss://`` or ``unix://`` URL). Connects lazily.

    Values over ``max_entry_bytes`` are refused before anything is sent. Each call is bounded by
    ``call_timeout`` (default: a little above ``socket_timeout``) whatever redis-py does inside.
    Options given in the URL's query string override the pinned ones (redis-py's rule).
    """

    def __init__(
        self,
        url: str,
        *,
        max_entry_bytes: int,
        connect_timeout: float = 0.25,
        socket_timeout: float = 0.5,
        failure_threshold: int = 3,
        cooldown_seconds: float = 5.0,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
        call_timeout: float | None = None,
        observer: CacheObserver | None = None,
        clock: Callable[[], float] = time.monotonic,
        name: str = "redis",
    ) -> None:
        if max_entry_bytes < 1:
            raise ValueError("max_entry_bytes must be >= 1")
        self.link = RedisLink(
            url,
            connect_timeout=connect_timeout,
            socket_timeout=socket_timeout,
            failure_threshold=failure_threshold,
            cooldown_seconds=cooldown_seconds,
            max_connections=max_connections,
            call_timeout=call_timeout,
            observer=observer,
            clock=clock,
            name=name,
        )
        self.name = name
        self.max_entry_bytes = max_entry_bytes
        self.call_timeout = self.link.call_timeout
        self._observer: CacheObserver = self.link.observer
        self.breaker = self.link.breaker
        self._client: Redis = self.link.client
        self._pool: BlockingConnectionPool = self.link.pool
        self.endpoint = self.link.endpoint

    async def _call(self, command: Callable[[], Awaitable[T]]) -> T | _Failed:
        """One Redis command through the link; a failure is ``_FAILED`` (a miss), never an exception."""
        try:
            return await self.link.call(command)
        except RedisFailure:  # every failure is a miss: a request never fails because of the cache
            return _FAILED

    # ------------------------------------------------------------------ Cache protocol
    async def get(self, key: str) -> bytes | None:
        result = await self._call(lambda: self._client.get(key))
        if isinstance(result, bytes):
            self._observer.on_hit(self.name)
            return result
        self._observer.on_miss(self.name)
        return None

    async def set(self, key: str, value: bytes, *, ttl_seconds: int) -> bool:
        check_ttl(ttl_seconds)
        if len(value) > self.max_entry_bytes:
            self._observer.on_reject_oversize(self.name)
            return False
        result = await self._call(lambda: self._client.set(key, value, ex=ttl_seconds))
        if result is True:
            self._observer.on_store(self.name)
            return True
        return False

    async def get_many(self, keys: Sequence[str]) -> list[bytes | None]:
        if not keys:
            return []
        result = await self._call(lambda: self._client.mget(list(keys)))
        values: list[bytes | None] = (
            [None] * len(keys)
            if isinstance(result, _Failed)
            else [v if isinstance(v, bytes) else None for v in result]
        )
        for value in values:
            if value is None:
                self._observer.on_miss(self.name)
            else:
                self._observer.on_hit(self.name)
        return values

    async def set_many(self, items: Mapping[str, bytes], *, ttl_seconds: int) -> int:
        check_ttl(ttl_seconds)
        accepted = {k: v for k, v in items.items() if len(v) <= self.max_entry_bytes}
        for _ in range(len(items) - len(accepted)):
            self._observer.on_reject_oversize(self.name)
        if not accepted:
            return 0

        async def send() -> list[Any]:
            async with self._client.pipeline(transaction=False) as pipe:
                for key, value in accepted.items():
                    pipe.set(key, value, ex=ttl_seconds)
                return await pipe.execute()

        result = await self._call(send)
        if isinstance(result, _Failed):
            return 0
        stored = sum(1 for r in result if r is True)
        for _ in range(stored):
            self._observer.on_store(self.name)
        return stored

    async def delete(self, key: str) -> None:
        await self._call(lambda: self._client.delete(key))

    async def delete_prefix(self, prefix: str) -> int:
        """``SCAN MATCH <prefix>*`` (never ``KEYS``: it blocks Redis for the whole keyspace) a batch at a
        time, each batch ``UNLINK``ed (freed off Redis's main thread); a failure is ``Unavailable`` (the
        keys already removed stay removed: a retry finishes the job)."""
        pattern = glob_escape(check_prefix(prefix)) + "*"
        cursor, removed = 0, 0
        while True:
            try:
                scan = partial(self._client.scan, cursor, match=pattern, count=DELETE_BATCH)
                cursor, keys = await self.link.call(scan)
                if keys:
                    removed += int(await self.link.call(partial(self._client.unlink, *keys)))
            except RedisFailure as failure:
                raise Unavailable(f"the cache could not be flushed: Redis {failure.kind}") from failure
            if int(cursor) == 0:
                return removed

    async def ping(self) -> bool:
        result = await self._call(self._client.ping)
        return result is True

    async def close(self) -> None:
        await self.link.close()

    def describe(self) -> dict[str, str]:
        return {
            "backend": self.name,
            "endpoint": self.endpoint,
            "breaker": self.breaker.state,
            "consecutive_failures": str(self.breaker.consecutive_failures),
        }
