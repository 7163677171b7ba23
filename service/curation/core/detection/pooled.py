"""pycocotools' ``useCats=0``: every category pooled into one, matched per image regardless of category.

``COCOeval`` with ``useCats=0`` evaluates one "category" (``catIds = [-1]``): per image it concatenates
the GT of each category in ``catIds`` order (each in file order) and the detections likewise, then
sorts the detections by score with a stable merge sort (ties in category order, then file order), cuts
them to ``maxDets[-1]`` per image and matches as usual. Objects whose category is not evaluated are
left out (pycocotools loads them but never visits their category).

:func:`pool_categories` gives the same evaluation to the unchanged matching code: the rows stably
sorted by category (so within an image they come in pycocotools' pooled order) and every category
replaced by 0 of 1. The permutations say which input row each pooled row is; masks, names and
per-object metadata follow them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import IntArray
from curation.core.detection._coco_kernels import bucket_order
from curation.core.detection.coco import DetectionData

__all__ = ["POOLED_CATEGORY", "Pooled", "pool_categories"]

# The name of the one category of a pooled evaluation.
POOLED_CATEGORY = "all categories"


@dataclass(frozen=True, slots=True)
class Pooled:
    """The pooled data and, for each of its GT / detection rows, the input row it came from."""

    data: DetectionData
    gt_rows: IntArray
    dt_rows: IntArray


def pool_categories(data: DetectionData) -> Pooled:
    """``data`` as one category, rows in pycocotools' pooled order (see the module docstring)."""
    K = data.num_categories
    g = bucket_order(
        np.ascontiguousarray(data.gt_category, np.int64), K, np.arange(data.num_gt, dtype=np.int64)
    )
    d = bucket_order(
        np.ascontiguousarray(data.dt_category, np.int64), K, np.arange(data.num_dt, dtype=np.int64)
    )

    def rows(values: npt.NDArray[Any] | None, order: IntArray) -> Any:
        return None if values is None else values[order]

    pooled = replace(
        data,
        num_categories=1,
        gt_image=data.gt_image[g],
        gt_category=np.zeros(data.num_gt, np.int64),
        gt_box=data.gt_box[g],
        gt_area=data.gt_area[g],
        gt_iscrowd=data.gt_iscrowd[g],
        dt_image=data.dt_image[d],
        dt_category=np.zeros(data.num_dt, np.int64),
        dt_box=data.dt_box[d],
        dt_score=data.dt_score[d],
        dt_area=data.dt_area[d],
        gt_ignore=rows(data.gt_ignore, g),
        gt_zero_id=rows(data.gt_zero_id, g),
        gt_rows=rows(data.gt_rows, g),
        dt_rows=rows(data.dt_rows, d),
    )
    return Pooled(pooled, g, d)
