"""Wires one process: settings -> metrics, cache and the ops seam, plus the serving status.

Both servers (gRPC and REST) are built over one ``Runtime``, so they share the cache, the worker pool,
the metrics and the readiness flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from curation.cache import Cache, build_cache
from curation.draining import Drain
from curation.metrics import Metrics
from curation.ops import Operations, OperationSpec
from curation.ops.registry import all_specs
from curation.settings import Settings

__all__ = ["Runtime", "build_runtime"]


@dataclass
class Runtime:
    settings: Settings
    metrics: Metrics
    cache: Cache
    ops: Operations
    # False until the servers listen, and again once shutdown starts: /readyz and gRPC health read it.
    serving: bool = False
    notes: dict[str, str] = field(default_factory=dict)
    # Calls in flight, and the refusal of new ones once shutdown begins (both adapters pass through it).
    drain: Drain = field(default_factory=Drain)

    def cancel_running(self, reason: str) -> None:
        """Stop the computations still running (shutdown at the end of its grace): their callers get
        ``Unavailable`` at once, and each computation stops at its next ``checkpoint()``."""
        self.ops.cancel_running(reason)

    async def close(self) -> None:
        self.ops.close()
        await self.cache.close()


def build_runtime(settings: Settings, specs: list[OperationSpec[Any, Any, Any]] | None = None) -> Runtime:
    """Wire the process from settings (the cache connects lazily: a down Redis does not stop start-up)."""
    metrics = Metrics()
    cache = build_cache(settings, observer=metrics)
    ops = Operations(
        all_specs() if specs is None else specs,
        cache,
        workers=settings.workers,
        ttl_seconds=settings.cache_ttl_seconds,
        observer=metrics,
        local_bytes=settings.local_cache_bytes,
    )
    return Runtime(settings=settings, metrics=metrics, cache=cache, ops=ops)
