"""The vectors Apply reads from the request's ``embedding_collection`` before computing.

A similarity rule needs the request's assets' embeddings (sent inline, or read here from the collection)
and the vectors of exemplar assets outside the request (read here; IDs the collection lacks are left for
``apply`` to report with the rule's field). The read is async, through the embedding store, so it
happens before the computation goes to a worker thread; a digest of the collection's generation and of
every vector read becomes part of the cache key, so a changed collection is a new key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops._vectors import require_vectors
from curation.ops.embeddings import EmbeddingStore, check_collection, store_for
from curation.ops.labeling.cost import stored_vectors_cost
from curation.ops.labeling.rules import similarity_rules
from curation.ops.operation_spec import Context, Host
from curation.v1 import labeling_pb2 as pb

__all__ = ["StoredVectors", "resolve_stored_vectors"]

# Vectors read from the store are hashed for the cache key in a worker thread above this many bytes.
_HASH_ON_LOOP_BYTES = 1 << 20


@dataclass(frozen=True, slots=True)
class StoredVectors:
    """What Apply read from ``embedding_collection`` before computing (see ``resolve_stored_vectors``).

    ``assets`` are the request's assets' vectors (None when sent inline or no rule needs them);
    ``exemplars`` the vectors of the ``exemplar_ids`` outside the request that the collection holds
    (IDs it lacks are left out, so ``apply`` reports them with the rule's field). ``digest`` covers the
    collection's generation and every vector read: it is part of the cache key.
    """

    collection: str
    assets: npt.NDArray[np.float32] | None
    exemplar_ids: tuple[str, ...]
    exemplars: npt.NDArray[np.float32]
    digest: bytes


def _digest(parts: Sequence[bytes]) -> bytes:
    """SHA-256 over length-prefixed parts (no two sequences of parts collide)."""
    h = hashlib.sha256()
    for part in parts:
        h.update(len(part).to_bytes(8, "little"))
        h.update(part)
    return h.digest()


async def resolve_stored_vectors(
    ops: Host, request: pb.ApplyLabelingFunctionsRequest, ctx: Context
) -> StoredVectors | None:
    """Read from the request's embedding collection the vectors its similarity rules need.

    NotFound for an unknown collection; InvalidArgument ``asset_ids[i]`` when the assets' embeddings are
    to come from the collection and asset i has none, ``embedding_dim`` when inline embeddings do not
    have the collection's dimension.
    """
    collection = request.embedding_collection
    if not collection:
        return None
    check_collection(collection, field="embedding_collection")
    store = store_for(ops, ctx)
    head = await store.require(collection)
    dim = int(head.dimension)
    inline = bool(len(request.embeddings) or request.embedding_dim)
    if inline and request.embedding_dim != dim:
        raise InvalidArgument(
            f"collection {collection!r} has dimension {dim}, got {request.embedding_dim}",
            field="embedding_dim",
        )
    rules = similarity_rules(request)
    # The vectors to read are n x the collection's dimension: their cost is checked before reading them.
    if rules:
        ops.check_cost(stored_vectors_cost(request, dim), field="embedding_collection")
    parts = [head.generation.encode()]
    assets = None
    if rules and not inline:
        assets = await _asset_vectors(store, collection, list(request.asset_ids), parts)
    exemplar_ids, exemplars = await _exemplar_vectors(store, collection, request, rules, dim=dim, parts=parts)
    if sum(len(p) for p in parts) < _HASH_ON_LOOP_BYTES:
        digest = _digest(parts)
    else:
        digest = await ops.run(_digest, parts, ctx=ctx)
    return StoredVectors(collection, assets, exemplar_ids, exemplars, digest)


async def _asset_vectors(
    store: EmbeddingStore, collection: str, ids: list[str], parts: list[bytes]
) -> npt.NDArray[np.float32]:
    """Every request asset's vector (each must have one); what was read is added to ``parts``."""
    v.check_non_empty(len(ids), "asset_ids")
    v.unique_strings(ids, "asset_ids")
    head, assets = await require_vectors(store, collection, ids)
    parts += [head.generation.encode(), assets.tobytes()]
    return assets


async def _exemplar_vectors(
    store: EmbeddingStore,
    collection: str,
    request: pb.ApplyLabelingFunctionsRequest,
    rules: list[pb.SimilarityRule],
    *,
    dim: int,
    parts: list[bytes],
) -> tuple[tuple[str, ...], npt.NDArray[np.float32]]:
    """(IDs found, their vectors) of the exemplar assets outside the request, in ID order; what was
    read is added to ``parts``."""
    own = set(request.asset_ids)
    wanted = sorted({a for r in rules for a in r.exemplar_asset_ids if a not in own})
    if not wanted:
        return (), np.zeros((0, dim), dtype=np.float32)
    head, found, vecs = await store.get(collection, wanted)
    exemplar_ids = tuple(a for a, ok in zip(wanted, found.tolist(), strict=True) if ok)
    exemplars = vecs[found]
    parts += [head.generation.encode(), *(a.encode() for a in exemplar_ids), exemplars.tobytes()]
    return exemplar_ids, exemplars
