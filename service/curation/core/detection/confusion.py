"""A confusion matrix over the classes + background, at the operating point.

Detections above the score threshold (and kept by the operating point's maxDets cut) are matched to
GT *ignoring classes*, with the same greedy rule at the operating IoU: a matched pair counts at (GT
class, predicted class), an unmatched detection at (background, predicted class), an unmatched GT at
(GT class, background). Crowd GTs are neither rows nor columns; detections matched to them are left
out.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from curation.core._common.arrays import IntArray
from curation.core.detection.coco import DetectionData, IouFn, MatchState, Mode, evaluate_images
from curation.core.detection.keypoints import Keypoints, oks_fn
from curation.core.detection.mask_iou import mask_iou_fn
from curation.core.detection.operating_point import OperatingPoint
from curation.core.detection.rle import RleSet

__all__ = ["confusion_matrix"]


def confusion_matrix(
    data: DetectionData,
    op: OperatingPoint,
    *,
    score_threshold: float,
    mode: Mode,
    masks: tuple[RleSet, RleSet] | None,
    keypoints: Keypoints | None = None,
) -> IntArray:
    """``[K + 1, K + 1]`` counts, rows GT class, columns predicted class, index K = background."""
    K = data.num_categories
    agn = _class_agnostic_matching(data, op, score_threshold, mode, masks, keypoints)
    acode = agn.dt_codes[:, 0, 0]
    pred_cls = data.dt_category[agn.dt_row]
    matched = acode == 1
    size = (K + 1) * (K + 1)
    confusion = np.zeros((K + 1, K + 1), np.int64)
    cell = data.gt_category[agn.dt_match[matched, 0]] * (K + 1) + pred_cls[matched]
    confusion += np.bincount(cell, minlength=size)[:size].reshape(K + 1, K + 1)
    confusion[K, :K] += np.bincount(pred_cls[acode == 0], minlength=K)[:K]
    unmatched = np.zeros(data.num_gt, dtype=bool)
    unmatched[agn.gt_row[agn.gt_counted[0]]] = True
    unmatched[agn.dt_match[matched, 0]] = False
    confusion[:K, K] += np.bincount(data.gt_category[unmatched], minlength=K)[:K]
    return confusion


def _class_agnostic_matching(  # noqa: PLR0917
    data: DetectionData,
    op: OperatingPoint,
    score_threshold: float,
    mode: Mode,
    masks: tuple[RleSet, RleSet] | None,
    keypoints: Keypoints | None,
) -> MatchState:
    """The operating point's matching of the detections above the threshold with every object in one
    class (detection rows are the input rows; no per-image cut beyond the operating point's)."""
    kept = np.zeros(data.num_dt, dtype=bool)
    kept[op.state.dt_row] = True
    sel = np.flatnonzero((data.dt_score >= score_threshold) & kept)
    one_class = replace(
        data,
        num_categories=1,
        gt_category=np.zeros(data.num_gt, np.int64),
        dt_image=data.dt_image[sel],
        dt_category=np.zeros(sel.shape[0], np.int64),
        dt_box=data.dt_box[sel],
        dt_score=data.dt_score[sel],
        dt_area=data.dt_area[sel],
        dt_rows=sel,
        gt_rows=None,
    )
    iou_fn: IouFn | None = None
    if masks is not None:
        iou_fn = mask_iou_fn(masks[0], masks[1].take(sel), data.gt_iscrowd)
    elif keypoints is not None:
        # OKS with each GT's own category's sigmas (the data's categories, not the merged one).
        iou_fn = oks_fn(keypoints.take_dt(sel), replace(one_class, gt_category=data.gt_category))
    return evaluate_images(
        one_class, replace(op.state.params, max_dets=(max(1, int(sel.shape[0])),)), mode=mode, iou_fn=iou_fn
    )
