"""The memory estimates of the labeling, sampling and embeddings operations are true upper bounds.

Each case runs one operation through the seam on a realistic request while tracemalloc (which numpy
reports to) records the peak, and checks measured <= estimate <= 8 x measured. The estimate is the
one the seam checks (``spec.cost``), or the one the handler checks once it has read stored data (a
collection's dimension, a fitted model's classes).
"""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import pytest
from google.protobuf.message import Message

from curation.ops import Context, Cost, Operations
from curation.ops import embeddings as emb_ops
from curation.ops import labeling as lab_ops
from curation.ops import sampling as smp_ops
from curation.ops.embedding_limits import put_cost, read_cost, request_ids_cost
from curation.ops.labeling.cost import predict_cost, stored_vectors_cost
from curation.ops.sampling.cost import near_duplicates_cost, select_cost
from curation.v1 import classification_pb2 as cpb
from curation.v1 import embeddings_pb2 as epb
from curation.v1 import labeling_pb2 as lpb
from curation.v1 import sampling_pb2 as spb
from tests.support import DictCache

pytestmark = pytest.mark.filterwarnings("ignore::FutureWarning")

T = TypeVar("T")
CTX = Context(namespace="cost")
# One loop for every call: asyncio.run would install a SIGINT handler per call, and Python 3.11 formats
# the finished task's repr (its whole result, megabytes of vectors) when it restores the old handler.
LOOP = asyncio.new_event_loop()


def run_sync(call: Awaitable[T]) -> T:
    """Run one seam call to completion on ``LOOP``."""
    return LOOP.run_until_complete(call)


SPECS = [*lab_ops.SPECS, *smp_ops.SPECS, *emb_ops.SPECS]
WORDS = np.array(["refund", "late", "great", "bike", "broken", "fast", "slow", "wheel", "seat", "ok"])


def texts(n: int, rng: np.random.Generator, words: int = 8) -> list[str]:
    picks = WORDS[rng.integers(0, WORDS.size, size=(n, words))]
    return [" ".join(row) for row in picks.tolist()]


def matrix(n: int, m: int, k: int, rng: np.random.Generator, density: float = 0.6) -> lpb.LabelMatrix:
    L = np.where(rng.random((n, m)) < density, rng.integers(0, k, size=(n, m)), -1)
    rows, fns = np.nonzero(L >= 0)
    return lpb.LabelMatrix(
        num_rows=n, num_functions=m, rows=rows.tolist(), functions=fns.tolist(), labels=L[rows, fns].tolist()
    )


def put(ops: Operations, name: str, ids: list[str], x: np.ndarray) -> None:
    request = epb.PutEmbeddingsRequest(
        collection=name, dimension=x.shape[1], asset_ids=ids, vectors=x.astype("<f4").tobytes()
    )
    run_sync(ops.dispatch(f"{emb_ops.SERVICE}/PutEmbeddings", request, CTX))


@dataclass
class Case:
    """A prepared request: the operation, the request, and the estimate that bounds its peak."""

    name: str
    request: Message
    estimate: Cost


Prepare = Callable[[Operations, np.random.Generator], Case]


# ------------------------------------------------------------------------------------ labeling
def apply_keywords(ops: Operations, rng: np.random.Generator) -> Case:
    n = 40_000
    req = lpb.ApplyLabelingFunctionsRequest(
        class_names=["neg", "pos"], asset_ids=[f"asset-{i}" for i in range(n)]
    )
    req.texts.add(key="text", values=texts(n, rng))
    req.metadata.add(key="speed", values=[str(v) for v in rng.integers(0, 100, n).tolist()])
    req.metadata.add(key="time", values=rng.choice(["day", "night", ""], n).tolist())
    for i, word in enumerate(WORDS.tolist()):
        rule = req.labeling_functions.add(name=f"kw-{i}", label=i % 2).rule.keyword
        rule.field, rule.patterns[:] = "text", [word]
        rule.case_insensitive = i % 3 == 0
        rule.whole_word = i % 4 == 0
    regex = req.labeling_functions.add(name="regex", label=1).rule.keyword
    regex.field, regex.regex, regex.patterns[:] = "text", True, ["b[a-z]+e", r"(?:late|slow)\s+\w+"]
    night = req.labeling_functions.add(name="night-fast", label=1).rule
    night.all.rules.add().equals.CopyFrom(lpb.EqualsRule(key="time", value="night"))
    night.all.rules.add().range.CopyFrom(lpb.RangeRule(key="speed", min=20))
    return Case(lab_ops.APPLY, req, lab_ops.SPECS[0].cost(req))  # type: ignore[misc]


