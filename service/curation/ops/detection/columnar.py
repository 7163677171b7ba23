"""Columnar ScoreDetection input: asset and category names, then GT and prediction arrays that refer
to them by index, boxes ``[x, y, w, h]`` row-major, masks as compressed RLE (``iou_type`` SEGM).

Checks run in a fixed order and name the first bad entry (``gt_boxes[14]``). Defaults: crowd flags
false, GT area the mask's area (SEGM) or the box's; without boxes, SEGM takes them from the masks, as
pycocotools' ``loadRes`` does for results without a box.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core.detection import DetectionData, RleError, RleSet, decode_strings, rle_bbox
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.detection.inputs import Inputs
from curation.v1 import detection_pb2 as pb

__all__ = ["read_columnar"]


def read_columnar(request: pb.ScoreDetectionRequest, segm: bool, *, keypoints: bool = False) -> Inputs:
    """The objects of a columnar request (``segm``: the request asks for mask IoU; ``keypoints``: for
    OKS, predictions may come without boxes, :mod:`.keypoints` then gives them theirs)."""
    asset_ids = v.unique_strings(list(request.asset_ids), "asset_ids")
    names = v.unique_strings(list(request.category_names), "category_names", allow_empty=False)
    v.check_non_empty(len(asset_ids), "asset_ids")
    v.check_non_empty(len(names), "category_names")
    n_img, K = len(asset_ids), len(names)
    n_gt = len(request.gt_asset)
    v.check_length(len(request.gt_category), n_gt, "gt_category", what="one per gt_asset")
    gt_image = v.index_array(request.gt_asset, n_img, "gt_asset")
    gt_cat = v.index_array(request.gt_category, K, "gt_category")
    masks = None
    if segm:
        masks = (
            _masks(request.gt_masks, n_gt, "gt_masks"),
            _masks(request.pred_masks, len(request.pred_asset), "pred_masks"),
        )
    gt_box, gt_area, crowd, ignore = _gt_geometry(request, n_gt, masks)
    dt_image, dt_cat, dt_box, dt_area, score = _predictions(request, n_img, K, masks, keypoints)
    data = DetectionData(
        num_images=n_img,
        num_categories=K,
        gt_image=gt_image,
        gt_category=gt_cat,
        gt_box=gt_box,
        gt_area=gt_area,
        gt_iscrowd=crowd if crowd is not None else np.zeros(n_gt, np.bool_),
        dt_image=dt_image,
        dt_category=dt_cat,
        dt_box=dt_box,
        dt_score=score,
        dt_area=dt_area,
        gt_ignore=ignore,
    )
    return Inputs(data, [str(a) for a in asset_ids], [str(c) for c in names], None, None, masks)


def _gt_geometry(
    request: pb.ScoreDetectionRequest, n_gt: int, masks: tuple[RleSet, RleSet] | None
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.bool_] | None,
    npt.NDArray[np.bool_] | None,
]:
    """GT boxes, areas, crowd and ignore flags (the flags None when not given)."""
    if masks is not None and len(request.gt_boxes) == 0:
        box = rle_bbox(masks[0])
    else:
        box = _boxes(request.gt_boxes, n_gt, "gt_boxes")
    crowd = _optional(request.gt_iscrowd, n_gt, "gt_iscrowd", np.bool_)
    area = _optional(request.gt_area, n_gt, "gt_area", np.float64)
    if area is not None:
        area = v.finite_floats(area, "gt_area", dtype=np.float64)
        neg = np.flatnonzero(area < 0)
        if neg.size:
            raise InvalidArgument(f"negative area {area[neg[0]]}", field=f"gt_area[{int(neg[0])}]")
    ignore = _optional(request.gt_ignore, n_gt, "gt_ignore", np.bool_)
    if area is None:
        area = masks[0].area if masks is not None else box[:, 2] * box[:, 3]
    return box, area, crowd, ignore


def _predictions(
    request: pb.ScoreDetectionRequest,
    n_img: int,
    K: int,
    masks: tuple[RleSet, RleSet] | None,
    keypoints: bool,
) -> tuple[
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """Prediction assets, categories, boxes, areas and scores."""
    n_dt = len(request.pred_asset)
    v.check_length(len(request.pred_category), n_dt, "pred_category", what="one per pred_asset")
    v.check_length(len(request.pred_scores), n_dt, "pred_scores", what="one per pred_asset")
    dt_image = v.index_array(request.pred_asset, n_img, "pred_asset")
    dt_cat = v.index_array(request.pred_category, K, "pred_category")
    if masks is not None and len(request.pred_boxes) == 0:
        # As pycocotools' loadRes for results without a box: box from the mask, area = mask area.
        dt_box = rle_bbox(masks[1])
        dt_area = masks[1].area
    elif keypoints and len(request.pred_boxes) == 0:
        dt_box = np.zeros((n_dt, 4))  # the keypoints' extent, set by .keypoints
        dt_area = np.zeros(n_dt)
    else:
        dt_box = _boxes(request.pred_boxes, n_dt, "pred_boxes")
        dt_area = dt_box[:, 2] * dt_box[:, 3]
    score = v.finite_floats(request.pred_scores, "pred_scores", dtype=np.float64)
    return dt_image, dt_cat, dt_box, dt_area, score


def _boxes(values: Any, n: int, field: str) -> npt.NDArray[np.float64]:
    """``n`` boxes ``[x, y, w, h]`` from a flat row-major field: finite, width and height >= 0."""
    flat = v.finite_floats(values, field, dtype=np.float64)
    box = v.matrix(flat, n, 4, field)
    neg = (box[:, 2:] < 0).reshape(-1)
    if neg.any():
        bad = int(np.flatnonzero(neg)[0])
        row, col = divmod(bad, 2)
        name = "width" if col == 0 else "height"
        raise InvalidArgument(f"negative {name} {box[row, 2 + col]}", field=f"{field}[{row * 4 + 2 + col}]")
    return box


def _optional(values: Any, n: int, field: str, dtype: type) -> npt.NDArray[Any] | None:
    """One value per object, or None when the field is empty (the default applies)."""
    if len(values) == 0:
        return None
    v.check_length(len(values), n, field)
    return np.asarray(values, dtype=dtype)


def _masks(values: Any, n: int, field: str) -> RleSet:
    """One compressed RLE per object, decoded; a malformed one is named by its index."""
    v.check_length(len(values), n, field, what="one mask per object")
    try:
        return decode_strings(
            [m.counts for m in values], [m.height for m in values], [m.width for m in values]
        )
    except RleError as exc:
        raise InvalidArgument(exc.message, field=f"{field}[{exc.index}]") from None
