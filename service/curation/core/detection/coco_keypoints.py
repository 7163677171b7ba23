"""COCO keypoints JSON (GT ``keypoints``/``num_keypoints``, results ``keypoints``) to :class:`Keypoints`,
as pycocotools reads it for ``iouType='keypoints'``.

Every object of a category holds ``3 k`` numbers (``x, y, v`` per keypoint, ``k`` its category's
keypoint count); a GT with ``num_keypoints == 0`` is ignored in every mode (``_prepare``). Results take
``loadRes``'s geometry: when the first result has a box, every result's area is its box's; otherwise
box and area come from the extent of its keypoints (all of them, whatever their visibility).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import chain, compress, repeat
from typing import Any

import numpy as np

from curation.core._common.arrays import FloatArray, IntArray
from curation.core.detection.coco import DetectionData
from curation.core.detection.coco_json import CocoFormatError, CocoJsonData
from curation.core.detection.keypoints import Keypoints, keypoint_extent

__all__ = ["keypoints_from_coco", "ragged_keypoints"]


def keypoints_from_coco(
    parsed: CocoJsonData, sigmas: FloatArray, sigma_offsets: IntArray, *, results_have_boxes: bool
) -> tuple[DetectionData, Keypoints]:
    """The parsed files' columns with keypoint geometry (result boxes and areas, GTs without labelled
    keypoints ignored) and their keypoints; ``sigmas``/``sigma_offsets`` give each category's."""
    data = parsed.data
    k = sigma_offsets[1:] - sigma_offsets[:-1]
    gt_xyv, gt_off = ragged_keypoints(
        parsed.gt_keypoints or [], k[data.gt_category], parsed.gt_ann_index, "coco_gt.annotations"
    )
    dt_xyv, dt_off = ragged_keypoints(
        parsed.dt_keypoints or [], k[data.dt_category], parsed.dt_result_index, "coco_results"
    )
    num = _numbers(parsed.gt_num_keypoints or [], parsed.gt_ann_index, "coco_gt.annotations", "num_keypoints")
    if not results_have_boxes:
        box = keypoint_extent(dt_xyv, dt_off)
        data = replace(data, dt_box=box, dt_area=box[:, 2] * box[:, 3])
    data = replace(data, gt_ignore_always=num == 0)
    return data, Keypoints(gt_xyv, gt_off, dt_xyv, dt_off, sigmas, sigma_offsets)


def ragged_keypoints(raw: list[Any], k: IntArray, rows: IntArray, name: str) -> tuple[FloatArray, IntArray]:
    """The ``[n, 3]`` triples of every object (``3 k[i]`` finite numbers each) and the offsets; the
    first bad object is named ``name[rows[i]].keypoints``."""
    is_list = np.fromiter(map(isinstance, raw, repeat(list)), np.bool_, count=len(raw))
    lengths = np.full(len(raw), -1, np.int64)  # -1: not a list
    lengths[is_list] = np.fromiter(map(len, compress(raw, is_list.tolist())), np.int64)
    bad = np.flatnonzero(lengths != 3 * k)
    if bad.size:
        i = int(bad[0])
        raise CocoFormatError(
            f"must be a list of 3 x {int(k[i])} numbers (x, y, v of each keypoint of its category)",
            f"{name}[{int(rows[i])}].keypoints",
        )
    try:
        flat = np.array(list(chain.from_iterable(raw)), dtype=np.float64)
    except (TypeError, ValueError):
        flat = None
    if flat is None or flat.ndim != 1 or not np.isfinite(flat).all():
        for i, x in enumerate(raw):
            if not all(isinstance(c, int | float) and not isinstance(c, bool) and np.isfinite(c) for c in x):
                raise CocoFormatError("keypoints must be finite numbers", f"{name}[{int(rows[i])}].keypoints")
        raise CocoFormatError("keypoints must be finite numbers", name)
    offsets = np.zeros(len(raw) + 1, np.int64)
    np.cumsum(k, out=offsets[1:])
    return flat.reshape(-1, 3), offsets


def _numbers(raw: list[Any], rows: IntArray, name: str, key: str) -> FloatArray:
    """One number per object; the first that is not one is named."""
    try:
        out = np.array(raw, dtype=np.float64)
        if out.shape == (len(raw),):
            return out
    except (TypeError, ValueError):
        pass
    for i, x in enumerate(raw):
        if not isinstance(x, int | float):
            raise CocoFormatError("must be a number", f"{name}[{int(rows[i])}].{key}")
    raise CocoFormatError("must be numbers", f"{name}")
