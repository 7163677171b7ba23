"""A diagnosis as the ``ScoreDetectionResponse`` every page of a request shares: the parameters used,
the counts, the warnings and the views computed, always; then the parts the views asked for: the COCO
summary, the arrays, per class (with the IoU histogram edges), per slice, TIDE errors, the confusion
matrix. The per-asset part is in :mod:`.assets`.
"""

from __future__ import annotations

from collections.abc import Sequence

from curation.core.detection import (
    DIAGNOSTIC_CHANGES,
    FREQUENCY_CODES,
    LVIS_RULES,
    ClassReport,
    DetectionDiagnosis,
    SliceReport,
)
from curation.ops.detection.inputs import Inputs
from curation.ops.detection.request import Options
from curation.ops.detection.views import view_enums
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb

__all__ = ["report"]

_ERROR_BY_NAME = {
    "classification": pb.DETECTION_ERROR_TYPE_CLASSIFICATION,
    "localization": pb.DETECTION_ERROR_TYPE_LOCALIZATION,
    "both": pb.DETECTION_ERROR_TYPE_BOTH,
    "duplicate": pb.DETECTION_ERROR_TYPE_DUPLICATE,
    "background": pb.DETECTION_ERROR_TYPE_BACKGROUND,
    "missed": pb.DETECTION_ERROR_TYPE_MISSED,
}


def report(
    diag: DetectionDiagnosis,
    inputs: Inputs,
    request: pb.ScoreDetectionRequest,
    options: Options,
    warnings: Sequence[common_pb2.Warning],
) -> pb.ScoreDetectionResponse:
    """The response without its page of assets, for the views the diagnosis computed."""
    names, data = inputs.category_names, inputs.data
    r = pb.ScoreDetectionResponse(mode=options.mode_enum)
    r.views.extend(view_enums(diag.views))
    _params_used(r.params, diag, request, options)
    if diag.mode == "diagnostic":
        r.mode_changes.extend(DIAGNOSTIC_CHANGES)
    elif diag.mode == "lvis":
        r.mode_changes.extend(LVIS_RULES)
    for s in diag.summary:
        stat = r.summary.add(
            name=s.name, kind=s.kind, area=s.area, max_detections=s.max_dets, value=s.value,
            frequency=FREQUENCY_CODES.get(s.frequency, pb.DETECTION_CATEGORY_FREQUENCY_UNSPECIFIED),
        )  # fmt: skip
        if s.iou is not None:
            stat.iou = s.iou
    if "arrays" in diag.views and diag.arrays is not None:
        r.arrays.precision_shape.extend(diag.arrays.precision.shape)
        r.arrays.precision.extend(diag.arrays.precision.reshape(-1).tolist())
        r.arrays.recall.extend(diag.arrays.recall.reshape(-1).tolist())
        r.arrays.scores.extend(diag.arrays.scores.reshape(-1).tolist())
    for c in diag.per_class:
        _add_class(r, c, names)
    if "per_class" in diag.views:
        r.iou_histogram_edges.extend(diag.iou_bins.tolist())
    for sl in diag.slices:
        _add_slice(r, sl)
    if diag.tide is not None and "tide" in diag.views:
        r.errors.ap = diag.tide.ap
        for name, count in diag.tide.counts.items():
            r.errors.errors.add(type=_ERROR_BY_NAME[name], count=count, delta_ap=diag.tide.delta_ap[name])
        r.errors.false_positive_delta_ap = diag.tide.special_delta_ap["false_positive"]
        r.errors.false_negative_delta_ap = diag.tide.special_delta_ap["false_negative"]
    if diag.confusion is not None:
        r.confusion.labels.extend([*names, "background"])
        r.confusion.counts.extend(diag.confusion.reshape(-1).tolist())
    r.counts.num_assets = data.num_images
    r.counts.num_gt = data.num_gt
    r.counts.num_predictions = data.num_dt
    r.counts.num_truncated = diag.num_truncated
    sel = inputs.lvis_selection
    if sel is not None:
        r.counts.num_truncated = sel.num_truncated
        r.counts.num_unverified_predictions = sel.num_unverified
        r.counts.num_zero_area_gt = sel.num_zero_area_gt
        r.counts.num_zero_area_predictions = sel.num_zero_area_dt
    r.warnings.extend(warnings)
    return r


def _params_used(
    pu: pb.DetectionParamsUsed, diag: DetectionDiagnosis, request: pb.ScoreDetectionRequest, options: Options
) -> None:
    """Every parameter the diagnosis ran with, defaults included."""
    p = diag.params
    pu.iou_thresholds.extend(p.iou_thrs.tolist())
    pu.recall_thresholds.extend(p.rec_thrs.tolist())
    pu.max_detections.extend(p.max_dets)
    for (lo, hi), label in zip(p.area_rngs.tolist(), p.area_labels, strict=True):
        pu.area_ranges.add(label=label, min=lo, max=hi)
    pu.operating_iou = options.operating_iou
    pu.score_threshold = options.score_threshold  # -inf when no threshold applies
    pu.tide_foreground_iou = options.tide_foreground_iou
    pu.tide_background_iou = options.tide_background_iou
    pu.iou_type = request.iou_type or pb.DETECTION_IOU_TYPE_BBOX


def _add_class(r: pb.ScoreDetectionResponse, c: ClassReport, names: Sequence[str]) -> None:
    """One per-class row, the category named."""
    m = r.per_class.add(
        category=names[c.category], num_gt=c.num_gt, num_predictions=c.num_predictions, ap=c.ap,
        ap50=c.ap50, ap75=c.ap75, ar=c.ar, precision=c.precision, recall=c.recall, f1=c.f1, tp=c.tp,
        fp=c.fp, fn=c.fn, best_f1=c.best_f1, best_f1_threshold=c.best_f1_threshold,
        best_f1_precision=c.best_f1_precision, best_f1_recall=c.best_f1_recall,
    )  # fmt: skip
    m.pr_curve.extend(c.pr_curve.tolist())
    m.iou_histogram.extend(c.iou_histogram.tolist())


def _add_slice(r: pb.ScoreDetectionResponse, sl: SliceReport) -> None:
    """One slice row."""
    r.slices.add(
        key=sl.key, value=sl.value, num_assets=sl.num_assets, num_gt=sl.num_gt,
        num_predictions=sl.num_predictions, ap=sl.ap, ap50=sl.ap50, ar=sl.ar, tp=sl.tp, fp=sl.fp,
        fn=sl.fn, ranked=sl.ranked, gt_level=sl.gt_level,
    )  # fmt: skip
