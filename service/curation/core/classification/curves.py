"""Precision-recall and ROC curves of one-vs-rest problems, thinned to a bounded number of points.

Each curve is sklearn's (1.9) for the problem ``(positives[:, j], scores[:, j])``:

- ``precision_recall_curve`` (by default ``drop_intermediate=False``): one point per distinct score,
  thresholds increasing, then the point (precision 1, recall 0) without a threshold; precision is 0 where
  nothing is predicted positive, and without positives recall is 1 everywhere (sklearn warns). With
  ``drop_intermediate`` only the first and last point of each run of equal tps are kept;
- ``roc_curve`` (by default ``drop_intermediate=True``): a first point (0, 0) at threshold +inf, then the
  distinct scores, decreasing, keeping only the points where the second difference of fps or tps is
  non-zero (all of them with ``drop_intermediate=False``);
  without negatives the false positive rate is NaN throughout, without positives the true positive rate
  (sklearn warns).

Sample weights as sklearn: rows of zero weight are removed first (their scores are no thresholds), then
tps and fps are cumulative sums of the weights in stable descending score order.

Thinning: a curve of L points longer than ``max_points`` keeps the ``max_points`` points at indices
``round(linspace(0, L - 1, max_points))`` (half to even) -- both end points, evenly spread in between,
distinct because the step is at least 1. A PR curve's last point (no threshold) is always kept, so its
thresholds stay one shorter than its rates. ``length`` is the curve's length before thinning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint

__all__ = ["PrecisionRecallCurve", "RocCurve", "class_curves", "thin"]


@dataclass(frozen=True, slots=True)
class PrecisionRecallCurve:
    precision: FloatArray
    recall: FloatArray
    thresholds: FloatArray
    length: int


@dataclass(frozen=True, slots=True)
class RocCurve:
    fpr: FloatArray
    tpr: FloatArray
    thresholds: FloatArray
    length: int


def thin(length: int, max_points: int) -> IntArray:
    """The indices kept of a curve of ``length`` points: all, or ``max_points`` evenly spread with both
    ends (``max_points >= 2``).

    >>> thin(10, 4).tolist()
    [0, 3, 6, 9]
    """
    if length <= max_points:
        return np.arange(length, dtype=np.int64)
    return np.round(np.linspace(0.0, length - 1.0, max_points)).astype(np.int64)


def _counts(
    positives: BoolArray, scores: npt.NDArray[np.floating], weight: FloatArray | None
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(tps, fps, thresholds) at each distinct score, highest first (sklearn's confusion at thresholds)."""
    if weight is not None:
        keep = weight != 0
        positives, scores, weight = positives[keep], scores[keep], weight[keep]
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], positives[order]
    ends = np.flatnonzero(np.diff(s)) if s.size > 1 else np.zeros(0, np.int64)
    ends = np.append(ends, s.size - 1)
    if weight is None:
        tps = np.cumsum(y, dtype=np.float64)[ends]
        fps = 1.0 + ends - tps
    else:
        w = weight[order]
        tps = np.cumsum(np.where(y, w, 0.0))[ends]
        fps = np.cumsum(np.where(y, 0.0, w))[ends]
    return tps, fps, s[ends].astype(np.float64)


def _pr_curve(
    tps: FloatArray, fps: FloatArray, thr: FloatArray, max_points: int, drop: bool
) -> PrecisionRecallCurve:
    if drop and fps.size > 2:
        changes = np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:]))
        kept = np.flatnonzero(np.concatenate([[True], changes, [True]]))
        tps, fps, thr = tps[kept], fps[kept], thr[kept]
    ps = tps + fps
    precision = np.divide(tps, ps, out=np.zeros_like(tps), where=ps != 0)
    recall = tps / tps[-1] if tps[-1] != 0 else np.ones_like(tps)
    precision = np.append(precision[::-1], 1.0)
    recall = np.append(recall[::-1], 0.0)
    keep = thin(precision.size, max_points)
    return PrecisionRecallCurve(precision[keep], recall[keep], thr[::-1][keep[:-1]], int(precision.size))


def _roc_curve(tps: FloatArray, fps: FloatArray, thr: FloatArray, max_points: int, drop: bool) -> RocCurve:
    if drop and fps.size > 2:
        corner = np.logical_or(np.diff(fps, 2), np.diff(tps, 2))
        kept = np.flatnonzero(np.concatenate([[True], corner, [True]]))
        tps, fps, thr = tps[kept], fps[kept], thr[kept]
    tps, fps = np.append(0.0, tps), np.append(0.0, fps)
    thr = np.append(np.inf, thr)
    fpr = fps / fps[-1] if fps[-1] > 0 else np.full(fps.shape, np.nan)
    tpr = tps / tps[-1] if tps[-1] > 0 else np.full(tps.shape, np.nan)
    keep = thin(fpr.size, max_points)
    return RocCurve(fpr[keep], tpr[keep], thr[keep], int(fpr.size))


def class_curves(
    positives: BoolArray,
    scores: npt.NDArray[np.floating],
    *,
    max_points: int,
    sample_weight: FloatArray | None = None,
    pr_drop_intermediate: bool = False,
    roc_drop_intermediate: bool = True,
) -> tuple[tuple[PrecisionRecallCurve, ...], tuple[RocCurve, ...]]:
    """The PR and ROC curve of every column (n x k), each at most ``max_points`` (>= 2) points
    (``*_drop_intermediate``: sklearn's option of that name, with sklearn's defaults).

    One sort per class (sklearn's curves are per class); a checkpoint between classes.

    >>> pr, roc = class_curves(np.array([[True], [False]]), np.array([[0.9], [0.1]]), max_points=10)
    >>> pr[0].precision.tolist(), roc[0].tpr.tolist()
    ([0.5, 1.0, 1.0], [0.0, 1.0, 1.0])
    """
    if max_points < 2:
        raise ValueError("max_points must be >= 2")
    n, k = scores.shape
    if n == 0 or (sample_weight is not None and not np.any(sample_weight != 0)):
        raise ValueError("curves need at least one row of non-zero weight")
    prs, rocs = [], []
    for j in range(k):
        checkpoint()
        tps, fps, thr = _counts(positives[:, j], scores[:, j], sample_weight)
        prs.append(_pr_curve(tps, fps, thr, max_points, pr_drop_intermediate))
        rocs.append(_roc_curve(tps, fps, thr, max_points, roc_drop_intermediate))
    return tuple(prs), tuple(rocs)
