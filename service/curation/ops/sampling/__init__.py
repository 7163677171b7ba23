"""Sampling operations: Select, FindNearDuplicates and Plan, thin over ``curation.core.sampling``.

Each is a direct operation: it first resolves a named embedding collection through the store (async),
then hands the pure computation to ``ops.cached`` (worker thread, cache, in-flight sharing). The cache
key is the canonical request plus a digest of the resolved vectors, so a collection that changed is a
new key. Large near-duplicate searches use a faiss IVF-Flat index over unit vectors (inner product =
cosine); small ones (and tests) the exact blocked numpy search of the core.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core import sampling as core
from curation.core.sampling import cosine_knn, near_duplicates, tie_keys
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.embeddings import EmbeddingStore, check_collection, decode_vectors, store_for
from curation.ops.keys import canonical_bytes
from curation.ops.operation_spec import Context, Host, OperationSpec
from curation.ops.paging import check_page_size, page_bounds
from curation.v1 import common_pb2
from curation.v1 import sampling_pb2 as pb

__all__ = ["DEFAULT_DEDUP", "DEFAULT_MIX", "SPECS"]

SERVICE = "curation.v1.SamplingService"
SELECT = f"{SERVICE}/Select"
NEAR_DUPLICATES = f"{SERVICE}/FindNearDuplicates"
PLAN = f"{SERVICE}/Plan"
SCORE_CLASSIFICATION = "curation.v1.DiagnosticsService/ScoreClassification"
MAX_NEIGHBORS = 100
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


# ---------------------------------------------------------------------------------------- validation
def _floats_matrix(values: Any, n: int, k: int, field: str) -> npt.NDArray[np.float64] | None:
    if len(values) == 0:
        return None
    if k < 1:
        raise InvalidArgument("must be >= 1 when scores or weak_label_probs are given", field="num_classes")
    arr = v.matrix(v.finite_floats(values, field), n, k, field)
    v.probability_rows(arr, field)
    return arr.astype(np.float64)


def _label_vector(values: Any, n: int, k: int, field: str) -> npt.NDArray[np.int64] | None:
    if len(values) == 0:
        return None
    v.check_length(len(values), n, field)
    arr = np.asarray(values, dtype=np.int64)
    upper = k if k > 0 else np.iinfo(np.int32).max
    bad = np.flatnonzero((arr < -1) | (arr >= upper))
    if bad.size:
        raise InvalidArgument(f"{int(arr[bad[0]])} is outside [-1, {upper})", field=f"{field}[{int(bad[0])}]")
    return arr


def _strategies(request: pb.SelectRequest, k: int, metadata: dict[str, Any]) -> list[core.Strategy]:
    protos = list(request.strategies) or list(DEFAULT_MIX)
    out: list[core.Strategy] = []
    fractions = []
    for i, s in enumerate(protos):
        field = f"strategies[{i}]"
        kind = _KIND.get(s.kind)
        if kind is None:
            raise InvalidArgument(f"unknown strategy kind {s.kind}", field=f"{field}.kind")
        if not math.isfinite(s.fraction) or s.fraction < 0:
            raise InvalidArgument("must be a finite number >= 0", field=f"{field}.fraction")
        fractions.append(s.fraction)
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
        dist = tuple(float(x) for x in s.target_distribution)
        if dist:
            arr = np.asarray(dist)
            if not np.isfinite(arr).all() or (arr < 0).any() or arr.sum() <= 0:
                raise InvalidArgument(
                    "must be finite, >= 0 and not all zero", field=f"{field}.target_distribution"
                )
            if k > 0 and arr.size > k:
                raise InvalidArgument(
                    f"has {arr.size} entries for {k} classes", field=f"{field}.target_distribution"
                )
        out.append(
            core.Strategy(
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
                target_distribution=dist,
            )
        )
    total = float(np.sum(fractions))
    if total > 0 and abs(total - 1.0) > FRACTION_TOLERANCE:
        raise InvalidArgument(
            f"fractions sum to {total:.6g}, not 1 (or leave all at 0 for equal shares)", field="strategies"
        )
    return out


def _dedup(opts: pb.NearDuplicateOptions, field: str) -> core.Dedup:
    if not math.isfinite(opts.threshold) or opts.threshold < 0:
        raise InvalidArgument("must be a finite number >= 0", field=f"{field}.threshold")
    if opts.neighbors < 0 or opts.neighbors > MAX_NEIGHBORS:
        raise InvalidArgument(f"must lie in [0, {MAX_NEIGHBORS}]", field=f"{field}.neighbors")
    return core.Dedup(threshold=opts.threshold, relative=opts.relative, k=opts.neighbors or 10)


def _metadata(request: pb.SelectRequest, n: int) -> dict[str, npt.NDArray[np.str_]]:
    out: dict[str, npt.NDArray[np.str_]] = {}
    for i, col in enumerate(request.metadata):
        if col.key in out:
            raise InvalidArgument(f"duplicate metadata key {col.key!r}", field=f"metadata[{i}].key")
        v.check_length(len(col.values), n, f"metadata[{i}].values")
        out[col.key] = np.asarray(col.values, dtype=np.str_)
    return out


class _Resolved:
    """Vectors resolved before the computation: the pool's and those of labeled assets outside it."""

    def __init__(
        self, pool: npt.NDArray[np.float32] | None, extra: npt.NDArray[np.float32] | None, digest: bytes
    ):
        self.pool = pool
        self.extra = extra
        self.digest = digest


