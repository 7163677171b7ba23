"""Reading a ScoreDetection request: its objects (columnar or COCO JSON, see :mod:`.columnar` and
:mod:`.coco_json`), then its options, each checked in a fixed order so the first error a request
reports is always the same one.

Defaults: ``operating_iou`` 0.5; ``score_threshold`` 0.5 for probabilities, otherwise none (every kept
prediction counts); TIDE foreground / background IoU 0.5 / 0.1; ``iou_histogram_bins`` 20;
``min_slice_support`` 1; ``max_slices_per_key`` 50; ``params.use_categories`` true (false pools the
categories after every check that names an input row: :func:`~.inputs.pooled`; bbox and segm in COCO
and DIAGNOSTIC modes only). DETECTION_MODE_LVIS takes one ``params.max_detections`` (the cut per asset,
default 300) and evaluates the objects LVIS selects (:mod:`.lvis`); ``gt_metadata`` stays aligned with
the request's GT rows.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from curation.core.detection import LVIS_MAX_DETS, CocoParams, DetectionData, Mode, View
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.detection import limits
from curation.ops.detection.coco_files import has_coco
from curation.ops.detection.coco_json import read_coco_json
from curation.ops.detection.columnar import read_columnar
from curation.ops.detection.inputs import Inputs, check_mask_sizes, check_probabilities, pooled
from curation.ops.detection.keypoints import KEYPOINT_FIELDS, read_keypoints
from curation.ops.detection.lvis import check_lvis_fields, columnar_labels, select_inputs
from curation.ops.detection.params import coco_params
from curation.ops.detection.views import requested_views
from curation.ops.findings import warning
from curation.v1 import classification_pb2 as cls_pb
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb

__all__ = ["Options", "read_request"]

DEFAULT_BINS = 20
DEFAULT_MAX_SLICES = 50
_MODES: dict[pb.DetectionMode, Mode] = {
    pb.DETECTION_MODE_DIAGNOSTIC: "diagnostic",
    pb.DETECTION_MODE_LVIS: "lvis",
}
_MODE_ENUMS: dict[Mode, pb.DetectionMode] = {m: e for e, m in _MODES.items()}


@dataclass(frozen=True)
class Options:
    """How to diagnose: the request's options checked, defaults applied."""

    params: CocoParams
    mode: Mode
    operating_iou: float
    # -inf when no threshold applies.
    score_threshold: float
    tide_foreground_iou: float
    tide_background_iou: float
    tide_progressive: bool
    iou_bins: int
    slices: dict[str, list[str]]
    gt_slices: dict[str, list[str]]
    min_slice_support: int
    max_slices_per_key: int
    # The parts to compute (see :mod:`.views`).
    views: frozenset[View]

    @property
    def mode_enum(self) -> pb.DetectionMode:
        """The mode as the response states it."""
        return _MODE_ENUMS.get(self.mode, pb.DETECTION_MODE_COCO)


def read_request(request: pb.ScoreDetectionRequest) -> tuple[Inputs, Options, list[common_pb2.Warning]]:
    """The request's objects and options, and the warnings about the request itself."""
    limits.check_request(request)
    check_lvis_fields(request)
    pool = _check_combinations(request)
    views = requested_views(request)  # before the objects are read: a bad view fails fast
    inputs, warnings = _read_inputs(request)
    options = _read_options(request, inputs.data, views)
    if options.mode == "lvis":
        labels = inputs.lvis_labels
        if labels is None:
            labels = columnar_labels(request, inputs.data.num_images, inputs.data.num_categories)
        inputs = select_inputs(inputs, labels, options.params.max_dets[0])
        if inputs.lvis_selection is not None and options.gt_slices:
            kept = inputs.lvis_selection.gt_rows.tolist()
            gt_slices = {k: [col[i] for i in kept] for k, col in options.gt_slices.items()}
            options = replace(options, gt_slices=gt_slices)
    if pool:
        inputs, gt_rows = pooled(inputs)
        gt_slices = {key: [values[i] for i in gt_rows.tolist()] for key, values in options.gt_slices.items()}
        options = replace(options, gt_slices=gt_slices)
    data = inputs.data
    if options.mode == "coco" and data.gt_ignore is not None and data.gt_ignore.any():
        warnings.append(warning(
            "GT_IGNORE_DISCARDED",
            f"{int(data.gt_ignore.sum())} GT objects are flagged ignore; pycocotools (COCO mode) discards "
            "the flag and counts them. Use DIAGNOSTIC mode to honour it.",
            "gt_ignore",
        ))  # fmt: skip
    return inputs, options, warnings


def _check_combinations(request: pb.ScoreDetectionRequest) -> bool:
    """Refuse the option pairs no evaluation defines, before any object is read (a large COCO file is not
    parsed to be refused); True when the categories are to be pooled (``use_categories`` false)."""
    lvis = request.mode == pb.DETECTION_MODE_LVIS
    keypoints = request.iou_type == pb.DETECTION_IOU_TYPE_KEYPOINTS
    if lvis and keypoints:
        raise InvalidArgument("LVIS evaluates boxes and masks, not keypoints", field="iou_type")
    pool = request.params.HasField("use_categories") and not request.params.use_categories
    if pool and (lvis or keypoints):
        raise InvalidArgument(
            "false (pooled categories) is supported for bbox and segm in COCO and DIAGNOSTIC modes",
            field="params.use_categories",
        )
    return pool


