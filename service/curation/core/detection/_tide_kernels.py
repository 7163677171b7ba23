"""Compiled per-image loop of TIDE's error classification (tidecv ``TIDEExample`` / ``TIDERun``)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.jit import numba

__all__ = [
    "BACKGROUND",
    "BOTH",
    "CLASSIFICATION",
    "DUPLICATE",
    "LOCALIZATION",
    "MISSED",
    "NO_ERROR",
    "tide_ap_kernel",
    "tide_image_kernel",
    "warm_up",
]

NO_ERROR, CLASSIFICATION, LOCALIZATION, BOTH, DUPLICATE, BACKGROUND, MISSED = 0, 1, 2, 3, 4, 5, 6


@numba.njit(cache=True, nogil=True)
def tide_image_kernel(  # noqa: PLR0912, PLR0915, PLR0917 - numba kernel: one compiled loop nest
    ious: FloatArray,
    offsets: IntArray,
    gt_cls: IntArray,
    gt_region: BoolArray,
    dt_cls: IntArray,
    dt_score: FloatArray,
    g_lo: IntArray,
    g_hi: IntArray,
    d_lo: IntArray,
    d_hi: IntArray,
    pos: float,
    bg: float,
    dt_used: NDArray[np.int8],
    dt_error: NDArray[np.int8],
    dt_error_gt: IntArray,
    dt_fixable: BoolArray,
    dt_iou: FloatArray,
    dt_match: IntArray,
    gt_used: BoolArray,
    gt_missed: BoolArray,
) -> None:
    """Per image (GT by input order, detections already by score and cut to max_dets), given the
    image's (D x G) IoU block at ``offsets[q]`` over all its GTs (crowd IoU for ignore regions):

    matching: each detection takes the *first* unused same-class GT of highest IoU if it is >= ``pos``;
    an unmatched detection whose crowd-IoU with a same-class ignore region exceeds ``pos`` is ignored
    (``dt_used`` 1 = TP, 0 = FP, -1 = ignored); then every FP/ignored detection gets the first error
    that applies, in tidecv's order: background (image without GT), localization (same-class IoU in
    [bg, pos]), classification (other-class IoU >= pos), duplicate (same-class IoU >= pos with a used
    GT), background (IoU <= bg with every GT), both. Classification/localization errors against an
    unused GT are ``fixable`` only for the highest-scoring such detection (tidecv ``BestGTMatch``);
    such a GT is "usable" and not counted missed.
    """
    max_g = 1
    max_d = 1
    for q in range(g_lo.shape[0]):
        max_g = max(max_g, g_hi[q] - g_lo[q])
        max_d = max(max_d, d_hi[q] - d_lo[q])
    gts = np.empty(max_g, np.int64)
    iou_buf = np.empty(max_g * max_d)
    used = np.empty(max_g, np.bool_)
    usable = np.empty(max_g, np.bool_)
    best_score = np.empty(max_g)
    best_det = np.empty(max_g, np.int64)
    for q in range(g_lo.shape[0]):
        g0 = g_lo[q]
        g1 = g_hi[q]
        d0 = d_lo[q]
        d1 = d_hi[q]
        # Non-ignored GTs of this image (regions are separate).
        n_gt = 0
        for j in range(g0, g1):
            if not gt_region[j]:
                gts[n_gt] = j
                n_gt += 1
        D = d1 - d0
        G = g1 - g0
        base = offsets[q]
        iou = iou_buf[: D * n_gt].reshape((D, n_gt))
        for i in range(D):
            for jj in range(n_gt):
                iou[i, jj] = ious[base + i * G + (gts[jj] - g0)]
        for jj in range(n_gt):
            used[jj] = False
            usable[jj] = False
            best_score[jj] = -1.0
            best_det[jj] = -1
        for i in range(D):
            d = d0 + i
            dt_used[d] = 0
            dt_match[d] = -1
            best = 0.0
            arg = 0
            top = 0.0
            for jj in range(n_gt):
                same = gt_cls[gts[jj]] == dt_cls[d]
                v = iou[i, jj] if same else 0.0
                top = max(top, v)
                if used[jj]:
                    v = 0.0
                if v > best:
                    best = v
                    arg = jj
            dt_iou[d] = top
            if n_gt > 0 and best >= pos:
                used[arg] = True
                dt_used[d] = 1
                dt_match[d] = gts[arg]
        # Ignore regions (crowd): unmatched detections covered by a same-class region.
        for i in range(D):
            d = d0 + i
            if dt_used[d] != 0:
                continue
            for j in range(g0, g1):
                if gt_region[j] and gt_cls[j] == dt_cls[d] and ious[base + i * G + (j - g0)] > pos:
                    dt_used[d] = -1
                    break
        for i in range(D):
            d = d0 + i
            dt_error[d] = NO_ERROR
            dt_error_gt[d] = -1
            dt_fixable[d] = False
            if dt_used[d] == 1:
                continue
            if n_gt == 0:
                dt_error[d] = BACKGROUND
                continue
            # Same-class IoU (first argmax).
            v = -1.0
            arg = 0
            for jj in range(n_gt):
                x = iou[i, jj] if gt_cls[gts[jj]] == dt_cls[d] else 0.0
                if x > v:
                    v = x
                    arg = jj
            kind = NO_ERROR
            if bg <= v <= pos:
                kind = LOCALIZATION
            else:
                v = -1.0
                for jj in range(n_gt):
                    x = iou[i, jj] if gt_cls[gts[jj]] != dt_cls[d] else 0.0
                    if x > v:
                        v = x
                        arg = jj
                if v >= pos:
                    kind = CLASSIFICATION
                else:
                    v = -1.0
                    for jj in range(n_gt):
                        x = iou[i, jj] if (used[jj] and gt_cls[gts[jj]] == dt_cls[d]) else 0.0
                        if x > v:
                            v = x
                            arg = jj
                    if v >= pos:
                        kind = DUPLICATE
                    else:
                        v = -1.0
                        for jj in range(n_gt):
                            v = max(v, iou[i, jj])
                        kind = BACKGROUND if v <= bg else BOTH
            dt_error[d] = kind
            if kind in (LOCALIZATION, CLASSIFICATION, DUPLICATE):
                dt_error_gt[d] = gts[arg]
            if kind in (LOCALIZATION, CLASSIFICATION) and not used[arg]:
                usable[arg] = True
                if best_score[arg] < dt_score[d]:
                    best_score[arg] = dt_score[d]
                    best_det[arg] = d
        for jj in range(n_gt):
            if best_det[jj] >= 0:
                dt_fixable[best_det[jj]] = True
            gt_used[gts[jj]] = used[jj]
            gt_missed[gts[jj]] = not used[jj] and not usable[jj]
        for j in range(g0, g1):
            if gt_region[j]:
                gt_used[j] = False
                gt_missed[j] = False


@numba.njit(cache=True, nogil=True)
def tide_ap_kernel(
    k_lo: IntArray,
    k_hi: IntArray,
    is_true: BoolArray,
    num_gt: IntArray,
    x_range: FloatArray,
) -> FloatArray:
    """tidecv ``APDataObject.get_ap`` per class over points sorted by score (stable): precision
    ``tp/(tp+fp)``, envelope, ``searchsorted(recall, x, 'left')``, left-to-right sum / 101 * 100."""
    K = k_lo.shape[0]
    R = x_range.shape[0]
    out = np.zeros(K)
    for k in range(K):
        n = k_hi[k] - k_lo[k]
        if num_gt[k] == 0:
            out[k] = 0.0
            continue
        prec = np.empty(n)
        rec = np.empty(n)
        tp = 0
        fp = 0
        for s in range(n):
            if is_true[k_lo[k] + s]:
                tp += 1
            else:
                fp += 1
            prec[s] = tp / (tp + fp)
            rec[s] = tp / num_gt[k]
        for s in range(n - 1, 0, -1):
            prec[s - 1] = max(prec[s - 1], prec[s])
        total = 0.0
        s = 0
        for r in range(R):
            while s < n and rec[s] < x_range[r]:
                s += 1
            if s < n:
                total += prec[s]
        out[k] = total / R * 100
    return out


def warm_up() -> None:
    """Compile or load every kernel of this module with the argument types used."""
    i1 = np.zeros(1, np.int64)
    one = np.ones(1, np.int64)
    b1 = np.zeros(1, np.bool_)
    tide_image_kernel(
        np.zeros(1), i1, i1, b1, i1, np.ones(1), i1, one, i1, one, 0.5, 0.1,
        np.zeros(1, np.int8), np.zeros(1, np.int8), np.zeros(1, np.int64), np.zeros(1, np.bool_),
        np.zeros(1), np.zeros(1, np.int64), np.zeros(1, np.bool_), np.zeros(1, np.bool_),
    )  # fmt: skip
    tide_ap_kernel(i1, one, np.ones(1, np.bool_), one, np.linspace(0, 1, 3))
