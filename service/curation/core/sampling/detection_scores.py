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
  *Localization-Aware Active Learning for Object Detection*, 2018. For every pass s >= 1, the boxes of
  pass s are matched one-to-one to those of pass 0 in the same image, greedily by descending IoU (any
  class; a pair of IoU 0 is no match); a box's disagreement is ``1 - IoU`` of its match, 1 for a box
  left unmatched on either side. The image's score is the mean over all those (pass, box)
  disagreements, the boxes of pass 0 counted once per pass s; 0 with one pass;
- ``combined``: ``mean_entropy + localization``.

Box entropy uses natural log, ``0 log 0 = 0``. An image with no box in any pass scores 0 and is ranked
after every image with boxes. Per-image reductions are bincount / ``np.maximum.at`` over the box rows;
IoU runs over per-image pair blocks between two passes (a loop over passes, none over boxes); the
greedy matching walks the sorted pairs in one compiled pass (``_match_kernels``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.boxes import paired_iou
from curation.core._common.chunks import weighted_spans
from curation.core.sampling._match_kernels import greedy_match_kernel
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
    matched = np.zeros(n)  # summed IoU of the matched pairs (each counts for both of its boxes)
    cnt = np.zeros(n)
    ref = np.flatnonzero(sample == 0)
    ref = ref[np.argsort(image[ref], kind="stable")]
    for s in range(1, det.num_samples):
        other = np.flatnonzero(sample == s)
        other = other[np.argsort(image[other], kind="stable")]
        iou = _greedy_match_ious(image[ref], boxes[ref], image[other], boxes[other], n)
        matched += np.bincount(image[ref], weights=iou, minlength=n)
        cnt += np.bincount(image[ref], minlength=n) + np.bincount(image[other], minlength=n)
    out: FloatArray = np.divide(cnt - 2.0 * matched, cnt, out=np.zeros(n), where=cnt > 0)
    return out


def _greedy_match_ious(ia: IntArray, ba: FloatArray, ib: IntArray, bb: FloatArray, n: int) -> FloatArray:
    """The IoU of each box of A with the box of B it is matched to in its image (0 when unmatched): greedy
    one-to-one matching by descending IoU, ties by A row then B row (pairs of IoU 0 never match). Both
    sides sorted by image; pairs are built, sorted and walked per span of images."""
    out = np.zeros(ia.shape[0])
    free_a = np.ones(ia.shape[0], dtype=bool)
    free_b = np.ones(ib.shape[0], dtype=bool)
    ca = np.bincount(ia, minlength=n)
    cb = np.bincount(ib, minlength=n)
    start_a = np.r_[0, np.cumsum(ca)]
    start_b = np.cumsum(cb) - cb
    for lo, hi in weighted_spans(ca * cb, PAIR_BUDGET):
        a0, a1 = int(start_a[lo]), int(start_a[hi])
        w = cb[ia[a0:a1]]
        total = int(w.sum())
        if total == 0:
            continue
        pa = np.repeat(np.arange(a0, a1, dtype=np.int64), w)
        pb = start_b[ia[pa]] + np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(w) - w, w)
        iou = paired_iou(ba[pa], bb[pb])
        keep = np.flatnonzero(iou > 0)
        order = keep[np.lexsort((pb[keep], pa[keep], -iou[keep]))]
        greedy_match_kernel(pa[order], pb[order], iou[order], free_a, free_b, out)
    return out
