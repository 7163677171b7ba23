"""ScoreDetection: validate the request, run the detection core, convert to proto, page the assets.

``evaluate`` (worker thread, cached) builds a ``DetectionEvaluation``: the whole report and every
asset's outcomes (columnar); ``respond`` cuts the requested page of assets out of it. Input is either
columnar arrays or COCO JSON (``coco_gt_json`` + ``coco_results_json``), never both. Defaults:
``operating_iou`` 0.5; ``score_threshold`` 0.5 for probabilities, otherwise none (every kept
prediction counts); TIDE 0.5 / 0.1; ``iou_histogram_bins`` 20; ``min_slice_support`` 1;
``max_slices_per_key`` 50.

The client-streaming variant (``ScoreDetectionStream``) sends the request in chunks;
:func:`merge_stream` concatenates them (protobuf merge: repeated fields append, scalars take the last
value set), so object indices refer to the concatenated ``asset_ids``/``category_names``; the merged
request then runs through the same cached operation as the unary one and :func:`stream_response`
wraps its response.

Call :func:`warm_up` once at server start: it loads the compiled kernels so no request waits for them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core.detection import DetectionDiagnosis, diagnose, warm_up
from curation.core.detection.coco import DIAGNOSTIC_CHANGES, CocoParams, DetectionData
from curation.core.detection.coco_json import CocoFormatError, from_coco_json, masks_from_segmentations
from curation.core.detection.rle import RleError, RleSet, decode_strings, rle_bbox
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.operation_spec import ClientStream, OperationSpec
from curation.ops.paging import page_bounds
from curation.v1 import classification_pb2 as cls_pb
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb

__all__ = [
    "SPEC",
    "SPECS",
    "evaluate",
    "merge_stream",
    "respond",
    "stream_response",
    "warm_up",
]

NAME = "curation.v1.DiagnosticsService/ScoreDetection"
STREAM_NAME = "curation.v1.DiagnosticsService/ScoreDetectionStream"
DEFAULT_BINS = 20
MAX_BINS = 1000
DEFAULT_MAX_SLICES = 50

_ERROR_ENUM = {
    0: pb.DETECTION_ERROR_TYPE_UNSPECIFIED,
    1: pb.DETECTION_ERROR_TYPE_CLASSIFICATION,
    2: pb.DETECTION_ERROR_TYPE_LOCALIZATION,
    3: pb.DETECTION_ERROR_TYPE_BOTH,
    4: pb.DETECTION_ERROR_TYPE_DUPLICATE,
    5: pb.DETECTION_ERROR_TYPE_BACKGROUND,
    6: pb.DETECTION_ERROR_TYPE_MISSED,
}
_ERROR_BY_NAME = {
    "classification": pb.DETECTION_ERROR_TYPE_CLASSIFICATION,
    "localization": pb.DETECTION_ERROR_TYPE_LOCALIZATION,
    "both": pb.DETECTION_ERROR_TYPE_BOTH,
    "duplicate": pb.DETECTION_ERROR_TYPE_DUPLICATE,
    "background": pb.DETECTION_ERROR_TYPE_BACKGROUND,
    "missed": pb.DETECTION_ERROR_TYPE_MISSED,
}
# core.detection.AssetOutcomes codes -> DetectionOutcome.
_DT_OUTCOME = np.array(
    [
        pb.DETECTION_OUTCOME_FALSE_POSITIVE,
        pb.DETECTION_OUTCOME_TRUE_POSITIVE,
        pb.DETECTION_OUTCOME_IGNORED,
        pb.DETECTION_OUTCOME_BELOW_THRESHOLD,
        pb.DETECTION_OUTCOME_TRUNCATED,
    ],
    dtype=np.int64,
)
_GT_OUTCOME = np.array(
    [pb.DETECTION_OUTCOME_MISSED, pb.DETECTION_OUTCOME_TRUE_POSITIVE, pb.DETECTION_OUTCOME_IGNORED],
    dtype=np.int64,
)


def merge_stream(chunks: Sequence[pb.ScoreDetectionStreamRequest]) -> pb.ScoreDetectionRequest:
    """The request a client stream stands for: its chunks merged in order (protobuf merge)."""
    merged = pb.ScoreDetectionRequest()
    for chunk in chunks:
        merged.MergeFrom(chunk.chunk)
    return merged


def stream_response(response: pb.ScoreDetectionResponse) -> pb.ScoreDetectionStreamResponse:
    """The streaming RPC's answer: the unary response of the merged request, wrapped."""
    return pb.ScoreDetectionStreamResponse(response=response)


