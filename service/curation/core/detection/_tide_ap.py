"""tidecv's AP and dAP over TIDE's classification, bit-equal: its ``ClassedAPDataObject`` (per-class
AP, 101 recall points summed left to right, ``tp / (tp + fp)``, classes averaged in its dict order),
``fix_errors`` (error points first, in error order, then the true positives), ``fix_main_errors``
(each type alone, or progressive) and ``fix_special_errors``.

tidecv's dict order is the order it first meets a class: for the base AP image by image (source
order), the image's GTs then its counted detections; for a fixed AP the classes of the error points
pushed, then the base order. Python sums the per-class APs in that order, so we do too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import weighted_spans
from curation.core.detection._coco_kernels import bucket_order
from curation.core.detection._grouping import group_bounds, score_rank
from curation.core.detection._tide_kernels import (
    BACKGROUND,
    BOTH,
    CLASSIFICATION,
    DUPLICATE,
    LOCALIZATION,
    MISSED,
    tide_ap_kernel,
)
from curation.core.detection.coco import DetectionData

__all__ = ["AP_BUDGET", "ERROR_NAMES", "ERROR_TYPES", "Classified", "lookup", "tide_aps"]

ERROR_TYPES: tuple[int, ...] = (CLASSIFICATION, LOCALIZATION, BOTH, DUPLICATE, BACKGROUND, MISSED)
ERROR_NAMES: dict[int, str] = {
    CLASSIFICATION: "classification",
    LOCALIZATION: "localization",
    BOTH: "both",
    DUPLICATE: "duplicate",
    BACKGROUND: "background",
    MISSED: "missed",
}
_X_RANGE = np.array([x / 100 for x in range(101)])
# AP points plus recall samples of the classes summed per compiled call between two checkpoints.
AP_BUDGET = 4_000_000


@dataclass(frozen=True, slots=True)
class Classified:
    """tidecv's per-image pass: each kept detection (``kept``: input rows, by image then score) and
    each GT (input rows). GT references (``error_gt``, ``match``) are GT input rows, -1 for none."""

    kept: IntArray
    used: npt.NDArray[np.int8]
    error: npt.NDArray[np.int8]
    error_gt: IntArray
    fixable: BoolArray
    iou: FloatArray
    match: IntArray
    gt_used: BoolArray
    gt_missed: BoolArray


def tide_aps(
    data: DetectionData, c: Classified, region: BoolArray, progressive: bool
) -> tuple[float, FloatArray, dict[str, float], dict[str, float]]:
    """tidecv's AP, its per-class APs, the AP gained by fixing each error type (alone, or on top of
    the types before it when ``progressive``), and its two special errors."""
    pts = _points(data, c, region)
    checkpoint()
    on = pts.counted
    ap, per_class = _class_aps(
        pts.cls[on], pts.rank[on], pts.n_ranks, pts.is_tp[on], pts.num_gt, pts.K, pts.class_order
    )
    delta = {}
    prior, last = _unfixed(pts), ap
    for t in ERROR_TYPES:
        checkpoint()
        fixed_ap, after = _ap_fixing(t, data, c, pts, prior)
        delta[ERROR_NAMES[t]] = max(fixed_ap - last, 0.0)
        if progressive:
            prior, last = after, fixed_ap
    checkpoint()
    # Special errors: every error point kept as it was (false positives; ignored detections push none).
    fp = np.flatnonzero(pts.counted & ~pts.is_tp)
    no_fix = np.zeros(fp.shape[0], np.bool_)
    order = _first_seen(pts.cls[fp], pts.class_order, pts.K)
    unmatched = np.bincount(data.gt_category[~c.gt_used & ~region], minlength=pts.K)[: pts.K]
    fp_cls = pts.cls[fp]
    special = {
        "false_positive": _ap_with(pts, fp, fp_cls, no_fix, pts.num_gt, order, perfect_precision=True) - ap,
        "false_negative": _ap_with(pts, fp, fp_cls, no_fix, pts.num_gt - unmatched, order) - ap,
    }
    return ap, per_class, delta, special


@dataclass(frozen=True, slots=True)
class _Points:
    """tidecv's AP data (``ClassedAPDataObject``) of the kept detections: class, dense score rank,
    whether the detection counts (not ignored) and is a true positive; positives per class, and the
    classes in the order tidecv first meets them (its dict order, which the mean of APs sums in)."""

    K: int
    cls: IntArray
    rank: IntArray
    n_ranks: int
    counted: BoolArray
    is_tp: BoolArray
    num_gt: IntArray
    class_order: IntArray


def _points(data: DetectionData, c: Classified, region: BoolArray) -> _Points:
    """The AP points of the kept detections (regions are not positives)."""
    K = data.num_categories
    score = np.asarray(data.dt_score, dtype=np.float64)[c.kept]
    rank, n_ranks = score_rank(score) if c.kept.shape[0] else (np.zeros(0, np.int64), 0)
    cls = np.ascontiguousarray(data.dt_category[c.kept], dtype=np.int64)
    counted = c.used >= 0
    return _Points(
        K=K,
        cls=cls,
        rank=rank,
        n_ranks=n_ranks,
        counted=counted,
        is_tp=c.used == 1,
        num_gt=np.bincount(data.gt_category[~region], minlength=K)[:K].astype(np.int64),
        class_order=_base_class_order(data, c, region, counted),
    )


def _base_class_order(data: DetectionData, c: Classified, region: BoolArray, counted: BoolArray) -> IntArray:
    """Classes in the order tidecv's base AP data first meets them: image by image (source order), the
    image's GTs (not regions, input order) and then its counted detections (score order)."""
    K = data.num_categories
    source = (
        np.arange(data.num_images, dtype=np.int64)
        if data.image_source_rank is None
        else np.asarray(data.image_source_rank, dtype=np.int64)
    )
    g_rows = np.flatnonzero(~region)
    d_pos = np.flatnonzero(counted)
    # Each event's place as one number: (image, GT before detection, position in its list).
    span = max(data.num_gt, c.kept.shape[0], 1)
    g_key = (source[data.gt_image[g_rows]] * 2) * span + g_rows
    d_key = (source[data.dt_image[c.kept[d_pos]]] * 2 + 1) * span + d_pos
    first = np.full(K, np.iinfo(np.int64).max, np.int64)
    np.minimum.at(first, data.gt_category[g_rows].astype(np.int64), g_key)
    np.minimum.at(first, data.dt_category[c.kept[d_pos]].astype(np.int64), d_key)
    order: IntArray = np.argsort(first, kind="stable")
    return order


