"""What pycocotools' ``COCO.loadRes`` and ``annToRLE`` make of a results list: each result's box, area
and mask.

``loadRes`` decides by the first result (``'bbox' in anns[0]`` and not ``[]``):

* **Box results**: every result needs a ``bbox``; its area is ``w * h`` (even in segm); a result
  without a ``segmentation`` gets its box as the polygon ``[[x1, y1, x1, y2, x2, y2, x2, y1]]``.
* **Segmentation results**: every result needs a ``segmentation``; its area is the mask's
  (``maskUtils.area``) and its box, when it has none, the mask's (``toBbox``).

For segm, ``annToRLE`` turns each segmentation into a mask: compressed RLE as is, uncompressed RLE by
``frPyObjects`` (its own size), polygons by ``frPyObjects`` at the image's height and width then
``merge``. pycocotools itself reads polygons and uncompressed RLE only among box results
(``maskUtils.area`` needs compressed RLE); here they are read in both forms, area and box from the
mask as for compressed RLE, so a caller need not convert them first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core.detection.coco import DetectionData
from curation.core.detection.coco_json import CocoFormatError, masks_from_segmentations
from curation.core.detection.rle import RleSet, rle_bbox

__all__ = ["first_result_has_box", "load_res", "result_masks"]


def first_result_has_box(results: Sequence[Any]) -> bool:
    """``loadRes``'s test: the first result has a ``bbox`` that is not ``[]``."""
    first = results[0] if len(results) else None
    return isinstance(first, dict) and "bbox" in first and first["bbox"] != []


def result_masks(
    segms: Sequence[Any],
    boxes: FloatArray,
    rows: IntArray,
    sizes: Sequence[tuple[int, int] | None],
    name: str = "coco_results",
    *,
    max_polygon_points: tuple[float, float] = (np.inf, np.inf),
) -> RleSet:
    """Each result's mask as ``annToRLE`` makes it (``sizes``: its image's height and width): its
    segmentation, or (``None``: it has none, a box result) its box as ``loadRes``'s polygon; polygons
    bounded as in :func:`~curation.core.detection.coco_json.masks_from_segmentations`."""
    filled = list(segms)
    for i in [i for i, s in enumerate(filled) if s is None]:
        x, y, w, h = (float(v) for v in boxes[i])
        if not np.isfinite([x, y, w, h]).all():
            raise CocoFormatError("needs a segmentation or a bbox", f"{name}[{int(rows[i])}].segmentation")
        x2, y2 = x + w, y + h
        filled[i] = [[x, y, x, y2, x2, y2, x2, y]]
    return masks_from_segmentations(filled, rows, name, sizes, max_polygon_points=max_polygon_points)


def load_res(
    data: DetectionData,
    *,
    first_has_box: bool,
    box_given: BoolArray,
    segm_given: BoolArray,
    masks: RleSet | None,
    rows: IntArray,
    name: str = "coco_results",
) -> DetectionData:
    """``data`` with each result's box and area as ``loadRes`` sets them (see the module docstring).
    ``box_given``/``segm_given`` flag the results that have a ``bbox``/``segmentation``; ``masks``
    (needed for segmentation results) are theirs, aligned with the rows of ``data``."""
    if first_has_box:
        missing = np.flatnonzero(~box_given)
        if missing.size:
            raise CocoFormatError(
                "missing bbox (the first result has one, so every result needs one, as loadRes reads them)",
                f"{name}[{int(rows[missing[0]])}].bbox",
            )
        return replace(data, dt_area=data.dt_box[:, 2] * data.dt_box[:, 3])
    missing = np.flatnonzero(~segm_given)
    if missing.size:
        raise CocoFormatError(
            "missing segmentation (the first result has no bbox, so every result needs a segmentation, "
            "as loadRes reads them)",
            f"{name}[{int(rows[missing[0]])}].segmentation",
        )
    if masks is None:
        raise ValueError("segmentation results need their masks")
    box = np.where(box_given[:, None], data.dt_box, rle_bbox(masks)) if len(masks) else data.dt_box
    return replace(data, dt_box=np.ascontiguousarray(box, dtype=np.float64), dt_area=masks.area)
