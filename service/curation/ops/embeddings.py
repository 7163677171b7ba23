"""The embedding store: vectors by asset ID under a named collection, kept in the service's cache.

Layout (one cache entry per collection header and one per vector, so a put or get touches only the IDs
it names and Redis ``MGET``/pipelined ``SET`` move them in one round trip per chunk):

- ``curation:{namespace}:emb:{collection}:header`` -> ``EmbeddingCollectionHeader`` (dimension, dtype,
  generation);
- ``curation:{namespace}:emb:{collection}:{generation}:{sha256(asset_id)[:32]}`` -> the vector's bytes in
  the collection dtype followed by the UTF-8 asset ID (checked on read, so a hash collision is a miss).

Deleting a collection deletes its header: the vectors, keyed by the old generation, become unreachable
at once and expire with the cache's TTL. Entries are cache entries: an LRU eviction or an expiry shows
up as a missing ID, never as a wrong vector.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.cache.base import Cache
from curation.contract import NAME_PATTERN, is_valid_name
from curation.errors import InvalidArgument, NotFound
from curation.ops._validate import check_non_empty, unique_strings
from curation.ops.embedding_limits import MAX_DIMENSION, put_cost, read_cost, request_ids_cost
from curation.ops.operation_spec import Context, Cost, Host, OperationSpec
from curation.v1 import embeddings_pb2 as pb

__all__ = ["SPECS", "EmbeddingStore", "decode_vectors"]

SERVICE = "curation.v1.EmbeddingService"
CHUNK = 10_000
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


class EmbeddingStore:
    """Collections of vectors in an async cache (``get``/``set``/``delete``, optionally ``*_many``)."""

    def __init__(self, cache: Cache, namespace: str, *, ttl_seconds: int) -> None:
        self.cache = cache
        self.namespace = namespace
        self.ttl_seconds = ttl_seconds

    def _header_key(self, collection: str) -> str:
        return f"curation:{self.namespace}:emb:{collection}:header"

    def _vector_keys(self, collection: str, generation: str, ids: Sequence[str]) -> list[str]:
        prefix = f"curation:{self.namespace}:emb:{collection}:{generation}:"
        return [prefix + hashlib.sha256(i.encode()).hexdigest()[:32] for i in ids]

    async def header(self, collection: str) -> pb.EmbeddingCollectionHeader | None:
        raw = await self.cache.get(self._header_key(collection))
        if raw is None:
            return None
        try:
            return pb.EmbeddingCollectionHeader.FromString(raw)
        except Exception:  # a corrupt header reads as absent
            return None

    async def require(self, collection: str) -> pb.EmbeddingCollectionHeader:
        head = await self.header(collection)
        if head is None:
            raise NotFound(f"no embedding collection {collection!r} (never created, deleted or expired)")
        return head

    async def _get_many(self, keys: list[str]) -> list[bytes | None]:
        out: list[bytes | None] = []
        for c0 in range(0, len(keys), CHUNK):
            out.extend(await self.cache.get_many(keys[c0 : c0 + CHUNK]))
        return out

    async def _set_many(self, items: dict[str, bytes]) -> int:
        return await self.cache.set_many(items, ttl_seconds=self.ttl_seconds)

    async def put(
        self,
        collection: str,
        dimension: int,
        dtype: int,
        ids: Sequence[str],
        vectors: npt.NDArray[np.float32],
    ) -> tuple[int, bool, pb.EmbeddingCollectionHeader]:
        """Store ``vectors`` (n x dimension) under ``ids``; (stored, created, header)."""
        kind = _dtype_enum(dtype)
        head = await self.header(collection)
        created = head is None
        if head is None:
            head = pb.EmbeddingCollectionHeader(
                dimension=dimension, dtype=kind, generation=secrets.token_hex(8)
            )
            if not await self.cache.set(
                self._header_key(collection), head.SerializeToString(), ttl_seconds=self.ttl_seconds
            ):
                raise InvalidArgument("the cache refused the collection header", field="collection")
        else:
            if head.dimension != dimension:
                raise InvalidArgument(
                    f"collection {collection!r} has dimension {head.dimension}, got {dimension}",
                    field="dimension",
                )
            if _dtype_enum(head.dtype) != kind:
                raise InvalidArgument(f"collection {collection!r} has a different dtype", field="dtype")
        raw = np.ascontiguousarray(vectors, dtype=_DTYPES[kind])
        row_bytes = raw.shape[1] * raw.dtype.itemsize
        flat = raw.tobytes()
        keys = self._vector_keys(collection, head.generation, ids)
        stored = 0
        for c0 in range(0, len(keys), CHUNK):
            items = {
                keys[i]: flat[i * row_bytes : (i + 1) * row_bytes] + ids[i].encode()
                for i in range(c0, min(c0 + CHUNK, len(keys)))
            }
            stored += await self._set_many(items)
        # Refresh the header's TTL so it outlives the vectors just written.
        await self.cache.set(
            self._header_key(collection), head.SerializeToString(), ttl_seconds=self.ttl_seconds
        )
        return stored, created, head

    async def get(
        self, collection: str, ids: Sequence[str]
    ) -> tuple[pb.EmbeddingCollectionHeader, npt.NDArray[np.bool_], npt.NDArray[np.float32]]:
        """(header, found mask, n x dimension float32 with zero rows where not found)."""
        head = await self.require(collection)
        dt = _DTYPES[_dtype_enum(head.dtype)]
        row_bytes = head.dimension * dt.itemsize
        values = await self._get_many(self._vector_keys(collection, head.generation, ids))
        found = np.zeros(len(ids), dtype=bool)
        buf = bytearray(len(ids) * row_bytes)
        for i, (value, asset) in enumerate(zip(values, ids, strict=True)):
            if value is not None and len(value) >= row_bytes and value[row_bytes:] == asset.encode():
                buf[i * row_bytes : (i + 1) * row_bytes] = value[:row_bytes]
                found[i] = True
        vecs = np.frombuffer(bytes(buf), dtype=dt).reshape(len(ids), head.dimension).astype(np.float32)
        return head, found, vecs

    async def delete(self, collection: str, ids: Sequence[str]) -> int:
        head = await self.require(collection)
        keys = self._vector_keys(collection, head.generation, ids)
        values = await self._get_many(keys)
        present = [k for k, v in zip(keys, values, strict=True) if v is not None]
        await asyncio.gather(*(self.cache.delete(k) for k in present))
        return len(present)

    async def delete_collection(self, collection: str) -> bool:
        head = await self.header(collection)
        if head is None:
            return False
        await self.cache.delete(self._header_key(collection))
        return True


def store_for(host: Host, ctx: Context) -> EmbeddingStore:
    """The store of the request's namespace over the seam's cache."""
    return EmbeddingStore(host.cache, ctx.namespace, ttl_seconds=host.ttl_seconds)


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
        ids = _ids(request.asset_ids)
        ops.check_cost(read_cost(ids, (await store.require(collection)).dimension), field="asset_ids")
        deleted = await store.delete(collection, ids)
    dropped = False
    if request.delete_collection:
        dropped = await store.delete_collection(collection)
        if not dropped and not request.asset_ids:
            raise NotFound(f"no embedding collection {collection!r}")
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
    ),
]