def _similarity_request(n: int, dim: int, rng: np.random.Generator) -> lpb.ApplyLabelingFunctionsRequest:
    req = lpb.ApplyLabelingFunctionsRequest(
        class_names=["neg", "pos"], asset_ids=[f"asset-{i}" for i in range(n)]
    )
    for i in range(6):
        sim = req.labeling_functions.add(name=f"sim-{i}", label=i % 2).rule.similarity
        sim.exemplars.extend(rng.standard_normal(8 * dim).astype(np.float32).tolist())
        sim.exemplar_asset_ids.extend([f"asset-{j}" for j in range(i, n, n // 4)])
        sim.threshold = 0.1
    return req


def apply_similarity_inline(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 30_000, 64
    req = _similarity_request(n, dim, rng)
    req.embeddings.extend(rng.standard_normal(n * dim).astype(np.float32).tolist())
    req.embedding_dim = dim
    return Case(lab_ops.APPLY, req, lab_ops.SPECS[0].cost(req))  # type: ignore[misc]


def apply_similarity_stored(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 30_000, 64
    req = _similarity_request(n, dim, rng)
    put(ops, "lab", list(req.asset_ids), rng.standard_normal((n, dim)))
    req.embedding_collection = "lab"
    return Case(lab_ops.APPLY, req, stored_vectors_cost(req, dim))


def analyze(ops: Operations, rng: np.random.Generator) -> Case:
    req = lpb.AnalyzeLabelingFunctionsRequest(
        class_names=["a", "b", "c"], label_matrix=matrix(100_000, 20, 3, rng)
    )
    req.gold.extend(rng.integers(-1, 3, 100_000).tolist())
    return Case(lab_ops.ANALYZE, req, lab_ops.SPECS[1].cost(req))  # type: ignore[misc]


def _fit(model: lpb.LabelModelType, n: int, m: int, k: int, *, multi: bool = False) -> Prepare:
    def prepare(ops: Operations, rng: np.random.Generator) -> Case:
        req = lpb.FitLabelModelRequest(
            class_names=[f"c{c}" for c in range(k)], label_matrix=matrix(n, m, k, rng), model=model
        )
        if multi:
            req.task = lpb.LABEL_TASK_MULTI_LABEL
        return Case(lab_ops.FIT, req, lab_ops.SPECS[2].cost(req))  # type: ignore[misc]

    prepare.__name__ = f"fit_{model}_{n}x{m}x{k}{'_multi' if multi else ''}"
    return prepare


def predict(ops: Operations, rng: np.random.Generator) -> Case:
    fit = lpb.FitLabelModelRequest(
        class_names=["a", "b", "c", "d"], label_matrix=matrix(2_000, 12, 4, rng), omit_predictions=True
    )
    fitted = run_sync(ops.dispatch(lab_ops.FIT, fit, CTX))
    assert isinstance(fitted, lpb.FitLabelModelResponse)
    req = lpb.PredictLabelModelRequest(model_id=fitted.model_id, label_matrix=matrix(100_000, 12, 4, rng))
    return Case(lab_ops.PREDICT, req, predict_cost(req, 4, False))


# ------------------------------------------------------------------------------------ sampling
def _pool(n: int, k: int, rng: np.random.Generator) -> spb.SelectRequest:
    p = rng.dirichlet(np.ones(k), n).astype(np.float32)
    p /= p.sum(axis=1, keepdims=True)
    return spb.SelectRequest(
        asset_ids=[f"asset-{i}" for i in range(n)],
        num_classes=k,
        scores=p.ravel().tolist(),
        labeled_ids=[f"asset-{i}" for i in range(0, n, 50)],
        budget=500,
        seed=3,
    )


def select_scores(ops: Operations, rng: np.random.Generator) -> Case:
    req = _pool(60_000, 5, rng)
    req.metadata.add(key="site", values=rng.choice(["x", "y", "z"], 60_000).tolist())
    req.strategies.add(kind=spb.STRATEGY_KIND_UNCERTAINTY, fraction=0.5)
    req.strategies.add(
        kind=spb.STRATEGY_KIND_STRATIFIED,
        fraction=0.2,
        strata=spb.STRATA_SOURCE_METADATA,
        metadata_key="site",
    )
    req.strategies.add(kind=spb.STRATEGY_KIND_RARITY, fraction=0.1)
    req.strategies.add(kind=spb.STRATEGY_KIND_RANDOM, fraction=0.2)
    return Case(smp_ops.SELECT, req, select_cost(req))


def select_vectors_inline(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 12_000, 32
    req = _pool(n, 3, rng)
    req.embeddings = rng.standard_normal((n, dim)).astype("<f4").tobytes()
    req.embedding_dimension = dim
    req.strategies.add(kind=spb.STRATEGY_KIND_DIVERSITY, fraction=0.5)
    req.strategies.add(kind=spb.STRATEGY_KIND_UNCERTAINTY, fraction=0.5)
    req.dedup.CopyFrom(spb.NearDuplicateOptions(threshold=0.5, relative=True, neighbors=10))
    return Case(smp_ops.SELECT, req, select_cost(req))


def select_typicality(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 60_000, 32
    req = _pool(n, 3, rng)
    centres = rng.normal(size=(50, dim)) * 4
    x = centres[rng.integers(0, 50, n)] + rng.standard_normal((n, dim))
    req.embeddings = x.astype("<f4").tobytes()
    req.embedding_dimension = dim
    req.strategies.add(kind=spb.STRATEGY_KIND_TYPICALITY, fraction=0.5)
    req.strategies.add(kind=spb.STRATEGY_KIND_UNCERTAINTY, fraction=0.5)
    return Case(smp_ops.SELECT, req, select_cost(req))


def select_vectors_stored(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 25_000, 32
    req = _pool(n, 3, rng)
    put(ops, "pool", list(req.asset_ids), rng.standard_normal((n, dim)))
    req.collection = "pool"
    return Case(smp_ops.SELECT, req, select_cost(req, dim))


def select_samples(ops: Operations, rng: np.random.Generator) -> Case:
    n, s, k = 20_000, 10, 5
    req = _pool(n, k, rng)
    samples = rng.dirichlet(np.ones(k), n * s).astype(np.float32)
    samples /= samples.sum(axis=1, keepdims=True)
    req.ClearField("scores")
    req.num_samples = s
    req.score_samples.extend(samples.ravel().tolist())
    req.strategies.add(kind=spb.STRATEGY_KIND_UNCERTAINTY, measure=spb.UNCERTAINTY_MEASURE_BALD, fraction=0.5)
    req.strategies.add(
        kind=spb.STRATEGY_KIND_UNCERTAINTY,
        measure=spb.UNCERTAINTY_MEASURE_VARIATION_RATIO,
        batch_sampling=spb.ACQUISITION_SAMPLING_POWER,
        fraction=0.5,
    )
    return Case(smp_ops.SELECT, req, select_cost(req))


def select_detections(ops: Operations, rng: np.random.Generator) -> Case:
    n, m, s, k = 5_000, 60_000, 4, 5
    req = _pool(n, 3, rng)
    scores = rng.dirichlet(np.ones(k), m).astype(np.float32)
    scores /= scores.sum(axis=1, keepdims=True)
    box = np.hstack([rng.uniform(0, 100, (m, 2)), rng.uniform(5, 30, (m, 2))]).astype(np.float32)
    req.num_samples = s
    req.detections.CopyFrom(
        spb.DetectionPredictions(
            image_index=rng.integers(0, n, m).tolist(),
            boxes=box.ravel().tolist(),
            num_classes=k,
            class_scores=scores.ravel().tolist(),
            sample_index=rng.integers(0, s, m).tolist(),
        )
    )
    req.strategies.add(kind=spb.STRATEGY_KIND_DETECTION, box_aggregation=spb.BOX_AGGREGATION_COMBINED)
    return Case(smp_ops.SELECT, req, select_cost(req))


def near_duplicates_inline(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 15_000, 32
    x = rng.standard_normal((n, dim))
    x[1::2] = x[::2] + 1e-3
    req = spb.FindNearDuplicatesRequest(
        asset_ids=[f"asset-{i}" for i in range(n)],
        embeddings=x.astype("<f4").tobytes(),
        embedding_dimension=dim,
        threshold=0.01,
        neighbors=20,
    )
    return Case(smp_ops.NEAR_DUPLICATES, req, smp_ops.SPECS[1].cost(req))  # type: ignore[misc]


def near_duplicates_stored(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 30_000, 32
    ids = [f"asset-{i}" for i in range(n)]
    put(ops, "dups", ids, rng.standard_normal((n, dim)))
    req = spb.FindNearDuplicatesRequest(asset_ids=ids, collection="dups", threshold=0.2)
    return Case(smp_ops.NEAR_DUPLICATES, req, near_duplicates_cost(req, dim))


def plan(ops: Operations, rng: np.random.Generator) -> Case:
    selection = _pool(50_000, 4, rng)
    diagnostics = cpb.ScoreClassificationResponse(
        summary=cpb.ClassificationSummary(
            per_class=[cpb.ClassMetrics(class_name=f"c{c}", f1=0.2 * c, support=10) for c in range(4)]
        )
    )
    req = spb.PlanRequest(selection=selection, diagnostics=diagnostics)
    return Case(smp_ops.PLAN, req, smp_ops.SPECS[2].cost(req))  # type: ignore[misc]


# ------------------------------------------------------------------------------------ embeddings
def put_vectors(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 40_000, 128
    req = epb.PutEmbeddingsRequest(
        collection="big",
        dimension=dim,
        asset_ids=[f"asset-{i}" for i in range(n)],
        vectors=rng.standard_normal((n, dim)).astype("<f4").tobytes(),
    )
    return Case(f"{emb_ops.SERVICE}/PutEmbeddings", req, put_cost(list(req.asset_ids), dim))


def get_vectors(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 40_000, 128
    ids = [f"asset-{i}" for i in range(n)]
    put(ops, "got", ids, rng.standard_normal((n, dim)))
    req = epb.GetEmbeddingsRequest(collection="got", asset_ids=[*ids, "missing"])
    return Case(f"{emb_ops.SERVICE}/GetEmbeddings", req, read_cost(list(req.asset_ids), dim))


def delete_vectors(ops: Operations, rng: np.random.Generator) -> Case:
    n, dim = 40_000, 128
    ids = [f"asset-{i}" for i in range(n)]
    put(ops, "gone", ids, rng.standard_normal((n, dim)))
    req = epb.DeleteEmbeddingsRequest(collection="gone", asset_ids=ids)
    return Case(f"{emb_ops.SERVICE}/DeleteEmbeddings", req, request_ids_cost(ids))


CASES: list[Prepare] = [
    apply_keywords,
    apply_similarity_inline,
    apply_similarity_stored,
    analyze,
    _fit(lpb.LABEL_MODEL_TYPE_WEIGHTED_MAJORITY_VOTE, 100_000, 10, 3),
    _fit(lpb.LABEL_MODEL_TYPE_DAWID_SKENE, 100_000, 10, 3),
    _fit(lpb.LABEL_MODEL_TYPE_MATRIX_COMPLETION, 50_000, 40, 4),
    _fit(lpb.LABEL_MODEL_TYPE_DAWID_SKENE, 50_000, 12, 5, multi=True),
    predict,
    select_scores,
    select_vectors_inline,
    select_typicality,
    select_vectors_stored,
    select_samples,
    select_detections,
    near_duplicates_inline,
    near_duplicates_stored,
    plan,
    put_vectors,
    get_vectors,
    delete_vectors,
]


def measure(prepare: Prepare) -> tuple[int, int]:
    """(estimated, measured peak) bytes of one case, in a fresh seam."""
    ops = Operations(SPECS, DictCache(), workers=1)
    try:
        case = prepare(ops, np.random.default_rng(0))

        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            run_sync(ops.dispatch(case.name, case.request, CTX))
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        return case.estimate.memory_bytes, peak
    finally:
        ops.close()


@pytest.mark.parametrize("prepare", CASES, ids=lambda p: p.__name__)
def test_memory_estimate_bounds_the_measured_peak(prepare: Prepare) -> None:
    estimate, peak = measure(prepare)
    assert peak <= estimate, f"measured {peak:,} B over the estimate {estimate:,} B"
    assert estimate <= 8 * peak, f"estimate {estimate:,} B over 8 x the measured {peak:,} B"


def test_the_estimates_grow_with_the_sizes() -> None:
    """A dense label matrix twice as tall is estimated (and measured) about twice as large."""
    small, big = (measure(_fit(lpb.LABEL_MODEL_TYPE_MAJORITY_VOTE, n, 10, 3)) for n in (50_000, 100_000))
    assert 1.5 < big[0] / small[0] < 2.5 and 1.5 < big[1] / small[1] < 2.5
