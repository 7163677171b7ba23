"""Select: the next batch to label from a pool, by a mixture of strategies, each pick with its reason.

A direct operation: it first reads the pool's vectors from a named collection (see ``vectors``), then
hands the computation to the cache with the canonical request plus a digest of the vectors as key
material. With no strategies named, Select uses ``DEFAULT_MIX`` and, when it has embeddings,
``DEFAULT_DEDUP`` (see bench/label_savings.py and the README).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from curation.core.sampling import Dedup, Pool, Selection, Strategy, cosine_knn, select
from curation.errors import InvalidArgument
from curation.internal.v1 import sampling_pb2 as ipb
from curation.ops import _validate as v
from curation.ops.embeddings import decode_vectors
from curation.ops.findings import to_warnings
from curation.ops.keys import canonical_bytes
from curation.ops.operation_spec import Context, Host
from curation.ops.sampling.cost import select_cost
from curation.ops.sampling.near_duplicates import dedup_options
from curation.ops.sampling.vectors import PoolVectors, resolve_pool_vectors
from curation.v1 import common_pb2
from curation.v1 import sampling_pb2 as pb

__all__ = ["DEFAULT_DEDUP", "DEFAULT_MIX", "SELECT", "evaluate_select", "handle_select", "select_response"]

SELECT = "curation.v1.SamplingService/Select"
FRACTION_TOLERANCE = 1e-6

# The mix Select uses when the request names no strategy (see bench/label_savings.py and the README).
DEFAULT_MIX: tuple[pb.SamplingStrategy, ...] = (
    pb.SamplingStrategy(
        kind=pb.STRATEGY_KIND_UNCERTAINTY, fraction=0.8, measure=pb.UNCERTAINTY_MEASURE_MARGIN
    ),
    pb.SamplingStrategy(kind=pb.STRATEGY_KIND_RANDOM, fraction=0.2),
)
DEFAULT_DEDUP = pb.NearDuplicateOptions(threshold=0.5, relative=True, neighbors=10)

_KIND = {
    pb.STRATEGY_KIND_RANDOM: "random",
    pb.STRATEGY_KIND_STRATIFIED: "stratified",
    pb.STRATEGY_KIND_LF_TARGETED: "lf_targeted",
    pb.STRATEGY_KIND_UNCERTAINTY: "uncertainty",
    pb.STRATEGY_KIND_DIVERSITY: "diversity",
    pb.STRATEGY_KIND_RARITY: "rarity",
    pb.STRATEGY_KIND_HARDNESS: "hardness",
}
_MEASURE = {
    pb.UNCERTAINTY_MEASURE_UNSPECIFIED: "margin",
    pb.UNCERTAINTY_MEASURE_LEAST_CONFIDENCE: "least_confidence",
    pb.UNCERTAINTY_MEASURE_MARGIN: "margin",
    pb.UNCERTAINTY_MEASURE_ENTROPY: "entropy",
}
_STRATA = {
    pb.STRATA_SOURCE_UNSPECIFIED: "predicted",
    pb.STRATA_SOURCE_LABEL: "label",
    pb.STRATA_SOURCE_PREDICTED: "predicted",
    pb.STRATA_SOURCE_WEAK_LABEL: "weak",
    pb.STRATA_SOURCE_METADATA: "metadata",
}
_CLASS_SOURCE = {
    pb.CLASS_SOURCE_UNSPECIFIED: "predicted",
    pb.CLASS_SOURCE_PREDICTED: "predicted",
    pb.CLASS_SOURCE_WEAK_LABEL: "weak",
}
_FILTER = {
    pb.MODEL_FILTER_UNSPECIFIED: "none",
    pb.MODEL_FILTER_NONE: "none",
    pb.MODEL_FILTER_DISAGREE: "disagree",
    pb.MODEL_FILTER_DISAGREE_OR_UNSURE: "disagree_or_unsure",
}


# ---------------------------------------------------------------------------------------- the pool
def _floats_matrix(values: Sequence[float], n: int, k: int, field: str) -> npt.NDArray[np.float64] | None:
    """An n x k matrix of probability rows, or None when not sent (``num_classes`` must then be >= 1)."""
    if len(values) == 0:
        return None
    if k < 1:
        raise InvalidArgument("must be >= 1 when scores or weak_label_probs are given", field="num_classes")
    arr = v.matrix(v.finite_floats(values, field), n, k, field)
    v.probability_rows(arr, field)
    return arr.astype(np.float64)


def _label_vector(values: Sequence[int], n: int, k: int, field: str) -> npt.NDArray[np.int64] | None:
    """One label per asset in ``[-1, k)`` (-1 = none; any int32 when ``k`` is 0), or None when not sent."""
    if len(values) == 0:
        return None
    v.check_length(len(values), n, field)
    arr = np.asarray(values, dtype=np.int64)
    upper = k if k > 0 else np.iinfo(np.int32).max
    bad = np.flatnonzero((arr < -1) | (arr >= upper))
    if bad.size:
        raise InvalidArgument(f"{int(arr[bad[0]])} is outside [-1, {upper})", field=f"{field}[{int(bad[0])}]")
    return arr


def _hardness(request: pb.SelectRequest, n: int) -> npt.NDArray[np.float64] | None:
    """The caller's finite hardness score per asset, or None when not sent."""
    if not len(request.hardness):
        return None
    v.check_length(len(request.hardness), n, "hardness")
    return v.finite_floats(request.hardness, "hardness").astype(np.float64)


