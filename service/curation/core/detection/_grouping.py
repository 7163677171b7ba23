"""Objects in groups, as COCO matching and TIDE both need them: ordered, cut, and with IoU blocks.

COCO groups by (image, category), TIDE by image; both then keep the first ``max_det`` detections of
each group (score order), lay out one row-major (D x G) IoU block per group in one flat array, and
compute box IoU with the same kernel (crowd IoU for ignore regions). This module holds those shared
steps, so the two evaluations cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.chunks import weighted_spans
from curation.core.detection._coco_kernels import box_iou_kernel, dense_rank, group_scan

__all__ = ["IOU_BUDGET", "Groups", "box_ious", "group_bounds", "group_objects", "score_rank"]

# Box IoUs per kernel call between two cancellation checkpoints (about 5 ms on the 2-core machine).
IOU_BUDGET = 1_000_000


@dataclass(frozen=True, slots=True)
class Groups:
    """GT rows and kept detection rows in group order, each group's bounds in them, and where each
    group's (D x G) IoU block starts in the flat IoU array."""

    g_order: IntArray
    d_order: IntArray
    g_lo: IntArray
    g_hi: IntArray
    d_lo: IntArray
    d_hi: IntArray
    # In-group rank (score order) of each kept detection.
    rank: IntArray
    # Detections beyond ``max_det`` in their group, left out of ``d_order``.
    num_truncated: int
    offsets: IntArray
    total: int

    @property
    def work(self) -> IntArray:
        """Work of each group in IoU-block cells, plus one per object (so empty blocks count too): the
        weights by which compiled loops over groups are cut into spans between checkpoints."""
        G = self.g_hi - self.g_lo
        D = self.d_hi - self.d_lo
        work: IntArray = G * D + G + D
        return work


def score_rank(score: FloatArray) -> tuple[IntArray, int]:
    """Dense rank of each score, highest first (equal scores share a rank), and the number of ranks."""
    return dense_rank(score, np.argsort(-score).astype(np.int64))


def group_bounds(sorted_keys: IntArray, keys: IntArray) -> tuple[IntArray, IntArray]:
    """[lo, hi) of each of ``keys`` in ``sorted_keys``."""
    lo = np.searchsorted(sorted_keys, keys, side="left").astype(np.int64)
    hi = np.searchsorted(sorted_keys, keys, side="right").astype(np.int64)
    return lo, hi


def group_objects(
    g_order: IntArray, g_key: IntArray, d_order: IntArray, d_key: IntArray, max_det: int
) -> Groups:
    """The groups of objects already sorted by group key (``g_key``/``d_key`` are the keys of the
    rows in ``g_order``/``d_order``), keeping the first ``max_det`` detections of each group."""
    g_lo, g_hi, d_lo, d_hi, rank = group_scan(g_key, d_key, max_det)
    keep = rank < max_det
    num_truncated = int(keep.shape[0] - np.count_nonzero(keep))
    if num_truncated:
        # Positions of the kept detections among the kept ones.
        kept_before = np.concatenate([[0], np.cumsum(keep)]).astype(np.int64)
        d_lo, d_hi = kept_before[d_lo], kept_before[d_lo] + (d_hi - d_lo)
        d_order, rank = d_order[keep], rank[keep]
    sizes = (g_hi - g_lo) * (d_hi - d_lo)
    offsets = np.zeros(g_lo.shape[0], dtype=np.int64)
    if g_lo.shape[0] > 1:
        np.cumsum(sizes[:-1], out=offsets[1:])
    return Groups(g_order, d_order, g_lo, g_hi, d_lo, d_hi, rank, num_truncated, offsets, int(sizes.sum()))


def box_ious(gt_box: FloatArray, dt_box: FloatArray, region: BoolArray, groups: Groups) -> FloatArray:
    """Box IoU blocks of every group (``bbIou``); ``region`` flags, in group order, the GTs whose IoU is
    crowd IoU (union = the detection's area)."""
    g = groups
    ious = np.zeros(g.total, dtype=np.float64)
    # Read in place through the orders: gathering 2-D rows with numpy indexing costs more than the IoUs.
    gt = np.ascontiguousarray(gt_box, dtype=np.float64)
    dt = np.ascontiguousarray(dt_box, dtype=np.float64)
    for lo, hi in weighted_spans(g.work, IOU_BUDGET):
        box_iou_kernel(
            gt, region, dt, g.g_order, g.d_order, g.g_lo[lo:hi], g.g_hi[lo:hi], g.d_lo[lo:hi], g.d_hi[lo:hi],
            g.offsets[lo:hi], ious,
        )  # fmt: skip
    return ious