# ---------------------------------------------------------------------------------------- validation
def _warning(code: str, message: str, field: str = "") -> common_pb2.Warning:
    return common_pb2.Warning(code=code, message=message, field=field)


def _params(request: pb.ScoreDetectionRequest) -> CocoParams:
    rp = request.params
    kwargs: dict[str, Any] = {}
    if len(rp.iou_thresholds):
        iou = v.finite_floats(rp.iou_thresholds, "params.iou_thresholds", dtype=np.float64)
        bad = np.flatnonzero((iou < 0) | (iou > 1))
        if bad.size:
            raise InvalidArgument("must lie in [0, 1]", field=f"params.iou_thresholds[{int(bad[0])}]")
        kwargs["iou_thrs"] = iou
    if len(rp.recall_thresholds):
        rec = v.finite_floats(rp.recall_thresholds, "params.recall_thresholds", dtype=np.float64)
        bad = np.flatnonzero((rec < 0) | (rec > 1))
        if bad.size:
            raise InvalidArgument("must lie in [0, 1]", field=f"params.recall_thresholds[{int(bad[0])}]")
        if np.any(np.diff(rec) < 0):
            raise InvalidArgument("must be ascending", field="params.recall_thresholds")
        kwargs["rec_thrs"] = rec
    if len(rp.max_detections):
        md = list(rp.max_detections)
        for i, m in enumerate(md):
            if m <= 0:
                raise InvalidArgument(f"must be > 0, got {m}", field=f"params.max_detections[{i}]")
        if len(set(md)) != len(md):
            raise InvalidArgument("must not repeat a value", field="params.max_detections")
        kwargs["max_dets"] = tuple(md)
    if len(rp.area_ranges):
        rngs = []
        for i, a in enumerate(rp.area_ranges):
            if not (np.isfinite(a.min) and np.isfinite(a.max)) or a.min > a.max:
                raise InvalidArgument("needs finite min <= max", field=f"params.area_ranges[{i}]")
            rngs.append((a.min, a.max))
        kwargs["area_rngs"] = np.array(rngs, dtype=np.float64)
        kwargs["area_labels"] = tuple(a.label or f"range{i}" for i, a in enumerate(rp.area_ranges))
    return CocoParams(**kwargs)


def _boxes(values: Any, n: int, field: str) -> npt.NDArray[np.float64]:
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
    if len(values) == 0:
        return None
    v.check_length(len(values), n, field)
    return np.asarray(values, dtype=dtype)


def _masks(values: Any, n: int, field: str) -> RleSet:
    v.check_length(len(values), n, field, what="one mask per object")
    try:
        return decode_strings(
            [m.counts for m in values], [m.height for m in values], [m.width for m in values]
        )
    except RleError as exc:
        raise InvalidArgument(exc.message, field=f"{field}[{exc.index}]") from None


