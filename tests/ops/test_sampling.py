"""Select, FindNearDuplicates and Plan through the ops seam (real Operations over an in-process cache)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TypedDict, Unpack

import numpy as np
import pytest

from curation.cache.memory import MemoryCache
from curation.core.sampling import KAPPA_HIGH, KAPPA_LOW
from curation.errors import InvalidArgument, NotFound
from curation.ops import Context, Operations
from curation.ops import classification as cls_ops
from curation.ops import embeddings as emb_ops
from curation.ops import sampling as ops_mod
from curation.ops.sampling import plan
from curation.rest import protojson
from curation.v1 import classification_pb2 as cpb
from curation.v1 import common_pb2
from curation.v1 import embeddings_pb2 as epb
from curation.v1 import sampling_pb2 as pb
from tests.ops.both_protocols import both_protocols
from tests.support import answer
from tests.wire_errors import rest_error

CTX = Context(namespace="t")
N, K, D = 60, 3, 4


@pytest.fixture
def ops() -> Iterator[Operations]:
    cache = MemoryCache(max_bytes=64 << 20, max_entry_bytes=8 << 20)
    o = Operations([*ops_mod.SPECS, *emb_ops.SPECS, *cls_ops.SPECS], cache, workers=1)
    yield o
    o.close()


def data(seed: int = 0) -> tuple[list[str], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(N, K))
    p = (np.exp(logits) / np.exp(logits).sum(1, keepdims=True)).astype(np.float32)
    p /= p.sum(1, keepdims=True)
    x = rng.normal(size=(N, D)).astype(np.float32)
    return [f"a{i}" for i in range(N)], p, x


def mix() -> list[pb.SamplingStrategy]:
    return [
        pb.SamplingStrategy(kind=pb.STRATEGY_KIND_UNCERTAINTY, fraction=0.5),
        pb.SamplingStrategy(kind=pb.STRATEGY_KIND_DIVERSITY, fraction=0.3, name="k-center"),
        pb.SamplingStrategy(kind=pb.STRATEGY_KIND_RANDOM, fraction=0.2),
    ]


class SelectChanges(TypedDict, total=False):
    """Fields of the SelectRequest a test replaces (a list replaces the repeated field's contents)."""

    asset_ids: list[str]
    scores: list[float]
    embeddings: bytes
    embedding_dimension: int
    collection: str
    budget: int
    strategies: list[pb.SamplingStrategy]
    weak_labels: list[int]
    weak_label_probs: list[float]
    metadata: list[common_pb2.MetadataColumn]


def select_request(inline: bool = True, **kw: Unpack[SelectChanges]) -> pb.SelectRequest:
    ids, p, x = data()
    req = pb.SelectRequest(
        asset_ids=ids,
        num_classes=K,
        scores=p.ravel().tolist(),
        labeled_ids=["a0", "a1"],
        exclude_ids=["a2"],
        budget=10,
        seed=7,
        strategies=mix(),
    )
    if inline:
        req.embeddings = x.tobytes()
        req.embedding_dimension = D
    for key, value in kw.items():
        if isinstance(value, list):
            field = getattr(req, key)
            del field[:]
            field.extend(value)
        else:
            setattr(req, key, value)
    return req


async def test_select_returns_reasons_and_is_deterministic(ops: Operations) -> None:
    r = await answer(ops, ops_mod.SELECT, select_request(), pb.SelectResponse, CTX)
    assert len(r.selected) == 10
    assert [s.rank for s in r.selected] == list(range(1, 11))
    assert [s.strategy for s in r.selected] == ["uncertainty"] * 5 + ["k-center"] * 3 + ["random"] * 2
    ids = [s.asset_id for s in r.selected]
    assert len(set(ids)) == 10 and not {"a0", "a1", "a2"} & set(ids)
    assert all(s.HasField("nearest_distance") for s in r.selected if s.strategy == "k-center")
    assert not any(s.HasField("nearest_distance") for s in r.selected if s.strategy != "k-center")
    assert [(o.strategy, o.quota, o.selected) for o in r.strategies] == [
        ("uncertainty", 5, 5),
        ("k-center", 3, 3),
        ("random", 2, 2),
    ]
    assert not r.cache.cached
    again = await answer(ops, ops_mod.SELECT, select_request(), pb.SelectResponse, CTX)
    assert again.cache.cached and [s.asset_id for s in again.selected] == ids


async def test_select_by_collection_matches_inline(ops: Operations) -> None:
    ids, _, x = data()
    await ops.dispatch(
        emb_ops.SPECS[0].name,
        epb.PutEmbeddingsRequest(collection="pool", dimension=D, asset_ids=ids, vectors=x.tobytes()),
        CTX,
    )
    inline = await answer(ops, ops_mod.SELECT, select_request(), pb.SelectResponse, CTX)
    named = await answer(
        ops, ops_mod.SELECT, select_request(inline=False, collection="pool"), pb.SelectResponse, CTX
    )
    assert [s.asset_id for s in named.selected] == [s.asset_id for s in inline.selected]
    np.testing.assert_allclose([s.score for s in named.selected], [s.score for s in inline.selected])
    # A changed collection is a new cache key.
    await ops.dispatch(
        emb_ops.SPECS[0].name,
        epb.PutEmbeddingsRequest(
            collection="pool", dimension=D, asset_ids=["a5"], vectors=(x[5] * 9).tobytes()
        ),
        CTX,
    )
    again = await answer(
        ops, ops_mod.SELECT, select_request(inline=False, collection="pool"), pb.SelectResponse, CTX
    )
    assert not again.cache.cached and again.cache.key_digest != named.cache.key_digest


async def test_default_without_embeddings_is_margin_and_budget_over_pool(ops: Operations) -> None:
    r = await answer(
        ops, ops_mod.SELECT, select_request(inline=False, strategies=[], budget=1000), pb.SelectResponse, CTX
    )
    assert len(r.selected) == N - 3
    assert [w.code for w in r.warnings] == ["BUDGET_EXCEEDS_POOL"]
    assert [(o.strategy, o.quota) for o in r.strategies] == [("margin", 57)]
    assert not r.HasField("dedup_threshold")
    assert r.regime.regime == "uncertainty" and "no embeddings" in r.regime.reason
    reasons = [s.reason for s in r.selected]
    assert all("margin uncertainty" in x and "default regime uncertainty" in x for x in reasons)


async def test_default_cold_start_with_embeddings_and_no_labels(ops: Operations) -> None:
    # Embeddings, scores, but no labels of the labeled assets: nothing to judge the model by -> typicality,
    # with near-duplicate removal.
    r = await answer(ops, ops_mod.SELECT, select_request(strategies=[], budget=1000), pb.SelectResponse, CTX)
    assert r.regime.regime == "cold_start" and "too few labeled" in r.regime.reason
    assert not r.regime.HasField("kappa")
    assert r.HasField("dedup_threshold") and r.duplicate_groups > 0
    assert [w.code for w in r.warnings][:1] == ["BUDGET_EXCEEDS_POOL"]
    assert {s.strategy for s in r.selected} <= {"typicality", "random_fill"}
    assert all("default regime cold_start" in s.reason for s in r.selected)


@pytest.mark.parametrize(
    ("accuracy", "regime", "strategies"),
    [
        (0.2, "cold_start", ["typicality"]),
        (0.95, "uncertainty", ["margin"]),
        (0.5 + 0.25 * (KAPPA_LOW + KAPPA_HIGH), "mixed", ["typicality", "margin"]),
    ],
)
async def test_default_follows_the_callers_accuracy(
    ops: Operations, accuracy: float, regime: str, strategies: list[str]
) -> None:
    req = select_request(strategies=[], budget=12)
    req.accuracy_history.extend([0.1, accuracy])
    # Chance: the most frequent label's share among the ten labeled assets' labels, 0.5.
    del req.labeled_ids[:]
    req.labeled_ids.extend([f"a{i}" for i in range(10)])
    req.labels.extend([0, 1] * 5 + [-1] * (N - 10))
    r = await answer(ops, ops_mod.SELECT, req, pb.SelectResponse, CTX)
    assert r.regime.regime == regime and r.regime.source == "caller"
    assert r.regime.accuracy == accuracy and r.regime.chance == 0.5
    assert r.regime.kappa == pytest.approx((accuracy - 0.5) / 0.5)
    assert [o.strategy for o in r.strategies] == strategies
    assert len(r.selected) == 12 and all(f"kappa {r.regime.kappa:.2f}" in s.reason for s in r.selected)


async def test_default_estimates_quality_with_a_probe(ops: Operations) -> None:
    # Labels that the embeddings separate perfectly: the probe finds the model reliable -> margin.
    ids, _, x = data()
    y = (x[:, 0] > 0).astype(int)
    x[:, 0] += np.where(y == 1, 5.0, -5.0)
    req = select_request(strategies=[], budget=5, embeddings=x.tobytes())
    del req.labeled_ids[:]
    req.labeled_ids.extend(ids[:30])
    req.labels.extend(list(y[:30]) + [-1] * (N - 30))
    r = await answer(ops, ops_mod.SELECT, req, pb.SelectResponse, CTX)
    assert (r.regime.regime, r.regime.source, r.regime.labeled) == ("uncertainty", "probe", 30)
    assert r.regime.accuracy == 1.0 and r.regime.kappa == 1.0
    assert "linear probe" in r.regime.reason


async def test_accuracy_history_is_checked(ops: Operations) -> None:
    req = select_request(strategies=[])
    req.accuracy_history.extend([0.5, 1.5])
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(ops_mod.SELECT, req, CTX)
    assert err.value.field == "accuracy_history[1]"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"embedding_dimension": 5}, "embeddings"),
        ({"embeddings": np.full((N, D), np.nan, np.float32).tobytes()}, "embeddings[0]"),
        ({"budget": 0}, "budget"),
        ({"strategies": [pb.SamplingStrategy(kind=pb.STRATEGY_KIND_RANDOM, fraction=0.7)]}, "strategies"),
        ({"strategies": [pb.SamplingStrategy(fraction=1.0)]}, "strategies[0].kind"),
        ({"scores": [0.5] * (N * K)}, "scores[0]"),
        ({"weak_labels": [5] * N}, "weak_labels[0]"),
        ({"asset_ids": ["a"] * N}, "asset_ids[1]"),
    ],
)
async def test_bad_select(ops: Operations, changes: SelectChanges, field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(ops_mod.SELECT, select_request(**changes), CTX)
    assert err.value.field == field


async def test_strategy_needing_missing_input_is_invalid(ops: Operations) -> None:
    req = select_request(strategies=[pb.SamplingStrategy(kind=pb.STRATEGY_KIND_LF_TARGETED, fraction=1)])
    with pytest.raises(InvalidArgument, match="weak labels"):
        await ops.dispatch(ops_mod.SELECT, req, CTX)


async def test_unknown_collection_and_missing_vectors(ops: Operations) -> None:
    with pytest.raises(NotFound):
        await ops.dispatch(ops_mod.SELECT, select_request(inline=False, collection="nope"), CTX)
    await ops.dispatch(
        emb_ops.SPECS[0].name,
        epb.PutEmbeddingsRequest(collection="part", dimension=D, asset_ids=["a0"], vectors=bytes(4 * D)),
        CTX,
    )
    with pytest.raises(InvalidArgument) as err:
        await ops.dispatch(ops_mod.SELECT, select_request(inline=False, collection="part"), CTX)
    assert err.value.field == "asset_ids[1]"


async def test_near_duplicates_groups_and_pages(ops: Operations) -> None:
    rng = np.random.default_rng(0)
    base = rng.normal(size=(50, 8)).astype(np.float32)
    x = np.vstack([base, base[:6] + 1e-4, base[:2] + 2e-4])
    ids = [f"x{i}" for i in range(len(x))]
    req = pb.FindNearDuplicatesRequest(
        asset_ids=ids, embeddings=x.tobytes(), embedding_dimension=8, threshold=1e-3, page_size=4
    )
    r = await answer(ops, ops_mod.NEAR_DUPLICATES, req, pb.FindNearDuplicatesResponse, CTX)
    assert r.total_groups == 6 and r.duplicate_assets == 14 and len(r.groups) == 4
    assert sorted(r.groups[0].asset_ids) == ["x0", "x50", "x56"] or sorted(r.groups[0].asset_ids) == [
        "x1",
        "x51",
        "x57",
    ]
    req.page_token = r.next_page_token
    r2 = await answer(ops, ops_mod.NEAR_DUPLICATES, req, pb.FindNearDuplicatesResponse, CTX)
    assert r2.cache.cached and len(r2.groups) == 2 and not r2.next_page_token
    assert all(len(g.asset_ids) == 2 for g in r2.groups)


def evaluation() -> cpb.ScoreClassificationResponse:
    ev = cpb.ScoreClassificationResponse()
    for i, (f1, rec) in enumerate([(0.9, 0.9), (0.3, 0.4), (0.6, 0.5)]):
        ev.summary.per_class.add(class_name=f"c{i}", f1=f1, recall=rec, support=10)
    rep = ev.slices.add(key="site")
    rep.slices.add(key="site", value="b", metric=0.4, support=20, ranked=True)
    rep.slices.add(key="site", value="a", metric=0.8, support=20, ranked=True)
    return ev


async def test_plan_targets_weak_classes_and_slices(ops: Operations) -> None:
    _, p, _ = data()
    sel = select_request(
        strategies=[],
        weak_label_probs=p.ravel().tolist(),
        metadata=[common_pb2.MetadataColumn(key="site", values=["a", "b", "c"] * (N // 3))],
    )
    r = await answer(
        ops,
        ops_mod.PLAN,
        pb.PlanRequest(diagnostics=evaluation(), selection=sel, weakest_classes=2),
        pb.PlanResponse,
        CTX,
    )
    assert [c.class_index for c in r.weak_classes] == [1, 2]
    assert (r.weak_slices[0].key, r.weak_slices[0].value) == ("site", "b")
    kinds = [s.kind for s in r.request.strategies]
    assert kinds[0] == pb.STRATEGY_KIND_LF_TARGETED and list(r.request.strategies[0].target_classes) == [1, 2]
    assert pb.STRATEGY_KIND_STRATIFIED in kinds and kinds[-1] == pb.STRATEGY_KIND_RANDOM
    assert abs(sum(s.fraction for s in r.request.strategies) - 1) < 1e-9
    assert len(r.selection.selected) == 10 and len(r.reasons) >= 3
    # The returned request, sent to Select, gives the same selection.
    direct = await answer(ops, ops_mod.SELECT, r.request, pb.SelectResponse, CTX)
    assert [s.asset_id for s in direct.selected] == [s.asset_id for s in r.selection.selected]


async def test_plan_by_diagnostics_key(ops: Operations) -> None:
    ids, p, _ = data()
    rng = np.random.default_rng(1)
    score_req = cpb.ScoreClassificationRequest(
        class_names=["c0", "c1", "c2"],
        asset_ids=ids,
        y_true=rng.integers(0, K, N).tolist(),
        scores=p.ravel().tolist(),
        score_type=cpb.SCORE_TYPE_PROBABILITY,
    )
    scored = await answer(ops, plan.SCORE_CLASSIFICATION, score_req, cpb.ScoreClassificationResponse, CTX)
    r = await answer(
        ops,
        ops_mod.PLAN,
        pb.PlanRequest(diagnostics_key=scored.cache.key_digest, selection=select_request(strategies=[])),
        pb.PlanResponse,
        CTX,
    )
    assert len(r.weak_classes) == 3 and len(r.selection.selected) == 10
    # The ScoreClassification response itself, sent inline, is the same diagnostics.
    inline = await answer(
        ops,
        ops_mod.PLAN,
        pb.PlanRequest(diagnostics=scored, selection=select_request(strategies=[])),
        pb.PlanResponse,
        CTX,
    )
    assert inline.selection.cache.cached  # the same selection request as by key: one cache entry
    inline.selection.cache.cached = False
    assert inline == r
    with pytest.raises(NotFound):
        await ops.dispatch(
            ops_mod.PLAN, pb.PlanRequest(diagnostics_key="0" * 64, selection=select_request()), CTX
        )
    with pytest.raises(InvalidArgument):
        await ops.dispatch(ops_mod.PLAN, pb.PlanRequest(selection=select_request()), CTX)


async def test_same_answer_over_rest_and_grpc() -> None:
    """One runtime serving both adapters: the same Select (and the same error) on either protocol."""
    import base64

    import grpc

    async with both_protocols([*ops_mod.SPECS, *emb_ops.SPECS]) as both:
        req = select_request(inline=False, collection="both")
        ids, _, x = data()
        put = {
            "collection": "both",
            "dimension": D,
            "asset_ids": ids,
            "vectors": base64.b64encode(x.tobytes()).decode(),
        }
        assert (await both.http.post("/v1/embeddings:put", json=put)).status_code == 200
        rest, over_grpc = await both.select_both(req)
        assert over_grpc.cache.cached and over_grpc.cache.key_digest == rest["cache"]["key_digest"]
        bad = await both.select_rest({**protojson.to_dict(req), "budget": "0"})
        assert bad.status_code == 400 and rest_error(bad).field == "budget"
        bad_req = pb.SelectRequest()
        bad_req.CopyFrom(req)
        bad_req.budget = 0
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await both.select_grpc(bad_req)
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_default_selection_on_a_large_pool_groups_candidates_only(
    ops: Operations, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the large-pool path lowered to 500 rows: near-copies of the most uncertain asset yield one
    pick, no pick is a near-copy of another or of a labeled asset, and the sampled threshold is reported."""
    from curation.core.sampling import candidate_groups

    monkeypatch.setattr(candidate_groups, "CANDIDATE_DEDUP_MIN_ROWS", 500)
    monkeypatch.setattr(candidate_groups, "CANDIDATE_MIN_ROWS", 50)
    rng = np.random.default_rng(3)
    n, d = 800, 8
    x = rng.normal(size=(n, d)).astype(np.float32)
    p = rng.dirichlet(np.ones(K), size=n).astype(np.float32)
    top = int(np.argmin(np.abs(np.sort(p, 1)[:, -1] - np.sort(p, 1)[:, -2])))
    copies = [top, *rng.choice(np.setdiff1d(np.arange(n), [top, 0]), 3, replace=False).tolist()]
    x[copies] = x[top] + 1e-5 * rng.normal(size=(4, d)).astype(np.float32)
    p[copies] = p[top]
    x[0] = x[copies[1]]  # a labeled asset that is a copy too: no copy may be picked then
    ids = [f"b{i}" for i in range(n)]
    req = pb.SelectRequest(
        asset_ids=ids,
        num_classes=K,
        scores=p.ravel().tolist(),
        labeled_ids=["b0"],
        budget=5,
        seed=1,
        embeddings=x.tobytes(),
        embedding_dimension=d,
        accuracy_history=[0.99],  # a reliable model: the default runs margin (chance 1 / K)
    )
    r = await answer(ops, ops_mod.SELECT, req, pb.SelectResponse, CTX)
    assert r.regime.regime == "uncertainty" and r.regime.chance == pytest.approx(1 / K)
    picked = [int(s.asset_id[1:]) for s in r.selected]
    assert len(picked) == 5 and r.HasField("dedup_threshold") and r.duplicate_groups >= 1
    assert not set(copies) & set(picked)
    x[0] = rng.normal(size=d)  # no labeled copy: exactly one of the copies is picked
    req.embeddings = x.tobytes()
    r = await answer(ops, ops_mod.SELECT, req, pb.SelectResponse, CTX)
    assert len(set(copies) & {int(s.asset_id[1:]) for s in r.selected}) == 1


def test_select_cost_on_a_large_pool_counts_the_candidate_search_not_the_pool() -> None:
    """From CANDIDATE_DEDUP_MIN_ROWS on, the default selection's estimate is that of the candidates'
    search and the sampled median, far below a whole-pool search; the neighbours' limit still holds."""
    from curation.core.sampling import CANDIDATE_DEDUP_MIN_ROWS
    from curation.errors import LimitExceeded
    from curation.ops.sampling.cost import select_cost

    n, dim = 4 * CANDIDATE_DEDUP_MIN_ROWS, 128
    req = pb.SelectRequest(asset_ids=[f"a{i}" for i in range(n)], collection="c", budget=100)
    big = select_cost(req, dim)
    small = select_cost(pb.SelectRequest(asset_ids=req.asset_ids[: n // 4], collection="c", budget=100), dim)
    # The search covers 4 x max(10 x budget, 4,096) rows at most: the estimate grows with the pool by
    # its linear parts only (the sampled median and the per-asset arrays), not by n^1.5.
    assert big.work < 6 * small.work
    req.dedup.CopyFrom(pb.NearDuplicateOptions(threshold=0.1, neighbors=101))
    with pytest.raises(LimitExceeded) as err:
        select_cost(req, dim)
    assert err.value.field == "dedup.neighbors"
