"""Requests at (and one past) the documented maximum of every labeling, sampling and embeddings parameter,
with every other input tiny, and the child process that runs them under a hard address-space limit.

``python -m tests.ops.limits_cases FAMILY`` imports the service, sets ``RLIMIT_AS`` and answers each of
the family's cases through the real seam (``curation.ops.Operations`` over ``tests.support.DictCache``),
printing one JSON line per case: ``answered``, ``limit_exceeded`` with its field, or the error it raised.
tests/ops/test_limits_labeling_sampling.py runs one child per family and checks each case.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from google.protobuf.message import Message

from curation.errors import LimitExceeded
from curation.ops import Context, Operations
from curation.ops import embedding_limits as elim
from curation.ops import embeddings as emb_ops
from curation.ops import labeling as lab_ops
from curation.ops import sampling as smp_ops
from curation.ops.labeling import limits as llim
from curation.ops.sampling import limits as slim
from curation.v1 import classification_pb2 as cpb
from curation.v1 import embeddings_pb2 as epb
from curation.v1 import labeling_pb2 as lpb
from curation.v1 import sampling_pb2 as spb
from tests.support import DictCache

__all__ = ["ADDRESS_SPACE_LIMIT", "FAMILIES", "Case"]

# The child's hard address-space limit: the imported service (numpy, scipy, numba, faiss, re2) maps
# about 0.9 GiB, so this leaves ~2 GiB for one request -- the per-request budget.
ADDRESS_SPACE_LIMIT = 3 * 1024**3
T = TypeVar("T")
CTX = Context(namespace="limits")
# One loop for every call: asyncio.run would install a SIGINT handler per call, and Python 3.11 formats
# the finished task's repr (its whole result, megabytes of vectors) when it restores the old handler.
LOOP = asyncio.new_event_loop()


# The per-request budget the cases run under: what it admits fits the address-space limit of the test,
# and two of it would not (the service's default budget is larger; the cases are about the maxima).
CASE_BUDGET = 2 * 1024**3


def run_sync(call: Awaitable[T]) -> T:
    """Run one seam call to completion on ``LOOP``."""
    return LOOP.run_until_complete(call)


PUT = f"{emb_ops.SERVICE}/PutEmbeddings"
GET = f"{emb_ops.SERVICE}/GetEmbeddings"
DELETE = f"{emb_ops.SERVICE}/DeleteEmbeddings"


@dataclass(frozen=True)
class Case:
    """One request: ``refused`` names the field a LimitExceeded must name (its prefix), or is "" when
    the request must be answered (or refused as over the per-request budget, field "request")."""

    name: str
    operation: str
    build: Callable[[Operations], Message]
    refused: str = ""


def ids(n: int, prefix: str = "a") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def put(ops: Operations, collection: str, names: list[str], dim: int) -> None:
    """Store zero-ish vectors for ``names`` (outside the case's own request)."""
    for c0 in range(0, len(names), elim.MAX_IDS_PER_REQUEST):
        chunk = names[c0 : c0 + elim.MAX_IDS_PER_REQUEST]
        vectors = np.ones((len(chunk), dim), dtype="<f4").tobytes()
        request = epb.PutEmbeddingsRequest(
            collection=collection, dimension=dim, asset_ids=chunk, vectors=vectors
        )
        run_sync(ops.dispatch(PUT, request, CTX))


# ------------------------------------------------------------------------------------ labeling
def apply_request(n: int = 1, *, texts: list[str] | None = None) -> lpb.ApplyLabelingFunctionsRequest:
    """n assets, two classes, one text field ``t`` (empty texts unless given), no LF yet."""
    req = lpb.ApplyLabelingFunctionsRequest(class_names=["neg", "pos"], asset_ids=ids(n))
    req.texts.add(key="t", values=texts if texts is not None else [""] * n)
    return req


def keyword(req: lpb.ApplyLabelingFunctionsRequest, patterns: list[str], *, regex: bool = False) -> None:
    lf = req.labeling_functions.add(name=f"lf{len(req.labeling_functions)}", label=1)
    lf.rule.keyword.CopyFrom(lpb.KeywordRule(field="t", patterns=patterns, regex=regex))


def with_lfs(count: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        for _ in range(count):
            keyword(req, ["a"])
        return req

    return build


def with_rows(n: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request(n)
        keyword(req, ["a"])
        return req

    return build


def with_classes(k: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        del req.class_names[:]
        req.class_names.extend(f"c{c}" for c in range(k))
        keyword(req, ["a"])
        return req

    return build


def with_text_fields(count: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        for f in range(1, count):
            req.texts.add(key=f"t{f}", values=[""])
        keyword(req, ["a"])
        return req

    return build


def with_columns(count: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        for c in range(count):
            req.metadata.add(key=f"m{c}", values=["x"])
        req.labeling_functions.add(name="m", label=0).rule.exists.key = "m0"
        return req

    return build


def with_nodes(count: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        req.metadata.add(key="m", values=["x"])
        rules = req.labeling_functions.add(name="wide", label=0).rule.any.rules
        for _ in range(count - 1):
            rules.add().exists.key = "m"
        return req

    return build


def with_depth(depth: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        req.metadata.add(key="m", values=["x"])
        rule = req.labeling_functions.add(name="deep", label=0).rule
        for _ in range(depth):
            rule = rule.negation
        rule.exists.key = "m"
        return req

    return build


def with_set_values(count: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        req.metadata.add(key="m", values=["x"])
        rule = req.labeling_functions.add(name="set", label=0).rule.in_set
        rule.key = "m"
        rule.values.extend(f"v{j}" for j in range(count))
        return req

    return build


def with_patterns(count: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        keyword(req, ["a"] * count)
        return req

    return build


def with_pattern_chars(chars: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        keyword(req, ["b" * chars])
        return req

    return build


def with_total_chars(total: int) -> Callable[[Operations], Message]:
    """Character classes of MAX_PATTERN_CHARS characters each (small programs: ~505 instructions) adding
    up to ``total`` characters."""

    def build(ops: Operations) -> Message:
        req = apply_request()
        full, rest = divmod(total, llim.MAX_PATTERN_CHARS)
        patterns = ["[ab]" * (llim.MAX_PATTERN_CHARS // 4)] * full + (["c" * rest] if rest else [])
        keyword(req, patterns, regex=True)
        return req

    return build


def counted(extra: int) -> str:
    """A regex of 4,004 + ``extra`` RE2 instructions (a counted repetition, then literal characters)."""
    return "a{1000}" * 4 + "b" * extra


def with_program(extra: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        keyword(req, [counted(extra)], regex=True)
        return req

    return build


def program_patterns(total: int) -> list[str]:
    """Regexes whose RE2 programs add up to exactly ``total`` instructions (4,096 each, then the rest)."""
    full, rest = divmod(total, llim.MAX_PATTERN_PROGRAM)
    patterns = [counted(llim.MAX_PATTERN_PROGRAM - 4004)] * full
    if rest:
        patterns.append("b" * (rest - 4) if rest >= 5 else "b")
    return patterns


def with_program_total(total: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        keyword(req, program_patterns(total), regex=True)
        return req

    return build


def with_work(chars: int) -> Callable[[Operations], Message]:
    """Patterns of MAX_PROGRAM_TOTAL instructions over one text of ``chars`` characters: the work is
    MAX_PATTERN_WORK exactly at ``chars = MAX_PATTERN_WORK / MAX_PROGRAM_TOTAL``."""

    def build(ops: Operations) -> Message:
        req = apply_request(texts=["ab" * (chars // 2) + "a" * (chars % 2)])
        keyword(req, program_patterns(llim.MAX_PROGRAM_TOTAL), regex=True)
        return req

    return build


def the_attack(ops: Operations) -> Message:
    """The issue's request: 2,000 labeling functions with ``[a-j]{1,40}xxxxx`` over 0.47 MB of text."""
    rng = np.random.default_rng(0)
    letters = np.array(list("abcdefghijx"))
    texts = ["".join(rng.choice(letters, 400).tolist()) for _ in range(1_000)]
    req = apply_request(1_000, texts=texts)
    for _ in range(2_000):
        keyword(req, ["[a-j]{1,40}xxxxx"], regex=True)
    return req


def with_exemplars(per_rule: int, rules: int = 1) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        req.embeddings.append(1.0)
        req.embedding_dim = 1
        for r in range(rules):
            sim = req.labeling_functions.add(name=f"sim{r}", label=1).rule.similarity
            sim.exemplars.extend([1.0] * per_rule)
            sim.threshold = 0.5
        return req

    return build


def with_dim(dim: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = apply_request()
        req.embeddings.extend([1.0] * dim)
        req.embedding_dim = dim
        sim = req.labeling_functions.add(name="sim", label=1).rule.similarity
        sim.exemplars.extend([1.0] * dim)
        return req

    return build


def with_stored_dim(dim: int, n: int) -> Callable[[Operations], Message]:
    """Similarity over vectors read from a collection of ``dim`` floats (checked once its header is read)."""

    def build(ops: Operations) -> Message:
        put(ops, f"lab{dim}", ids(n), dim)
        req = apply_request(n)
        req.embedding_collection = f"lab{dim}"
        req.labeling_functions.add(name="sim", label=1).rule.similarity.exemplar_asset_ids.append("a0")
        return req

    return build


def matrix(n: int, m: int, k: int = 2) -> lpb.LabelMatrix:
    """An n x m matrix with one vote per row (row i, function i mod m, label i mod k)."""
    rows = np.arange(min(n, 1000))
    return lpb.LabelMatrix(
        num_rows=n,
        num_functions=m,
        rows=rows.tolist(),
        functions=(rows % m).tolist(),
        labels=(rows % k).tolist(),
    )


def analyze(n: int, m: int, k: int = 2) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        return lpb.AnalyzeLabelingFunctionsRequest(
            class_names=[f"c{c}" for c in range(k)], label_matrix=matrix(n, m, k)
        )

    return build


def fit(
    n: int,
    m: int,
    k: int = 2,
    *,
    model: lpb.LabelModelType = lpb.LABEL_MODEL_TYPE_MAJORITY_VOTE,
    iterations: int = 0,
) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        return lpb.FitLabelModelRequest(
            class_names=[f"c{c}" for c in range(k)],
            label_matrix=matrix(n, m, k),
            model=model,
            max_iterations=iterations,
        )

    return build


def predict(n: int, m: int = 3, k: int = 2) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        fitted = run_sync(ops.dispatch(lab_ops.FIT, fit(4, m, k)(ops), CTX))
        assert isinstance(fitted, lpb.FitLabelModelResponse)
        return lpb.PredictLabelModelRequest(model_id=fitted.model_id, label_matrix=matrix(n, m, k))

    return build


def labeling_cases() -> list[Case]:
    A, N, F, P = lab_ops.APPLY, lab_ops.ANALYZE, lab_ops.FIT, lab_ops.PREDICT
    work_chars = llim.MAX_PATTERN_WORK // llim.MAX_PROGRAM_TOTAL
    return [
        Case("apply rows", A, with_rows(llim.MAX_ROWS)),
        Case("apply rows + 1", A, with_rows(llim.MAX_ROWS + 1), "asset_ids"),
        Case("apply functions", A, with_lfs(llim.MAX_FUNCTIONS)),
        Case("apply functions + 1", A, with_lfs(llim.MAX_FUNCTIONS + 1), "labeling_functions"),
        Case("apply classes", A, with_classes(llim.MAX_CLASSES)),
        Case("apply classes + 1", A, with_classes(llim.MAX_CLASSES + 1), "class_names"),
        Case("apply text fields", A, with_text_fields(llim.MAX_TEXT_FIELDS)),
        Case("apply text fields + 1", A, with_text_fields(llim.MAX_TEXT_FIELDS + 1), "texts"),
        Case("apply metadata columns", A, with_columns(llim.MAX_METADATA_COLUMNS)),
        Case("apply metadata columns + 1", A, with_columns(llim.MAX_METADATA_COLUMNS + 1), "metadata"),
        Case("apply rule nodes", A, with_nodes(llim.MAX_RULE_NODES)),
        Case(
            "apply rule nodes + 1", A, with_nodes(llim.MAX_RULE_NODES + 1), "labeling_functions[0].rule.any"
        ),
        Case("apply depth", A, with_depth(llim.MAX_DEPTH)),
        Case("apply depth + 1", A, with_depth(llim.MAX_DEPTH + 1), "labeling_functions[0].rule.negation"),
        Case("apply set values", A, with_set_values(llim.MAX_SET_VALUES)),
        Case(
            "apply set values + 1",
            A,
            with_set_values(llim.MAX_SET_VALUES + 1),
            "labeling_functions[0].rule.in_set",
        ),
        Case("apply patterns", A, with_patterns(llim.MAX_PATTERNS)),
        Case(
            "apply patterns + 1",
            A,
            with_patterns(llim.MAX_PATTERNS + 1),
            f"labeling_functions[0].rule.keyword.patterns[{llim.MAX_PATTERNS}]",
        ),
        Case("apply pattern chars", A, with_pattern_chars(llim.MAX_PATTERN_CHARS)),
        Case(
            "apply pattern chars + 1",
            A,
            with_pattern_chars(llim.MAX_PATTERN_CHARS + 1),
            "labeling_functions[0].rule.keyword.patterns[0]",
        ),
        Case("apply pattern chars in total", A, with_total_chars(llim.MAX_PATTERN_CHARS_TOTAL)),
        Case(
            "apply pattern chars in total + 1",
            A,
            with_total_chars(llim.MAX_PATTERN_CHARS_TOTAL + 1),
            "labeling_functions[0].rule.keyword.patterns[100]",
        ),
        Case("apply pattern program", A, with_program(llim.MAX_PATTERN_PROGRAM - 4004)),
        Case(
            "apply pattern program + 1",
            A,
            with_program(llim.MAX_PATTERN_PROGRAM - 4003),
            "labeling_functions[0].rule.keyword.patterns[0]",
        ),
        Case("apply programs in total", A, with_program_total(llim.MAX_PROGRAM_TOTAL)),
        Case(
            "apply programs in total + 1",
            A,
            with_program_total(llim.MAX_PROGRAM_TOTAL + 1),
            "labeling_functions[0].rule.keyword.patterns[24]",
        ),
        Case("apply programs x text", A, with_work(work_chars)),
        Case("apply programs x text + 1", A, with_work(work_chars + 1), "texts[0].values"),
        Case(
            "apply the issue's 2,000 x [a-j]{1,40}xxxxx",
            A,
            the_attack,
            "labeling_functions[1136].rule.keyword",
        ),
        Case("apply exemplars per rule", A, with_exemplars(llim.MAX_EXEMPLARS_PER_RULE)),
        Case(
            "apply exemplars per rule + 1",
            A,
            with_exemplars(llim.MAX_EXEMPLARS_PER_RULE + 1),
            "labeling_functions[0].rule.similarity.exemplars",
        ),
        Case("apply exemplars in total", A, with_exemplars(llim.MAX_EXEMPLARS_PER_RULE, 100)),
        Case(
            "apply exemplars in total + 1",
            A,
            with_exemplars(llim.MAX_EXEMPLARS_PER_RULE, 101),
            "labeling_functions[100].rule.similarity",
        ),
        Case("apply embedding_dim", A, with_dim(elim.MAX_DIMENSION)),
        Case("apply embedding_dim + 1", A, with_dim(elim.MAX_DIMENSION + 1), "embedding_dim"),
        Case("apply stored vectors", A, with_stored_dim(elim.MAX_DIMENSION, 64)),
        Case("analyze rows", N, analyze(llim.MAX_ROWS, 1)),
        Case("analyze rows + 1", N, analyze(llim.MAX_ROWS + 1, 1), "label_matrix.num_rows"),
        Case("analyze functions", N, analyze(1, llim.MAX_FUNCTIONS)),
        Case("analyze functions + 1", N, analyze(1, llim.MAX_FUNCTIONS + 1), "label_matrix.num_functions"),
        Case("analyze cells", N, analyze(10_000, 10_000)),
        Case("analyze cells + 1", N, analyze(10_001, 10_000), "label_matrix.num_rows"),
        Case("analyze classes", N, analyze(2, 2, llim.MAX_CLASSES)),
        Case("analyze classes + 1", N, analyze(2, 2, llim.MAX_CLASSES + 1), "class_names"),
        Case("fit rows", F, fit(llim.MAX_ROWS, 3)),
        Case("fit rows + 1", F, fit(llim.MAX_ROWS + 1, 3), "label_matrix.num_rows"),
        Case(
            "fit iterations",
            F,
            fit(8, 3, model=lpb.LABEL_MODEL_TYPE_DAWID_SKENE, iterations=llim.MAX_ITERATIONS),
        ),
        Case("fit iterations + 1", F, fit(8, 3, iterations=llim.MAX_ITERATIONS + 1), "max_iterations"),
        Case("fit classes", F, fit(4, 1, llim.MAX_CLASSES)),
        Case("fit classes + 1", F, fit(4, 3, llim.MAX_CLASSES + 1), "class_names"),
        # 3 x 1,001 x 1,000 tables entries is the most under MAX_TABLE_CELLS at 1,000 classes.
        Case("fit tables", F, fit(4, 3, llim.MAX_CLASSES)),
        Case("fit tables + 1", F, fit(4, 4, llim.MAX_CLASSES), "label_matrix.num_functions"),
        Case(
            "fit matrix completion",
            F,
            fit(4, llim.MAX_COMPLETION_DIM // 2, model=lpb.LABEL_MODEL_TYPE_MATRIX_COMPLETION, iterations=5),
        ),
        Case(
            "fit matrix completion + 1",
            F,
            fit(4, llim.MAX_COMPLETION_DIM // 2 + 1, model=lpb.LABEL_MODEL_TYPE_MATRIX_COMPLETION),
            "label_matrix.num_functions",
        ),
        Case("predict rows", P, predict(llim.MAX_ROWS)),
        Case("predict rows + 1", P, predict(llim.MAX_ROWS + 1), "label_matrix.num_rows"),
    ]


# ------------------------------------------------------------------------------------ sampling
def pool(n: int = 1, **fields: object) -> spb.SelectRequest:
    """A pool of n assets, budget 1, one random strategy (fields replace any of these)."""
    req = spb.SelectRequest(
        asset_ids=ids(n), budget=1, strategies=[spb.SamplingStrategy(kind=spb.STRATEGY_KIND_RANDOM)]
    )
    for key, value in fields.items():
        if isinstance(value, list):
            getattr(req, key).extend(value)
        elif isinstance(value, Message):
            getattr(req, key).CopyFrom(value)
        else:
            setattr(req, key, value)
    return req


def select(**fields: object) -> Callable[[Operations], Message]:
    n = int(fields.pop("n", 1))  # type: ignore[call-overload]
    return lambda ops: pool(n, **fields)


def strategies(count: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = pool()
        req.strategies.extend(spb.SamplingStrategy(kind=spb.STRATEGY_KIND_RANDOM) for _ in range(count - 1))
        return req

    return build


def columns(count: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = pool()
        for c in range(count):
            req.metadata.add(key=f"m{c}", values=["x"])
        return req

    return build


def targets(count: int, field: str) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = pool(num_classes=slim.MAX_CLASSES, scores=[1.0] + [0.0] * (slim.MAX_CLASSES - 1))
        strategy = req.strategies[0]
        strategy.kind = spb.STRATEGY_KIND_RARITY
        getattr(strategy, field).extend([1] * count)
        return req

    return build


def rarity(label: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = pool(weak_labels=[label])
        req.strategies[0].kind = spb.STRATEGY_KIND_RARITY
        req.strategies[0].class_source = spb.CLASS_SOURCE_WEAK_LABEL
        return req

    return build


def rarity_work(n: int) -> Callable[[Operations], Message]:
    """Rarity over n assets (budget n) and MAX_TARGETS classes: n x MAX_TARGETS picks x classes."""

    def build(ops: Operations) -> Message:
        req = pool(n, budget=n, weak_labels=[0] * n)
        strategy = req.strategies[0]
        strategy.kind = spb.STRATEGY_KIND_RARITY
        strategy.class_source = spb.CLASS_SOURCE_WEAK_LABEL
        strategy.target_distribution.extend([1.0] * slim.MAX_TARGETS)
        return req

    return build


def sampled(n: int, s: int, k: int = 2, extra: int = 0) -> Callable[[Operations], Message]:
    """BALD over n assets x s samples x k classes (``extra`` more cells than that)."""

    def build(ops: Operations) -> Message:
        rows = np.zeros((n * s, k), np.float32)
        rows[:, 0] = 1.0
        flat = rows.ravel().tolist() + [0.0] * extra
        req = pool(n, num_classes=k, num_samples=s, score_samples=flat)
        req.strategies[0].kind = spb.STRATEGY_KIND_UNCERTAINTY
        req.strategies[0].measure = spb.UNCERTAINTY_MEASURE_BALD
        return req

    return build


def boxes(
    n: int, m: int, k: int, *, extra_scores: int = 0, passes: int = 1
) -> Callable[[Operations], Message]:
    """The detection strategy (combined) over m boxes with k class scores each on n images, in
    ``passes`` passes (pass 0 holds the first half of the boxes when there are two)."""

    def build(ops: Operations) -> Message:
        scores = np.zeros((m, k), np.float32)
        scores[:, 0] = 1.0
        sample = [] if passes == 1 else [0] * (m // 2) + [1] * (m - m // 2)
        det = spb.DetectionPredictions(
            image_index=(np.arange(m) % n).tolist(),
            boxes=np.tile(np.array([0, 0, 4, 4], np.float32), m).tolist(),
            num_classes=k,
            class_scores=scores.ravel().tolist() + [0.0] * extra_scores,
            sample_index=sample,
        )
        req = pool(n, num_samples=passes, detections=det)
        req.strategies[0].kind = spb.STRATEGY_KIND_DETECTION
        req.strategies[0].box_aggregation = spb.BOX_AGGREGATION_COMBINED
        return req

    return build


def vectors(n: int, dim: int, **fields: object) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        rng = np.random.default_rng(0)
        req = pool(n, **fields)
        req.embeddings = rng.standard_normal((n, dim)).astype("<f4").tobytes()
        req.embedding_dimension = dim
        return req

    return build


def kcenter(n: int, budget: int, dim: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        req = vectors(n, dim, budget=budget)(ops)
        assert isinstance(req, spb.SelectRequest)
        req.strategies[0].kind = spb.STRATEGY_KIND_DIVERSITY
        return req

    return build


def typicality(n: int, dim: int, clusters: int = 0, neighbors: int = 0) -> Callable[[Operations], Message]:
    """Typicality over n assets of dimension dim (budget 1) with the strategy's cap and neighbours."""

    def build(ops: Operations) -> Message:
        req = vectors(n, dim)(ops)
        assert isinstance(req, spb.SelectRequest)
        req.strategies[0].CopyFrom(
            spb.SamplingStrategy(
                kind=spb.STRATEGY_KIND_TYPICALITY, clusters=clusters, typicality_neighbors=neighbors
            )
        )
        return req

    return build


def clustering_work(n: int, dim: int, clusters: int) -> Callable[[Operations], Message]:
    """Typicality's k-means over n assets of dimension dim into ``clusters``: refused from the sizes it
    states, before the (deliberately short) vectors are read."""

    def build(ops: Operations) -> Message:
        req = pool(n, budget=clusters, embeddings=bytes(4), embedding_dimension=dim)
        req.strategies[0].CopyFrom(spb.SamplingStrategy(kind=spb.STRATEGY_KIND_TYPICALITY, clusters=clusters))
        return req

    return build


def stored_pool(n: int, dim: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        put(ops, f"pool{dim}", ids(n), dim)
        req = pool(n, collection=f"pool{dim}")
        req.strategies[0].kind = spb.STRATEGY_KIND_DIVERSITY
        return req

    return build


def duplicates(n: int, dim: int = 1, **fields: object) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        x = np.random.default_rng(0).standard_normal((n, dim)).astype("<f4")
        req = spb.FindNearDuplicatesRequest(asset_ids=ids(n), embeddings=x.tobytes(), embedding_dimension=dim)
        for key, value in fields.items():
            setattr(req, key, value)
        return req

    return build


def plan(**fields: object) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        selection = fields.pop("selection", None) or pool(4, num_classes=2, scores=[0.5, 0.5] * 4)
        diagnostics = cpb.ScoreClassificationResponse(
            summary=cpb.ClassificationSummary(per_class=[cpb.ClassMetrics(class_name="c", f1=0.5, support=1)])
        )
        req = spb.PlanRequest(selection=selection, diagnostics=diagnostics)  # type: ignore[arg-type]
        for key, value in fields.items():
            setattr(req, key, value)
        return req

    return build


def sampling_cases() -> list[Case]:
    S, D, P = smp_ops.SELECT, smp_ops.NEAR_DUPLICATES, smp_ops.PLAN
    pool_max = slim.MAX_POOL
    return [
        Case("select pool", S, select(n=pool_max)),
        Case("select pool + 1", S, select(n=pool_max + 1), "asset_ids"),
        Case("select budget", S, select(budget=slim.MAX_BUDGET)),
        Case("select budget + 1", S, select(budget=slim.MAX_BUDGET + 1), "budget"),
        Case("select labeled_ids", S, select(labeled_ids=ids(pool_max, "x"))),
        Case("select labeled_ids + 1", S, select(labeled_ids=ids(pool_max + 1, "x")), "labeled_ids"),
        Case("select exclude_ids", S, select(exclude_ids=ids(pool_max, "x"))),
        Case("select exclude_ids + 1", S, select(exclude_ids=ids(pool_max + 1, "x")), "exclude_ids"),
        Case(
            "select classes",
            S,
            select(num_classes=slim.MAX_CLASSES, scores=[1.0] + [0.0] * (slim.MAX_CLASSES - 1)),
        ),
        Case("select classes + 1", S, select(num_classes=slim.MAX_CLASSES + 1), "num_classes"),
        Case("select class named by a label", S, rarity(slim.MAX_CLASSES - 1)),
        Case("select class named by a label + 1", S, rarity(slim.MAX_CLASSES), "weak_labels[0]"),
        Case("select labeled_class_counts", S, select(labeled_class_counts=[1] * slim.MAX_TARGETS)),
        Case(
            "select labeled_class_counts + 1",
            S,
            select(labeled_class_counts=[1] * (slim.MAX_TARGETS + 1)),
            "labeled_class_counts",
        ),
        Case("select target_classes", S, targets(slim.MAX_TARGETS, "target_classes")),
        Case(
            "select target_classes + 1",
            S,
            targets(slim.MAX_TARGETS + 1, "target_classes"),
            "strategies[0].target_classes",
        ),
        Case("select target_distribution", S, targets(slim.MAX_TARGETS, "target_distribution")),
        Case(
            "select target_distribution + 1",
            S,
            targets(slim.MAX_TARGETS + 1, "target_distribution"),
            "strategies[0].target_distribution",
        ),
        Case("select strategies", S, strategies(slim.MAX_STRATEGIES)),
        Case("select strategies + 1", S, strategies(slim.MAX_STRATEGIES + 1), "strategies"),
        Case("select metadata columns", S, columns(slim.MAX_METADATA_COLUMNS)),
        Case("select metadata columns + 1", S, columns(slim.MAX_METADATA_COLUMNS + 1), "metadata"),
        Case("select dimension", S, vectors(1, slim.MAX_DIMENSION)),
        Case("select dimension + 1", S, vectors(1, slim.MAX_DIMENSION + 1), "embedding_dimension"),
        Case(
            "select neighbours",
            S,
            vectors(1_000, 4, dedup=spb.NearDuplicateOptions(threshold=0.1, neighbors=slim.MAX_NEIGHBORS)),
        ),
        Case(
            "select neighbours + 1",
            S,
            vectors(
                1_000, 4, dedup=spb.NearDuplicateOptions(threshold=0.1, neighbors=slim.MAX_NEIGHBORS + 1)
            ),
            "dedup.neighbors",
        ),
        # pool x budget x dimension at its maximum is ~30 s of k-center: the limit is checked one over.
        Case("select k-center work", S, kcenter(1_000, 1_000, 8)),
        Case("select k-center work + 1", S, kcenter(100_001, 100_000, 10), "budget"),
        Case("select rarity work", S, rarity_work(slim.MAX_RARITY_WORK // slim.MAX_TARGETS)),
        Case(
            "select rarity work + 1",
            S,
            rarity_work(slim.MAX_RARITY_WORK // slim.MAX_TARGETS + 1),
            "strategies[0]",
        ),
        Case("select samples", S, sampled(1, slim.MAX_SAMPLES)),
        Case("select samples + 1", S, sampled(1, slim.MAX_SAMPLES + 1), "num_samples"),
        Case("select sample cells", S, sampled(slim.MAX_SAMPLE_CELLS // 10, 5)),
        Case("select sample cells + 1", S, sampled(slim.MAX_SAMPLE_CELLS // 10, 5, extra=1), "score_samples"),
        Case(
            "select boxes and box scores",
            S,
            boxes(1_000, slim.MAX_BOXES, slim.MAX_BOX_SCORE_CELLS // slim.MAX_BOXES),
        ),
        Case("select boxes + 1", S, boxes(1_000, slim.MAX_BOXES + 1, 1), "detections.image_index"),
        Case(
            "select box scores + 1",
            S,
            boxes(1_000, 1_000, 2, extra_scores=slim.MAX_BOX_SCORE_CELLS - 1_999),
            "detections.class_scores",
        ),
        # Box pairs at their maximum are ~20 s of IoU: a million is answered, 2 x 10^8 + 10^4 refused.
        Case("select box pairs", S, boxes(1, 2_000, 2, passes=2)),
        Case("select box pairs + 1", S, boxes(1, 30_002, 1, passes=2), "detections.sample_index"),
        Case("select a stored pool", S, stored_pool(1_000, 512)),
        Case("select clusters", S, typicality(200, 4, clusters=slim.MAX_CLUSTERS)),
        Case(
            "select clusters + 1",
            S,
            typicality(200, 4, clusters=slim.MAX_CLUSTERS + 1),
            "strategies[0].clusters",
        ),
        Case(
            "select typicality neighbours",
            S,
            typicality(200, 4, neighbors=slim.MAX_TYPICALITY_NEIGHBORS),
        ),
        Case(
            "select typicality neighbours + 1",
            S,
            typicality(200, 4, neighbors=slim.MAX_TYPICALITY_NEIGHBORS + 1),
            "strategies[0].typicality_neighbors",
        ),
        # 1,000,000 x 128 into 500 clusters (the default cap) is within the work limit; x 512 into 1,000 not.
        Case(
            "select clustering work + 1",
            S,
            clustering_work(slim.MAX_POOL, 512, 1_000),
            "strategies[0].clusters",
        ),
        Case("near-duplicates pool", D, duplicates(pool_max, 2)),
        Case("near-duplicates pool + 1", D, duplicates(pool_max + 1, 2), "asset_ids"),
        Case("near-duplicates neighbours", D, duplicates(2_000, 4, neighbors=slim.MAX_NEIGHBORS)),
        Case(
            "near-duplicates neighbours + 1",
            D,
            duplicates(2_000, 4, neighbors=slim.MAX_NEIGHBORS + 1),
            "neighbors",
        ),
        Case("near-duplicates dimension", D, duplicates(2, slim.MAX_DIMENSION)),
        Case(
            "near-duplicates dimension + 1", D, duplicates(2, slim.MAX_DIMENSION + 1), "embedding_dimension"
        ),
        Case("near-duplicates page size", D, duplicates(8, page_size=slim.MAX_PAGE_SIZE)),
        Case(
            "near-duplicates page size + 1", D, duplicates(8, page_size=slim.MAX_PAGE_SIZE + 1), "page_size"
        ),
        Case("plan weakest classes", P, plan(weakest_classes=slim.MAX_CLASSES)),
        Case("plan weakest classes + 1", P, plan(weakest_classes=slim.MAX_CLASSES + 1), "weakest_classes"),
        Case("plan weakest slices", P, plan(weakest_slices=slim.MAX_CLASSES)),
        Case("plan weakest slices + 1", P, plan(weakest_slices=slim.MAX_CLASSES + 1), "weakest_slices"),
        Case(
            "plan selection + 1", P, plan(selection=pool(1, budget=slim.MAX_BUDGET + 1)), "selection.budget"
        ),
    ]


# ------------------------------------------------------------------------------------ embeddings
def put_request(n: int, dim: int, collection: str = "c") -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        vectors = np.ones((n, dim), dtype="<f4").tobytes()
        return epb.PutEmbeddingsRequest(
            collection=collection, dimension=dim, asset_ids=ids(n), vectors=vectors
        )

    return build


def get_request(n: int, dim: int, stored: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        put(ops, f"g{dim}", ids(stored), dim)
        return epb.GetEmbeddingsRequest(collection=f"g{dim}", asset_ids=ids(n))

    return build


def delete_request(n: int, dim: int, stored: int) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        put(ops, f"d{dim}", ids(stored), dim)
        return epb.DeleteEmbeddingsRequest(collection=f"d{dim}", asset_ids=ids(n))

    return build


def drop_request(collection: str) -> Callable[[Operations], Message]:
    def build(ops: Operations) -> Message:
        return epb.DeleteEmbeddingsRequest(collection=collection, delete_collection=True)

    return build


def embeddings_cases() -> list[Case]:
    ids_max, row_max = elim.MAX_IDS_PER_REQUEST, elim.MAX_VECTOR_BYTES // (4 * elim.MAX_DIMENSION)
    return [
        Case("put vectors", PUT, put_request(ids_max, 1)),
        Case("put vectors + 1", PUT, put_request(ids_max + 1, 1), "asset_ids"),
        Case("put dimension", PUT, put_request(1, elim.MAX_DIMENSION, "dim")),
        Case("put dimension + 1", PUT, put_request(1, elim.MAX_DIMENSION + 1, "dim"), "dimension"),
        Case("put vector bytes", PUT, put_request(row_max, elim.MAX_DIMENSION, "wide")),
        # Stored data stays (it is never evicted): what the next cases store must fit beside it.
        Case("drop the widest collection", DELETE, drop_request("wide")),
        Case("put vector bytes + 1", PUT, put_request(row_max + 1, elim.MAX_DIMENSION, "wider"), "vectors"),
        Case("get ids", GET, get_request(ids_max, 1, ids_max)),
        Case("get ids + 1", GET, get_request(ids_max + 1, 1, 1), "asset_ids"),
        Case("get vector bytes", GET, get_request(row_max, elim.MAX_DIMENSION, row_max)),
        Case("drop the read collection", DELETE, drop_request(f"g{elim.MAX_DIMENSION}")),
        Case("get vector bytes + 1", GET, get_request(row_max + 1, elim.MAX_DIMENSION, 1), "asset_ids"),
        Case("delete ids", DELETE, delete_request(ids_max, 1, ids_max)),
        Case("delete ids + 1", DELETE, delete_request(ids_max + 1, 1, 1), "asset_ids"),
    ]


FAMILIES: dict[str, Callable[[], list[Case]]] = {
    "labeling": labeling_cases,
    "sampling": sampling_cases,
    "embeddings": embeddings_cases,
}


def virtual_bytes() -> int:
    """This process's mapped address space (VmSize)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def run(family: str) -> None:
    """Answer every case of ``family`` under RLIMIT_AS, one JSON line per case."""
    specs = [*lab_ops.SPECS, *smp_ops.SPECS, *emb_ops.SPECS]
    ops = Operations(specs, DictCache(), workers=1, local_bytes=0, max_request_memory_bytes=CASE_BUDGET)
    lab_ops.warm_up()
    import faiss  # noqa: F401  (mapped now, as a large near-duplicate search would)

    print(json.dumps({"baseline": virtual_bytes()}), flush=True)
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT, ADDRESS_SPACE_LIMIT))
    for case in FAMILIES[family]():
        started = time.perf_counter()
        out: dict[str, object] = {"case": case.name}
        try:
            ops.cache = DictCache()  # what earlier cases stored is not this one's memory
            request = case.build(ops)
            run_sync(ops.dispatch(case.operation, request, CTX))
            out["outcome"] = "answered"
        except LimitExceeded as exc:
            out.update(outcome="limit_exceeded", field=exc.field, message=exc.message)
        except BaseException as exc:  # reported to the parent, which fails the case
            out.update(outcome=type(exc).__name__, message=str(exc)[:300])
        out["seconds"] = round(time.perf_counter() - started, 2)
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    run(sys.argv[1])