def _columnar(
    request: pb.ScoreDetectionRequest, segm: bool
) -> tuple[DetectionData, list[str], list[str], Any, Any, tuple[RleSet, RleSet] | None]:
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
    if segm and len(request.gt_boxes) == 0:
        gt_box = rle_bbox(masks[0])  # type: ignore[index]
    else:
        gt_box = _boxes(request.gt_boxes, n_gt, "gt_boxes")
    crowd = _optional(request.gt_iscrowd, n_gt, "gt_iscrowd", np.bool_)
    area = _optional(request.gt_area, n_gt, "gt_area", np.float64)
    if area is not None:
        area = v.finite_floats(area, "gt_area", dtype=np.float64)
        neg = np.flatnonzero(area < 0)
        if neg.size:
            raise InvalidArgument(f"negative area {area[neg[0]]}", field=f"gt_area[{int(neg[0])}]")
    ignore = _optional(request.gt_ignore, n_gt, "gt_ignore", np.bool_)
    n_dt = len(request.pred_asset)
    v.check_length(len(request.pred_category), n_dt, "pred_category", what="one per pred_asset")
    v.check_length(len(request.pred_scores), n_dt, "pred_scores", what="one per pred_asset")
    dt_image = v.index_array(request.pred_asset, n_img, "pred_asset")
    dt_cat = v.index_array(request.pred_category, K, "pred_category")
    if masks is not None and len(request.pred_boxes) == 0:
        # As pycocotools' loadRes for results without a box: box from the mask, area = mask area.
        dt_box = rle_bbox(masks[1])
        dt_area = masks[1].area
    else:
        dt_box = _boxes(request.pred_boxes, n_dt, "pred_boxes")
        dt_area = dt_box[:, 2] * dt_box[:, 3]
    if area is None:
        area = masks[0].area if masks is not None else gt_box[:, 2] * gt_box[:, 3]
    score = v.finite_floats(request.pred_scores, "pred_scores", dtype=np.float64)
    data = DetectionData(
        num_images=n_img,
        num_categories=K,
        gt_image=gt_image,
        gt_category=gt_cat,
        gt_box=gt_box,
        gt_area=area,
        gt_iscrowd=crowd if crowd is not None else np.zeros(n_gt, np.bool_),
        dt_image=dt_image,
        dt_category=dt_cat,
        dt_box=dt_box,
        dt_score=score,
        dt_area=dt_area,
        gt_ignore=ignore,
    )
    return data, [str(a) for a in asset_ids], [str(c) for c in names], None, None, masks


