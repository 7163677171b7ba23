"""Select: the next batch to label from a pool, by a mixture of strategies, each pick with its reason.

A direct operation: it first reads the pool's vectors from a named collection (see ``vectors``), then
hands the computation to the cache with the canonical request plus a digest of the vectors as key
material. With no strategies named, Select runs the adaptive default
(:func:`curation.core.sampling.choose_default`): it detects the regime (cold start, uncertainty or mixed),
answers it in ``regime`` and says it in every pick's reason (see bench/label_savings.py and the README).

Strategies: random, stratified, lf_targeted, uncertainty, diversity (k-center), rarity, hardness and
typicality (TypiClust's cold start over k-means; see ``curation.core.sampling.typicality``). The k-means
clustering typicality needs is cached on its own (``cached_clusterings``): keyed by the pool's vectors
and asset IDs, the seed and the number of clusters, so a request on the same pool with another labeled
set (of the same size) or budget split reuses it instead of clustering again.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from curation.core.sampling import (
    Clusterer,
    Clustering,
    Dedup,
    DefaultChoice,
    Pool,
    Selection,
    Strategy,
    choose_default,
    cosine_knn,
    kmeans_clustering,
    select,
    tie_keys,
    typicality_clusters,
)
from curation.errors import InvalidArgument
from curation.internal.v1 import sampling_pb2 as ipb
from curation.ops import _validate as v
from curation.ops.embeddings import decode_vectors
from curation.ops.findings import to_warnings
from curation.ops.keys import canonical_bytes
from curation.ops.operation_spec import Context, Host
from curation.ops.sampling import predictions
from curation.ops.sampling.cost import select_cost
from curation.ops.sampling.near_duplicates import dedup_options
from curation.ops.sampling.reasons import pick_reason, regime_note
from curation.ops.sampling.vectors import PoolVectors, resolve_pool_vectors
from curation.v1 import common_pb2
from curation.v1 import sampling_pb2 as pb

__all__ = [
    "DEFAULT_DEDUP",
    "SELECT",
    "cached_clusterings",
    "evaluate_select",
    "handle_select",
    "select_response",
]

SELECT = "curation.v1.SamplingService/Select"
FRACTION_TOLERANCE = 1e-6

# The near-duplicate removal of the adaptive default (curation.core.sampling.DEFAULT_DEDUP), as proto.
DEFAULT_DEDUP = pb.NearDuplicateOptions(threshold=0.5, relative=True, neighbors=10)

_KIND = {
    pb.STRATEGY_KIND_RANDOM: "random",
    pb.STRATEGY_KIND_STRATIFIED: "stratified",
    pb.STRATEGY_KIND_LF_TARGETED: "lf_targeted",
    pb.STRATEGY_KIND_UNCERTAINTY: "uncertainty",
    pb.STRATEGY_KIND_DIVERSITY: "diversity",
    pb.STRATEGY_KIND_RARITY: "rarity",
    pb.STRATEGY_KIND_HARDNESS: "hardness",
    pb.STRATEGY_KIND_TYPICALITY: "typicality",
    pb.STRATEGY_KIND_DETECTION: "detection",
}
_MEASURE = {
    pb.UNCERTAINTY_MEASURE_UNSPECIFIED: "margin",
    pb.UNCERTAINTY_MEASURE_LEAST_CONFIDENCE: "least_confidence",
    pb.UNCERTAINTY_MEASURE_MARGIN: "margin",
    pb.UNCERTAINTY_MEASURE_ENTROPY: "entropy",
    pb.UNCERTAINTY_MEASURE_BALD: "bald",
    pb.UNCERTAINTY_MEASURE_VARIATION_RATIO: "variation_ratio",
}
_BOX_AGGREGATION = {
    pb.BOX_AGGREGATION_UNSPECIFIED: "max_entropy",
    pb.BOX_AGGREGATION_MAX_ENTROPY: "max_entropy",
    pb.BOX_AGGREGATION_MEAN_ENTROPY: "mean_entropy",
    pb.BOX_AGGREGATION_SUM_ENTROPY: "sum_entropy",
    pb.BOX_AGGREGATION_LOCALIZATION: "localization",
    pb.BOX_AGGREGATION_COMBINED: "combined",
}
_BATCH_SAMPLING = {
    pb.ACQUISITION_SAMPLING_UNSPECIFIED: "top",
    pb.ACQUISITION_SAMPLING_TOP: "top",
    pb.ACQUISITION_SAMPLING_POWER: "power",
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
    s = predictions.num_samples(request)
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
        score_samples=predictions.score_samples(request, n, k, s),
        detections=predictions.detections(request, n, s),
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
    for name in ("clusters", "typicality_neighbors"):
        if getattr(s, name) < 0:
            raise InvalidArgument("must be >= 0", field=f"{field}.{name}")
    unsure = s.unsure_below if s.HasField("unsure_below") else 0.5
    if not 0.0 <= unsure <= 1.0:
        raise InvalidArgument("must lie in [0, 1]", field=f"{field}.unsure_below")
    if s.box_aggregation not in _BOX_AGGREGATION:
        raise InvalidArgument(
            f"unknown box aggregation {s.box_aggregation}", field=f"{field}.box_aggregation"
        )
    if s.batch_sampling not in _BATCH_SAMPLING:
        raise InvalidArgument(f"unknown batch sampling {s.batch_sampling}", field=f"{field}.batch_sampling")
    beta = s.power_beta if s.HasField("power_beta") else 1.0
    if not math.isfinite(beta) or beta < 0:
        raise InvalidArgument("must be a finite number >= 0", field=f"{field}.power_beta")
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
        clusters=int(s.clusters),
        typicality_neighbors=int(s.typicality_neighbors),
        box_aggregation=_BOX_AGGREGATION[s.box_aggregation],
        batch_sampling=_BATCH_SAMPLING[s.batch_sampling],
        power_beta=beta,
    )


def _strategies(
    request: pb.SelectRequest, k: int, metadata: Mapping[str, npt.NDArray[np.str_]]
) -> list[Strategy]:
    """The request's strategies (empty = the adaptive default), fractions summing to 1 or all 0."""
    protos = list(request.strategies)
    out = [_strategy(s, f"strategies[{i}]", k, metadata) for i, s in enumerate(protos)]
    total = float(np.sum([s.fraction for s in protos]))
    if total > 0 and abs(total - 1.0) > FRACTION_TOLERANCE:
        raise InvalidArgument(
            f"fractions sum to {total:.6g}, not 1 (or leave all at 0 for equal shares)", field="strategies"
        )
    return out