async def _resolve(
    ops: Host, ctx: Context, ids: list[str], collection: str, extra_ids: list[str], *, has_inline: bool
) -> tuple[_Resolved, list[common_pb2.Warning]]:
    if not collection:
        return _Resolved(None, None, b""), []
    if has_inline:
        raise InvalidArgument("send embeddings or name a collection, not both", field="collection")
    check_collection(collection)
    v.check_non_empty(len(ids), "asset_ids")
    v.unique_strings(ids, "asset_ids", allow_empty=False)
    store: EmbeddingStore = store_for(ops, ctx)
    head, found, vecs = await store.get(collection, ids)
    if not found.all():
        bad = int(np.flatnonzero(~found)[0])
        raise InvalidArgument(
            f"no embedding stored for {ids[bad]!r} in collection {collection!r}"
            f" ({int((~found).sum())} missing)",
            field=f"asset_ids[{bad}]",
        )
    warnings: list[common_pb2.Warning] = []
    extra = None
    if extra_ids:
        _, found_x, vec_x = await store.get(collection, extra_ids)
        extra = vec_x[found_x]
        if not found_x.all():
            warnings.append(
                common_pb2.Warning(
                    code="LABELED_WITHOUT_EMBEDDING",
                    message=f"{int((~found_x).sum())} labeled assets outside the pool have no embedding",
                    field="labeled_ids",
                )
            )
    h = hashlib.sha256(head.generation.encode())
    h.update(vecs.tobytes())
    if extra is not None:
        h.update(extra.tobytes())
    return _Resolved(vecs, extra, h.digest()), warnings


