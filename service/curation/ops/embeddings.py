"""The embedding store: vectors by asset ID under a named collection, kept in the service's store.

Collections are data a caller stored on purpose, so they live in ``curation.store`` (never evicted by
cache pressure, under a budget of their own), not in the cache. Layout (one store entry per collection
header and one per vector, so a put or get touches only the IDs it names and Redis moves them in one
round trip per chunk):

- ``{namespace}:emb:{collection}:header`` -> ``EmbeddingCollectionHeader`` (dimension, dtype,
  generation);
- ``{namespace}:emb:{collection}:{generation}:{sha256(asset_id)[:32]}`` -> the vector's bytes in the
  collection dtype followed by the UTF-8 asset ID (checked on read, so a hash collision is a miss).

A put writes its vectors and the header in one all-or-nothing store put: over the store's budget it
fails with ``StorageFull`` and the collection is exactly as it was. Deleting a collection deletes every
key under its prefix (a retry after a failure half-way finishes the job, and vectors two racing
creations left under a losing generation go too); a collection created again gets a new generation, so
it never sees an old vector.

A large put or get hashes each ID into its key and encodes or decodes the values in the seam's worker
pool (``store_for``), not on the event loop; a get checks the stored IDs in bulk, per ID length.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.auth import Scope
from curation.contract import NAME_PATTERN, is_valid_name
from curation.errors import InvalidArgument, NotFound
from curation.internal.v1 import embeddings_pb2 as ipb
from curation.ops._validate import check_non_empty, unique_strings
from curation.ops.embedding_limits import MAX_DIMENSION, put_cost, read_cost, request_ids_cost
from curation.ops.operation_spec import Context, Cost, Host, OperationSpec
from curation.store.base import Store
from curation.v1 import embeddings_pb2 as pb

__all__ = [
    "COLLECTION_NOT_FOUND",
    "INLINE_IDS",
    "SPECS",
    "EmbeddingStore",
    "Runner",
    "decode_rows",
    "decode_vectors",
    "encode_items",
    "store_for",
    "vector_keys",
]

SERVICE = "curation.v1.EmbeddingService"
CHUNK = 10_000
# Fewer IDs than this are keyed and decoded on the event loop (well under a millisecond); more go to a
# worker thread (a million take seconds of hashing and copying that would stall every other request).
INLINE_IDS = 2_000
# Runs a blocking callable off the event loop: ``Host.run`` bound to the request's context, say.
Runner = Callable[..., Awaitable[Any]]
# The one answer to a collection the caller's tenant does not have (never created, deleted, or another
# tenant's: collections are per tenant, and the message does not echo the name, so all read the same).
COLLECTION_NOT_FOUND = "no such embedding collection (never created here, or deleted)"
_DTYPES: dict[int, np.dtype[Any]] = {
    pb.EMBEDDING_DTYPE_FLOAT32: np.dtype("<f4"),
    pb.EMBEDDING_DTYPE_FLOAT16: np.dtype("<f2"),
}


def _dtype_enum(value: int) -> Any:
    return pb.EMBEDDING_DTYPE_FLOAT32 if value == pb.EMBEDDING_DTYPE_UNSPECIFIED else value


def check_collection(name: str, field: str = "collection") -> str:
    """The collection name if it is a safe key component."""
    if not is_valid_name(name):
        raise InvalidArgument(f"must match {NAME_PATTERN}", field=field)
    return name


def decode_vectors(raw: bytes, n: int, dimension: int, field: str) -> npt.NDArray[np.float32]:
    """``n x dimension`` float32 from packed little-endian bytes; rejects a bad length or non-finite value."""
    if dimension < 1 or dimension > MAX_DIMENSION:
        raise InvalidArgument(f"must be in [1, {MAX_DIMENSION}], got {dimension}", field="dimension")
    expected = n * dimension * 4
    if len(raw) != expected:
        raise InvalidArgument(
            f"has {len(raw)} bytes, expected {expected} ({n} x {dimension} float32)", field=field
        )
    arr = np.frombuffer(raw, dtype="<f4").reshape(n, dimension)
    if arr.size and not np.isfinite(arr.sum(dtype=np.float64)):
        bad = np.flatnonzero(~np.isfinite(arr).all(axis=1))
        if bad.size:
            raise InvalidArgument("vector has a NaN or infinite value", field=f"{field}[{int(bad[0])}]")
    return arr.astype(np.float32, copy=False)


def vector_keys(prefix: str, ids: Sequence[str]) -> list[str]:
    """The store key of each ID's vector: ``prefix`` + the first 32 hex digits of its SHA-256."""
    return [prefix + h.hexdigest()[:32] for h in map(hashlib.sha256, map(str.encode, ids))]


