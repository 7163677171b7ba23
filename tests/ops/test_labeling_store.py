"""ApplyLabelingFunctions reading embeddings from the embedding store (``embedding_collection``).

Vectors go into a collection through the EmbeddingService op; similarity LFs then name exemplar asset
IDs that only the store holds, or the request sends no inline embeddings at all. Votes are checked
against cosine similarity computed here; the cache must follow the collection's contents.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from curation.cache.memory import MemoryCache
from curation.errors import InvalidArgument, NotFound
from curation.ops import Context, Operations
from curation.ops import embeddings as emb_ops
from curation.ops import labeling as lf_ops
from curation.ops.keys import canonical_bytes, key_digest
from curation.v1 import embeddings_pb2 as epb
from curation.v1 import labeling_pb2 as pb
from tests.support import answer

PUT = "curation.v1.EmbeddingService/PutEmbeddings"
DELETE = "curation.v1.EmbeddingService/DeleteEmbeddings"
CTX = Context(namespace="team-a")
N, DIM = 40, 8
ASSETS = [f"img-{i}" for i in range(N)]
EXEMPLARS = ["ex-0", "ex-1", "ex-2"]


@pytest.fixture
def seam() -> Iterator[Operations]:
    cache = MemoryCache(max_bytes=64 << 20, max_entry_bytes=1 << 20)
    o = Operations([*emb_ops.SPECS, *lf_ops.SPECS], cache, workers=1)
    yield o
    o.close()


def vectors(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Asset vectors clustered around three exemplars (so some LFs fire and some do not)."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(3, DIM)).astype(np.float32)
    assets = centers[rng.integers(0, 3, N)] + 0.6 * rng.normal(size=(N, DIM)).astype(np.float32)
    return assets.astype(np.float32), centers


async def put(seam: Operations, ids: list[str], vecs: np.ndarray, collection: str = "c1") -> None:
    await seam.dispatch(
        PUT,
        epb.PutEmbeddingsRequest(
            collection=collection,
            dimension=vecs.shape[1],
            asset_ids=ids,
            vectors=np.ascontiguousarray(vecs, dtype="<f4").tobytes(),
        ),
        CTX,
    )


def request(
    exemplars: list[list[str]], *, inline: np.ndarray | None = None, collection: str = "c1"
) -> pb.ApplyLabelingFunctionsRequest:
    req = pb.ApplyLabelingFunctionsRequest(
        class_names=["a", "b", "c"], asset_ids=ASSETS, embedding_collection=collection
    )
    if inline is not None:
        req.embeddings.extend(inline.reshape(-1).tolist())
        req.embedding_dim = inline.shape[1]
    for j, ids in enumerate(exemplars):
        req.labeling_functions.add(name=f"near-{j}", label=j % 3).rule.similarity.CopyFrom(
            pb.SimilarityRule(exemplar_asset_ids=ids, threshold=0.7)
        )
    return req


def expected(assets: np.ndarray, exemplars: list[np.ndarray]) -> np.ndarray:
    """n x m dense votes: LF j votes j % 3 where max cosine to its exemplars >= 0.7."""
    a = assets / np.linalg.norm(assets, axis=1, keepdims=True)
    out = np.full((assets.shape[0], len(exemplars)), -1)
    for j, ex in enumerate(exemplars):
        e = ex / np.linalg.norm(ex, axis=1, keepdims=True)
        out[(a @ e.T).max(axis=1) >= 0.7, j] = j % 3
    return out


def dense(m: pb.LabelMatrix) -> np.ndarray:
    L = np.full((m.num_rows, m.num_functions), -1)
    L[list(m.rows), list(m.functions)] = list(m.labels)
    return L


async def test_exemplars_and_assets_from_the_store(seam: Operations) -> None:
    assets, centers = vectors(0)
    await put(seam, ASSETS, assets)
    await put(seam, EXEMPLARS, centers)
    # ex-* are only in the store; img-3 is an asset of the request (its stored vector is used).
    lfs = [["ex-0"], ["ex-1", "img-3"], ["ex-2", "ex-0"]]
    r = await answer(seam, lf_ops.APPLY, request(lfs), pb.ApplyLabelingFunctionsResponse, CTX)
    want = expected(assets, [centers[[0]], np.stack([centers[1], assets[3]]), centers[[2, 0]]])
    np.testing.assert_array_equal(dense(r.label_matrix), want)
    assert 0 < (want >= 0).sum() < want.size
    assert [c.votes for c in r.counts] == (want >= 0).sum(axis=0).tolist()
    assert not r.cache.cached
    again = await answer(seam, lf_ops.APPLY, request(lfs), pb.ApplyLabelingFunctionsResponse, CTX)
    assert again.cache.cached and again.cache.key_digest == r.cache.key_digest


async def test_inline_embeddings_with_store_exemplars(seam: Operations) -> None:
    assets, centers = vectors(1)
    await put(seam, EXEMPLARS, centers)  # the request's assets are not in the store at all
    r = await answer(
        seam,
        lf_ops.APPLY,
        request([["ex-1"], ["img-0"]], inline=assets),
        pb.ApplyLabelingFunctionsResponse,
        CTX,
    )
    np.testing.assert_array_equal(dense(r.label_matrix), expected(assets, [centers[[1]], assets[[0]]]))
    with pytest.raises(InvalidArgument) as err:
        await seam.dispatch(lf_ops.APPLY, request([["ex-1"]], inline=assets[:, :4]), CTX)
    assert err.value.field == "embedding_dim"


async def test_changed_collection_is_recomputed(seam: Operations) -> None:
    assets, centers = vectors(2)
    await put(seam, ASSETS, assets)
    await put(seam, EXEMPLARS, centers)
    first = await answer(seam, lf_ops.APPLY, request([["ex-0"]]), pb.ApplyLabelingFunctionsResponse, CTX)
    # Same generation, one exemplar's vector overwritten: a new key and the new votes.
    await put(seam, ["ex-0"], centers[[1]])
    moved = await answer(seam, lf_ops.APPLY, request([["ex-0"]]), pb.ApplyLabelingFunctionsResponse, CTX)
    assert not moved.cache.cached and moved.cache.key_digest != first.cache.key_digest
    np.testing.assert_array_equal(dense(moved.label_matrix), expected(assets, [centers[[1]]]))
    assert dense(moved.label_matrix).tolist() != dense(first.label_matrix).tolist()
    # An asset's vector overwritten: recomputed too.
    await put(seam, ["img-5"], centers[[0]])
    changed = assets.copy()
    changed[5] = centers[0]
    asset_moved = await answer(
        seam, lf_ops.APPLY, request([["ex-0"]]), pb.ApplyLabelingFunctionsResponse, CTX
    )
    assert not asset_moved.cache.cached
    np.testing.assert_array_equal(dense(asset_moved.label_matrix), expected(changed, [centers[[1]]]))
    # Deleted and re-created with the same vectors: a new generation, so a new key.
    await seam.dispatch(DELETE, epb.DeleteEmbeddingsRequest(collection="c1", delete_collection=True), CTX)
    await put(seam, ASSETS, changed)
    await put(seam, EXEMPLARS, np.stack([centers[1], centers[1], centers[2]]))
    recreated = await answer(seam, lf_ops.APPLY, request([["ex-0"]]), pb.ApplyLabelingFunctionsResponse, CTX)
    assert not recreated.cache.cached and recreated.cache.key_digest != asset_moved.cache.key_digest
    assert recreated.label_matrix == asset_moved.label_matrix


async def test_missing_vectors_name_the_field(seam: Operations) -> None:
    assets, centers = vectors(3)
    await put(seam, ASSETS, assets)
    await put(seam, EXEMPLARS[:2], centers[:2])
    req = request([["ex-0"], ["ex-1"]])
    nested = req.labeling_functions[1].rule
    nested.ClearField("similarity")
    nested.all.rules.add().exists.key = "unused"
    nested.all.rules.add().negation.similarity.CopyFrom(
        pb.SimilarityRule(exemplar_asset_ids=["ex-1", "ex-2"], threshold=0.5)
    )
    with pytest.raises(InvalidArgument) as err:
        await seam.dispatch(lf_ops.APPLY, req, CTX)
    assert (
        err.value.field == "labeling_functions[1].rule.all.rules[1].negation.similarity.exemplar_asset_ids[1]"
    )
    assert "c1" in str(err.value)
    # An asset of the request with no stored vector, when none are sent inline.
    await seam.dispatch(DELETE, epb.DeleteEmbeddingsRequest(collection="c1", asset_ids=["img-7"]), CTX)
    with pytest.raises(InvalidArgument) as err:
        await seam.dispatch(lf_ops.APPLY, request([["ex-0"]]), CTX)
    assert err.value.field == "asset_ids[7]"


async def test_unknown_or_bad_collection(seam: Operations) -> None:
    with pytest.raises(NotFound):
        await seam.dispatch(lf_ops.APPLY, request([["ex-0"]], collection="nope"), CTX)
    assets, centers = vectors(4)
    await put(seam, ASSETS, assets)
    await put(seam, EXEMPLARS, centers)
    # Collections belong to a namespace.
    with pytest.raises(NotFound):
        await seam.dispatch(lf_ops.APPLY, request([["ex-0"]]), Context(namespace="team-b"))
    with pytest.raises(InvalidArgument) as err:
        await seam.dispatch(lf_ops.APPLY, request([["ex-0"]], collection="bad name"), CTX)
    assert err.value.field == "embedding_collection"


async def test_without_a_collection_the_key_is_unchanged(seam: Operations) -> None:
    """A request naming no collection keeps the cache key it had as a plain cached operation."""
    assets, _ = vectors(5)
    req = request([["img-0"]], inline=assets, collection="")
    r = await answer(seam, lf_ops.APPLY, req, pb.ApplyLabelingFunctionsResponse, CTX)
    assert r.cache.key_digest == key_digest(lf_ops.APPLY, 1, CTX.namespace, canonical_bytes(req, ()))
    np.testing.assert_array_equal(dense(r.label_matrix), expected(assets, [assets[[0]]]))
    with pytest.raises(InvalidArgument) as err:
        await seam.dispatch(lf_ops.APPLY, request([["ex-0"]], inline=assets, collection=""), CTX)
    assert err.value.field == "labeling_functions[0].rule.similarity.exemplar_asset_ids[0]"
    with pytest.raises(InvalidArgument) as err:
        await seam.dispatch(lf_ops.APPLY, request([["img-0"]], collection=""), CTX)
    assert err.value.field == "labeling_functions[0].rule.similarity"