# ---------------------------------------------------------------------------------------- select
def _evaluate_select(
    request: pb.SelectRequest, resolved: _Resolved, extra_warnings: list[Any]
) -> pb.SelectionResult:
    v.check_non_empty(len(request.asset_ids), "asset_ids")
    ids = v.unique_strings(request.asset_ids, "asset_ids", allow_empty=False)
    n = ids.shape[0]
    k = int(request.num_classes)
    if k < 0:
        raise InvalidArgument("must be >= 0", field="num_classes")
    scores = _floats_matrix(request.scores, n, k, "scores")
    weak_probs = _floats_matrix(request.weak_label_probs, n, k, "weak_label_probs")
    weak_labels = _label_vector(request.weak_labels, n, k, "weak_labels")
    labels = _label_vector(request.labels, n, k, "labels")
    hard = None
    if len(request.hardness):
        v.check_length(len(request.hardness), n, "hardness")
        hard = v.finite_floats(request.hardness, "hardness").astype(np.float64)
    emb = resolved.pool
    if request.embeddings:
        emb = decode_vectors(request.embeddings, n, request.embedding_dimension, "embeddings")
    metadata = _metadata(request, n)
    index = {a: i for i, a in enumerate(ids.tolist())}
    labeled = np.zeros(n, dtype=bool)
    excluded = np.zeros(n, dtype=bool)
    labeled[[index[a] for a in request.labeled_ids if a in index]] = True
    excluded[[index[a] for a in request.exclude_ids if a in index]] = True
    counts = None
    if len(request.labeled_class_counts):
        counts = np.asarray(request.labeled_class_counts, dtype=np.float64)
        if (counts < 0).any():
            raise InvalidArgument("counts must be >= 0", field="labeled_class_counts")
    if request.budget < 1:
        raise InvalidArgument(f"must be >= 1, got {request.budget}", field="budget")
    strategies = _strategies(request, k, metadata)
    dedup = _dedup(request.dedup, "dedup") if request.HasField("dedup") else None
    if dedup is None and not request.strategies and emb is not None:
        dedup = _dedup(DEFAULT_DEDUP, "dedup")
    pool = core.Pool(
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
        labeled_class_counts=counts,
    )
    try:
        sel = core.select(
            pool, strategies, int(request.budget), int(request.seed), dedup=dedup, knn=cosine_knn
        )
    except ValueError as exc:
        raise InvalidArgument(str(exc), field="strategies") from None
    result = pb.SelectionResult(duplicate_groups=sel.duplicate_groups)
    if sel.dedup_threshold is not None:
        result.dedup_threshold = sel.dedup_threshold
    names = [s.label for s in strategies]
    for rank, (row, si, score, srank, dist) in enumerate(
        zip(
            sel.rows.tolist(),
            sel.strategy.tolist(),
            sel.score.tolist(),
            sel.strategy_rank.tolist(),
            sel.distance.tolist(),
            strict=True,
        ),
        start=1,
    ):
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
    result.warnings.extend(extra_warnings)
    result.warnings.extend(
        common_pb2.Warning(code=w.code, message=w.message, field=w.field) for w in sel.findings
    )
    return result


