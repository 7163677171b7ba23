"""The COCO evaluation parameters of a ScoreDetection request (``params``), as :class:`CocoParams`.

Each list left empty keeps pycocotools' default; a given one is checked entry by entry (IoU and recall
thresholds in [0, 1], recall thresholds ascending, maxDets positive and distinct, area ranges finite
with min <= max; an unlabelled range is called ``range<i>``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core.detection import CocoParams, keypoint_params
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.v1 import detection_pb2 as pb

__all__ = ["coco_params"]


def coco_params(rp: pb.DetectionParams, *, keypoints: bool = False) -> CocoParams:
    """The parameters ``rp`` asks for, pycocotools' defaults (its keypoint ones with ``keypoints``)
    for what it leaves empty."""
    kwargs: dict[str, Any] = {}
    if keypoints:
        kp = keypoint_params()
        kwargs.update(max_dets=kp.max_dets, area_rngs=kp.area_rngs, area_labels=kp.area_labels)
    if len(rp.iou_thresholds):
        kwargs["iou_thrs"] = _unit_floats(rp.iou_thresholds, "params.iou_thresholds")
    if len(rp.recall_thresholds):
        rec = _unit_floats(rp.recall_thresholds, "params.recall_thresholds")
        if np.any(np.diff(rec) < 0):
            raise InvalidArgument("must be ascending", field="params.recall_thresholds")
        kwargs["rec_thrs"] = rec
    if len(rp.max_detections):
        kwargs["max_dets"] = _max_detections(list(rp.max_detections))
    if len(rp.area_ranges):
        kwargs["area_rngs"] = _area_ranges(rp.area_ranges)
        kwargs["area_labels"] = tuple(a.label or f"range{i}" for i, a in enumerate(rp.area_ranges))
    return CocoParams(**kwargs)


def _unit_floats(values: Any, field: str) -> npt.NDArray[np.float64]:
    """Finite values in [0, 1]."""
    arr = v.finite_floats(values, field, dtype=np.float64)
    bad = np.flatnonzero((arr < 0) | (arr > 1))
    if bad.size:
        raise InvalidArgument("must lie in [0, 1]", field=f"{field}[{int(bad[0])}]")
    return arr


def _max_detections(md: list[int]) -> tuple[int, ...]:
    """Positive, distinct maxDets."""
    for i, m in enumerate(md):
        if m <= 0:
            raise InvalidArgument(f"must be > 0, got {m}", field=f"params.max_detections[{i}]")
    if len(set(md)) != len(md):
        raise InvalidArgument("must not repeat a value", field="params.max_detections")
    return tuple(md)


def _area_ranges(ranges: Any) -> npt.NDArray[np.float64]:
    """``[A, 2]`` finite (min, max) bounds with min <= max."""
    rngs = []
    for i, a in enumerate(ranges):
        if not (np.isfinite(a.min) and np.isfinite(a.max)) or a.min > a.max:
            raise InvalidArgument("needs finite min <= max", field=f"params.area_ranges[{i}]")
        rngs.append((a.min, a.max))
    return np.array(rngs, dtype=np.float64)