def encode_items(keys: list[str], ids: Sequence[str], vectors: npt.NDArray[Any]) -> dict[str, bytes]:
    """key -> the row's vector bytes followed by its UTF-8 asset ID (what ``decode_rows`` reads)."""
    flat = vectors.tobytes()
    rb = vectors.shape[1] * vectors.dtype.itemsize
    return {
        k: flat[j * rb : (j + 1) * rb] + i.encode() for j, (k, i) in enumerate(zip(keys, ids, strict=True))
    }


def decode_rows(
    values: list[bytes | None], ids: Sequence[str], row_bytes: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.uint8]]:
    """(found, ``len(ids) x row_bytes`` vector bytes, zero where not found) from stored values.

    A value is found when it is the row's bytes followed by exactly its asset ID's UTF-8 (anything else,
    a hash collision included, reads as missing). Rows are checked in bulk per ID length: the values of
    one length joined are an ``m x (row_bytes + length)`` matrix whose tail columns must equal the IDs.
    """
    n = len(ids)
    vals = [b"" if v is None else v for v in values]
    enc = [i.encode() for i in ids]
    id_len = np.fromiter(map(len, enc), dtype=np.int64, count=n)
    ok = np.fromiter(map(len, vals), dtype=np.int64, count=n) == id_len + row_bytes
    found = np.zeros(n, dtype=bool)
    out: npt.NDArray[np.uint8] | None = None
    for length in np.unique(id_len[ok]).tolist():
        rows = np.flatnonzero(ok & (id_len == length))
        picked = rows.tolist() if rows.size < n else None  # None: every row
        block = np.frombuffer(b"".join(vals if picked is None else [vals[r] for r in picked]), dtype=np.uint8)
        block = block.reshape(-1, row_bytes + length)
        names = np.frombuffer(b"".join(enc if picked is None else [enc[r] for r in picked]), dtype=np.uint8)
        names = names.reshape(-1, length)
        match = (block[:, row_bytes:] == names).all(axis=1)
        if rows.size == n and match.all():  # every ID found, all of one length: the block is the answer
            return match, np.ascontiguousarray(block[:, :row_bytes])
        found[rows[match]] = True
        if out is None:
            out = np.zeros((n, row_bytes), dtype=np.uint8)
        out[rows[match]] = block[match, :row_bytes]
    return found, np.zeros((n, row_bytes), dtype=np.uint8) if out is None else out


