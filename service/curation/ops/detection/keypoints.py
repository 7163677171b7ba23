"""KEYPOINTS input (``iou_type`` DETECTION_IOU_TYPE_KEYPOINTS): each category's OKS sigmas
(``params.keypoint_sigmas``) and the columnar keypoint fields, checked; COCO JSON keypoints are read by
:mod:`.coco_json` with the same sigmas.

A category's keypoint count is its number of sigmas; an empty entry (or no ``keypoint_sigmas`` at all)
means COCO's 17 person sigmas, so a category with another count (a COCO category whose ``keypoints``
list is not 17 long) must state its own. Each object then holds ``3 k`` values (x, y, v) in
``gt_keypoints`` / ``pred_keypoints``. Errors name the field and its first bad index; the sizes are
bounded before anything is built (:data:`~curation.ops.detection.limits.MAX_KEYPOINTS`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core.detection import COCO_PERSON_SIGMAS, DetectionData, Keypoints, keypoint_extent
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.v1 import detection_pb2 as pb

__all__ = ["KEYPOINT_FIELDS", "category_sigmas", "read_keypoints"]

# Request fields that only KEYPOINTS reads.
KEYPOINT_FIELDS = ("gt_keypoints", "pred_keypoints", "gt_num_keypoints")

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def category_sigmas(
    rp: pb.DetectionParams, K: int, counts: Sequence[int | None] | None = None
) -> tuple[FloatArray, IntArray]:
    """Every category's sigmas, flat, and where each category's start (``K + 1`` offsets). ``counts``
    (COCO JSON) gives the length of each category's ``keypoints`` list, None where it has none."""
    given = list(rp.keypoint_sigmas)
    if given and len(given) != K:
        raise InvalidArgument(
            f"one entry per category ({K}) or none, got {len(given)}", field="params.keypoint_sigmas"
        )
    per: list[FloatArray] = []
    for c in range(K):
        raw = given[c].sigmas if given else []
        field = f"params.keypoint_sigmas[{c}].sigmas"
        sig = _sigmas(raw, field) if len(raw) else COCO_PERSON_SIGMAS
        want = counts[c] if counts is not None else None
        if want is not None and want != sig.shape[0]:
            what = (
                "COCO's 17 person sigmas do not fit" if not len(raw) else f"{sig.shape[0]} sigmas do not fit"
            )
            raise InvalidArgument(
                f"the category has {want} keypoints: {what}; give one sigma each", field=field
            )
        per.append(sig)
    offsets = np.zeros(K + 1, np.int64)
    np.cumsum([p.shape[0] for p in per], out=offsets[1:])
    return np.concatenate(per) if per else np.zeros(0), offsets


def _sigmas(raw: Any, field: str) -> FloatArray:
    """Finite, positive sigmas."""
    sig = v.finite_floats(raw, field, dtype=np.float64)
    bad = np.flatnonzero(sig <= 0)
    if bad.size:
        raise InvalidArgument(f"must be > 0, got {sig[bad[0]]}", field=f"{field}[{int(bad[0])}]")
    return sig


def read_keypoints(request: pb.ScoreDetectionRequest, data: DetectionData) -> tuple[DetectionData, Keypoints]:
    """The columnar keypoints of ``request`` and ``data`` with their geometry: predictions without
    boxes take their keypoints' extent (``loadRes``), GTs with ``num_keypoints`` 0 are ignored."""
    sigmas, offsets = category_sigmas(request.params, data.num_categories)
    k = offsets[1:] - offsets[:-1]
    gt_xyv, gt_off = _triples(request.gt_keypoints, k[data.gt_category], "gt_keypoints")
    dt_xyv, dt_off = _triples(request.pred_keypoints, k[data.dt_category], "pred_keypoints")
    num = _num_keypoints(request, gt_xyv, gt_off, data.num_gt)
    if not len(request.pred_boxes):
        box = keypoint_extent(dt_xyv, dt_off)
        data = replace(data, dt_box=box, dt_area=box[:, 2] * box[:, 3])
    data = replace(data, gt_ignore_always=num == 0)
    return data, Keypoints(gt_xyv, gt_off, dt_xyv, dt_off, sigmas, offsets)


def _triples(values: Any, k: IntArray, field: str) -> tuple[FloatArray, IntArray]:
    """``3 k[i]`` finite values per object: the ``[n, 3]`` triples and the per-object offsets."""
    offsets = np.zeros(k.shape[0] + 1, np.int64)
    np.cumsum(k, out=offsets[1:])
    v.check_length(
        len(values), 3 * int(offsets[-1]), field, what="3 values (x, y, v) per keypoint of each object"
    )
    flat = v.finite_floats(values, field, dtype=np.float64)
    return flat.reshape(-1, 3), offsets


def _num_keypoints(
    request: pb.ScoreDetectionRequest, gt_xyv: FloatArray, gt_off: IntArray, n_gt: int
) -> IntArray:
    """``gt_num_keypoints`` as given (>= 0), or the number of keypoints with v > 0."""
    if not len(request.gt_num_keypoints):
        owner = np.repeat(np.arange(n_gt, dtype=np.int64), gt_off[1:] - gt_off[:-1])
        return np.bincount(owner[gt_xyv[:, 2] > 0], minlength=n_gt)[:n_gt].astype(np.int64)
    v.check_length(len(request.gt_num_keypoints), n_gt, "gt_num_keypoints", what="one per GT")
    num = np.asarray(request.gt_num_keypoints, dtype=np.int64)
    bad = np.flatnonzero(num < 0)
    if bad.size:
        raise InvalidArgument(f"must be >= 0, got {num[bad[0]]}", field=f"gt_num_keypoints[{int(bad[0])}]")
    return num