def _coco(
    request: pb.ScoreDetectionRequest, warnings: list[common_pb2.Warning], segm: bool
) -> tuple[
    DetectionData,
    list[str],
    list[str],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    tuple[RleSet, RleSet] | None,
]:
    if not request.coco_results_json:
        raise InvalidArgument("must be set together with coco_gt_json", field="coco_results_json")
    columnar = ("asset_ids", "category_names", "gt_asset", "pred_asset", "gt_boxes", "pred_boxes")
    for name in columnar:
        if len(getattr(request, name)):
            raise InvalidArgument("give either columnar arrays or COCO JSON, not both", field=name)
    try:
        gt = json.loads(request.coco_gt_json)
    except (ValueError, RecursionError) as exc:
        raise InvalidArgument(f"not valid JSON: {exc}", field="coco_gt_json") from None
    try:
        res = json.loads(request.coco_results_json)
    except (ValueError, RecursionError) as exc:
        raise InvalidArgument(f"not valid JSON: {exc}", field="coco_results_json") from None
    try:
        parsed = from_coco_json(gt, res, need_segm=segm)
        masks = None
        if segm:
            masks = (
                masks_from_segmentations(
                    parsed.gt_segm or [],
                    parsed.gt_ann_index,
                    "coco_gt.annotations",
                    [parsed.image_sizes[i] for i in parsed.data.gt_image.tolist()],
                ),
                masks_from_segmentations(parsed.dt_segm or [], parsed.dt_result_index, "coco_results"),
            )
    except CocoFormatError as exc:
        field = exc.field.replace("coco_gt", "coco_gt_json").replace("coco_results", "coco_results_json")
        raise InvalidArgument(exc.message, field=field) from None
    data = parsed.data
    if masks is not None and res and "bbox" not in res[0]:
        # pycocotools' loadRes decides by the first result: without a box, area and box come from masks.
        data = replace(data, dt_box=rle_bbox(masks[1]), dt_area=masks[1].area)
    for arr, idx, name in (
        (data.gt_box, parsed.gt_ann_index, "coco_gt_json.annotations"),
        (data.dt_box, parsed.dt_result_index, "coco_results_json"),
    ):
        bad = ~np.isfinite(arr).all(axis=1) | (arr[:, 2] < 0) | (arr[:, 3] < 0)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InvalidArgument("bbox needs finite x, y and non-negative width, height",
                                  field=f"{name}[{int(idx[i])}].bbox")  # fmt: skip
    if data.num_dt and not np.isfinite(data.dt_score).all():
        i = int(np.flatnonzero(~np.isfinite(data.dt_score))[0])
        raise InvalidArgument(
            "score is not finite", field=f"coco_results_json[{int(parsed.dt_result_index[i])}].score"
        )
    if parsed.gt_dropped_unknown:
        warnings.append(_warning(
            "GT_UNKNOWN_IMAGE_OR_CATEGORY",
            f"{parsed.gt_dropped_unknown} annotations name an image or category absent from the GT file "
            "and were left out (as pycocotools does).",
            "coco_gt_json",
        ))  # fmt: skip
    if parsed.dt_dropped_unknown_category:
        warnings.append(_warning(
            "PREDICTION_UNKNOWN_CATEGORY",
            f"{parsed.dt_dropped_unknown_category} results name a category absent from the GT file; "
            "pycocotools silently leaves them out, and so do we.",
            "coco_results_json",
        ))  # fmt: skip
    if parsed.gt_missing_area:
        warnings.append(_warning(
            "GT_AREA_MISSING",
            f"{parsed.gt_missing_area} annotations have no area; their box area was used "
            "(pycocotools would fail).",
            "coco_gt_json",
        ))  # fmt: skip
    if data.gt_zero_id is not None and data.gt_zero_id.any() and request.mode != pb.DETECTION_MODE_DIAGNOSTIC:
        warnings.append(_warning(
            "ZERO_ANNOTATION_ID",
            "an annotation has id 0: pycocotools (and COCO mode) count the detection matched to it as a "
            "false positive; DIAGNOSTIC mode does not.",
            "coco_gt_json",
        ))  # fmt: skip
    return (
        data,
        [str(i) for i in parsed.image_ids],
        parsed.category_names,
        parsed.gt_ann_index,
        parsed.dt_result_index,
        masks,
    )


def _slices(
    metadata: Any, keys: Any, n: int, *, field: str = "metadata", by: str = "slice_by", what: str = "asset"
) -> dict[str, list[str]]:
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


def _unit(value: float, field: str) -> float:
    if not (np.isfinite(value) and 0.0 <= value <= 1.0):
        raise InvalidArgument(f"must lie in [0, 1], got {value}", field=field)
    return float(value)


