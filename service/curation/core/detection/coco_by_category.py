"""COCO's arrays without the whole match state: evaluated and accumulated a few categories at a time.

``accumulate(evaluate_images(data))`` holds every kept detection's codes (A x T bytes), row, image,
category, rank and score at once, next to the output arrays: 80 bytes per detection on top of the
outputs at the default parameters. COCO's numbers need no more than one category at a time, because
both steps split by category without changing a bit: matching works per (image, category) group and
accumulation per category, and a category's rows in the state (order: descending score, image, rank
in the group) depend on that category's objects alone. :func:`coco_arrays` therefore evaluates the
objects of a span of categories (at most :data:`SPAN_OBJECTS` objects, or one category) with
:func:`~curation.core.detection.coco.evaluate_images`, accumulates those categories straight into the
output arrays and drops the span's state, so the memory beyond the outputs is about one span's.
The views that read the match table (operating point, slices) still build the whole state.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from curation.core._common.arrays import IntArray
from curation.core._common.chunks import weighted_spans
from curation.core.detection.coco import (
    CocoArrays,
    CocoParams,
    DetectionData,
    IouFn,
    Mode,
    accumulate_into,
    empty_arrays,
    evaluate_images,
)

__all__ = ["SPAN_OBJECTS", "coco_arrays"]

# Objects (GT + detections) evaluated together: about 200 bytes each while a span is evaluated.
SPAN_OBJECTS = 32_768


def coco_arrays(
    data: DetectionData,
    params: CocoParams | None = None,
    *,
    mode: Mode = "coco",
    iou_fn: IouFn | None = None,
) -> tuple[CocoArrays, int]:
    """``accumulate(evaluate_images(data, params, mode=mode, iou_fn=iou_fn))`` (the same bits), and the
    number of detections cut by ``maxDets[-1]``, evaluated a span of categories at a time."""
    p = params or CocoParams()
    K = data.num_categories
    arrays = empty_arrays(p, K)
    per_cat = np.bincount(data.dt_category, minlength=K)[:K] + np.bincount(data.gt_category, minlength=K)[:K]
    truncated = 0
    for k0, k1 in weighted_spans(per_cat, SPAN_OBJECTS):
        # The span's rows in input order (a scan per span costs less than holding a sort by category).
        d_rows = np.flatnonzero((data.dt_category >= k0) & (data.dt_category < k1))
        g_rows = np.flatnonzero((data.gt_category >= k0) & (data.gt_category < k1))
        part = _subset(data, g_rows, d_rows)
        span_fn = _subset_iou(iou_fn, g_rows, d_rows) if iou_fn is not None else None
        state = evaluate_images(part, p, mode=mode, iou_fn=span_fn, keep_matches=False)
        del part
        accumulate_into(state, arrays, k0, k1)
        truncated += state.num_truncated
    return arrays, truncated


def _subset(data: DetectionData, g_rows: IntArray, d_rows: IntArray) -> DetectionData:
    """The objects at ``g_rows``/``d_rows`` (ascending), images and categories numbered as in ``data``."""

    def take(column: np.ndarray | None, rows: IntArray) -> np.ndarray | None:
        return None if column is None else column[rows]

    return replace(
        data,
        gt_image=data.gt_image[g_rows],
        gt_category=data.gt_category[g_rows],
        gt_box=data.gt_box[g_rows],
        gt_area=data.gt_area[g_rows],
        gt_iscrowd=data.gt_iscrowd[g_rows],
        dt_image=data.dt_image[d_rows],
        dt_category=data.dt_category[d_rows],
        dt_box=data.dt_box[d_rows],
        dt_score=data.dt_score[d_rows],
        dt_area=data.dt_area[d_rows],
        gt_ignore=take(data.gt_ignore, g_rows),
        gt_zero_id=take(data.gt_zero_id, g_rows),
        dt_not_exhaustive=take(data.dt_not_exhaustive, d_rows),
        gt_ignore_always=take(data.gt_ignore_always, g_rows),
        gt_rows=None,
        dt_rows=None,
    )


def _subset_iou(iou_fn: IouFn, g_rows: IntArray, d_rows: IntArray) -> IouFn:
    """``iou_fn`` over a subset: the subset's row numbers mapped back to the whole set's."""

    def span_iou(  # noqa: PLR0917
        g: IntArray, d: IntArray, g_lo: IntArray, g_hi: IntArray, d_lo: IntArray, d_hi: IntArray,
        offsets: IntArray,
    ) -> np.ndarray:  # fmt: skip
        return iou_fn(g_rows[g], d_rows[d], g_lo, g_hi, d_lo, d_hi, offsets)

    return span_iou
