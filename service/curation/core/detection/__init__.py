"""Detection diagnostics."""

from curation.core.detection import _coco_kernels, _tide_kernels, rle
from curation.core.detection.diagnose import (
    AssetOutcomes,
    ClassReport,
    DetectionDiagnosis,
    SliceReport,
    diagnose,
    mask_iou_fn,
    restrict_state,
    tide_mask_iou_fn,
)

__all__ = [
    "AssetOutcomes",
    "ClassReport",
    "DetectionDiagnosis",
    "SliceReport",
    "diagnose",
    "mask_iou_fn",
    "restrict_state",
    "tide_mask_iou_fn",
    "warm_up",
]


def warm_up() -> None:
    """Load (or compile, the first time) every numba kernel of the family."""
    _coco_kernels.warm_up()
    _tide_kernels.warm_up()
    rle.warm_up()