def _model_accuracy(request: pb.SelectRequest) -> float | None:
    """The last of ``accuracy_history`` (each finite and in [0, 1]), or None when not sent."""
    if not len(request.accuracy_history):
        return None
    hist = v.finite_floats(request.accuracy_history, "accuracy_history", dtype=np.float64)
    bad = np.flatnonzero((hist < 0) | (hist > 1))
    if bad.size:
        raise InvalidArgument("must lie in [0, 1]", field=f"accuracy_history[{int(bad[0])}]")
    return float(hist[-1])


def _plan(
    request: pb.SelectRequest, pool: Pool, k: int
) -> tuple[list[Strategy], Dedup | None, DefaultChoice | None]:
    """The strategies, redundancy removal and (for the adaptive default) the regime choice to run."""
    strategies = _strategies(request, k, pool.metadata)
    explicit = dedup_options(request.dedup, "dedup") if request.HasField("dedup") else None
    if strategies:
        return strategies, explicit, None
    accuracy = _model_accuracy(request)
    choice = choose_default(pool, int(request.budget), int(request.seed), model_accuracy=accuracy)
    return list(choice.strategies), explicit if explicit is not None else choice.dedup, choice


def _regime(choice: DefaultChoice) -> pb.SelectionRegime:
    """The regime the adaptive default detected, as proto."""
    out = pb.SelectionRegime(
        regime=choice.regime, reason=choice.reason, source=choice.source, labeled=choice.labeled
    )
    if choice.kappa is not None and choice.accuracy is not None and choice.chance is not None:
        out.accuracy, out.chance, out.kappa = choice.accuracy, choice.chance, choice.kappa
    return out


