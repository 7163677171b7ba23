"""An image's uncertainty from its predicted boxes, so object detection can drive the selection.

Predictions are columnar, one row per box: the image (a pool row), the box (x, y, w, h), the class
distribution (k >= 2 columns, rows summing to 1; with k = 1 the single column is the top score ``s`` of
the predicted class, read as the binary distribution ``[s, 1 - s]``) and the sample (pass) it comes
from (0..S-1: MC-dropout passes, test-time augmentations or ensemble members; all 0 without samples).

Aggregations over an image's boxes (every box of every pass; Haussmann et al., *Scalable Active
Learning for Object Detection*, 2020, compare such max / mean / sum aggregations of box entropy):

- ``max_entropy`` (the default): the largest box entropy;
- ``mean_entropy``: the mean box entropy;
- ``sum_entropy``: the summed box entropy divided by S (the sum per pass, averaged over passes);
- ``localization``: box disagreement across passes, after the localization stability of Kao et al.,
  *Localization-Aware Active Learning for Object Detection*, 2018. For every pass s >= 1, each box of
  pass s is matched to its best-overlapping box of pass 0 in the same image, and each box of pass 0 to
  its best-overlapping box of pass s (the best match by IoU, any class, not one-to-one); a box's
  disagreement is ``1 - IoU`` of its best match, 1 when the other pass has no box in the image. The
  image's score is the mean over all those (pass, direction, box) disagreements; 0 with one pass;
- ``combined``: ``mean_entropy + localization``.

Box entropy uses natural log, ``0 log 0 = 0``. An image with no box in any pass scores 0 and is ranked
after every image with boxes. Per-image reductions are bincount / ``np.maximum.at`` over the box rows;
IoU runs over per-image pair blocks between two passes (a loop over passes, none over boxes).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.boxes import paired_iou
from curation.core._common.chunks import weighted_spans
from curation.core.sampling.scores import entropy

__all__ = ["BOX_AGGREGATIONS", "PAIR_BUDGET", "Detections", "box_entropy", "image_scores", "localization"]

BOX_AGGREGATIONS = ("max_entropy", "mean_entropy", "sum_entropy", "localization", "combined")
# Box pairs compared between two passes between two cancellation checkpoints.
PAIR_BUDGET = 1 << 18


@dataclass(frozen=True, slots=True)
class Detections:
    """Predicted boxes, one row each: ``image`` (pool row), ``boxes`` (m x 4, x y w h),
    ``class_scores`` (m x k; k = 1: the top score), ``sample`` (m, in 0..num_samples-1; None = 0)."""

    image: IntArray
    boxes: FloatArray
    class_scores: FloatArray
    sample: IntArray | None = None
    num_samples: int = 1

    @property
    def m(self) -> int:
        return int(self.image.shape[0])


def box_entropy(class_scores: FloatArray) -> FloatArray:
    """The entropy of each box's class distribution (a single column ``s`` read as ``[s, 1 - s]``).

    >>> box_entropy(np.array([[0.5], [1.0]])).round(4).tolist()
    [0.6931, 0.0]
    """
    p = np.asarray(class_scores, dtype=np.float64)
    if p.shape[1] == 1:
        p = np.hstack([p, 1.0 - p])
    out: FloatArray = entropy(p) + 0.0  # no -0.0 for a certain box
    return out


def image_scores(det: Detections, n: int, aggregation: str) -> tuple[FloatArray, BoolArray]:
    """(score, has boxes) per pool row under one of :data:`BOX_AGGREGATIONS` (see module docstring).

    >>> det = Detections(np.array([0, 0]), np.zeros((2, 4)), np.array([[0.5, 0.5], [1.0, 0.0]]))
    >>> image_scores(det, 2, "mean_entropy")[0].round(4).tolist()
    [0.3466, 0.0]
    """
    if aggregation not in BOX_AGGREGATIONS:
        raise ValueError(f"unknown box aggregation {aggregation!r}")
    image = np.asarray(det.image, dtype=np.int64)
    count = np.bincount(image, minlength=n).astype(np.float64)
    has = count > 0
    if aggregation == "localization":
        return localization(det, n), has
    ent = box_entropy(det.class_scores)
    if aggregation == "max_entropy":
        top = np.zeros(n)
        np.maximum.at(top, image, ent)
        return top, has
    total = np.bincount(image, weights=ent, minlength=n)
    if aggregation == "sum_entropy":
        return total / max(det.num_samples, 1), has
    mean = np.divide(total, count, out=np.zeros(n), where=has)
    if aggregation == "combined":
        mean += localization(det, n)
    return mean, has


def localization(det: Detections, n: int) -> FloatArray:
    """Mean box disagreement per image between pass 0 and every other pass (module docstring)."""
    sample = np.zeros(det.m, np.int64) if det.sample is None else np.asarray(det.sample, dtype=np.int64)
    image = np.asarray(det.image, dtype=np.int64)
    boxes = np.asarray(det.boxes, dtype=np.float64)
    dis = np.zeros(n)
    cnt = np.zeros(n)
    ref = np.flatnonzero(sample == 0)
    ref = ref[np.argsort(image[ref], kind="stable")]
    for s in range(1, det.num_samples):
        other = np.flatnonzero(sample == s)
        other = other[np.argsort(image[other], kind="stable")]
        best_ref, best_other = _best_ious(image[ref], boxes[ref], image[other], boxes[other], n)
        dis += np.bincount(image[ref], weights=1.0 - best_ref, minlength=n)
        dis += np.bincount(image[other], weights=1.0 - best_other, minlength=n)
        cnt += np.bincount(image[ref], minlength=n) + np.bincount(image[other], minlength=n)
    out: FloatArray = np.divide(dis, cnt, out=np.zeros(n), where=cnt > 0)
    return out


def _best_ious(
    ia: IntArray, ba: FloatArray, ib: IntArray, bb: FloatArray, n: int
) -> tuple[FloatArray, FloatArray]:
    """Best IoU of each box of A with the boxes of B in its image, and of each box of B with A (0 when
    there is none); both sides sorted by image. Pairs are built per span of A's boxes."""
    best_a = np.zeros(ia.shape[0])
    best_b = np.zeros(ib.shape[0])
    cb = np.bincount(ib, minlength=n)
    start_b = np.cumsum(cb) - cb
    width = cb[ia]  # pairs each box of A takes part in
    for lo, hi in weighted_spans(width, PAIR_BUDGET):
        w = width[lo:hi]
        total = int(w.sum())
        if total == 0:
            continue
        pa = np.repeat(np.arange(lo, hi, dtype=np.int64), w)
        offs = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(w) - w, w)
        pb = start_b[ia[pa]] + offs
        iou = paired_iou(ba[pa], bb[pb])
        np.maximum.at(best_a, pa, iou)
        np.maximum.at(best_b, pb, iou)
    return best_a, best_b
