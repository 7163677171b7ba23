"""Wires one process: settings -> metrics, cache and the ops seam, plus the serving status.

Both servers (gRPC and REST) are built over one ``Runtime``, so they share the cache, the worker pool,
the metrics and the readiness flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from curation.cache import Cache, build_cache
from curation.metrics import Metrics
from curation.ops import Operations, OperationSpec
from curation.ops.gateway import Gateway, InProcess
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
    # Where the adapters send request bodies: this process's seam, or worker processes (set by the server).
    gateway: Gateway = field(init=False)

    def __post_init__(self) -> None:
        self.gateway = InProcess(self.ops)

    async def close(self) -> None:
        await self.gateway.close()
        self.ops.close()
        await self.cache.close()


def build_runtime(settings: Settings, specs: list[OperationSpec[Any, Any, Any]] | None = None) -> Runtime:
    """Wire the process from settings (the cache connects lazily: a down Redis does not stop start-up)."""
    metrics = Metrics()
    cache = build_cache(settings, observer=metrics)
    ops = Operations.from_settings(settings, all_specs() if specs is None else specs, cache, observer=metrics)
    return Runtime(settings=settings, metrics=metrics, cache=cache, ops=ops)
