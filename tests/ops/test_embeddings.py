"""The embedding store through the ops seam: put/get/delete, collection rules, bad input, isolation."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest

from curation.cache.memory import MemoryCache
from curation.errors import InvalidArgument, NotFound
from curation.ops import Context, Operations
from curation.ops import embeddings as emb_ops
from curation.v1 import embeddings_pb2 as pb
from tests.support import answer

PUT = "curation.v1.EmbeddingService/PutEmbeddings"
GET = "curation.v1.EmbeddingService/GetEmbeddings"
DELETE = "curation.v1.EmbeddingService/DeleteEmbeddings"
CTX = Context(namespace="team-a")


@pytest.fixture
def ops() -> Iterator[Operations]:
    cache = MemoryCache(max_bytes=64 << 20, max_entry_bytes=1 << 20)
    o = Operations(emb_ops.SPECS, cache, workers=1)
    yield o
    o.close()


def put_request(
    ids: list[str],
    vecs: npt.NDArray[np.floating],
    *,
    collection: str = "c1",
    dimension: int | None = None,
    dtype: pb.EmbeddingDtype = pb.EMBEDDING_DTYPE_UNSPECIFIED,
) -> pb.PutEmbeddingsRequest:
    """A put of ``vecs`` (as little-endian float32) into ``collection``; ``dimension`` defaults to theirs."""
    return pb.PutEmbeddingsRequest(
        collection=collection,
        dimension=vecs.shape[1] if dimension is None else dimension,
        asset_ids=ids,
        vectors=np.ascontiguousarray(vecs, dtype="<f4").tobytes(),
        dtype=dtype,
    )


async def test_put_get_roundtrip_and_missing(ops: Operations) -> None:
    vecs = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    ids = [f"a{i}" for i in range(5)]
    r = await answer(ops, PUT, put_request(ids, vecs), pb.PutEmbeddingsResponse, CTX)
    assert r.created and r.stored == 5 and r.dimension == 3 and r.dtype == pb.EMBEDDING_DTYPE_FLOAT32
    got = await answer(
        ops,
        GET,
        pb.GetEmbeddingsRequest(collection="c1", asset_ids=["a3", "zz", "a0"]),
        pb.GetEmbeddingsResponse,
        CTX,
    )
    assert list(got.asset_ids) == ["a3", "a0"] and list(got.missing_ids) == ["zz"]
    np.testing.assert_array_equal(np.frombuffer(got.vectors, "<f4").reshape(2, 3), vecs[[3, 0]])
    again = await answer(ops, PUT, put_request(["a0"], vecs[:1] * 2), pb.PutEmbeddingsResponse, CTX)
    assert not again.created
    got = await answer(
        ops, GET, pb.GetEmbeddingsRequest(collection="c1", asset_ids=["a0"]), pb.GetEmbeddingsResponse, CTX
    )
    np.testing.assert_array_equal(np.frombuffer(got.vectors, "<f4"), vecs[0] * 2)


async def test_float16_collection_rounds(ops: Operations) -> None:
    vecs = np.array([[0.1, 1 / 3]], dtype=np.float32)
    await ops.dispatch(PUT, put_request(["x"], vecs, collection="h", dtype=pb.EMBEDDING_DTYPE_FLOAT16), CTX)
    got = await answer(
        ops, GET, pb.GetEmbeddingsRequest(collection="h", asset_ids=["x"]), pb.GetEmbeddingsResponse, CTX
    )
    np.testing.assert_array_equal(
        np.frombuffer(got.vectors, "<f4"), vecs[0].astype(np.float16).astype(np.float32)
    )


async def test_namespaces_are_isolated(ops: Operations) -> None:
    await ops.dispatch(PUT, put_request(["a"], np.ones((1, 2))), CTX)
    with pytest.raises(NotFound):
        await ops.dispatch(
            GET, pb.GetEmbeddingsRequest(collection="c1", asset_ids=["a"]), Context(namespace="b")
        )


async def test_delete_ids_and_collection(ops: Operations) -> None:
    await ops.dispatch(PUT, put_request(["a", "b"], np.ones((2, 2))), CTX)
    r = await answer(
        ops,
        DELETE,
        pb.DeleteEmbeddingsRequest(collection="c1", asset_ids=["a", "q"]),
        pb.DeleteEmbeddingsResponse,
        CTX,
    )
    assert r.deleted == 1
    got = await answer(
        ops,
        GET,
        pb.GetEmbeddingsRequest(collection="c1", asset_ids=["a", "b"]),
        pb.GetEmbeddingsResponse,
        CTX,
    )
    assert list(got.missing_ids) == ["a"]
    r = await answer(
        ops,
        DELETE,
        pb.DeleteEmbeddingsRequest(collection="c1", delete_collection=True),
        pb.DeleteEmbeddingsResponse,
        CTX,
    )
    assert r.collection_deleted
    with pytest.raises(NotFound):
        await ops.dispatch(GET, pb.GetEmbeddingsRequest(collection="c1", asset_ids=["b"]), CTX)
    # Re-created with another dimension: the old vectors are unreachable.
    await ops.dispatch(PUT, put_request(["z"], np.ones((1, 4))), CTX)
    got = await answer(
        ops, GET, pb.GetEmbeddingsRequest(collection="c1", asset_ids=["b"]), pb.GetEmbeddingsResponse, CTX
    )
    assert list(got.missing_ids) == ["b"]


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (put_request(["a"], np.ones((1, 3)), dimension=2), "vectors"),
        (put_request(["a", "b"], np.array([[1.0, np.nan], [1, 1]])), "vectors[0]"),
        (put_request(["a"], np.ones((1, 2)), collection="bad name"), "collection"),
        (put_request(["a", "a"], np.ones((2, 2))), "asset_ids[1]"),
        (put_request([], np.ones((0, 2))), "asset_ids"),
        (put_request(["a"], np.ones((1, 0)), dimension=0), "dimension"),
    ],
)
async def test_bad_put(ops: Operations, request_: pb.PutEmbeddingsRequest, field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(PUT, request_, CTX)
    assert err.value.field == field


async def test_dimension_and_dtype_fixed_per_collection(ops: Operations) -> None:
    await ops.dispatch(PUT, put_request(["a"], np.ones((1, 2))), CTX)
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(PUT, put_request(["b"], np.ones((1, 3))), CTX)
    assert err.value.field == "dimension"
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(PUT, put_request(["b"], np.ones((1, 2)), dtype=pb.EMBEDDING_DTYPE_FLOAT16), CTX)
    assert err.value.field == "dtype"


async def test_unknown_collection_delete(ops: Operations) -> None:
    with pytest.raises(NotFound):
        await ops.dispatch(DELETE, pb.DeleteEmbeddingsRequest(collection="nope", delete_collection=True), CTX)
    with pytest.raises(InvalidArgument):
        await ops.dispatch(PUT, put_request(["a"], np.ones((1, 2))), CTX)
        await ops.dispatch(DELETE, pb.DeleteEmbeddingsRequest(collection="c1"), CTX)
