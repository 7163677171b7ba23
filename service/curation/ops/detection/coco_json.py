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
from typing import Any, TypeVar

import msgspec
import numpy as np

from curation.core.detection import (
    LVIS_MAX_DETS,
    CocoFormatError,
    CocoJsonData,
    CocoLimitError,
    DetectionData,
    Keypoints,
    LvisLabels,
    RleSet,
    decode_typed,
    first_result_has_box,
    from_coco_json,
    from_typed,
    keypoints_from_coco,
    load_res,
    lvis_cut_from_json,
    lvis_labels_from_json,
    masks_from_segmentations,
    result_masks,
)
from curation.errors import InvalidArgument, LimitExceeded
from curation.ops.detection.coco_files import CocoFiles, coco_files
from curation.ops.detection.cost import Sizes, check_parsed
from curation.ops.detection.inputs import Inputs
from curation.ops.detection.keypoints import category_sigmas
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

T = TypeVar("T")

_POINTS = (float(MAX_POLYGON_POINTS), float(MAX_POLYGON_POINTS_EACH))
# Object fields of the columnar form, which COCO JSON input replaces.
_COLUMNAR = ("asset_ids", "category_names", "gt_asset", "pred_asset", "gt_boxes", "pred_boxes")
_KEYPOINT_COLUMNS = ("gt_keypoints", "pred_keypoints", "gt_num_keypoints")


def read_coco_json(
    request: pb.ScoreDetectionRequest, segm: bool, *, keypoints: bool = False
) -> tuple[Inputs, list[common_pb2.Warning]]:
    """The objects of a COCO JSON request (``segm``: read segmentations, use mask IoU; ``keypoints``:
    read keypoints, use OKS), and the warnings about what pycocotools would leave out or fail on."""
    files = coco_files(request)
    for name in (*_COLUMNAR, *_KEYPOINT_COLUMNS):
        if len(getattr(request, name)):
            raise InvalidArgument("give either columnar arrays or COCO JSON, not both", field=name)
    lvis = request.mode == pb.DETECTION_MODE_LVIS
    kp: Keypoints | None = None
    labels: LvisLabels | None = None
    if keypoints:
        parsed, kp = _read_keypoints(files, request.params)
        masks = None
    else:
        parsed, masks, labels = _read(files, request.params, segm, lvis)
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
        lvis_labels=labels,
        keypoints=kp,
    )
    return inputs, _warnings(parsed, data, request.mode, files.names)


def _read(
    files: CocoFiles, params: pb.DetectionParams, segm: bool, lvis: bool
) -> tuple[CocoJsonData, tuple[RleSet, RleSet] | None, LvisLabels | None]:
    """The parsed files, the results' boxes and areas as loadRes sets them, the masks (segm) and
    (``lvis``) the GT file's LVIS labels: the typed fast path when the files are well-typed COCO (not
    LVIS: its typed reading does not hold the LVIS keys), else the generic reading (with its exact
    errors). Segmentation results (the first without a box) are read with their segmentations in bbox
    too: their boxes and areas come from their masks."""
    typed = None if lvis else decode_typed(files.gt, files.results, segm=segm)
    if typed is not None and not segm and len(typed.results) and not typed.first_result_has_bbox():
        typed = decode_typed(files.gt, files.results, segm=True)
    if typed is not None:
        check_typed_sizes(typed, params, names=files.names)
        first_has_box = typed.first_result_has_bbox()
        return (*_columns(lambda: from_typed(typed), segm, first_has_box, files.names), None)
    gt = _load(files.gt, files.gt_field)
    res = _load(files.results, files.results_field)
    first_has_box = isinstance(res, list) and first_result_has_box(res)
    check_coco_sizes(gt, res, params, segm=segm or not first_has_box, names=files.names)
    parsed, masks = _columns(
        lambda: from_coco_json(gt, res, need_segm=segm or not first_has_box), segm, first_has_box, files.names
    )
    return parsed, masks, _lvis_labels(gt, res, parsed, params, files.names) if lvis else None


def _lvis_labels(
    gt: Any, res: Any, parsed: CocoJsonData, params: pb.DetectionParams, names: tuple[str, str]
) -> LvisLabels:
    """The GT file's LVIS labels; results of categories the GT file lacks still count toward the cut
    (LVISResults cuts before it knows the categories)."""
    labels = _named(lambda: lvis_labels_from_json(gt, parsed.image_ids, parsed.category_ids), names)
    if parsed.dt_dropped_unknown_category:
        max_dets = params.max_detections[0] if len(params.max_detections) else LVIS_MAX_DETS
        cut = _named(lambda: lvis_cut_from_json(res, max_dets), names)
        labels = replace(labels, dt_in_cut=cut[parsed.dt_result_index])
    return labels


def _read_keypoints(files: CocoFiles, params: pb.DetectionParams) -> tuple[CocoJsonData, Keypoints]:
    """The parsed files with their keypoints (the generic reading) and each category's sigmas from
    ``params``; results take their boxes and areas as ``loadRes`` does (decided by the first result)."""
    gt = _load_fast(files.gt, files.gt_field)
    res = _load_fast(files.results, files.results_field)
    check_coco_sizes(gt, res, params, segm=False, names=files.names)
    first = res[0] if isinstance(res, list) and res and isinstance(res[0], dict) else {}
    has_box = isinstance(res, list) and first_result_has_box(res)  # loadRes: a bbox that is not []
    if not has_box and "segmentation" in first:
        raise InvalidArgument(
            "a keypoints result with a segmentation and no bbox takes its area from the mask in "
            "pycocotools' loadRes, which is not supported: give a bbox or no segmentation",
            field=f"{files.results_field}[0].segmentation",
        )
    try:
        parsed = from_coco_json(gt, res, need_keypoints=True)
        sigmas, offsets = category_sigmas(params, parsed.data.num_categories, parsed.category_keypoints)
        data, kp = keypoints_from_coco(parsed, sigmas, offsets, results_have_boxes=has_box)
    except CocoFormatError as exc:
        raise _invalid(exc, files.names) from None
    return replace(parsed, data=data), kp


def _load_fast(text: str | bytes, field: str) -> Any:
    """:func:`_load`'s value, decoded by msgspec (the same Python objects, 3-5 x faster); text it
    refuses (``NaN``, which ``json`` takes, or invalid JSON) goes to :func:`_load`, so values and
    errors stay ``json``'s."""
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError:
        return _load(text, field)


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
        raise _invalid(exc, names) from None
    return replace(parsed, data=data), masks


def _request_field(field: str, names: tuple[str, str]) -> str:
    """A core field (``coco_gt...``, ``coco_results...``) named by the request field it came from."""
    field = field.replace("coco_gt", names[0], 1) if field.startswith("coco_gt") else field
    return field.replace("coco_results", names[1], 1) if field.startswith("coco_results") else field


def _invalid(exc: CocoFormatError, names: tuple[str, str]) -> InvalidArgument | LimitExceeded:
    """The core's format (or size) error, its field named by request field."""
    field = _request_field(exc.field, names)
    if isinstance(exc, CocoLimitError):
        return LimitExceeded(exc.message, field=field)
    return InvalidArgument(exc.message, field=field)


def _named(read: Callable[[], T], names: tuple[str, str]) -> T:
    """``read()`` (of the LVIS keys), a malformed entry named by request field."""
    try:
        return read()
    except CocoFormatError as exc:
        raise _invalid(exc, names) from None


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