async def _to_thread(fn: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(fn, *args)


class EmbeddingStore:
    """Collections of vectors of one namespace in a ``Store``.

    ``run`` takes the blocking work of a large put or get (hashing each ID into its key, encoding and
    decoding the values) off the event loop: the request's ``Host.run`` (``store_for``), else a thread.
    """

    def __init__(self, store: Store, namespace: str, run: Runner | None = None) -> None:
        self.store = store
        self.namespace = namespace
        self._runner: Runner = run or _to_thread

    async def _run(self, n: int, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)``: inline for fewer than ``INLINE_IDS`` IDs, else through the runner."""
        return fn(*args) if n < INLINE_IDS else await self._runner(fn, *args)

    def _header_key(self, collection: str) -> str:
        return f"{self.namespace}:emb:{collection}:header"

    async def _vector_keys(self, collection: str, generation: str, ids: Sequence[str]) -> list[str]:
        prefix = f"{self.namespace}:emb:{collection}:{generation}:"
        keys: list[str] = await self._run(len(ids), vector_keys, prefix, ids)
        return keys

    async def header(self, collection: str) -> ipb.EmbeddingCollectionHeader | None:
        raw = await self.store.get(self._header_key(collection))
        if raw is None:
            return None
        try:
            return ipb.EmbeddingCollectionHeader.FromString(raw)
        except Exception:  # a corrupt header reads as absent
            return None

    async def require(self, collection: str) -> ipb.EmbeddingCollectionHeader:
        head = await self.header(collection)
        if head is None:
            raise NotFound(COLLECTION_NOT_FOUND)
        return head

    async def _get_many(self, keys: list[str]) -> list[bytes | None]:
        out: list[bytes | None] = []
        for c0 in range(0, len(keys), CHUNK):
            if c0:
                await asyncio.sleep(0)  # an in-process store answers without yielding: let others run
            out.extend(await self.store.get_many(keys[c0 : c0 + CHUNK]))
        return out

    async def put(
        self,
        collection: str,
        dimension: int,
        dtype: int,
        ids: Sequence[str],
        vectors: npt.NDArray[np.float32],
    ) -> tuple[int, bool, ipb.EmbeddingCollectionHeader]:
        """Store ``vectors`` (n x dimension) under ``ids``, all or none; (stored, created, header)."""
        kind = _dtype_enum(dtype)
        head = await self.header(collection)
        created = head is None
        if head is None:
            head = ipb.EmbeddingCollectionHeader(
                dimension=dimension, dtype=kind, generation=secrets.token_hex(8)
            )
        else:
            if head.dimension != dimension:
                raise InvalidArgument(
                    f"collection {collection!r} has dimension {head.dimension}, got {dimension}",
                    field="dimension",
                )
            if _dtype_enum(head.dtype) != kind:
                raise InvalidArgument(f"collection {collection!r} has a different dtype", field="dtype")
        raw = np.ascontiguousarray(vectors, dtype=_DTYPES[kind])
        keys = await self._vector_keys(collection, head.generation, ids)
        items: dict[str, bytes] = await self._run(len(keys), encode_items, keys, ids, raw)
        items[self._header_key(collection)] = head.SerializeToString()
        await self.store.put_many(items)
        return len(keys), created, head

    async def get(
        self, collection: str, ids: Sequence[str]
    ) -> tuple[ipb.EmbeddingCollectionHeader, npt.NDArray[np.bool_], npt.NDArray[np.float32]]:
        """(header, found mask, n x dimension float32 with zero rows where not found)."""
        head = await self.require(collection)
        dt = _DTYPES[_dtype_enum(head.dtype)]
        row_bytes = head.dimension * dt.itemsize
        values = await self._get_many(await self._vector_keys(collection, head.generation, ids))
        found, rows = await self._run(len(ids), decode_rows, values, ids, row_bytes)
        vecs = rows.view(dt).astype(np.float32, copy=False)
        return head, found, vecs

    async def delete(self, collection: str, ids: Sequence[str]) -> int:
        head = await self.require(collection)
        return await self.store.delete_many(await self._vector_keys(collection, head.generation, ids))

    async def delete_collection(self, collection: str) -> bool:
        """Delete every key of the collection - its header and the vectors of every generation, including
        any a delete that failed half-way or two racing creations left behind; whether it existed."""
        head = await self.header(collection)
        await self.store.delete_prefix(f"{self.namespace}:emb:{collection}:")
        return head is not None


def store_for(host: Host, ctx: Context) -> EmbeddingStore:
    """The embedding collections of the request's namespace, in the seam's store (large reads and writes
    encoded and decoded in the seam's worker pool, under the request's deadline)."""
    return EmbeddingStore(host.store, ctx.namespace, partial(host.run, ctx=ctx))


def _ids(values: Sequence[str], field: str = "asset_ids") -> list[str]:
    check_non_empty(len(values), field)
    unique_strings(values, field, allow_empty=False)
    return list(values)


async def put_embeddings(
    ops: Host, request: pb.PutEmbeddingsRequest, ctx: Context
) -> pb.PutEmbeddingsResponse:
    collection = check_collection(request.collection)
    if request.dtype not in _DTYPES and request.dtype != pb.EMBEDDING_DTYPE_UNSPECIFIED:
        raise InvalidArgument(f"unknown dtype {request.dtype}", field="dtype")
    ids = _ids(request.asset_ids)
    vectors = decode_vectors(request.vectors, len(ids), request.dimension, "vectors")
    stored, created, head = await store_for(ops, ctx).put(
        collection, request.dimension, request.dtype, ids, vectors
    )
    return pb.PutEmbeddingsResponse(
        collection=collection,
        dimension=head.dimension,
        dtype=_dtype_enum(head.dtype),
        stored=stored,
        created=created,
    )


async def get_embeddings(
    ops: Host, request: pb.GetEmbeddingsRequest, ctx: Context
) -> pb.GetEmbeddingsResponse:
    collection = check_collection(request.collection)
    ids = _ids(request.asset_ids)
    store = store_for(ops, ctx)
    ops.check_cost(read_cost(ids, (await store.require(collection)).dimension), field="asset_ids")
    head, found, vecs = await store.get(collection, ids)
    rows = np.flatnonzero(found)
    return pb.GetEmbeddingsResponse(
        collection=collection,
        dimension=head.dimension,
        dtype=_dtype_enum(head.dtype),
        asset_ids=[ids[i] for i in rows],
        vectors=np.ascontiguousarray(vecs[rows], dtype="<f4").tobytes(),
        missing_ids=[ids[i] for i in np.flatnonzero(~found)],
    )


async def delete_embeddings(
    ops: Host, request: pb.DeleteEmbeddingsRequest, ctx: Context
) -> pb.DeleteEmbeddingsResponse:
    collection = check_collection(request.collection)
    store = store_for(ops, ctx)
    deleted = 0
    if request.asset_ids:
        ids = _ids(request.asset_ids)  # their cost is the request's own: no vector is read to delete it
        deleted = await store.delete(collection, ids)
    dropped = False
    if request.delete_collection:
        dropped = await store.delete_collection(collection)
        if not dropped and not request.asset_ids:
            raise NotFound(COLLECTION_NOT_FOUND)
    elif not request.asset_ids:
        raise InvalidArgument("name asset_ids or set delete_collection", field="asset_ids")
    return pb.DeleteEmbeddingsResponse(deleted=deleted, collection_deleted=dropped)


SPECS: list[OperationSpec[Any, Any, Any]] = [
    OperationSpec(
        name=f"{SERVICE}/PutEmbeddings",
        request_type=pb.PutEmbeddingsRequest,
        response_type=pb.PutEmbeddingsResponse,
        handle=put_embeddings,
        cost=lambda r: put_cost(list(r.asset_ids), int(r.dimension)),
        scope=Scope.WRITE,
    ),
    OperationSpec(
        name=f"{SERVICE}/GetEmbeddings",
        request_type=pb.GetEmbeddingsRequest,
        response_type=pb.GetEmbeddingsResponse,
        handle=get_embeddings,
        # The vectors' cost needs the collection's dimension: checked once its header is read.
        cost=lambda r: request_ids_cost(list(r.asset_ids)),
    ),
    OperationSpec(
        name=f"{SERVICE}/DeleteEmbeddings",
        request_type=pb.DeleteEmbeddingsRequest,
        response_type=pb.DeleteEmbeddingsResponse,
        handle=delete_embeddings,
        cost=lambda r: request_ids_cost(list(r.asset_ids)) if len(r.asset_ids) else Cost(0),
        scope=Scope.WRITE,
    ),
]
