"""Per asset and per object at the operating point: what each detection and each GT turned out to be,
what it matched, and the assets ranked worst first.

Everything is indexed by input rows (detections and GTs as given), so the ops seam can name objects
the way the caller sent them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import FloatArray, IntArray
from curation.core.detection.coco import DetectionData
from curation.core.detection.operating_point import OperatingPoint

__all__ = ["AssetOutcomes", "asset_outcomes"]


@dataclass(frozen=True)
class AssetOutcomes:
    """Per asset at the operating point, and each object's outcome (input rows).

    ``order`` lists assets worst first (most FP + FN, then fewest TP, then index).
    Detection outcome: 1 TP, 0 FP, 2 ignored (matched a crowd region), 3 below the score threshold,
    4 cut by maxDets. GT outcome: 1 matched, 0 missed, 2 ignored (crowd / outside "all").
    """

    order: IntArray
    tp: IntArray
    fp: IntArray
    fn: IntArray
    dt_outcome: npt.NDArray[np.int8]
    dt_match: IntArray
    dt_iou: FloatArray
    gt_outcome: npt.NDArray[np.int8]
    gt_match: IntArray
    gt_iou: FloatArray


def asset_outcomes(data: DetectionData, op: OperatingPoint) -> AssetOutcomes:
    """Every object's outcome at the operating point, and the per-asset TP/FP/FN counts and ranking."""
    n_img = data.num_images
    s = op.state
    gt_outcome, gt_match, gt_iou = _gt_outcomes(data, op)
    dt_outcome, dt_match, dt_iou = _dt_outcomes(data, op)
    a_tp = np.bincount(s.dt_image[op.tp], minlength=n_img)[:n_img].astype(np.int64)
    a_fp = np.bincount(s.dt_image[op.fp], minlength=n_img)[:n_img].astype(np.int64)
    a_fn = np.bincount(data.gt_image[gt_outcome == 0], minlength=n_img)[:n_img].astype(np.int64)
    order = np.lexsort((np.arange(n_img), a_tp, -(a_fp + a_fn))).astype(np.int64)
    return AssetOutcomes(order, a_tp, a_fp, a_fn, dt_outcome, dt_match, dt_iou, gt_outcome, gt_match, gt_iou)


def _gt_outcomes(
    data: DetectionData, op: OperatingPoint
) -> tuple[npt.NDArray[np.int8], IntArray, FloatArray]:
    """Per GT row: outcome (1 matched by a TP, 0 missed, 2 ignored), the matching detection's row
    (-1 for none) and the match's IoU."""
    s = op.state
    outcome = np.full(data.num_gt, 2, np.int8)
    match = np.full(data.num_gt, -1, np.int64)
    iou = np.zeros(data.num_gt)
    outcome[s.gt_row[s.gt_counted[0]]] = 0
    m = s.dt_match[op.tp, 0]
    outcome[m] = 1
    match[m] = s.dt_row[op.tp]
    iou[m] = s.dt_match_iou[op.tp, 0]
    return outcome, match, iou


def _dt_outcomes(
    data: DetectionData, op: OperatingPoint
) -> tuple[npt.NDArray[np.int8], IntArray, FloatArray]:
    """Per detection row: outcome (see :class:`AssetOutcomes`), matched GT row (-1 for none) and IoU."""
    s = op.state
    outcome = np.full(data.num_dt, 4, np.int8)
    outcome[s.dt_row] = np.where(op.above, np.where(op.code == 2, 2, op.code), 3).astype(np.int8)
    match = np.full(data.num_dt, -1, np.int64)
    iou = np.zeros(data.num_dt)
    match[s.dt_row] = s.dt_match[:, 0]
    iou[s.dt_row] = s.dt_match_iou[:, 0]
    return outcome, match, iou