# ---------------------------------------------------------------------------------------- evaluate
def evaluate(request: pb.ScoreDetectionRequest) -> pb.DetectionEvaluation:
    """Validate, diagnose, and build the cached evaluation (report + per-asset outcomes)."""
    warnings: list[common_pb2.Warning] = []
    segm = request.iou_type == pb.DETECTION_IOU_TYPE_SEGM
    if not segm and (len(request.gt_masks) or len(request.pred_masks)):
        raise InvalidArgument(
            "masks need iou_type SEGM", field="gt_masks" if len(request.gt_masks) else "pred_masks"
        )
    if request.coco_gt_json:
        data, asset_ids, names, gt_index, dt_index, masks = _coco(request, warnings, segm)
    else:
        if request.coco_results_json:
            raise InvalidArgument("must be set together with coco_gt_json", field="coco_gt_json")
        data, asset_ids, names, gt_index, dt_index, masks = _columnar(request, segm)
    if masks is not None:
        _check_mask_sizes(data, masks, gt_index, dt_index)
    probability = request.score_type == cls_pb.SCORE_TYPE_PROBABILITY
    if probability and data.num_dt:
        field = "pred_scores" if not request.coco_gt_json else "coco_results_json"
        bad = np.flatnonzero((data.dt_score < 0) | (data.dt_score > 1))
        if bad.size:
            i = int(bad[0]) if dt_index is None else int(dt_index[bad[0]])
            where = f"{field}[{i}]" if dt_index is None else f"{field}[{i}].score"
            raise InvalidArgument(f"{data.dt_score[bad[0]]} is not a probability in [0, 1]", field=where)
    diagnostic = request.mode == pb.DETECTION_MODE_DIAGNOSTIC
    mode_enum = pb.DETECTION_MODE_DIAGNOSTIC if diagnostic else pb.DETECTION_MODE_COCO
    params = _params(request)
    op_iou = _unit(request.operating_iou, "operating_iou") if request.HasField("operating_iou") else 0.5
    if request.HasField("score_threshold"):
        if not np.isfinite(request.score_threshold):
            raise InvalidArgument("must be finite", field="score_threshold")
        thr = float(request.score_threshold)
    else:
        thr = 0.5 if probability else -np.inf
    fg = (
        _unit(request.tide_foreground_iou, "tide_foreground_iou")
        if request.HasField("tide_foreground_iou")
        else 0.5
    )
    bg = (
        _unit(request.tide_background_iou, "tide_background_iou")
        if request.HasField("tide_background_iou")
        else 0.1
    )
    if bg > fg:
        raise InvalidArgument("must not exceed tide_foreground_iou", field="tide_background_iou")
    bins = request.iou_histogram_bins
    if bins < 0 or bins > MAX_BINS:
        raise InvalidArgument(f"must lie in [0, {MAX_BINS}]", field="iou_histogram_bins")
    for name in ("min_slice_support", "max_slices_per_key"):
        if getattr(request, name) < 0:
            raise InvalidArgument("must be >= 0", field=name)
    slices = _slices(request.metadata, request.slice_by, data.num_images)
    gt_slices = _slices(
        request.gt_metadata,
        request.slice_gt_by,
        data.num_gt,
        field="gt_metadata",
        by="slice_gt_by",
        what="GT",
    )
    if not diagnostic and data.gt_ignore is not None and data.gt_ignore.any():
        warnings.append(_warning(
            "GT_IGNORE_DISCARDED",
            f"{int(data.gt_ignore.sum())} GT objects are flagged ignore; pycocotools (COCO mode) discards "
            "the flag and counts them. Use DIAGNOSTIC mode to honour it.",
            "gt_ignore",
        ))  # fmt: skip

    diag = diagnose(
        data,
        params,
        mode="diagnostic" if diagnostic else "coco",
        operating_iou=op_iou,
        score_threshold=thr,
        tide_foreground_iou=fg,
        tide_background_iou=bg,
        iou_bins=bins or DEFAULT_BINS,
        slices=slices,
        min_slice_support=request.min_slice_support or 1,
        max_slices_per_key=request.max_slices_per_key or DEFAULT_MAX_SLICES,
        masks=masks,
        gt_slices=gt_slices,
    )
    warnings.extend(_fact_warnings(diag, params))
    report = _report(diag, names, request, mode_enum, op_iou, thr, fg, bg)
    report.warnings.extend(warnings)
    evaluation = pb.DetectionEvaluation(report=report)
    evaluation.asset_ids.extend(asset_ids)
    evaluation.category_names.extend(names)
    _assets(evaluation, diag, data, gt_index, dt_index)
    return evaluation


