"""Detection and segmentation diagnostics: COCO evaluation bit-identical to pycocotools, LVIS federated
evaluation bit-identical to the lvis package (:mod:`.lvis`), TIDE error types equal to tidecv, and the
per-class, per-slice and per-asset reports built on one matching.

This package names everything the ops seam uses; ops imports from here only, never from a module.
Modules starting with ``_`` are private to the family (compiled kernels, the grouping shared by COCO
and TIDE).
"""

from __future__ import annotations

from curation.core.detection import _coco_kernels, _oks_kernels, _ordering, _tide_kernels, rle
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
from curation.core.detection.coco_keypoints import keypoints_from_coco, ragged_keypoints
from curation.core.detection.coco_load_res import first_result_has_box, load_res, result_masks
from curation.core.detection.coco_typed import TypedCoco, decode_typed, from_typed
from curation.core.detection.diagnosis import DetectionDiagnosis, diagnose
from curation.core.detection.keypoints import (
    COCO_PERSON_SIGMAS,
    TERMS_BUDGET,
    Keypoints,
    keypoint_extent,
    keypoint_params,
    summarize_keypoints,
)
from curation.core.detection.lvis import (
    FREQUENCY_CODES,
    LVIS_MAX_DETS,
    LVIS_RULES,
    LvisLabels,
    LvisSelection,
    lvis_select,
    summarize_lvis,
)
from curation.core.detection.lvis_json import lvis_cut_from_json, lvis_labels_from_json
from curation.core.detection.mask_iou import mask_iou_fn, tide_mask_iou_fn
from curation.core.detection.outcomes import AssetOutcomes
from curation.core.detection.per_class import ClassReport
from curation.core.detection.pooled import POOLED_CATEGORY, Pooled, pool_categories
from curation.core.detection.rle import RleError, RleSet, decode_strings, rle_bbox
from curation.core.detection.slices import SliceReport, restrict_state
from curation.core.detection.tide import TideResult
from curation.core.detection.views import DEFAULT_VIEWS, VIEWS, Plan, View, plan

__all__ = [
    "COCO_PERSON_SIGMAS",
    "DEFAULT_VIEWS",
    "DIAGNOSTIC_CHANGES",
    "FREQUENCY_CODES",
    "LVIS_MAX_DETS",
    "LVIS_RULES",
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
    "LvisLabels",
    "LvisSelection",
    "Keypoints",
    "MatchState",
    "Mode",
    "Plan",
    "Pooled",
    "RleError",
    "RleSet",
    "SliceReport",
    "SummaryStat",
    "TERMS_BUDGET",
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
    "keypoint_extent",
    "keypoint_params",
    "keypoints_from_coco",
    "load_res",
    "lvis_cut_from_json",
    "lvis_labels_from_json",
    "lvis_select",
    "mask_iou_fn",
    "masks_from_segmentations",
    "plan",
    "pool_categories",
    "ragged_keypoints",
    "restrict_state",
    "result_masks",
    "rle_bbox",
    "summarize_lvis",
    "summarize_keypoints",
    "tide_mask_iou_fn",
    "warm_up",
]


def warm_up() -> None:
    """Load (or compile, the first time) every numba kernel of the family."""
    _coco_kernels.warm_up()
    _oks_kernels.warm_up()
    _ordering.warm_up()
    _tide_kernels.warm_up()
    rle.warm_up()