def _read_inputs(request: pb.ScoreDetectionRequest) -> tuple[Inputs, list[common_pb2.Warning]]:
    """The objects, from COCO JSON or columnar arrays (never both), checked whole."""
    segm = request.iou_type == pb.DETECTION_IOU_TYPE_SEGM
    keypoints = request.iou_type == pb.DETECTION_IOU_TYPE_KEYPOINTS
    if not segm and (len(request.gt_masks) or len(request.pred_masks)):
        raise InvalidArgument(
            "masks need iou_type SEGM", field="gt_masks" if len(request.gt_masks) else "pred_masks"
        )
    if not keypoints:
        for name in KEYPOINT_FIELDS:
            if len(getattr(request, name)):
                raise InvalidArgument("keypoints need iou_type KEYPOINTS", field=name)
        if len(request.params.keypoint_sigmas):
            raise InvalidArgument("sigmas need iou_type KEYPOINTS", field="params.keypoint_sigmas")
    if has_coco(request):
        inputs, warnings = read_coco_json(request, segm, keypoints=keypoints)
    else:
        inputs, warnings = read_columnar(request, segm, keypoints=keypoints), []
        if keypoints:
            data, kp = read_keypoints(request, inputs.data)
            inputs = replace(inputs, data=data, keypoints=kp)
    if inputs.masks is not None:
        check_mask_sizes(inputs, inputs.masks)
    if request.score_type == cls_pb.SCORE_TYPE_PROBABILITY:
        check_probabilities(inputs)
    return inputs, warnings


def _read_options(request: pb.ScoreDetectionRequest, data: DetectionData, views: frozenset[View]) -> Options:
    """The options, checked in a fixed order, with their defaults."""
    keypoints = request.iou_type == pb.DETECTION_IOU_TYPE_KEYPOINTS
    params = coco_params(request.params, keypoints=keypoints)
    mode = _MODES.get(request.mode, "coco")
    if mode == "lvis":
        if len(request.params.max_detections) > 1:
            raise InvalidArgument("LVIS takes one value: the cut per asset", field="params.max_detections")
        if not len(request.params.max_detections):
            params = replace(params, max_dets=(LVIS_MAX_DETS,))
    op_iou = _unit(request, "operating_iou", 0.5)
    threshold = _score_threshold(request)
    fg = _unit(request, "tide_foreground_iou", 0.5)
    bg = _unit(request, "tide_background_iou", 0.1)
    if bg > fg:
        raise InvalidArgument("must not exceed tide_foreground_iou", field="tide_background_iou")
    bins = request.iou_histogram_bins
    if bins < 0:
        raise InvalidArgument(f"must be >= 0, got {bins}", field="iou_histogram_bins")
    for name in ("min_slice_support", "max_slices_per_key"):
        if getattr(request, name) < 0:
            raise InvalidArgument("must be >= 0", field=name)
    slices = _columns(request.metadata, request.slice_by, data.num_images)
    gt_slices = _columns(
        request.gt_metadata,
        request.slice_gt_by,
        data.num_gt,
        field="gt_metadata",
        by="slice_gt_by",
        what="GT",
    )
    return Options(
        params=params,
        mode=mode,
        operating_iou=op_iou,
        score_threshold=threshold,
        tide_foreground_iou=fg,
        tide_background_iou=bg,
        tide_progressive=request.tide_progressive,
        iou_bins=bins or DEFAULT_BINS,
        slices=slices,
        gt_slices=gt_slices,
        min_slice_support=request.min_slice_support or 1,
        max_slices_per_key=request.max_slices_per_key or DEFAULT_MAX_SLICES,
        views=views,
    )


def _unit(request: pb.ScoreDetectionRequest, field: str, default: float) -> float:
    """The optional field ``field`` in [0, 1], or ``default`` when unset."""
    if not request.HasField(field):
        return default
    value = getattr(request, field)
    if not (np.isfinite(value) and 0.0 <= value <= 1.0):
        raise InvalidArgument(f"must lie in [0, 1], got {value}", field=field)
    return float(value)


def _score_threshold(request: pb.ScoreDetectionRequest) -> float:
    """The score threshold: as given (finite), else 0.5 for probabilities and -inf (none) otherwise."""
    if request.HasField("score_threshold"):
        if not np.isfinite(request.score_threshold):
            raise InvalidArgument("must be finite", field="score_threshold")
        return float(request.score_threshold)
    return 0.5 if request.score_type == cls_pb.SCORE_TYPE_PROBABILITY else -np.inf


def _columns(
    metadata: Any, keys: Any, n: int, *, field: str = "metadata", by: str = "slice_by", what: str = "asset"
) -> dict[str, list[str]]:
    """The metadata columns named in ``keys`` (``by``), each with one value per object (``n``)."""
    columns: dict[str, list[str]] = {}
    for i, col in enumerate(metadata):
        if col.key in columns:
            raise InvalidArgument(f"duplicate metadata key {col.key!r}", field=f"{field}[{i}].key")
        v.check_length(len(col.values), n, f"{field}[{i}].values", what=f"one per {what}")
        columns[col.key] = list(col.values)
    out: dict[str, list[str]] = {}
    for i, key in enumerate(keys):
        if key not in columns:
            raise InvalidArgument(f"no {field} column named {key!r}", field=f"{by}[{i}]")
        out[key] = columns[key]
    return out