def _check_mask_sizes(
    data: DetectionData,
    masks: tuple[RleSet, RleSet],
    gt_index: npt.NDArray[np.int64] | None,
    dt_index: npt.NDArray[np.int64] | None,
) -> None:
    """Every mask of an asset must have the asset's size (pycocotools would report IoU -1)."""
    n_img = data.num_images
    img = np.concatenate([data.gt_image, data.dt_image])
    size = np.concatenate(
        [masks[0].height * (1 << 31) + masks[0].width, masks[1].height * (1 << 31) + masks[1].width]
    )
    if size.size == 0:
        return
    first = np.full(n_img, -1, np.int64)
    first[img[::-1]] = size[::-1]
    bad = np.flatnonzero(size != first[img])
    if bad.size:
        i = int(bad[0])
        if i < data.num_gt:
            name = "gt_masks" if gt_index is None else "coco_gt_json.annotations"
            row = i if gt_index is None else int(gt_index[i])
        else:
            name = "pred_masks" if dt_index is None else "coco_results_json"
            row = i - data.num_gt if dt_index is None else int(dt_index[i - data.num_gt])
        suffix = "" if name.endswith("masks") else ".segmentation"
        raise InvalidArgument(
            "mask size differs from the other masks of its asset", field=f"{name}[{row}]{suffix}"
        )


def _fact_warnings(diag: DetectionDiagnosis, params: CocoParams) -> list[common_pb2.Warning]:
    f = diag.facts
    out = []
    if f["dt_category_without_gt"]:
        out.append(_warning(
            "PREDICTION_CATEGORY_WITHOUT_GT",
            f"{f['dt_category_without_gt']} predictions are of categories with no GT: those categories "
            "have AP -1 and are left out of the mean, so these false positives cost nothing.",
        ))  # fmt: skip
    if f["dt_on_image_without_gt"]:
        out.append(_warning(
            "PREDICTION_ON_ASSET_WITHOUT_GT",
            f"{f['dt_on_image_without_gt']} predictions are on assets with no GT: all of them are false "
            "positives (check that the asset's annotations were not lost).",
        ))  # fmt: skip
    if f["dt_truncated"]:
        out.append(_warning(
            "MAX_DETECTIONS_TRUNCATED",
            f"{f['dt_truncated']} predictions beyond the top {params.max_dets[-1]} per asset and category "
            "were not evaluated (pycocotools cuts per asset *and category*).",
        ))  # fmt: skip
    if f["gt_degenerate"] or f["dt_degenerate"]:
        out.append(_warning(
            "DEGENERATE_BOX",
            f"{f['gt_degenerate']} GT and {f['dt_degenerate']} predicted boxes have zero width or height; "
            "their IoU with anything is 0.",
        ))  # fmt: skip
    return out


