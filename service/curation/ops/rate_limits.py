"""Per-tenant request rates: a token bucket per tenant, checked before a request is decoded.

Each tenant (``Context.namespace``) has a bucket of at most ``burst`` tokens refilled at ``rate`` per
second; every call through the gateway takes one, byte-identical repeats answered from the cache
included. An empty bucket refuses the call with ``RateLimited`` (429 / RESOURCE_EXHAUSTED) whose
``RetryInfo`` / ``Retry-After`` is the time until the bucket holds a token again.

Memory is bounded: at most ``max_tenants`` buckets are kept, least recently used first out. A bucket
left alone refills, and a full bucket is the same as none, so dropping an idle one changes nothing;
dropping a busy one (only when more than ``max_tenants`` tenants call within one refill time) gives
that tenant a fresh burst, never a refusal it did not earn.

The buckets are per process: with N replicas a tenant's effective rate is N x ``rate`` (README).
``RateLimitedGateway`` puts them in front of any ``Gateway`` (in-process or compute processes).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from curation.errors import RateLimited
from curation.ops.gateway import Codec, Gateway
from curation.ops.operation_spec import Context

__all__ = [
    "MAX_BURST",
    "MAX_RATE",
    "MAX_TENANT_BUCKETS",
    "RateLimitedGateway",
    "TokenBuckets",
    "rate_limited",
]

# Documented maxima of CURATION_TENANT_RATE_PER_SECOND and CURATION_TENANT_BURST.
MAX_RATE: Final = 1_000_000.0
MAX_BURST: Final = 1_000_000
# Tenants whose buckets are kept at once (each costs about 200 bytes).
MAX_TENANT_BUCKETS: Final = 10_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """One token bucket per tenant; ``take`` is the only entry point (event-loop only, no lock)."""

    def __init__(
        self,
        rate: float,
        burst: int = 0,
        *,
        max_tenants: int = MAX_TENANT_BUCKETS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not 0 < rate <= MAX_RATE:
            raise ValueError(f"CURATION_TENANT_RATE_PER_SECOND must be in (0, {MAX_RATE:g}], got {rate}")
        if not 0 <= burst <= MAX_BURST:
            raise ValueError(f"CURATION_TENANT_BURST must be in [0, {MAX_BURST}], got {burst}")
        self.rate = rate
        # Unset: one second's worth of calls (at least one, or no call would ever pass).
        self.burst = float(burst or max(1, round(rate)))
        self.max_tenants = max(1, max_tenants)
        self._clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def __contains__(self, tenant: str) -> bool:
        return tenant in self._buckets

    def take(self, tenant: str) -> float:
        """Take one token of ``tenant``'s bucket: 0.0 when taken, else the seconds until one is there."""
        now = self._clock()
        bucket = self._buckets.get(tenant)
        if bucket is None:
            if len(self._buckets) >= self.max_tenants:
                self._buckets.popitem(last=False)
            bucket = self._buckets[tenant] = _Bucket(self.burst, now)
        else:
            self._buckets.move_to_end(tenant)
            bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate

    def check(self, ctx: Context) -> None:
        """``RateLimited`` when the caller's tenant has no token left."""
        wait = self.take(ctx.namespace)
        if wait > 0.0:
            raise RateLimited(
                f"tenant {ctx.namespace!r} is over its rate of {self.rate:g} requests per second "
                f"(burst {self.burst:g}); retry in {wait:.3f} s",
                retry_delay=wait,
            )


class RateLimitedGateway:
    """A ``Gateway`` that takes a token of the caller's tenant before handing the call to ``inner``."""

    def __init__(self, inner: Gateway, buckets: TokenBuckets) -> None:
        self.inner = inner
        self.buckets = buckets

    async def answer(
        self, name: str, body: bytes, codec: Codec, ctx: Context, *, digest: str | None = None
    ) -> bytes:
        self.buckets.check(ctx)
        return await self.inner.answer(name, body, codec, ctx, digest=digest)

    async def answer_stream(self, name: str, chunks: Sequence[bytes], codec: Codec, ctx: Context) -> bytes:
        self.buckets.check(ctx)
        return await self.inner.answer_stream(name, chunks, codec, ctx)

    def cancel_running(self, reason: str) -> None:
        self.inner.cancel_running(reason)

    async def close(self) -> None:
        await self.inner.close()


def rate_limited(gateway: Gateway, buckets: TokenBuckets | None) -> Gateway:
    """``gateway`` behind ``buckets`` (itself when rate limits are off)."""
    return gateway if buckets is None else RateLimitedGateway(gateway, buckets)
