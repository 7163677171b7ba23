"""The silent traps of a detection set, counted (``facts``) and told as findings.

Each one changes the numbers without failing anything: predictions of categories without GT cost
nothing (AP -1 is left out of the mean), predictions on assets without GT are all false positives,
pycocotools cuts to maxDets per asset *and category*, and a zero-size box has IoU 0 with anything.
"""

from __future__ import annotations

import numpy as np

from curation.core._common.findings import Finding
from curation.core.detection.coco import CocoParams, DetectionData

__all__ = ["count_facts", "count_truncated", "fact_findings"]


def count_truncated(data: DetectionData, max_det: int) -> int:
    """Predictions beyond the top ``max_det`` of their (asset, category): what COCO's matching leaves
    out, counted without matching (for a diagnosis that runs no COCO matching)."""
    if data.num_dt == 0:
        return 0
    key = np.asarray(data.dt_image, np.int64) * data.num_categories + np.asarray(data.dt_category, np.int64)
    _, per_group = np.unique(key, return_counts=True)
    return int(np.maximum(per_group - max_det, 0).sum())


def count_facts(data: DetectionData, num_truncated: int) -> dict[str, int]:
    """How many objects fall into each trap (``num_truncated``: predictions cut by maxDets)."""
    K, n_img = data.num_categories, data.num_images
    has_gt_cat = np.bincount(data.gt_category, minlength=K)[:K] > 0
    img_has_gt = np.bincount(data.gt_image, minlength=n_img)[:n_img] > 0
    return {
        "dt_category_without_gt": int(np.count_nonzero(~has_gt_cat[data.dt_category])),
        "dt_on_image_without_gt": int(np.count_nonzero(~img_has_gt[data.dt_image])),
        "dt_truncated": num_truncated,
        "gt_degenerate": int(np.count_nonzero((data.gt_box[:, 2] <= 0) | (data.gt_box[:, 3] <= 0))),
        "dt_degenerate": int(np.count_nonzero((data.dt_box[:, 2] <= 0) | (data.dt_box[:, 3] <= 0))),
    }


def fact_findings(facts: dict[str, int], params: CocoParams) -> tuple[Finding, ...]:
    """A finding per trap that occurs, in a fixed order (``params``: those of the main matching)."""
    f = facts
    out = []
    if f["dt_category_without_gt"]:
        out.append(Finding(
            "PREDICTION_CATEGORY_WITHOUT_GT",
            f"{f['dt_category_without_gt']} predictions are of categories with no GT: those categories "
            "have AP -1 and are left out of the mean, so these false positives cost nothing.",
        ))  # fmt: skip
    if f["dt_on_image_without_gt"]:
        out.append(Finding(
            "PREDICTION_ON_ASSET_WITHOUT_GT",
            f"{f['dt_on_image_without_gt']} predictions are on assets with no GT: all of them are false "
            "positives (check that the asset's annotations were not lost).",
        ))  # fmt: skip
    if f["dt_truncated"]:
        out.append(Finding(
            "MAX_DETECTIONS_TRUNCATED",
            f"{f['dt_truncated']} predictions beyond the top {params.max_dets[-1]} per asset and category "
            "were not evaluated (pycocotools cuts per asset *and category*).",
        ))  # fmt: skip
    if f["gt_degenerate"] or f["dt_degenerate"]:
        out.append(Finding(
            "DEGENERATE_BOX",
            f"{f['gt_degenerate']} GT and {f['dt_degenerate']} predicted boxes have zero width or height; "
            "their IoU with anything is 0.",
        ))  # fmt: skip
    return tuple(out)
