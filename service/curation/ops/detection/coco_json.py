"""COCO JSON ScoreDetection input: a COCO dataset (``coco_gt_json``, or ``coco_gt_file`` as bytes,
gzip accepted) + a results list as ``loadRes`` takes it (``coco_results_json`` / ``coco_results_file``),
read as pycocotools reads them: well-typed files straight to columns (``core.detection.coco_typed``),
anything else through ``json.loads`` and the generic reading, whose errors and warnings are the same.
The results' boxes, areas and masks follow ``loadRes`` and ``annToRLE``
(:mod:`curation.core.detection.coco_load_res`); polygon and uncompressed RLE results are read in
both of its forms (with or without boxes).

Both must be set and no columnar object field may be. Errors name the JSON entry
(``coco_results_json[3].bbox``). What pycocotools would do silently, or fail on, comes back as
warnings: annotations or results naming an unknown image or category (left out), a GT without an
area (box area used), annotation id 0 in COCO mode (its match counts as a false positive there).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from curation.core.detection import (
    CocoFormatError,
    CocoJsonData,
    CocoLimitError,
    DetectionData,
    RleSet,
    decode_typed,
    first_result_has_box,
    from_coco_json,
    from_typed,
    load_res,
    masks_from_segmentations,
    result_masks,
)
from curation.errors import InvalidArgument, LimitExceeded
from curation.ops.detection.coco_files import CocoFiles, coco_files
from curation.ops.detection.cost import Sizes, check_parsed
from curation.ops.detection.inputs import Inputs
from curation.ops.detection.limits import (
    MAX_POLYGON_POINTS,
    MAX_POLYGON_POINTS_EACH,
    check_coco_sizes,
    check_typed_sizes,
)
from curation.ops.findings import warning
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb

__all__ = ["read_coco_json"]

_POINTS = (float(MAX_POLYGON_POINTS), float(MAX_POLYGON_POINTS_EACH))
# Object fields of the columnar form, which COCO JSON input replaces.
_COLUMNAR = ("asset_ids", "category_names", "gt_asset", "pred_asset", "gt_boxes", "pred_boxes")


def read_coco_json(request: pb.ScoreDetectionRequest, segm: bool) -> tuple[Inputs, list[common_pb2.Warning]]:
    """The objects of a COCO JSON request (``segm``: read segmentations, use mask IoU), and the
    warnings about what pycocotools would leave out or fail on."""
    files = coco_files(request)
    for name in _COLUMNAR:
        if len(getattr(request, name)):
            raise InvalidArgument("give either columnar arrays or COCO JSON, not both", field=name)
    parsed, masks = _read(files, request.params, segm)
    data = parsed.data
    n_img = data.num_images
    K = data.num_categories
    per_asset = (np.bincount(data.gt_image, minlength=n_img), np.bincount(data.dt_image, minlength=n_img))
    per_category = (np.bincount(data.gt_category, minlength=K), np.bincount(data.dt_category, minlength=K))
    check_parsed(request, Sizes(data.num_gt, data.num_dt, n_img, K, per_asset, per_category), files)
    _check_boxes_and_scores(data, parsed, files.names)
    inputs = Inputs(
        data,
        [str(i) for i in parsed.image_ids],
        parsed.category_names,
        parsed.gt_ann_index,
        parsed.dt_result_index,
        masks,
        coco_fields=files.names,
    )
    return inputs, _warnings(parsed, data, request.mode, files.names)


def _read(
    files: CocoFiles, params: pb.DetectionParams, segm: bool
) -> tuple[CocoJsonData, tuple[RleSet, RleSet] | None]:
    """The parsed files, the results' boxes and areas as loadRes sets them, and the masks (segm): the
    typed fast path when the files are well-typed COCO, else the generic reading (with its exact
    errors). Segmentation results (the first without a box) are read with their segmentations in bbox
    too: their boxes and areas come from their masks."""
    typed = decode_typed(files.gt, files.results, segm=segm)
    if typed is not None and not segm and len(typed.results) and not typed.first_result_has_bbox():
        typed = decode_typed(files.gt, files.results, segm=True)
    if typed is not None:
        check_typed_sizes(typed, params, names=files.names)
        first_has_box = typed.first_result_has_bbox()
        return _columns(lambda: from_typed(typed), segm, first_has_box, files.names)
    gt = _load(files.gt, files.gt_field)
    res = _load(files.results, files.results_field)
    first_has_box = isinstance(res, list) and first_result_has_box(res)
    check_coco_sizes(gt, res, params, segm=segm or not first_has_box, names=files.names)
    return _columns(
        lambda: from_coco_json(gt, res, need_segm=segm or not first_has_box), segm, first_has_box, files.names
    )


def _load(text: str | bytes, field: str) -> Any:
    """The parsed JSON of ``field``."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InvalidArgument(f"not valid JSON: {exc}", field=field) from None


