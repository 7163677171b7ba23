"""TIDE error types (Bolya et al., ECCV 2020), following tidecv 1.0.1's definitions.

Every false-positive (or ignored) detection gets exactly one error: classification (IoU >= foreground
with a GT of another class), localization (same-class IoU in [background, foreground]), both,
duplicate (would match a GT already taken), background (IoU <= background with every GT); every GT
no detection matched nor could be fixed into is *missed*. ``delta_ap`` is the AP gained by fixing one
type at a time (tidecv ``fix_main_errors``, non-progressive): fixed classification/localization
errors become true positives (only the highest-scoring one per GT), duplicate/background/both
detections are removed, missed GTs are removed from the positives. ``special_delta_ap`` holds
tidecv's special errors (``fix_special_errors``, not clamped at 0): ``false_positive`` (every false
positive scored below every true positive) and ``false_negative`` (every unmatched GT removed).

Boxes by default; with masks (``iou_fn``) this is tidecv's mask mode (pycocotools ``rleIou`` in
double, non-crowd against GTs, crowd IoU against each ignore region). The AP here is tidecv's (one
IoU threshold, ``tp / (tp + fp)`` without COCO's epsilon, 101 recall points summed left to right,
classes with detections but no GT count as 0, in percent), not COCO's.

Bit-equal to tidecv, orders included: images are visited in ``data.image_source_rank`` order (a COCO
file's ``images`` order, as tidecv's ``datasets.COCO`` adds them), which decides how tied scores
order across images; per-class APs are averaged in tidecv's first-seen class order (the dict order
of its ``ClassedAPDataObject``: the base AP by first GT or detection met; a fixed AP by first error
point pushed, then the base order).

Deliberate differences from tidecv, all tested: detections on images without any GT entry are
evaluated (tidecv skips images absent from the GT); in ``diagnostic`` mode a GT's supplied
``ignore`` flag also makes it an ignore region.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import weighted_spans
from curation.core.detection._coco_kernels import bucket_order
from curation.core.detection._grouping import Groups, box_ious, group_objects, score_rank
from curation.core.detection._tide_ap import ERROR_NAMES, ERROR_TYPES, Classified, lookup, tide_aps
from curation.core.detection._tide_kernels import MISSED, tide_image_kernel
from curation.core.detection.coco import DetectionData

__all__ = ["ERROR_NAMES", "ERROR_TYPES", "TideIouFn", "TideResult", "tide_errors"]

T = TypeVar("T", bound=np.generic)
# (gt rows, kept detection rows, region flags, g_lo, g_hi, d_lo, d_hi, offsets) -> IoU blocks.
TideIouFn = Callable[
    [IntArray, IntArray, BoolArray, IntArray, IntArray, IntArray, IntArray, IntArray], FloatArray
]
# Work per compiled call between two cancellation checkpoints: IoU cells of the images classified
# (each cell is read a few times).
CLASSIFY_BUDGET = 2_000_000


@dataclass(frozen=True)
class TideResult:
    """Per-detection and per-GT outcomes (input rows), counts and dAP per error type.

    ``dt_error[i]`` is 0 (no error: a true positive, or a detection cut by ``max_dets``) or an error
    type; ``dt_used[i]`` 1 = true positive, 0 = false positive, -1 = ignored (in a crowd region),
    -2 = cut by ``max_dets``. ``dt_error_gt`` names the GT row the error refers to (-1 if none).
    """

    ap: float
    counts: dict[str, int]
    delta_ap: dict[str, float]
    dt_error: npt.NDArray[np.int8]
    dt_error_gt: IntArray
    dt_used: npt.NDArray[np.int8]
    dt_match: IntArray
    dt_iou: FloatArray
    gt_missed: BoolArray
    gt_used: BoolArray
    gt_region: BoolArray
    per_class_ap: FloatArray
    special_delta_ap: dict[str, float]


def tide_errors(
    data: DetectionData,
    *,
    foreground_iou: float = 0.5,
    background_iou: float = 0.1,
    max_dets: int = 100,
    honour_ignore: bool = False,
    iou_fn: TideIouFn | None = None,
    delta_ap: bool = True,
    progressive: bool = False,
) -> TideResult:
    """Classify every detection and GT as tidecv does (crowds are ignore regions).

    ``max_dets`` is per image over all classes, as tidecv's ``Data.max_dets``. IoU is box IoU unless
    ``iou_fn`` is given (tidecv's mask mode): it is called with the GT rows and kept detection rows in
    image order, the ignore-region flags (by input row) and the image bounds, and returns the
    row-major (D x G) blocks, crowd IoU for regions. ``delta_ap=False`` classifies only (the seven AP
    computations skipped: ``ap`` is NaN, ``delta_ap`` and ``per_class_ap`` empty), for callers that
    want each object's error type and not the dAP. ``progressive`` fixes the error types cumulatively,
    in ``ERROR_TYPES`` order, each dAP measured from the AP with the types before it fixed (tidecv
    ``fix_main_errors(progressive=True)``).
    """
    region = np.ascontiguousarray(data.gt_iscrowd, dtype=np.bool_)
    if honour_ignore and data.gt_ignore is not None:
        region = region | data.gt_ignore
    if data.gt_ignore_always is not None:
        region = region | data.gt_ignore_always
    c = _classify(data, region, float(foreground_iou), float(background_iou), max_dets, iou_fn)
    checkpoint()
    ap, per_class, delta, special = (
        tide_aps(data, c, region, progressive) if delta_ap else (float("nan"), np.zeros(0), {}, {})
    )
    counts = {ERROR_NAMES[t]: int(np.count_nonzero(c.error == t)) for t in ERROR_TYPES if t != MISSED}
    counts["missed"] = int(np.count_nonzero(c.gt_missed))
    n = data.num_dt
    return TideResult(
        ap=float(ap),
        counts=counts,
        delta_ap=delta,
        dt_error=_per_row(c.error, c.kept, n, 0),
        dt_error_gt=_per_row(c.error_gt, c.kept, n, -1),
        dt_used=_per_row(c.used, c.kept, n, -2),
        dt_match=_per_row(c.match, c.kept, n, -1),
        dt_iou=_per_row(c.iou, c.kept, n, 0),
        gt_missed=c.gt_missed,
        gt_used=c.gt_used,
        gt_region=region,
        per_class_ap=per_class,
        special_delta_ap=special,
    )


def _image_groups(data: DetectionData, max_dets: int) -> Groups:
    """GT by image (input order kept), detections by image then score, cut to ``max_dets`` per image;
    images in their source order (``image_source_rank``)."""
    n_img = data.num_images
    gt_image = np.ascontiguousarray(data.gt_image, dtype=np.int64)
    dt_image = np.ascontiguousarray(data.dt_image, dtype=np.int64)
    if data.image_source_rank is not None:
        rank = np.asarray(data.image_source_rank, dtype=np.int64)
        gt_image, dt_image = rank[gt_image], rank[dt_image]
    g_order = bucket_order(gt_image, n_img, np.arange(data.num_gt, dtype=np.int64))
    sr, n_ranks = score_rank(np.ascontiguousarray(data.dt_score, dtype=np.float64))
    checkpoint()
    d_order = bucket_order(dt_image, n_img, bucket_order(sr, n_ranks, np.arange(data.num_dt, dtype=np.int64)))
    checkpoint()
    groups = group_objects(g_order, gt_image[g_order], d_order, dt_image[d_order], max_dets)
    checkpoint()
    return groups


def _classify(  # noqa: PLR0917
    data: DetectionData, region: BoolArray, fg: float, bg: float, max_dets: int, iou_fn: TideIouFn | None
) -> Classified:
    """Every image's detections classified against all its GTs (one (D x G) IoU block per image;
    ignore regions get crowd IoU, union = the detection's area)."""
    g = _image_groups(data, max_dets)
    g_order, kept = g.g_order, g.d_order
    g_region = np.ascontiguousarray(region[g_order])
    if iou_fn is None:
        ious = box_ious(data.gt_box, data.dt_box, g_region, g)
    else:
        ious = np.ascontiguousarray(iou_fn(g_order, kept, region, g.g_lo, g.g_hi, g.d_lo, g.d_hi, g.offsets))
    n = kept.shape[0]
    used, err = np.empty(n, np.int8), np.empty(n, np.int8)
    err_gt, match = np.empty(n, np.int64), np.empty(n, np.int64)
    fixable, iou = np.empty(n, np.bool_), np.empty(n, np.float64)
    g_used, g_missed = np.zeros(data.num_gt, np.bool_), np.zeros(data.num_gt, np.bool_)
    gt_cls = np.ascontiguousarray(data.gt_category[g_order], dtype=np.int64)
    dt_cls = np.ascontiguousarray(data.dt_category[kept], dtype=np.int64)
    dt_score = np.asarray(data.dt_score, dtype=np.float64)[kept]
    for lo, hi in weighted_spans(g.work, CLASSIFY_BUDGET):
        tide_image_kernel(
            ious, g.offsets[lo:hi], gt_cls, g_region, dt_cls, dt_score,
            g.g_lo[lo:hi], g.g_hi[lo:hi], g.d_lo[lo:hi], g.d_hi[lo:hi], fg, bg,
            used, err, err_gt, fixable, iou, match, g_used, g_missed,
        )  # fmt: skip
    # Back to input rows.
    gt_used = np.zeros(data.num_gt, np.bool_)
    gt_used[g_order] = g_used
    gt_missed = np.zeros(data.num_gt, np.bool_)
    gt_missed[g_order] = g_missed
    return Classified(
        kept, used, err, lookup(err_gt, g_order), fixable, iou, lookup(match, g_order), gt_used, gt_missed
    )


def _per_row(values: npt.NDArray[T], kept: IntArray, n: int, fill: float) -> npt.NDArray[T]:
    """Per input row: ``values`` of the kept detections, ``fill`` for the ones cut by ``max_dets``."""
    out = np.full(n, fill, dtype=values.dtype)
    out[kept] = values
    return out
