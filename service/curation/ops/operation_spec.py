"""What an operation is, as the ops seam runs it: one record per RPC, shared by both adapters.

A *cached* operation splits into ``evaluate`` (validate + compute, CPU-heavy, runs in a worker thread,
returns a self-contained payload message that is what the cache stores) and ``respond`` (cheap: cuts the
page the request asked for out of the payload). Fields named in ``paging_fields`` are left out of the
cache key, so every page of one request reads the same cached evaluation.

A *direct* operation (``handle``) is not cached by the seam (stores, fits kept by ID, streams).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

__all__ = ["CacheInfoT", "Context", "OperationSpec"]

# curation.v1.CacheInfo; typed loosely so this module does not import generated code.
CacheInfoT = Any


@dataclass(frozen=True, slots=True)
class Context:
    """Per-request facts the adapters pass in: tenant namespace, request ID and deadline."""

    namespace: str = "default"
    request_id: str = ""
    # time.monotonic() value after which the caller no longer waits; None = no deadline.
    deadline: float | None = None


@dataclass(frozen=True, slots=True)
class OperationSpec:
    """One RPC as the seam runs it. ``name`` is the gRPC full method name without the leading slash,
    for example ``curation.v1.DiagnosticsService/ScoreClassification``."""

    name: str
    request_type: type[Message]
    response_type: type[Message]
    # Bumped whenever the algorithm or the payload layout changes: old cache entries stop matching.
    version: int = 1
    # Cached operations.
    payload_type: type[Message] | None = None
    evaluate: Callable[[Any], Message] | None = None
    respond: Callable[[Message, Any, CacheInfoT], Message] | None = None
    paging_fields: tuple[str, ...] = ()
    # Direct operations: full control, given the ops facade for stores and the cache.
    handle: Callable[[Any, Message, Context], Awaitable[Message]] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def cached(self) -> bool:
        return self.evaluate is not None
