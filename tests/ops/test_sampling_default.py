"""The adaptive default through the seam and both protocols: its regime in the response, the cold start's
clustering cached like an explicit typicality strategy's, the same answer over REST and gRPC."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from curation.cache.memory import MemoryCache
from curation.ops import Context, Operations
from curation.ops import embeddings as emb_ops
from curation.ops import sampling as ops_mod
from curation.v1 import sampling_pb2 as pb
from tests.ops.both_protocols import both_protocols
from tests.support import answer

CTX = Context(namespace="t")
N, K, D = 90, 3, 6


@pytest.fixture
def ops() -> Iterator[Operations]:
    cache = MemoryCache(max_bytes=64 << 20, max_entry_bytes=8 << 20)
    o = Operations([*ops_mod.SPECS, *emb_ops.SPECS], cache, workers=1)
    yield o
    o.close()


def request(labeled: int, separable: bool, **fields: object) -> pb.SelectRequest:
    """Three classes of embeddings, far apart (a reliable model) or on top of each other (an unreliable
    one); the first ``labeled`` assets labeled, with their labels."""
    rng = np.random.default_rng(0)
    y = np.arange(N) % K
    centers = np.eye(K, D) * (30.0 if separable else 0.0)
    x = (centers[y] + rng.normal(size=(N, D))).astype(np.float32)
    p = rng.dirichlet(np.ones(K), size=N).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    req = pb.SelectRequest(
        asset_ids=[f"a{i}" for i in range(N)],
        num_classes=K,
        scores=p.ravel().tolist(),
        labels=[int(v) if i < labeled else -1 for i, v in enumerate(y)],
        labeled_ids=[f"a{i}" for i in range(labeled)],
        embeddings=x.tobytes(),
        embedding_dimension=D,
        budget=6,
        seed=3,
    )
    for key, value in fields.items():
        setattr(req, key, value)
    return req


async def test_unreliable_model_is_a_cold_start(ops: Operations, kmeans_runs: list[int]) -> None:
    r = await answer(ops, ops_mod.SELECT, request(30, separable=False), pb.SelectResponse, CTX)
    assert r.regime.regime == "cold_start" and r.regime.source == "probe" and r.regime.labeled == 30
    assert r.regime.kappa <= 0.35 and "linear probe" in r.regime.reason
    assert {s.strategy for s in r.selected} == {"typicality"} and len(r.selected) == 6
    assert all(
        s.reason.startswith("typicality") and "default regime cold_start" in s.reason for s in r.selected
    )
    assert kmeans_runs == [36]  # |labeled| + budget clusters
    # Another budget split of the same pool and labeled set: the result differs, the clustering does not.
    again = await answer(ops, ops_mod.SELECT, request(30, False, seed=3, budget=6), pb.SelectResponse, CTX)
    assert again.cache.cached and kmeans_runs == [36]


async def test_reliable_model_is_uncertainty(ops: Operations, kmeans_runs: list[int]) -> None:
    r = await answer(ops, ops_mod.SELECT, request(30, separable=True), pb.SelectResponse, CTX)
    assert (r.regime.regime, r.regime.accuracy, r.regime.kappa) == ("uncertainty", 1.0, 1.0)
    assert [o.strategy for o in r.strategies] == ["margin"] and r.HasField("dedup_threshold")
    assert kmeans_runs == []  # the pre-pass saw no typicality coming: no clustering read or made


async def test_same_default_over_rest_and_grpc() -> None:
    async with both_protocols([*ops_mod.SPECS, *emb_ops.SPECS]) as both:
        rest, _ = await both.select_both(request(30, separable=False))
        assert rest["regime"]["regime"] == "cold_start" and "kappa" in rest["regime"]
        assert all("default regime cold_start" in s["reason"] for s in rest["selected"])
