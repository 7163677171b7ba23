"""The pool's vectors, read from the request's embedding collection before computing.

Select and FindNearDuplicates may name a ``collection`` instead of sending embeddings: every pool asset
must have a vector there; labeled assets outside the pool that have one become extra k-center centers
(those without are counted in a warning). The read is async, through the embedding store, so it happens
before the computation goes to a worker thread (its hashing, decoding and checks of a large pool run in
the worker pool too, so the event loop keeps answering other requests); a digest of the collection's
generation and the vectors read becomes part of the cache key, so a changed collection is a new key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops._vectors import require_vectors
from curation.ops.embeddings import INLINE_IDS, EmbeddingStore, check_collection, store_for
from curation.ops.findings import warning
from curation.ops.operation_spec import Context, Cost, Host
from curation.v1 import common_pb2

__all__ = ["PoolVectors", "resolve_pool_vectors"]


@dataclass(frozen=True, slots=True)
class PoolVectors:
    """Vectors resolved before the computation: the pool's (None when sent inline or no collection is
    named), those of labeled assets outside it, the digest of what was read (``b""`` for none) and that of
    the pool's vectors alone (the key of the pool's cached clustering, whatever the labeled set)."""

    pool: npt.NDArray[np.float32] | None
    extra: npt.NDArray[np.float32] | None
    digest: bytes
    pool_digest: bytes = b""


async def resolve_pool_vectors(
    ops: Host,
    ctx: Context,
    ids: list[str],
    collection: str,
    extra_ids: list[str],
    *,
    has_inline: bool,
    cost: Callable[[int], Cost],
) -> tuple[PoolVectors, list[common_pb2.Warning]]:
    """The vectors of ``ids`` (each must have one) and of ``extra_ids`` (those found) in ``collection``.

    InvalidArgument ``collection`` when embeddings are also sent inline, ``asset_ids[i]`` for the first
    pool asset without a vector; NotFound for an unknown collection. ``cost`` is the request's cost at
    the collection's dimension: checked (LimitExceeded ``collection``) before any vector is read.
    """
    if not collection:
        return PoolVectors(None, None, b"", b""), []
    if has_inline:
        raise InvalidArgument("send embeddings or name a collection, not both", field="collection")
    check_collection(collection)
    v.check_non_empty(len(ids), "asset_ids")
    if len(ids) < INLINE_IDS:
        _check_ids(ids)
    else:  # sorting a million IDs takes a while: not on the event loop
        await ops.run(_check_ids, ids, ctx=ctx)
    store = store_for(ops, ctx)
    ops.check_cost(cost(int((await store.require(collection)).dimension)), field="collection")
    head, vecs = await require_vectors(store, collection, ids)
    extra, warnings = await _extra_centers(store, collection, extra_ids)
    pool_digest = await ops.run(_digest, head.generation, vecs, ctx=ctx)
    h = hashlib.sha256(pool_digest)
    if extra is not None:
        h.update(extra.tobytes())
    return PoolVectors(vecs, extra, h.digest(), pool_digest), warnings


def _check_ids(ids: list[str]) -> None:
    """InvalidArgument ``asset_ids[i]`` for the first empty or repeated ID."""
    v.unique_strings(ids, "asset_ids", allow_empty=False)


def _digest(generation: str, vecs: npt.NDArray[np.float32]) -> bytes:
    """SHA-256 of the collection's generation and the pool's vectors (blocking: ~0.5 s per 512 MB)."""
    h = hashlib.sha256(generation.encode())
    h.update(np.ascontiguousarray(vecs).data)
    return h.digest()


async def _extra_centers(
    store: EmbeddingStore, collection: str, extra_ids: list[str]
) -> tuple[npt.NDArray[np.float32] | None, list[common_pb2.Warning]]:
    """The vectors the collection holds for labeled assets outside the pool (None when there are no such
    assets), and a warning counting those it lacks."""
    if not extra_ids:
        return None, []
    _, found, vecs = await store.get(collection, extra_ids)
    if found.all():
        return vecs[found], []
    missing = f"{int((~found).sum())} labeled assets outside the pool have no embedding"
    return vecs[found], [warning("LABELED_WITHOUT_EMBEDDING", missing, "labeled_ids")]
