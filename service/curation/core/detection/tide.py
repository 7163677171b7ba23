"""TIDE error types (Bolya et al., ECCV 2020), following tidecv 1.0.1's definitions.

Every false-positive (or ignored) detection gets exactly one error: classification (IoU >= foreground
with a GT of another class), localization (same-class IoU in [background, foreground]), both,
duplicate (would match a GT already taken), background (IoU <= background with every GT); every GT
no detection matched nor could be fixed into is *missed*. ``delta_ap`` is the AP gained by fixing one
type at a time (tidecv ``fix_main_errors``, non-progressive): fixed classification/localization
errors become true positives (only the highest-scoring one per GT), duplicate/background/both
detections are removed, missed GTs are removed from the positives.

Boxes by default; with masks (``iou_fn``) this is tidecv's mask mode. The AP here is tidecv's
(one IoU threshold, ``tp / (tp + fp)`` without COCO's epsilon, classes with
detections but no GT count as 0, in percent), not COCO's.

Deliberate differences from tidecv, all tested: per-class APs are averaged in category order (tidecv
in first-seen order, so the mean can differ in the last bits); detections on images without any GT
entry are evaluated (tidecv skips images absent from the GT); in ``diagnostic`` mode a GT's supplied
``ignore`` flag also makes it an ignore region.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core.detection._coco_kernels import box_iou_kernel, bucket_order, dense_rank, group_scan
from curation.core.detection._tide_kernels import (
    BACKGROUND,
    BOTH,
    CLASSIFICATION,
    DUPLICATE,
    LOCALIZATION,
    MISSED,
    tide_ap_kernel,
    tide_image_kernel,
)
from curation.core.detection.coco import DetectionData, group_bounds

__all__ = ["ERROR_NAMES", "ERROR_TYPES", "TideIouFn", "TideResult", "tide_errors"]

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
# (gt rows, kept detection rows, region flags, g_lo, g_hi, d_lo, d_hi, offsets) -> IoU blocks.
TideIouFn = Callable[
    [IntArray, IntArray, BoolArray, IntArray, IntArray, IntArray, IntArray, IntArray], FloatArray
]


@dataclass(frozen=True)
class TideResult:
    """Per-detection and per-GT outcomes (input rows), counts and dAP per error type.

    ``dt_error[i]`` is 0 (no error: a true positive, or a detection cut by ``max_dets``) or an error
    type; ``dt_used[i]`` 1 = true positive, 0 = false positive, -1 = ignored (in a crowd region),
    -2 = cut by ``max_dets``. ``dt_error_gt`` names the GT row the error refers to (-1 if none).
    """

    ap: float
    counts: dict[str, int]
    delta_ap: dict[str, float]
    dt_error: NDArray[np.int8]
    dt_error_gt: IntArray
    dt_used: NDArray[np.int8]
    dt_match: IntArray
    dt_iou: FloatArray
    gt_missed: BoolArray
    gt_used: BoolArray
    gt_region: BoolArray
    per_class_ap: FloatArray


def _class_aps(  # noqa: PLR0917
    cls: IntArray,
    score_rank: IntArray,
    n_ranks: int,
    is_true: BoolArray,
    num_gt: IntArray,
    K: int,
) -> tuple[float, FloatArray]:
    """Mean AP over classes with points or GT; points are given in tidecv's insertion order, and are
    stably sorted by class then score (two counting sorts)."""
    cls = np.ascontiguousarray(cls, dtype=np.int64)
    order = bucket_order(
        cls,
        K,
        bucket_order(np.ascontiguousarray(score_rank), n_ranks, np.arange(cls.shape[0], dtype=np.int64)),
    )
    k_lo, k_hi = group_bounds(cls[order], np.arange(K, dtype=np.int64))
    aps = tide_ap_kernel(k_lo, k_hi, np.ascontiguousarray(is_true[order]), num_gt, _X_RANGE)
    present = (k_hi > k_lo) | (num_gt > 0)
    if not present.any():
        return 0.0, aps
    vals = aps[present].tolist()
    return sum(vals) / len(vals), aps


def tide_errors(
    data: DetectionData,
    *,
    foreground_iou: float = 0.5,
    background_iou: float = 0.1,
    max_dets: int = 100,
    honour_ignore: bool = False,
    iou_fn: TideIouFn | None = None,
) -> TideResult:
    """Classify every detection and GT as tidecv does (crowds are ignore regions).

    ``max_dets`` is per image over all classes, as tidecv's ``Data.max_dets``. IoU is box IoU unless
    ``iou_fn`` is given (tidecv's mask mode): it is called with the GT rows and kept detection rows in
    image order, the ignore-region flags (by input row) and the image bounds, and returns the
    row-major (D x G) blocks, crowd IoU for regions.
    """
    K, n_img = data.num_categories, data.num_images
    gt_image = np.ascontiguousarray(data.gt_image, dtype=np.int64)
    dt_image = np.ascontiguousarray(data.dt_image, dtype=np.int64)
    score = np.ascontiguousarray(data.dt_score, dtype=np.float64)
    region = np.ascontiguousarray(data.gt_iscrowd, dtype=np.bool_)
    if honour_ignore and data.gt_ignore is not None:
        region = region | data.gt_ignore
    g_order = bucket_order(gt_image, n_img, np.arange(data.num_gt, dtype=np.int64))
    sr, n_ranks = dense_rank(score, np.argsort(-score).astype(np.int64))
    d_order = bucket_order(dt_image, n_img, bucket_order(sr, n_ranks, np.arange(data.num_dt, dtype=np.int64)))
    g_lo, g_hi, d_lo, d_hi, rank = group_scan(gt_image[g_order], dt_image[d_order], max_dets)
    keep = rank < max_dets
    kept = d_order[keep]
    before = np.concatenate([[0], np.cumsum(keep)]).astype(np.int64)
    d_lo2, d_hi2 = before[d_lo], before[d_lo] + (d_hi - d_lo)
    n = kept.shape[0]
    used = np.empty(n, np.int8)
    err = np.empty(n, np.int8)
    err_gt = np.empty(n, np.int64)
    fixable = np.empty(n, np.bool_)
    iou = np.empty(n, np.float64)
    match = np.empty(n, np.int64)
    g_used = np.zeros(data.num_gt, np.bool_)
    g_missed = np.zeros(data.num_gt, np.bool_)
    gt_cls = np.ascontiguousarray(data.gt_category[g_order], dtype=np.int64)
    g_region = np.ascontiguousarray(region[g_order])
    # One (D x G) IoU block per image over all its GTs; ignore regions get crowd IoU (union = det).
    sizes = (g_hi - g_lo) * (d_hi2 - d_lo2)
    offsets = np.zeros(g_lo.shape[0], dtype=np.int64)
    if g_lo.shape[0] > 1:
        np.cumsum(sizes[:-1], out=offsets[1:])
    if iou_fn is None:
        ious = np.zeros(int(sizes.sum()))
        gt_box = np.ascontiguousarray(data.gt_box[g_order], dtype=np.float64)
        dt_box = np.ascontiguousarray(data.dt_box[kept], dtype=np.float64)
        box_iou_kernel(gt_box, g_region, dt_box, g_lo, g_hi, d_lo2, d_hi2, offsets, ious)
    else:
        ious = np.ascontiguousarray(iou_fn(g_order, kept, region, g_lo, g_hi, d_lo2, d_hi2, offsets))
    tide_image_kernel(
        ious, offsets, gt_cls, g_region,
        np.ascontiguousarray(data.dt_category[kept], dtype=np.int64),
        score[kept], g_lo, g_hi, d_lo2, d_hi2, float(foreground_iou), float(background_iou),
        used, err, err_gt, fixable, iou, match, g_used, g_missed,
    )  # fmt: skip
    # Back to input rows.
    err_gt = np.where(err_gt >= 0, g_order[np.maximum(err_gt, 0)], -1) if data.num_gt else err_gt
    match = np.where(match >= 0, g_order[np.maximum(match, 0)], -1) if data.num_gt else match
    gt_used = np.zeros(data.num_gt, np.bool_)
    gt_used[g_order] = g_used
    gt_missed = np.zeros(data.num_gt, np.bool_)
    gt_missed[g_order] = g_missed

    # AP data (tidecv ClassedAPDataObject): non-ignored detections, in image then score order.
    cls = np.ascontiguousarray(data.dt_category[kept], dtype=np.int64)
    sc = score[kept]
    kr, n_kr = dense_rank(sc, np.argsort(-sc).astype(np.int64)) if n else (np.zeros(0, np.int64), 0)
    num_gt = np.bincount(data.gt_category[~region], minlength=K)[:K].astype(np.int64)
    counted = used >= 0
    is_tp = used == 1
    ap, per_class = _class_aps(cls[counted], kr[counted], n_kr, is_tp[counted], num_gt, K)

    counts = {ERROR_NAMES[t]: int(np.count_nonzero(err == t)) for t in ERROR_TYPES if t != MISSED}
    counts["missed"] = int(np.count_nonzero(gt_missed))
    delta: dict[str, float] = {}
    tp_idx = np.flatnonzero(is_tp)
    fp_like = err != 0
    err_cls_gt = np.where(err_gt >= 0, data.gt_category[np.maximum(err_gt, 0)], -1) if data.num_gt else err_gt
    for t in ERROR_TYPES:
        name = ERROR_NAMES[t]
        gt_pos = num_gt.copy()
        if t == MISSED:
            gt_pos -= np.bincount(data.gt_category[gt_missed], minlength=K)[:K]
        # Error-derived points come first (error order), then the original true positives.
        this = fp_like & (err == t)
        other = fp_like & (err != t) & counted
        fixed = this & fixable if t in (CLASSIFICATION, LOCALIZATION) else np.zeros(n, np.bool_)
        e_idx = np.flatnonzero(other | fixed)
        e_cls = cls[e_idx].copy()
        e_true = fixed[e_idx]
        if t == CLASSIFICATION:
            e_cls[e_true] = err_cls_gt[e_idx[e_true]]
        p_cls = np.concatenate([e_cls, cls[tp_idx]])
        p_rank = np.concatenate([kr[e_idx], kr[tp_idx]])
        p_true = np.concatenate([e_true, np.ones(tp_idx.shape[0], np.bool_)])
        new_ap, _ = _class_aps(p_cls, p_rank, n_kr, p_true, gt_pos, K)
        delta[name] = max(new_ap - ap, 0.0)

    full = data.num_dt
    out_err = np.zeros(full, np.int8)
    out_err_gt = np.full(full, -1, np.int64)
    out_used = np.full(full, -2, np.int8)
    out_match = np.full(full, -1, np.int64)
    out_iou = np.zeros(full)
    out_err[kept] = err
    out_err_gt[kept] = err_gt
    out_used[kept] = used
    out_match[kept] = match
    out_iou[kept] = iou
    return TideResult(
        ap=float(ap),
        counts=counts,
        delta_ap=delta,
        dt_error=out_err,
        dt_error_gt=out_err_gt,
        dt_used=out_used,
        dt_match=out_match,
        dt_iou=out_iou,
        gt_missed=gt_missed,
        gt_used=gt_used,
        gt_region=region,
        per_class_ap=per_class,
    )