def _labeled_and_excluded(
    request: pb.SelectRequest, ids: npt.NDArray[np.str_]
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """The pool rows named in ``labeled_ids`` and in ``exclude_ids`` (IDs outside the pool are ignored)."""
    pool = ids.tolist()
    return _member_of(pool, request.labeled_ids), _member_of(pool, request.exclude_ids)


def _member_of(pool: list[str], named: Sequence[str]) -> npt.NDArray[np.bool_]:
    """Which pool IDs are ``named``: one set lookup per pool ID (a set of the named IDs, usually far
    fewer than the pool, costs less than an ID -> row map of a million-asset pool)."""
    if not len(named):
        return np.zeros(len(pool), dtype=bool)
    wanted = set(named)
    return np.fromiter((a in wanted for a in pool), dtype=bool, count=len(pool))


def _labeled_class_counts(request: pb.SelectRequest) -> npt.NDArray[np.float64] | None:
    """Labeled assets per class outside the pool (each >= 0), or None when not sent."""
    if not len(request.labeled_class_counts):
        return None
    counts = np.asarray(request.labeled_class_counts, dtype=np.float64)
    if (counts < 0).any():
        raise InvalidArgument("counts must be >= 0", field="labeled_class_counts")
    return counts


def _pool(request: pb.SelectRequest, resolved: PoolVectors) -> tuple[Pool, int]:
    """The validated pool and its number of classes (``num_classes``, 0 = not given)."""
    v.check_non_empty(len(request.asset_ids), "asset_ids")
    ids = v.unique_strings(request.asset_ids, "asset_ids", allow_empty=False)
    v.non_empty_strings(request.labeled_ids, "labeled_ids")
    v.non_empty_strings(request.exclude_ids, "exclude_ids")
    n = ids.shape[0]
    k = int(request.num_classes)
    if k < 0:
        raise InvalidArgument("must be >= 0", field="num_classes")
    scores = _floats_matrix(request.scores, n, k, "scores")
    weak_probs = _floats_matrix(request.weak_label_probs, n, k, "weak_label_probs")
    weak_labels = _label_vector(request.weak_labels, n, k, "weak_labels")
    labels = _label_vector(request.labels, n, k, "labels")
    hard = _hardness(request, n)
    emb = resolved.pool
    if request.embeddings:
        emb = decode_vectors(request.embeddings, n, request.embedding_dimension, "embeddings")
    metadata = v.string_columns(request.metadata, n, "metadata", allow_empty_key=True, length_hint="")
    labeled, excluded = _labeled_and_excluded(request, ids)
    pool = Pool(
        asset_ids=ids,
        labeled=labeled,
        excluded=excluded,
        scores=scores,
        weak_probs=weak_probs,
        weak_labels=weak_labels,
        labels=labels,
        embeddings=emb,
        metadata=metadata,
        hardness=hard,
        extra_centers=resolved.extra,
        labeled_class_counts=_labeled_class_counts(request),
    )
    return pool, k


# ---------------------------------------------------------------------------------------- strategies
def _target_distribution(s: pb.SamplingStrategy, field: str, k: int) -> tuple[float, ...]:
    """The rarity target: finite, >= 0, not all zero, at most one entry per class."""
    dist = tuple(float(x) for x in s.target_distribution)
    if not dist:
        return dist
    arr = np.asarray(dist)
    if not np.isfinite(arr).all() or (arr < 0).any() or arr.sum() <= 0:
        raise InvalidArgument("must be finite, >= 0 and not all zero", field=f"{field}.target_distribution")
    if k > 0 and arr.size > k:
        raise InvalidArgument(f"has {arr.size} entries for {k} classes", field=f"{field}.target_distribution")
    return dist


def _strategy(
    s: pb.SamplingStrategy, field: str, k: int, metadata: Mapping[str, npt.NDArray[np.str_]]
) -> Strategy:
    """The core strategy of one validated ``strategies[i]`` entry."""
    kind = _KIND.get(s.kind)
    if kind is None:
        raise InvalidArgument(f"unknown strategy kind {s.kind}", field=f"{field}.kind")
    if not math.isfinite(s.fraction) or s.fraction < 0:
        raise InvalidArgument("must be a finite number >= 0", field=f"{field}.fraction")
    if s.measure not in _MEASURE:
        raise InvalidArgument(f"unknown measure {s.measure}", field=f"{field}.measure")
    if s.strata not in _STRATA or s.class_source not in _CLASS_SOURCE or s.model_filter not in _FILTER:
        raise InvalidArgument("unknown enum value", field=field)
    if _STRATA[s.strata] == "metadata" and kind == "stratified" and s.metadata_key not in metadata:
        raise InvalidArgument(f"no metadata column {s.metadata_key!r}", field=f"{field}.metadata_key")
    targets = tuple(int(t) for t in s.target_classes)
    if k > 0:
        v.index_array(targets, k, f"{field}.target_classes")
    unsure = s.unsure_below if s.HasField("unsure_below") else 0.5
    if not 0.0 <= unsure <= 1.0:
        raise InvalidArgument("must lie in [0, 1]", field=f"{field}.unsure_below")
    return Strategy(
        kind=kind,
        fraction=s.fraction,
        name=s.name,
        measure=_MEASURE[s.measure],
        strata=_STRATA[s.strata],
        metadata_key=s.metadata_key,
        proportional=s.proportional,
        target_classes=targets,
        lf_filter=_FILTER[s.model_filter],
        unsure_below=unsure,
        class_source=_CLASS_SOURCE[s.class_source],
        target_distribution=_target_distribution(s, field, k),
    )


def _strategies(
    request: pb.SelectRequest, k: int, metadata: Mapping[str, npt.NDArray[np.str_]]
) -> list[Strategy]:
    """The request's strategies (``DEFAULT_MIX`` when none), fractions summing to 1 or all 0."""
    protos = list(request.strategies) or list(DEFAULT_MIX)
    out = [_strategy(s, f"strategies[{i}]", k, metadata) for i, s in enumerate(protos)]
    total = float(np.sum([s.fraction for s in protos]))
    if total > 0 and abs(total - 1.0) > FRACTION_TOLERANCE:
        raise InvalidArgument(
            f"fractions sum to {total:.6g}, not 1 (or leave all at 0 for equal shares)", field="strategies"
        )
    return out


def _dedup(request: pb.SelectRequest, pool: Pool) -> Dedup | None:
    """The request's near-duplicate removal; ``DEFAULT_DEDUP`` for the default mix with embeddings."""
    if request.HasField("dedup"):
        return dedup_options(request.dedup, "dedup")
    if not request.strategies and pool.embeddings is not None:
        return dedup_options(DEFAULT_DEDUP, "dedup")
    return None


# ---------------------------------------------------------------------------------------- select
def evaluate_select(
    request: pb.SelectRequest, resolved: PoolVectors, extra_warnings: list[common_pb2.Warning]
) -> ipb.SelectionResult:
    """Validate and select (blocking; runs in a worker thread)."""
    pool, k = _pool(request, resolved)
    if request.budget < 1:
        raise InvalidArgument(f"must be >= 1, got {request.budget}", field="budget")
    strategies = _strategies(request, k, pool.metadata)
    dedup = _dedup(request, pool)
    try:
        sel = select(pool, strategies, int(request.budget), int(request.seed), dedup=dedup, knn=cosine_knn)
    except ValueError as exc:
        raise InvalidArgument(str(exc), field="strategies") from None
    result = _result(sel, pool.asset_ids, [s.label for s in strategies])
    result.warnings.extend(extra_warnings)
    result.warnings.extend(to_warnings(sel.findings))
    return result


def _result(sel: Selection, ids: npt.NDArray[np.str_], names: list[str]) -> ipb.SelectionResult:
    """The selection as proto: each pick with its strategy, score, ranks and distance; each strategy's
    quota and count."""
    result = ipb.SelectionResult(duplicate_groups=sel.duplicate_groups)
    if sel.dedup_threshold is not None:
        result.dedup_threshold = sel.dedup_threshold
    picks = zip(
        sel.rows.tolist(),
        sel.strategy.tolist(),
        sel.score.tolist(),
        sel.strategy_rank.tolist(),
        sel.distance.tolist(),
        strict=True,
    )
    for rank, (row, si, score, srank, dist) in enumerate(picks, start=1):
        item = result.selected.add(
            asset_id=str(ids[row]),
            strategy_index=si,
            strategy=names[si] if si >= 0 else "random_fill",
            score=score if math.isfinite(score) else 0.0,
            rank=rank,
            strategy_rank=srank,
        )
        if math.isfinite(dist):
            item.nearest_distance = dist
    for name, quota, picked in zip(names, sel.quotas.tolist(), sel.picked.tolist(), strict=True):
        result.strategies.add(strategy=name, quota=quota, selected=picked)
    return result


async def select_response(ops: Host, request: pb.SelectRequest, ctx: Context) -> pb.SelectResponse:
    """Resolve the pool's vectors, select through the cache and answer (Plan answers with it too)."""
    ids = list(request.asset_ids)
    in_pool = set(ids)
    extra_ids = [a for a in request.labeled_ids if a not in in_pool]
    resolved, warnings = await resolve_pool_vectors(
        ops,
        ctx,
        ids,
        request.collection,
        extra_ids,
        has_inline=bool(request.embeddings),
        cost=lambda dim: select_cost(request, dim),
    )
    material = canonical_bytes(request, ()) + b"\x00vectors:" + resolved.digest
    payload, info = await ops.cached(
        SELECT, material, lambda: evaluate_select(request, resolved, warnings), ipb.SelectionResult, ctx
    )
    response = pb.SelectResponse(
        selected=payload.selected,
        strategies=payload.strategies,
        duplicate_groups=payload.duplicate_groups,
        warnings=payload.warnings,
    )
    if payload.HasField("dedup_threshold"):
        response.dedup_threshold = payload.dedup_threshold
    response.cache.CopyFrom(info)
    return response


async def handle_select(ops: Host, request: pb.SelectRequest, ctx: Context) -> pb.SelectResponse:
    """The Select operation."""
    return await select_response(ops, request, ctx)
