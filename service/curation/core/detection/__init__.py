"""Detection and segmentation diagnostics: COCO evaluation bit-identical to pycocotools, TIDE error
types equal to tidecv, and the per-class, per-slice and per-asset reports built on one matching.

This package names everything the ops seam uses; ops imports from here only, never from a module.
Modules starting with ``_`` are private to the family (compiled kernels, the grouping shared by COCO
and TIDE).
"""

from __future__ import annotations

from curation.core.detection import _coco_kernels, _ordering, _tide_kernels, rle
from curation.core.detection.coco import (
    DIAGNOSTIC_CHANGES,
    CocoArrays,
    CocoParams,
    DetectionData,
    MatchState,
    Mode,
    SummaryStat,
)
from curation.core.detection.coco_json import (
    CocoFormatError,
    CocoJsonData,
    CocoLimitError,
    from_coco_json,
    masks_from_segmentations,
)
from curation.core.detection.coco_load_res import first_result_has_box, load_res, result_masks
from curation.core.detection.coco_typed import TypedCoco, decode_typed, from_typed
from curation.core.detection.diagnosis import DetectionDiagnosis, diagnose
from curation.core.detection.mask_iou import mask_iou_fn, tide_mask_iou_fn
from curation.core.detection.outcomes import AssetOutcomes
from curation.core.detection.per_class import ClassReport
from curation.core.detection.pooled import POOLED_CATEGORY, Pooled, pool_categories
from curation.core.detection.rle import RleError, RleSet, decode_strings, rle_bbox
from curation.core.detection.slices import SliceReport, restrict_state
from curation.core.detection.tide import TideResult
from curation.core.detection.views import DEFAULT_VIEWS, VIEWS, Plan, View, plan

__all__ = [
    "DEFAULT_VIEWS",
    "DIAGNOSTIC_CHANGES",
    "POOLED_CATEGORY",
    "AssetOutcomes",
    "ClassReport",
    "CocoArrays",
    "CocoFormatError",
    "CocoJsonData",
    "CocoLimitError",
    "CocoParams",
    "DetectionData",
    "DetectionDiagnosis",
    "MatchState",
    "Mode",
    "Plan",
    "Pooled",
    "RleError",
    "RleSet",
    "SliceReport",
    "SummaryStat",
    "TideResult",
    "TypedCoco",
    "VIEWS",
    "View",
    "decode_strings",
    "decode_typed",
    "diagnose",
    "first_result_has_box",
    "from_coco_json",
    "from_typed",
    "load_res",
    "mask_iou_fn",
    "masks_from_segmentations",
    "plan",
    "pool_categories",
    "restrict_state",
    "result_masks",
    "rle_bbox",
    "tide_mask_iou_fn",
    "warm_up",
]


def warm_up() -> None:
    """Load (or compile, the first time) every numba kernel of the family."""
    _coco_kernels.warm_up()
    _ordering.warm_up()
    _tide_kernels.warm_up()
    rle.warm_up()
