"""Wires one process: settings -> metrics, cache, store, envelope keys and the ops seam, plus the serving
status.

Both servers (gRPC and REST) are built over one ``Runtime``, so they share the cache, the store, the
worker pool, the metrics and the readiness flag.

``prepare`` is what the entry point does before its event loop and before it imports the servers: wire
the process, load every kernel once, then fork the compute processes from that warm, single-threaded
process (they skip the imports and warm-ups a spawned process repeats). Start to SERVING is then about
one process's imports and kernel loads, whatever the number of compute processes (bench/cold_start.py).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import curation
from curation.auth import Authenticator
from curation.cache import Cache, build_cache
from curation.draining import Drain
from curation.metrics import Metrics
from curation.ops import Access, BodyFormat, Operations, OperationSpec
from curation.ops.envelopes import Envelopes, load_signing_keys
from curation.ops.gateway import Gateway, InProcess
from curation.ops.rate_limits import TokenBuckets, rate_limited
from curation.ops.registry import all_specs
from curation.settings import Settings
from curation.store import Store, build_store
from curation.tracing import Stages, build_tracer_provider
from curation.workers import DEFAULT_REGISTRY, ProcessPool, WorkerConfig

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

__all__ = [
    "CODECS",
    "Runtime",
    "build_envelopes",
    "build_rate_limits",
    "build_runtime",
    "prepare",
    "start_pool",
    "start_tracing",
    "warm_up_hooks",
]

log = logging.getLogger("curation.wiring")

# How long closing waits for the last spans to be exported.
_FLUSH_MILLIS = 1000


@dataclass
class Runtime:
    settings: Settings
    metrics: Metrics
    cache: Cache
    store: Store
    ops: Operations
    # False until the servers listen, and again once shutdown starts: /readyz and gRPC health read it.
    serving: bool = False
    # True once this process ran every warm-up hook (``prepare``): the server does not run them again.
    warmed: bool = False
    notes: dict[str, str] = field(default_factory=dict)
    # Tracing (``start_tracing``): the provider the adapters' instrumentations use, None while off; the
    # gateways' stage spans follow it.
    tracer_provider: TracerProvider | None = None
    stages: Stages = field(default_factory=Stages)
    # Who may call (default: nobody authenticates, every call is anonymous).
    authenticator: Authenticator = field(default_factory=Authenticator)
    # Per-tenant request rates (None: off), checked before the gateway's every call.
    rate_limits: TokenBuckets | None = None
    # Where the adapters send request bodies: this process's seam, or worker processes (set by the server),
    # behind the rate limits.
    gateway: Gateway = field(init=False)
    # The entry both adapters ask for a call's context (authentication, namespace, scope).
    access: Access = field(init=False)

    def __post_init__(self) -> None:
        self.use_gateway(InProcess(self.ops, self.stages))
        self.access = Access(self.authenticator, self.ops.specs)

    def use_gateway(self, gateway: Gateway) -> None:
        """Send the adapters' calls to ``gateway``, behind the per-tenant rate limits."""
        self.gateway = rate_limited(gateway, self.rate_limits)

    # Calls in flight, and the refusal of new ones once shutdown begins (both adapters pass through it).
    drain: Drain = field(default_factory=Drain)

    def cancel_running(self, reason: str) -> None:
        """Stop the computations still running (shutdown at the end of its grace): their callers get
        ``Unavailable`` at once, and each computation stops at its next ``checkpoint()`` (in this process
        or in the compute processes)."""
        self.gateway.cancel_running(reason)
        self.ops.cancel_running(reason)

    async def close(self) -> None:
        await self.gateway.close()
        self.ops.close()
        await self.cache.close()
        await self.store.close()
        if self.tracer_provider is not None:  # export what is batched, for at most a second
            await asyncio.to_thread(self.tracer_provider.force_flush, _FLUSH_MILLIS)


def build_runtime(settings: Settings, specs: list[OperationSpec[Any, Any, Any]] | None = None) -> Runtime:
    """Wire the process from settings (the cache connects lazily: a down Redis does not stop start-up)."""
    metrics = Metrics()
    cache = build_cache(settings, observer=metrics)
    store = build_store(settings, observer=metrics)
    ops = Operations.from_settings(
        settings,
        all_specs() if specs is None else specs,
        cache,
        observer=metrics,
        store=store,
        envelopes=build_envelopes(settings),
    )
    return Runtime(
        settings=settings,
        metrics=metrics,
        cache=cache,
        store=store,
        ops=ops,
        authenticator=Authenticator.from_settings(settings),
        rate_limits=build_rate_limits(settings),
    )