def _first_seen(seq: IntArray, then: IntArray, K: int) -> IntArray:
    """The classes in order of first appearance in ``seq``, then in the order ``then`` (a permutation
    of the K classes) lists them."""
    key = np.empty(K, np.int64)
    key[then] = np.arange(K, dtype=np.int64) + seq.shape[0]
    np.minimum.at(key, seq, np.arange(seq.shape[0], dtype=np.int64))
    order: IntArray = np.argsort(key, kind="stable")
    return order


@dataclass(frozen=True, slots=True)
class _Fixes:
    """The AP data errors were fixed into (tidecv ``fix_errors``' result, input of the next progressive
    step): errors already fixed (by kept detection), detections made true positives (kept position,
    class), positives per class, and the class order of its dict."""

    done: BoolArray
    tp_idx: IntArray
    tp_cls: IntArray
    gt_pos: IntArray
    class_order: IntArray


def _unfixed(pts: _Points) -> _Fixes:
    """The base AP data, nothing fixed yet."""
    none = np.zeros(0, np.int64)
    return _Fixes(np.zeros(pts.cls.shape[0], np.bool_), none, none, pts.num_gt, pts.class_order)


def _ap_fixing(
    error: int, data: DetectionData, c: Classified, pts: _Points, prior: _Fixes
) -> tuple[float, _Fixes]:
    """tidecv's AP with the errors of one type fixed on top of ``prior``: fixable classification /
    localization errors become true positives, other errors of the type are removed, missed GTs leave
    the positives; the errors ``prior`` fixed are skipped. Error-derived points come first (error
    order), then the true positives (original and fixed before)."""
    gt_pos = prior.gt_pos.copy()
    if error == MISSED:
        gt_pos -= np.bincount(data.gt_category[c.gt_missed], minlength=pts.K)[: pts.K]
    fp_like = (c.error != 0) & ~prior.done
    this = fp_like & (c.error == error)
    other = fp_like & (c.error != error) & pts.counted
    fixed = (
        this & c.fixable if error in (CLASSIFICATION, LOCALIZATION) else np.zeros(c.kept.shape[0], np.bool_)
    )
    e_idx = np.flatnonzero(other | fixed)
    e_cls = pts.cls[e_idx].copy()
    e_true = fixed[e_idx]
    if error == CLASSIFICATION:
        e_cls[e_true] = lookup(c.error_gt, data.gt_category)[e_idx[e_true]]
    order = _first_seen(e_cls, prior.class_order, pts.K)
    ap = _ap_with(pts, e_idx, e_cls, e_true, gt_pos, order, extra=(prior.tp_idx, prior.tp_cls))
    after = _Fixes(
        prior.done | this,
        np.concatenate([prior.tp_idx, e_idx[e_true]]),
        np.concatenate([prior.tp_cls, e_cls[e_true]]),
        gt_pos,
        order,
    )
    return ap, after


