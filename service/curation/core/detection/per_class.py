"""Per category: COCO's AP/AP50/AP75/AR, and at the operating point precision/recall/F1, the best-F1
score cut, the precision-recall curve and the histogram of matched IoUs.

AP-type values come from the main COCO arrays (area "all", the largest maxDets) and are -1 when the
category has no counted GT; everything else comes from the :class:`OperatingPoint`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core.detection._coco_kernels import bucket_order
from curation.core.detection._grouping import score_rank
from curation.core.detection.coco import CocoArrays, CocoParams, DetectionData, mean_valid
from curation.core.detection.operating_point import OperatingPoint

__all__ = ["ClassReport", "class_reports"]


@dataclass(frozen=True)
class ClassReport:
    """Per category; AP-type values are -1 when the category has no counted GT."""

    category: int
    num_gt: int
    num_predictions: int
    ap: float
    ap50: float
    ap75: float
    ar: float
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    best_f1: float
    best_f1_threshold: float
    best_f1_precision: float
    best_f1_recall: float
    pr_curve: FloatArray
    iou_histogram: IntArray


def class_reports(
    data: DetectionData, arrays: CocoArrays, params: CocoParams, op: OperatingPoint, iou_bins: int
) -> list[ClassReport]:
    """One report per category, from the main COCO ``arrays`` (evaluated with ``params``) and ``op``."""
    K = data.num_categories
    s = op.state
    npos = np.bincount(s.gt_category[s.gt_counted[0]], minlength=K)[:K].astype(np.int64)
    tp_k = np.bincount(s.dt_category[op.tp], minlength=K)[:K]
    fp_k = np.bincount(s.dt_category[op.fp], minlength=K)[:K]
    n_pred = np.bincount(data.dt_category, minlength=K)[:K]
    counted = op.code != 2
    best = _best_f1(s.dt_category[counted], s.dt_score[counted], (op.code == 1)[counted],
                    (op.code == 0)[counted], npos, K)  # fmt: skip
    checkpoint()
    hist = _iou_histograms(op, K, iou_bins)
    reports = []
    for k in range(K):
        if k % 256 == 0:
            checkpoint()
        t, f, n = int(tp_k[k]), int(fp_k[k]), int(npos[k])
        pr, rc, f1 = _precision_recall_f1(t, f, n)
        ap, ap50, ap75, ar = _coco_numbers(arrays, params, k)
        reports.append(
            ClassReport(
                category=k, num_gt=n, num_predictions=int(n_pred[k]), ap=ap, ap50=ap50, ap75=ap75, ar=ar,
                precision=pr, recall=rc, f1=f1, tp=t, fp=f, fn=n - t,
                best_f1=float(best[k, 0]), best_f1_threshold=float(best[k, 1]),
                best_f1_precision=float(best[k, 2]), best_f1_recall=float(best[k, 3]),
                pr_curve=op.arrays.precision[0, :, k, 0, 0].copy(), iou_histogram=hist[k].astype(np.int64),
            )
        )  # fmt: skip
    return reports


def _coco_numbers(arrays: CocoArrays, params: CocoParams, k: int) -> tuple[float, float, float, float]:
    """Category ``k``'s AP, AP50, AP75 (-1 when that threshold is absent) and AR: area "all", the
    largest maxDets."""
    M = len(params.max_dets) - 1
    t50 = np.flatnonzero(params.iou_thrs == 0.5)
    t75 = np.flatnonzero(params.iou_thrs == 0.75)
    prec_k = arrays.precision[:, :, k, 0, M]
    return (
        mean_valid(prec_k),
        mean_valid(prec_k[t50]) if t50.size else -1.0,
        mean_valid(prec_k[t75]) if t75.size else -1.0,
        mean_valid(arrays.recall[:, k, 0, M]),
    )


def _precision_recall_f1(tp: int, fp: int, num_gt: int) -> tuple[float, float, float]:
    """Precision, recall and F1 from counts; 0 where a denominator is 0 (sklearn's zero_division=0)."""
    pr = tp / (tp + fp) if tp + fp else 0.0
    rc = tp / num_gt if num_gt else 0.0
    return pr, rc, 2 * pr * rc / (pr + rc) if pr + rc else 0.0


def _iou_histograms(op: OperatingPoint, K: int, iou_bins: int) -> IntArray:
    """``[K, iou_bins]``: the IoUs of the operating point's true positives (whatever their score) in
    equal-width bins over [0, 1]."""
    all_tp = op.code == 1
    s = op.state
    bins = np.minimum((s.dt_match_iou[all_tp, 0] * iou_bins).astype(np.int64), iou_bins - 1)
    hist = np.bincount(s.dt_category[all_tp] * iou_bins + bins, minlength=K * iou_bins)[: K * iou_bins]
    return hist.reshape(K, iou_bins)


def _best_f1(  # noqa: PLR0917
    cat: IntArray, score: FloatArray, tp: BoolArray, fp: BoolArray, npos: IntArray, K: int
) -> FloatArray:
    """Per class [best F1, threshold, precision, recall], cutting only between distinct scores."""
    out = np.zeros((K, 4))
    if cat.size == 0:
        return out
    # Stable by class then descending score: two counting sorts over a dense score rank.
    sr, n_ranks = score_rank(score)
    order = bucket_order(
        np.ascontiguousarray(cat, dtype=np.int64),
        K,
        bucket_order(sr, n_ranks, np.arange(cat.shape[0], dtype=np.int64)),
    )
    checkpoint()
    c, s = cat[order], score[order]
    ctp = np.cumsum(tp[order])
    cfp = np.cumsum(fp[order])
    start = np.searchsorted(c, c, side="left")
    base_tp = np.where(start > 0, ctp[start - 1], 0)
    base_fp = np.where(start > 0, cfp[start - 1], 0)
    t: IntArray = ctp - base_tp
    f: IntArray = cfp - base_fp
    end = np.ones(c.shape[0], dtype=bool)
    end[:-1] = (c[1:] != c[:-1]) | (s[1:] != s[:-1])
    n = npos[c]
    denom = 2 * t + f + (n - t)
    f1 = np.where(denom > 0, 2 * t / np.maximum(denom, 1), 0.0)
    f1 = np.where(end, f1, -1.0)
    # Per class, the first (highest-threshold) cut reaching the class's best F1.
    seg = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    seg_max = np.maximum.reduceat(f1, seg)
    seg_of = np.cumsum(np.r_[False, c[1:] != c[:-1]])
    hit = np.flatnonzero(f1 == seg_max[seg_of])
    pick = hit[np.r_[True, seg_of[hit][1:] != seg_of[hit][:-1]]]
    k = c[pick]
    prec = np.where(t[pick] + f[pick] > 0, t[pick] / np.maximum(t[pick] + f[pick], 1), 0.0)
    rec = np.where(n[pick] > 0, t[pick] / np.maximum(n[pick], 1), 0.0)
    out[k] = np.stack([np.maximum(f1[pick], 0.0), s[pick], prec, rec], axis=1)
    return out