# ---------------------------------------------------------------------------------------- select
def evaluate_select(
    request: pb.SelectRequest,
    resolved: PoolVectors,
    extra_warnings: list[common_pb2.Warning],
    clusterings: Mapping[int, Clustering] | None = None,
) -> ipb.SelectionResult:
    """Validate and select (blocking; runs in a worker thread). ``clusterings``: the pool's clusterings
    read or made by ``cached_clusterings``, by number of clusters (others are computed here)."""
    pool, k = _pool(request, resolved)
    if request.budget < 1:
        raise InvalidArgument(f"must be >= 1, got {request.budget}", field="budget")
    strategies, dedup, choice = _plan(request, pool, k)
    try:
        sel = select(
            pool,
            strategies,
            int(request.budget),
            int(request.seed),
            dedup=dedup,
            knn=cosine_knn,
            clusterer=_clusterer(clusterings or {}),
        )
    except ValueError as exc:
        raise InvalidArgument(str(exc), field="strategies") from None
    result = _result(sel, pool.asset_ids, strategies, regime_note(choice) if choice else "")
    if choice is not None:
        result.regime.CopyFrom(_regime(choice))
    result.warnings.extend(extra_warnings)
    result.warnings.extend(to_warnings(sel.findings))
    return result


def _clusterer(known: Mapping[int, Clustering]) -> Clusterer:
    """The clustering given for ``k`` clusters when it is one of the pool's rows, else k-means."""

    def cluster(x: npt.NDArray[np.float32], k: int, keys: npt.NDArray[np.uint64]) -> Clustering:
        hit = known.get(k)
        if hit is not None and hit.assignment.shape[0] == x.shape[0] and hit.centroids.shape[1] == x.shape[1]:
            return hit
        return kmeans_clustering(x, k, keys)

    return cluster