def _ap_with(  # noqa: PLR0917
    pts: _Points,
    e_idx: IntArray,
    e_cls: IntArray,
    e_true: BoolArray,
    gt_pos: IntArray,
    class_order: IntArray,
    *,
    extra: tuple[IntArray, IntArray] | None = None,
    perfect_precision: bool = False,
) -> float:
    """tidecv's ``fix_errors`` AP: the error points (kept detections ``e_idx`` as class ``e_cls``, true
    where fixed) first, in error order, then the original true positives and the ``extra`` ones
    (kept position, class: fixed by earlier progressive steps); ``perfect_precision`` rescores true
    positives 1 and the rest 0 (its ``FalsePositiveError`` transform)."""
    tp_idx = np.flatnonzero(pts.is_tp)
    tp_cls = pts.cls[tp_idx]
    if extra is not None:
        tp_idx, tp_cls = np.concatenate([tp_idx, extra[0]]), np.concatenate([tp_cls, extra[1]])
    p_cls = np.concatenate([e_cls, tp_cls])
    if perfect_precision:
        p_rank = np.concatenate([np.ones(e_idx.shape[0], np.int64), np.zeros(tp_idx.shape[0], np.int64)])
        n_ranks = 2
    else:
        p_rank = np.concatenate([pts.rank[e_idx], pts.rank[tp_idx]])
        n_ranks = pts.n_ranks
    p_true = np.concatenate([e_true, np.ones(tp_idx.shape[0], np.bool_)])
    fixed_ap, _ = _class_aps(p_cls, p_rank, n_ranks, p_true, gt_pos, pts.K, class_order)
    return fixed_ap


def _class_aps(  # noqa: PLR0917
    cls: IntArray,
    rank: IntArray,
    n_ranks: int,
    is_true: BoolArray,
    num_gt: IntArray,
    K: int,
    class_order: IntArray,
) -> tuple[float, FloatArray]:
    """Mean AP over classes with points or GT, summed in ``class_order`` (tidecv's dict order); points
    are given in tidecv's insertion order, and are stably sorted by class then score (two counting
    sorts)."""
    cls = np.ascontiguousarray(cls, dtype=np.int64)
    order = bucket_order(np.ascontiguousarray(rank), n_ranks, np.arange(cls.shape[0], dtype=np.int64))
    checkpoint()
    order = bucket_order(cls, K, order)
    k_lo, k_hi = group_bounds(cls[order], np.arange(K, dtype=np.int64))
    true_sorted = np.ascontiguousarray(is_true[order])
    aps = np.zeros(K)
    for lo, hi in weighted_spans((k_hi - k_lo) + _X_RANGE.shape[0], AP_BUDGET):
        aps[lo:hi] = tide_ap_kernel(k_lo[lo:hi], k_hi[lo:hi], true_sorted, num_gt[lo:hi], _X_RANGE)
    present = (k_hi > k_lo) | (num_gt > 0)
    if not present.any():
        return 0.0, aps
    vals = aps[class_order[present[class_order]]].tolist()
    return sum(vals) / len(vals), aps


def lookup(index: IntArray, table: IntArray) -> IntArray:
    """``table[index]`` where ``index >= 0``, -1 elsewhere."""
    if table.shape[0] == 0:
        return index
    looked: IntArray = np.where(index >= 0, table[np.maximum(index, 0)], -1)
    return looked