def _columns(
    parse: Callable[[], CocoJsonData], segm: bool, first_has_box: bool, names: tuple[str, str]
) -> tuple[CocoJsonData, tuple[RleSet, RleSet] | None]:
    """The core's reading of the two files, loadRes's boxes and areas, and the masks (segm); errors
    named by request field."""
    try:
        parsed = parse()
        data = parsed.data
        dt_masks = None
        if segm or not first_has_box:
            sizes = [parsed.image_sizes[i] for i in data.dt_image.tolist()]
            dt_masks = result_masks(
                parsed.dt_segm or [], data.dt_box, parsed.dt_result_index, sizes, max_polygon_points=_POINTS
            )
        data = load_res(
            data,
            first_has_box=first_has_box,
            box_given=np.asarray(np.isfinite(data.dt_box).all(axis=1), dtype=np.bool_),
            segm_given=np.array([s is not None for s in parsed.dt_segm or [None] * data.num_dt], np.bool_),
            masks=dt_masks,
            rows=parsed.dt_result_index,
        )
        masks = None
        if segm and dt_masks is not None:
            gt_sizes = [parsed.image_sizes[i] for i in data.gt_image.tolist()]
            gt_masks = masks_from_segmentations(
                parsed.gt_segm or [],
                parsed.gt_ann_index,
                "coco_gt.annotations",
                gt_sizes,
                max_polygon_points=_POINTS,
            )
            masks = (gt_masks, dt_masks)
    except CocoFormatError as exc:
        field = exc.field.replace("coco_gt", names[0], 1) if exc.field.startswith("coco_gt") else exc.field
        field = field.replace("coco_results", names[1], 1) if field.startswith("coco_results") else field
        if isinstance(exc, CocoLimitError):
            raise LimitExceeded(exc.message, field=field) from None
        raise InvalidArgument(exc.message, field=field) from None
    return replace(parsed, data=data), masks


def _check_boxes_and_scores(data: DetectionData, parsed: CocoJsonData, names: tuple[str, str]) -> None:
    """Boxes need finite x, y and non-negative width, height; scores must be finite."""
    for arr, idx, name in (
        (data.gt_box, parsed.gt_ann_index, f"{names[0]}.annotations"),
        (data.dt_box, parsed.dt_result_index, names[1]),
    ):
        bad = ~np.isfinite(arr).all(axis=1) | (arr[:, 2] < 0) | (arr[:, 3] < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidArgument("bbox needs finite x, y and non-negative width, height",
                                  field=f"{name}[{int(idx[i])}].bbox")  # fmt: skip
    if data.num_dt and not np.isfinite(data.dt_score).all():
        i = int(np.flatnonzero(~np.isfinite(data.dt_score))[0])
        raise InvalidArgument(
            "score is not finite", field=f"{names[1]}[{int(parsed.dt_result_index[i])}].score"
        )


def _warnings(
    parsed: CocoJsonData, data: DetectionData, mode: int, names: tuple[str, str]
) -> list[common_pb2.Warning]:
    """What pycocotools would have done silently (or failed on) with these files, in a fixed order."""
    out = []
    if parsed.gt_dropped_unknown:
        out.append(warning(
            "GT_UNKNOWN_IMAGE_OR_CATEGORY",
            f"{parsed.gt_dropped_unknown} annotations name an image or category absent from the GT file "
            "and were left out (as pycocotools does).",
            names[0],
        ))  # fmt: skip
    if parsed.dt_dropped_unknown_category:
        out.append(warning(
            "PREDICTION_UNKNOWN_CATEGORY",
            f"{parsed.dt_dropped_unknown_category} results name a category absent from the GT file; "
            "pycocotools silently leaves them out, and so do we.",
            names[1],
        ))  # fmt: skip
    if parsed.gt_missing_area:
        out.append(warning(
            "GT_AREA_MISSING",
            f"{parsed.gt_missing_area} annotations have no area; their box area was used "
            "(pycocotools would fail).",
            names[0],
        ))  # fmt: skip
    if data.gt_zero_id is not None and data.gt_zero_id.any() and mode != pb.DETECTION_MODE_DIAGNOSTIC:
        out.append(warning(
            "ZERO_ANNOTATION_ID",
            "an annotation has id 0: pycocotools (and COCO mode) count the detection matched to it as a "
            "false positive; DIAGNOSTIC mode does not.",
            names[0],
        ))  # fmt: skip
    return out