def _result(
    sel: Selection, ids: npt.NDArray[np.str_], strategies: list[Strategy], note: str
) -> ipb.SelectionResult:
    """The selection as proto: each pick with its strategy, score, ranks, distance and reason; each
    strategy's quota and count."""
    names = [s.label for s in strategies]
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
        strategy = strategies[si] if si >= 0 else None
        item = result.selected.add(
            asset_id=str(ids[row]),
            strategy_index=si,
            strategy=names[si] if si >= 0 else "random_fill",
            score=score if math.isfinite(score) else 0.0,
            rank=rank,
            strategy_rank=srank,
            reason=pick_reason(strategy, score, dist) + note,
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
    clusterings = await cached_clusterings(ops, request, resolved, ctx)
    payload, info = await ops.cached(
        SELECT,
        material,
        lambda: evaluate_select(request, resolved, warnings, clusterings),
        ipb.SelectionResult,
        ctx,
    )
    response = pb.SelectResponse(
        selected=payload.selected,
        strategies=payload.strategies,
        duplicate_groups=payload.duplicate_groups,
        warnings=payload.warnings,
    )
    if payload.HasField("regime"):
        response.regime.CopyFrom(payload.regime)
    if payload.HasField("dedup_threshold"):
        response.dedup_threshold = payload.dedup_threshold
    response.cache.CopyFrom(info)
    return response


async def handle_select(ops: Host, request: pb.SelectRequest, ctx: Context) -> pb.SelectResponse:
    """The Select operation."""
    return await select_response(ops, request, ctx)


# ---------------------------------------------------------------------------------------- clusterings
def _typicality_caps(request: pb.SelectRequest) -> list[int]:
    """The distinct ``clusters`` caps of the request's valid typicality strategies (none when the budget
    is invalid: the selection refuses it before any clustering)."""
    if request.budget < 1:
        return []
    caps = {int(s.clusters) for s in request.strategies if s.kind == pb.STRATEGY_KIND_TYPICALITY}
    return sorted(c for c in caps if c >= 0 and all(s.typicality_neighbors >= 0 for s in request.strategies))


def _clustering_key(request: pb.SelectRequest, resolved: PoolVectors) -> tuple[int, bytes] | None:
    """(labeled assets, as the core counts them; digest of the pool's IDs and vectors), or None when the
    request has no vectors (the selection then refuses typicality). Blocking: hashes the vectors."""
    ids = list(request.asset_ids)
    in_pool = set(ids)
    labeled = len({a for a in request.labeled_ids if a in in_pool})
    if resolved.extra is not None:
        labeled += int(resolved.extra.shape[0])
    encoded = [a.encode() for a in ids]
    h = hashlib.sha256(np.array([len(e) for e in encoded], dtype="<i8").tobytes())
    h.update(b"".join(encoded))
    if request.embeddings:
        h.update(f"inline:{request.embedding_dimension}:".encode())
        h.update(request.embeddings)
    elif resolved.pool is not None:
        h.update(b"collection:" + resolved.pool_digest)
    else:
        return None
    return labeled, h.digest()


def _pool_clustering(request: pb.SelectRequest, resolved: PoolVectors, k: int) -> ipb.SamplingClustering:
    """k-means of the pool's vectors (validated as the selection validates them), as cached."""
    n = len(request.asset_ids)
    ids = v.unique_strings(request.asset_ids, "asset_ids", allow_empty=False)
    x = resolved.pool
    if request.embeddings:
        x = decode_vectors(request.embeddings, n, request.embedding_dimension, "embeddings")
    assert x is not None
    c = kmeans_clustering(np.ascontiguousarray(x, dtype=np.float32), k, tie_keys(ids, int(request.seed)))
    return ipb.SamplingClustering(
        clusters=c.k,
        dimension=int(c.centroids.shape[1]),
        centroids=c.centroids.astype("<f4").tobytes(),
        assignment=c.assignment.astype("<i4").tobytes(),
    )


def _decoded(payload: ipb.SamplingClustering) -> Clustering:
    """The cached clustering as the core's record."""
    centroids = np.frombuffer(payload.centroids, dtype="<f4").reshape(payload.clusters, payload.dimension)
    assignment = np.frombuffer(payload.assignment, dtype="<i4").astype(np.int64)
    return Clustering(centroids.astype(np.float32), assignment)


def _default_uses_typicality(request: pb.SelectRequest, resolved: PoolVectors) -> bool:
    """Whether the adaptive default will run typicality on this request: its choice reads only the
    labeled rows (their embeddings and labels), whether scores exist and the caller's accuracy, so it is
    made here on those rows alone (the selection makes the same choice on the whole pool). A request the
    selection will refuse answers False."""
    n = len(request.asset_ids)
    rows = np.flatnonzero(_member_of(list(request.asset_ids), request.labeled_ids))
    x = resolved.pool
    d = int(request.embedding_dimension)
    if request.embeddings and d > 0 and len(request.embeddings) == 4 * n * d:
        x = np.frombuffer(request.embeddings, dtype="<f4").reshape(n, d)
    if x is None or x.shape[0] != n:
        return False
    k = int(request.num_classes)
    labels = np.asarray(request.labels, dtype=np.int64) if len(request.labels) == n else np.full(n, -1)
    sub = Pool(
        asset_ids=np.array([request.asset_ids[i] for i in rows.tolist()], dtype=str),
        labeled=np.ones(rows.size, dtype=bool),
        excluded=np.zeros(rows.size, dtype=bool),
        scores=np.zeros((rows.size, k)) if len(request.scores) and k > 0 else None,
        labels=labels[rows],
        embeddings=np.ascontiguousarray(x[rows], dtype=np.float32),
    )
    try:
        choice = choose_default(
            sub, int(request.budget), int(request.seed), model_accuracy=_model_accuracy(request)
        )
    except (InvalidArgument, ValueError):
        return False
    return any(s.kind == "typicality" for s in choice.strategies)


async def cached_clusterings(
    ops: Host, request: pb.SelectRequest, resolved: PoolVectors, ctx: Context
) -> dict[int, Clustering]:
    """The pool's k-means clustering for each typicality strategy (the adaptive default's included), by
    number of clusters: from the cache (tenant-scoped like every entry; key: the pool's IDs and vectors,
    the seed, the number of clusters), or computed and cached. A clustering over the cache's entry size is
    simply not kept."""
    caps = _typicality_caps(request)
    if not request.strategies and request.budget >= 1:
        caps = [0] if await ops.run(_default_uses_typicality, request, resolved, ctx=ctx) else []
    if not caps:
        return {}
    key = await ops.run(_clustering_key, request, resolved, ctx=ctx)
    if key is None:
        return {}
    labeled, digest = key
    n = len(request.asset_ids)
    out: dict[int, Clustering] = {}
    for k in sorted({typicality_clusters(labeled, int(request.budget), cap, n) for cap in caps}):
        material = b"typicality-clustering\x00" + digest + f"\x00k={k}\x00seed={int(request.seed)}".encode()
        payload, _ = await ops.cached(
            SELECT,
            material,
            lambda k=k: _pool_clustering(request, resolved, k),  # type: ignore[misc]
            ipb.SamplingClustering,
            ctx,
        )
        out[k] = await ops.run(_decoded, payload, ctx=ctx)
    return out