async def _select(ops: Host, request: pb.SelectRequest, ctx: Context) -> pb.SelectResponse:
    ids = list(request.asset_ids)
    in_pool = set(ids)
    extra_ids = [a for a in request.labeled_ids if a not in in_pool]
    resolved, warnings = await _resolve(
        ops, ctx, ids, request.collection, extra_ids, has_inline=bool(request.embeddings)
    )
    material = canonical_bytes(request, ()) + b"\x00vectors:" + resolved.digest
    payload, info = await ops.cached(
        SELECT, material, lambda: _evaluate_select(request, resolved, warnings), pb.SelectionResult, ctx
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
    return await _select(ops, request, ctx)


# ---------------------------------------------------------------------------------------- near-duplicates
def _evaluate_near_duplicates(
    request: pb.FindNearDuplicatesRequest, resolved: _Resolved
) -> pb.NearDuplicateGroups:
    v.check_non_empty(len(request.asset_ids), "asset_ids")
    ids = v.unique_strings(request.asset_ids, "asset_ids", allow_empty=False)
    n = ids.shape[0]
    emb = resolved.pool
    if request.embeddings or emb is None:
        emb = decode_vectors(request.embeddings, n, request.embedding_dimension, "embeddings")
    opts = pb.NearDuplicateOptions(
        threshold=request.threshold, relative=request.relative, neighbors=request.neighbors
    )
    d = _dedup(opts, "request")
    nd = near_duplicates(
        emb, threshold=d.threshold, relative=d.relative, k=d.k, knn=cosine_knn, tie_keys=tie_keys(ids, 0)
    )
    out = pb.NearDuplicateGroups(threshold=nd.threshold)
    if nd.median_nn_distance is not None:
        out.median_nn_distance = nd.median_nn_distance
    # Largest linking distance per group.
    comp_max = np.zeros(int(nd.labels.max(initial=-1)) + 1)
    if nd.pairs.size:
        np.maximum.at(comp_max, nd.labels[nd.pairs[:, 0]], nd.distances)
    total = 0
    for g in nd.groups:
        members = sorted(ids[g].tolist())
        total += len(members)
        out.groups.add(asset_ids=members, max_distance=float(comp_max[nd.labels[g[0]]]))
    out.duplicate_assets = total
    return out


async def handle_near_duplicates(
    ops: Host, request: pb.FindNearDuplicatesRequest, ctx: Context
) -> pb.FindNearDuplicatesResponse:
    check_page_size(request.page_size)
    resolved, _ = await _resolve(
        ops, ctx, list(request.asset_ids), request.collection, [], has_inline=bool(request.embeddings)
    )
    material = canonical_bytes(request, ("page_size", "page_token")) + b"\x00vectors:" + resolved.digest
    payload, info = await ops.cached(
        NEAR_DUPLICATES,
        material,
        lambda: _evaluate_near_duplicates(request, resolved),
        pb.NearDuplicateGroups,
        ctx,
    )
    total = len(payload.groups)
    start, stop, token = page_bounds(total, request.page_size, request.page_token, info.key_digest)
    response = pb.FindNearDuplicatesResponse(
        groups=payload.groups[start:stop],
        total_groups=total,
        duplicate_assets=payload.duplicate_assets,
        threshold=payload.threshold,
        next_page_token=token,
        warnings=payload.warnings,
    )
    if payload.HasField("median_nn_distance"):
        response.median_nn_distance = payload.median_nn_distance
    response.cache.CopyFrom(info)
    return response


# ---------------------------------------------------------------------------------------- plan
def plan_strategies(
    evaluation: Any, selection: pb.SelectRequest, weakest_classes: int, weakest_slices: int
) -> tuple[list[pb.WeakClass], list[pb.WeakSlice], list[pb.SamplingStrategy], list[str]]:
    """The weakest classes (lowest F1, then recall), ranked slices (lowest metric) and the mix they imply."""
    per_class = list(evaluation.summary.per_class)
    order = sorted(
        (i for i, c in enumerate(per_class) if c.support > 0),
        key=lambda i: (per_class[i].f1, per_class[i].recall, i),
    )
    weak_classes = [
        pb.WeakClass(
            class_index=i,
            class_name=per_class[i].class_name,
            f1=per_class[i].f1,
            recall=per_class[i].recall,
            support=per_class[i].support,
        )
        for i in order[:weakest_classes]
    ]
    slices = [(s.metric, r.key, s.value, s.support) for r in evaluation.slices for s in r.slices if s.ranked]
    slices.sort(key=lambda t: (t[0], t[1], t[2]))
    weak_slices = [
        pb.WeakSlice(key=key, value=value, metric=m, support=sup)
        for m, key, value, sup in slices[:weakest_slices]
    ]
    has_scores = len(selection.scores) > 0
    has_weak = len(selection.weak_label_probs) > 0 or len(selection.weak_labels) > 0
    meta_keys = {c.key for c in selection.metadata}
    reasons: list[str] = []
    mix: list[pb.SamplingStrategy] = []
    head = 1.0
    if has_weak and weak_classes:
        targets = [c.class_index for c in weak_classes]
        mix.append(
            pb.SamplingStrategy(
                kind=pb.STRATEGY_KIND_LF_TARGETED,
                fraction=0.3,
                name="weak-class-lf",
                target_classes=targets,
                model_filter=pb.MODEL_FILTER_DISAGREE_OR_UNSURE,
            )
        )
        head -= 0.3
        reasons.append(
            "weak-class-lf (30%): weak labels point at the weakest classes "
            + ", ".join(c.class_name or str(c.class_index) for c in weak_classes)
            + " where the model disagrees or is unsure"
        )
    slice_key = next((s.key for s in weak_slices if s.key in meta_keys), "")
    if slice_key:
        mix.append(
            pb.SamplingStrategy(
                kind=pb.STRATEGY_KIND_STRATIFIED,
                fraction=0.1,
                name="weak-slice-strata",
                strata=pb.STRATA_SOURCE_METADATA,
                metadata_key=slice_key,
            )
        )
        head -= 0.1
        reasons.append(
            f"weak-slice-strata (10%): equal shares per {slice_key!r} value, the weakest slice key"
        )
    if has_scores:
        share = round(head * 0.8, 6)
        mix.append(
            pb.SamplingStrategy(
                kind=pb.STRATEGY_KIND_UNCERTAINTY,
                fraction=share,
                name="margin",
                measure=pb.UNCERTAINTY_MEASURE_MARGIN,
            )
        )
        reasons.append(f"margin ({share:.0%}): the model's least decided assets; the default mix's core")
    elif selection.embeddings or selection.collection:
        share = round(head * 0.8, 6)
        mix.append(pb.SamplingStrategy(kind=pb.STRATEGY_KIND_DIVERSITY, fraction=share, name="k-center"))
        reasons.append(f"k-center ({share:.0%}): no model scores, so cover the embedding space instead")
    else:
        share = 0.0
    rest = round(1.0 - sum(s.fraction for s in mix), 6)
    mix.append(pb.SamplingStrategy(kind=pb.STRATEGY_KIND_RANDOM, fraction=rest, name="random"))
    reasons.append(
        f"random ({rest:.0%}): calibration, and a check that the targeted picks are not blind spots"
    )
    return weak_classes, weak_slices, mix, reasons


async def handle_plan(ops: Host, request: pb.PlanRequest, ctx: Context) -> pb.PlanResponse:
    if request.diagnostics_key:
        evaluation = await ops.load_payload(SCORE_CLASSIFICATION, request.diagnostics_key, ctx.namespace)
    elif request.HasField("diagnostics"):
        evaluation = request.diagnostics
    else:
        raise InvalidArgument("give diagnostics inline or a diagnostics_key", field="diagnostics")
    if request.weakest_classes < 0 or request.weakest_slices < 0:
        raise InvalidArgument("must be >= 0", field="weakest_classes")
    weak_classes, weak_slices, mix, reasons = plan_strategies(
        evaluation, request.selection, request.weakest_classes or 3, request.weakest_slices or 3
    )
    select_request = pb.SelectRequest()
    select_request.CopyFrom(request.selection)
    if not select_request.strategies:
        select_request.strategies.extend(mix)
        if not select_request.HasField("dedup") and (select_request.embeddings or select_request.collection):
            select_request.dedup.CopyFrom(DEFAULT_DEDUP)
            reasons.append(
                "near-duplicates removed (cosine distance <= 0.5 x the median nearest-neighbour distance)"
            )
    else:
        reasons = ["strategies given by the caller: kept as sent"]
    selection = await _select(ops, select_request, ctx)
    return pb.PlanResponse(
        weak_classes=weak_classes,
        weak_slices=weak_slices,
        request=select_request,
        selection=selection,
        reasons=reasons,
    )


SPECS: list[OperationSpec[Any, Any, Any]] = [
    OperationSpec(
        name=SELECT, request_type=pb.SelectRequest, response_type=pb.SelectResponse, handle=handle_select
    ),
    OperationSpec(
        name=NEAR_DUPLICATES,
        request_type=pb.FindNearDuplicatesRequest,
        response_type=pb.FindNearDuplicatesResponse,
        handle=handle_near_duplicates,
    ),
    OperationSpec(name=PLAN, request_type=pb.PlanRequest, response_type=pb.PlanResponse, handle=handle_plan),
]
