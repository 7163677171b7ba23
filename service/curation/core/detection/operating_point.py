"""The operating point: one IoU threshold (``operating_iou``), area range "all", the largest maxDets
and a score threshold — where per-class P/R/F1, per-asset outcomes and the confusion matrix are read.

The same greedy matching as COCO: a detection with score >= threshold that is a COCO true positive at
that IoU is a TP, an unmatched one an FP, a counted GT not matched by one a FN. Greedy matching runs
in score order, so thresholding after matching equals matching only the detections above the
threshold. When the main matching already holds that IoU under area range "all", its columns are
reused; otherwise the detections are matched again.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray
from curation.core.detection.coco import (
    CocoArrays,
    CocoParams,
    DetectionData,
    IouFn,
    MatchState,
    Mode,
    accumulate,
    area_all_params,
    evaluate_images,
)

__all__ = ["OperatingPoint", "operating_point"]


@dataclass(frozen=True)
class OperatingPoint:
    """The matching at the operating point (``state``: one IoU, area "all", maxDets[-1]) and what each
    of its kept detections is at the score threshold."""

    state: MatchState
    arrays: CocoArrays
    # Per kept detection, whatever its score: 0 false positive, 1 true positive, 2 ignored.
    code: npt.NDArray[np.uint8]
    above: BoolArray
    tp: BoolArray
    fp: BoolArray


def operating_point(
    data: DetectionData,
    params: CocoParams,
    state: MatchState | None = None,
    *,
    iou: float,
    score_threshold: float,
    mode: Mode,
    iou_fn: IouFn | None,
) -> OperatingPoint:
    """The operating point of ``data`` evaluated with ``params``, whose main matching is ``state`` when
    one ran (see the module docstring)."""
    op = _reused(state, iou) if state is not None else None
    if op is None:
        op = evaluate_images(data, area_all_params(params, np.array([iou])), mode=mode, iou_fn=iou_fn)
    code = op.dt_codes[:, 0, 0]
    above = op.dt_score >= score_threshold
    return OperatingPoint(
        state=op,
        arrays=accumulate(op),
        code=code,
        above=above,
        tp=(code == 1) & above,
        fp=(code == 0) & above,
    )


def _reused(state: MatchState, iou: float) -> MatchState | None:
    """The operating point's matching cut out of the main one, when that holds ``iou`` under area
    range "all" (its first range); None otherwise."""
    p = state.params
    op_params = area_all_params(p, np.array([iou]))
    t_op = np.flatnonzero(p.iou_thrs == iou)
    if not (t_op.size and np.array_equal(p.area_rngs[0], op_params.area_rngs[0])):
        return None
    t = int(t_op[0])
    return replace(
        state,
        params=op_params,
        dt_codes=np.ascontiguousarray(state.dt_codes[:, :1, t : t + 1]),
        dt_match=state.dt_match[:, t : t + 1],
        dt_match_iou=state.dt_match_iou[:, t : t + 1],
        gt_counted=state.gt_counted[:1],
    )