def _report(  # noqa: PLR0917
    diag: DetectionDiagnosis,
    names: list[str],
    request: pb.ScoreDetectionRequest,
    mode_enum: int,
    op_iou: float,
    thr: float,
    fg: float,
    bg: float,
) -> pb.ScoreDetectionResponse:
    p = diag.params
    r = pb.ScoreDetectionResponse(mode=mode_enum)  # type: ignore[arg-type]
    pu = r.params
    pu.iou_thresholds.extend(p.iou_thrs.tolist())
    pu.recall_thresholds.extend(p.rec_thrs.tolist())
    pu.max_detections.extend(p.max_dets)
    for (lo, hi), label in zip(p.area_rngs.tolist(), p.area_labels, strict=True):
        pu.area_ranges.add(label=label, min=lo, max=hi)
    pu.operating_iou = op_iou
    pu.score_threshold = thr  # -inf when no threshold applies
    pu.tide_foreground_iou = fg
    pu.tide_background_iou = bg
    pu.iou_type = request.iou_type or pb.DETECTION_IOU_TYPE_BBOX
    if diag.mode == "diagnostic":
        r.mode_changes.extend(DIAGNOSTIC_CHANGES)
    for s in diag.summary:
        stat = r.summary.add(name=s.name, kind=s.kind, area=s.area, max_detections=s.max_dets, value=s.value)
        if s.iou is not None:
            stat.iou = s.iou
    if request.include_arrays:
        r.arrays.precision_shape.extend(diag.arrays.precision.shape)
        r.arrays.precision.extend(diag.arrays.precision.reshape(-1).tolist())
        r.arrays.recall.extend(diag.arrays.recall.reshape(-1).tolist())
        r.arrays.scores.extend(diag.arrays.scores.reshape(-1).tolist())
    for c in diag.per_class:
        m = r.per_class.add(
            category=names[c.category], num_gt=c.num_gt, num_predictions=c.num_predictions, ap=c.ap,
            ap50=c.ap50, ap75=c.ap75, ar=c.ar, precision=c.precision, recall=c.recall, f1=c.f1, tp=c.tp,
            fp=c.fp, fn=c.fn, best_f1=c.best_f1, best_f1_threshold=c.best_f1_threshold,
            best_f1_precision=c.best_f1_precision, best_f1_recall=c.best_f1_recall,
        )  # fmt: skip
        m.pr_curve.extend(c.pr_curve.tolist())
        m.iou_histogram.extend(c.iou_histogram.tolist())
    for sl in diag.slices:
        r.slices.add(
            key=sl.key, value=sl.value, num_assets=sl.num_assets, num_gt=sl.num_gt,
            num_predictions=sl.num_predictions, ap=sl.ap, ap50=sl.ap50, ar=sl.ar, tp=sl.tp, fp=sl.fp,
            fn=sl.fn, ranked=sl.ranked, gt_level=sl.gt_level,
        )  # fmt: skip
    r.errors.ap = diag.tide.ap
    for name, count in diag.tide.counts.items():
        r.errors.errors.add(type=_ERROR_BY_NAME[name], count=count, delta_ap=diag.tide.delta_ap[name])
    r.confusion.labels.extend([*names, "background"])
    r.confusion.counts.extend(diag.confusion.reshape(-1).tolist())
    r.iou_histogram_edges.extend(diag.iou_bins.tolist())
    r.counts.num_assets = diag.state.num_images
    r.counts.num_gt = int(diag.assets.gt_outcome.shape[0])
    r.counts.num_predictions = int(diag.assets.dt_outcome.shape[0])
    r.counts.num_truncated = diag.state.num_truncated
    return r