def build_rate_limits(settings: Settings) -> TokenBuckets | None:
    """The per-tenant token buckets the settings ask for (None: no rate limit)."""
    if settings.tenant_rate_per_second == 0:  # a negative rate is refused by TokenBuckets
        return None
    return TokenBuckets(settings.tenant_rate_per_second, settings.tenant_burst)


def build_envelopes(settings: Settings) -> Envelopes:
    """The envelope signer of the configured keys (a bad key is a start-up error), or of a random key of
    this process, which it says: entries of other replicas and of earlier runs are then misses."""
    keys = load_signing_keys(settings.cache_signing_keys, settings.cache_signing_keys_file)
    if keys.ephemeral:
        log.warning(
            "no cache signing key configured (CURATION_CACHE_SIGNING_KEYS or _FILE): signing with a random "
            "key of this process, so cache entries written by other replicas or before a restart are misses, "
            "and page tokens and fitted label model IDs it hands out verify only in this process and run"
        )
    else:
        log.info(
            "cache signing keys loaded", extra={"signing_key_id": keys.ids[0], "key_ids": ",".join(keys.ids)}
        )
    return Envelopes(keys)


def warm_up_hooks(specs: Iterable[OperationSpec[Any, Any, Any]]) -> list[Callable[[], None]]:
    """Every operation's ``warm_up`` (compiled kernels to load before the first request), once each, in
    registry order."""
    return list(dict.fromkeys(spec.warm_up for spec in specs if spec.warm_up is not None))


# The codecs compute processes import (the REST one lives in the adapter, above the workers).
CODECS = {BodyFormat.JSON: "curation.rest.protojson:CODEC", BodyFormat.PROTO: "curation.ops.gateway:PROTO"}


def start_pool(runtime: Runtime, registry: str | None) -> ProcessPool | None:
    """Compute processes importing ``registry`` for ``runtime``, when the settings ask for processes and
    a registry is named (the caller awaits ``start``)."""
    processes = runtime.settings.processes
    if processes <= 0 or registry is None:
        return None
    config = WorkerConfig(
        runtime.settings,
        processes,
        signing_keys=runtime.ops.envelopes.keys,
        store_name=runtime.store.name,
        store_max_bytes=runtime.store.max_bytes,
        codecs=CODECS,
        registry=registry,
    )
    local = InProcess(runtime.ops, runtime.stages)
    pool = ProcessPool(
        config, runtime.cache, runtime.store, runtime.metrics, local=local, stages=runtime.stages
    )
    runtime.use_gateway(pool)
    return pool


def start_tracing(runtime: Runtime, provider: TracerProvider | None = None) -> None:
    """Trace ``runtime``'s calls with ``provider``, or the one its settings ask for (none: tracing stays
    off). Call it before building the servers (they read ``runtime.tracer_provider``) and after forking
    the compute processes (the provider's export threads must not be forked); later calls change nothing.
    """
    if runtime.tracer_provider is not None:
        return
    provider = provider or build_tracer_provider(runtime.settings)
    if provider is None:
        return
    runtime.tracer_provider = provider
    runtime.stages.tracer = provider.get_tracer("curation", curation.__version__)
    log.info("tracing on", extra={"exporters": ",".join(runtime.settings.trace_exporters)})


def prepare(settings: Settings) -> tuple[Runtime, ProcessPool | None]:
    """The serving process before its event loop: wired, every kernel loaded, the compute processes (if
    any) forked from it; ``serve(settings, runtime=..., pool=...)`` then starts the servers.

    Loading the kernels here, once, also readies this process for the small calls it computes itself
    (``ProcessPool`` answers small bodies locally), which it otherwise loaded on its first such call.
    """
    runtime = build_runtime(settings)
    started = time.perf_counter()
    hooks = warm_up_hooks(runtime.ops.specs.values())
    for hook in hooks:
        hook()
    runtime.warmed = True
    pool = start_pool(runtime, DEFAULT_REGISTRY)
    forked = pool is not None and pool.fork()
    log.info(
        "kernels loaded",
        extra={"hooks": len(hooks), "seconds": round(time.perf_counter() - started, 3), "forked": forked},
    )
    return runtime, pool
