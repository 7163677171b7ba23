"""Select with the typicality strategy through the ops seam: picks, the cached clustering reused across
labeled sets, field-named refusals, and the same answer over REST and gRPC."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from curation.cache.memory import MemoryCache
from curation.errors import InvalidArgument, LimitExceeded
from curation.ops import Context, Operations
from curation.ops import embeddings as emb_ops
from curation.ops import sampling as ops_mod
from curation.ops.sampling import limits as lim
from curation.v1 import embeddings_pb2 as epb
from curation.v1 import sampling_pb2 as pb
from tests.ops.both_protocols import both_protocols
from tests.support import answer

CTX = Context(namespace="t")
SIZES = (30, 20, 14, 10)
D = 4


@pytest.fixture
def ops() -> Iterator[Operations]:
    cache = MemoryCache(max_bytes=64 << 20, max_entry_bytes=8 << 20)
    o = Operations([*ops_mod.SPECS, *emb_ops.SPECS], cache, workers=1)
    yield o
    o.close()


def blobs() -> tuple[list[str], np.ndarray, list[str]]:
    """Separated blobs of SIZES rows, each a center row, a core of 8 rows at +-0.05 along each axis (so
    the center is the strictly densest row) and the rest at radius 2-4."""
    rng = np.random.default_rng(0)
    parts, centers = [], []
    for b, m in enumerate(SIZES):
        c = np.zeros(D)
        c[b] = 50.0
        dirs = rng.normal(size=(m - 1, D))
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        core = np.vstack([np.eye(D), -np.eye(D)]) * 0.05
        far = dirs[: m - 1 - 2 * D] * rng.uniform(2, 4, (m - 1 - 2 * D, 1))
        centers.append(sum(SIZES[:b]))
        parts.append(np.vstack([c, c + core, c + far]))
    x = np.vstack(parts).astype(np.float32)
    ids = [f"b{i:03d}" for i in range(x.shape[0])]
    return ids, x, [ids[c] for c in centers]


def typicality(clusters: int = 0, typicality_neighbors: int = 3) -> pb.SamplingStrategy:
    return pb.SamplingStrategy(
        kind=pb.STRATEGY_KIND_TYPICALITY, clusters=clusters, typicality_neighbors=typicality_neighbors
    )


def request(labeled: list[str] | None = None, inline: bool = True, **fields: object) -> pb.SelectRequest:
    ids, x, _ = blobs()
    req = pb.SelectRequest(asset_ids=ids, budget=4, seed=5, strategies=[typicality(clusters=4)])
    req.labeled_ids.extend(labeled or [])
    if inline:
        req.embeddings = x.tobytes()
        req.embedding_dimension = D
    for key, value in fields.items():
        if isinstance(value, list):
            del getattr(req, key)[:]
            getattr(req, key).extend(value)
        else:
            setattr(req, key, value)
    return req


async def test_picks_each_blobs_dense_center_largest_first(ops: Operations, kmeans_runs: list[int]) -> None:
    r = await answer(ops, ops_mod.SELECT, request(), pb.SelectResponse, CTX)
    assert [s.asset_id for s in r.selected] == blobs()[2]
    assert {s.strategy for s in r.selected} == {"typicality"} and all(s.score > 0 for s in r.selected)
    assert not any(s.HasField("nearest_distance") for s in r.selected)
    assert kmeans_runs == [4]


async def test_another_labeled_set_reuses_the_cached_clustering(
    ops: Operations, kmeans_runs: list[int]
) -> None:
    ids, _, centers = blobs()
    first = await answer(ops, ops_mod.SELECT, request(labeled=[ids[5]], budget=3), pb.SelectResponse, CTX)
    second = await answer(ops, ops_mod.SELECT, request(labeled=[ids[33]], budget=3), pb.SelectResponse, CTX)
    assert kmeans_runs == [4]  # |labeled| + budget = 4 both times: one k-means
    assert [s.asset_id for s in first.selected] == centers[1:]
    assert [s.asset_id for s in second.selected] == [centers[0], *centers[2:]]
    assert not second.cache.cached  # the selection itself is new; only its clustering was reused
    # Another seed is another training sample: a new clustering.
    await answer(ops, ops_mod.SELECT, request(labeled=[ids[5]], budget=3, seed=6), pb.SelectResponse, CTX)
    assert kmeans_runs == [4, 4]


async def test_a_stored_pool_reuses_its_clustering_across_labeled_sets(
    ops: Operations, kmeans_runs: list[int]
) -> None:
    ids, x, centers = blobs()
    put = epb.PutEmbeddingsRequest(collection="pool", dimension=D, asset_ids=ids, vectors=x.tobytes())
    await ops.dispatch(emb_ops.SPECS[0].name, put, CTX)
    a = await answer(ops, ops_mod.SELECT, request(inline=False, collection="pool"), pb.SelectResponse, CTX)
    b = await answer(
        ops,
        ops_mod.SELECT,
        request(inline=False, collection="pool", labeled=[ids[40]], budget=3),
        pb.SelectResponse,
        CTX,
    )
    assert [s.asset_id for s in a.selected] == centers
    assert [s.asset_id for s in b.selected] == [centers[0], *centers[2:]]
    assert kmeans_runs == [4]


@pytest.mark.parametrize(
    ("strategy", "field"),
    [
        (typicality(clusters=lim.MAX_CLUSTERS + 1), "strategies[0].clusters"),
        (
            typicality(typicality_neighbors=lim.MAX_TYPICALITY_NEIGHBORS + 1),
            "strategies[0].typicality_neighbors",
        ),
    ],
)
async def test_limits_are_refused_by_field(
    ops: Operations, strategy: pb.SamplingStrategy, field: str
) -> None:
    with pytest.raises(LimitExceeded) as err:
        await ops.dispatch(ops_mod.SELECT, request(strategies=[strategy]), CTX)
    assert err.value.field == field


async def test_clustering_work_is_refused_before_anything_is_read(ops: Operations) -> None:
    req = pb.SelectRequest(
        asset_ids=[f"a{i}" for i in range(200_000)],
        budget=5_000,
        embeddings=b"\0" * 4,
        embedding_dimension=1024,
        strategies=[typicality(clusters=lim.MAX_CLUSTERS)],
    )
    with pytest.raises(LimitExceeded) as err:
        await ops.dispatch(ops_mod.SELECT, req, CTX)
    assert err.value.field == "strategies[0].clusters"


@pytest.mark.parametrize("name", ["clusters", "typicality_neighbors"])
async def test_negative_options_are_invalid(ops: Operations, name: str) -> None:
    s = typicality()
    setattr(s, name, -1)
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(ops_mod.SELECT, request(strategies=[s]), CTX)
    assert err.value.field == f"strategies[0].{name}"


async def test_needs_embeddings(ops: Operations) -> None:
    with pytest.raises(InvalidArgument, match="'typicality' needs embeddings"):
        await ops.dispatch(ops_mod.SELECT, request(inline=False), CTX)


async def test_same_answer_over_rest_and_grpc() -> None:
    """The typicality Select on either protocol: the same picks, scores and cache key."""
    async with both_protocols([*ops_mod.SPECS, *emb_ops.SPECS]) as both:
        rest, _ = await both.select_both(request())
        assert [s["assetId"] if "assetId" in s else s["asset_id"] for s in rest["selected"]] == blobs()[2]
        bad = await both.select_rest(request(strategies=[typicality(clusters=lim.MAX_CLUSTERS + 1)]))
        assert bad.status_code in (400, 413, 429) and "strategies[0].clusters" in bad.text