def _assets(
    ev: pb.DetectionEvaluation,
    diag: DetectionDiagnosis,
    data: DetectionData,
    gt_index: npt.NDArray[np.int64] | None,
    dt_index: npt.NDArray[np.int64] | None,
) -> None:
    a = diag.assets
    t = diag.tide
    n_img = data.num_images
    rank = np.empty(n_img, np.int64)
    rank[a.order] = np.arange(n_img)
    ev.asset_order.extend(a.order.tolist())
    ev.asset_tp.extend(a.tp[a.order].tolist())
    ev.asset_fp.extend(a.fp[a.order].tolist())
    ev.asset_fn.extend(a.fn[a.order].tolist())
    n_gt, n_dt = data.num_gt, data.num_dt
    is_gt = np.concatenate([np.zeros(n_dt, np.bool_), np.ones(n_gt, np.bool_)])
    asset = np.concatenate([data.dt_image, data.gt_image])
    row = np.concatenate([np.arange(n_dt), np.arange(n_gt)])
    score = np.concatenate([data.dt_score, np.zeros(n_gt)])
    # Within an asset: predictions by score, then GT in input order.
    order = np.lexsort((row, -score, is_gt, rank[asset]))
    counts = np.bincount(rank[asset], minlength=n_img)
    offsets = np.concatenate([[0], np.cumsum(counts)])
    ev.object_offsets.extend(offsets.tolist())
    gt_name = gt_index if gt_index is not None else np.arange(n_gt)
    dt_name = dt_index if dt_index is not None else np.arange(n_dt)
    index = np.concatenate([dt_name, gt_name])
    cat = np.concatenate([data.dt_category, data.gt_category])
    outcome = np.concatenate([_DT_OUTCOME[a.dt_outcome], _GT_OUTCOME[a.gt_outcome]])
    dt_m = np.where(a.dt_match >= 0, gt_name[np.maximum(a.dt_match, 0)], -1) if n_gt else a.dt_match
    gt_m = np.where(a.gt_match >= 0, dt_name[np.maximum(a.gt_match, 0)], -1) if n_dt else a.gt_match
    matched = np.concatenate([dt_m, gt_m])
    # IoU: of the match at the operating point; unmatched predictions show their best same-class IoU.
    dt_iou = np.where(a.dt_match >= 0, a.dt_iou, t.dt_iou)
    iou = np.concatenate([dt_iou, a.gt_iou])
    err_map = np.array([_ERROR_ENUM[i] for i in range(7)], dtype=np.int64)
    err = np.concatenate(
        [err_map[t.dt_error], np.where(t.gt_missed, pb.DETECTION_ERROR_TYPE_MISSED, 0).astype(np.int64)]
    )
    ev.object_is_gt.extend(is_gt[order].tolist())
    ev.object_index.extend(index[order].tolist())
    ev.object_category.extend(cat[order].tolist())
    ev.object_score.extend(score[order].tolist())
    ev.object_outcome.extend(outcome[order].tolist())
    ev.object_matched.extend(matched[order].tolist())
    ev.object_iou.extend(iou[order].tolist())
    ev.object_error.extend(err[order].tolist())


# ---------------------------------------------------------------------------------------- respond
def respond(
    payload: pb.DetectionEvaluation, request: pb.ScoreDetectionRequest, cache_info: common_pb2.CacheInfo
) -> pb.ScoreDetectionResponse:
    """The page of assets the request asks for (worst first), with the cached report."""
    total = len(payload.asset_order)
    start, stop, next_token = page_bounds(total, request.page_size, request.page_token, cache_info.key_digest)
    response = pb.ScoreDetectionResponse()
    response.CopyFrom(payload.report)
    response.assets_total = total
    response.next_page_token = next_token
    response.cache.CopyFrom(cache_info)
    names = payload.category_names
    offsets = payload.object_offsets
    for i in range(start, stop):
        asset = response.assets.add(
            asset_id=payload.asset_ids[payload.asset_order[i]],
            tp=payload.asset_tp[i],
            fp=payload.asset_fp[i],
            fn=payload.asset_fn[i],
        )
        for j in range(offsets[i], offsets[i + 1]):
            asset.objects.add(
                is_ground_truth=payload.object_is_gt[j],
                index=payload.object_index[j],
                category=names[payload.object_category[j]],
                score=payload.object_score[j],
                outcome=payload.object_outcome[j],
                matched_index=payload.object_matched[j],
                iou=payload.object_iou[j],
                error=payload.object_error[j],
            )
    return response


SPEC = OperationSpec(
    name=NAME,
    request_type=pb.ScoreDetectionRequest,
    response_type=pb.ScoreDetectionResponse,
    payload_type=pb.DetectionEvaluation,
    evaluate=evaluate,
    respond=respond,
    paging_fields=("page_size", "page_token"),
    warm_up=warm_up,
)


# The client-streaming variant: the seam merges the chunks (``merge_stream``) and answers the merged
# request exactly as the unary one (same cache key), then wraps the response.
STREAM_SPEC: OperationSpec[Any, Any, Any] = OperationSpec(
    name=STREAM_NAME,
    request_type=pb.ScoreDetectionStreamRequest,
    response_type=pb.ScoreDetectionStreamResponse,
    stream=ClientStream(answered_by=NAME, merge=merge_stream, wrap=stream_response),
)
SPECS: list[OperationSpec[Any, Any, Any]] = [SPEC, STREAM_SPEC]
