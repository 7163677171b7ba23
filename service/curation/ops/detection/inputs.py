"""What a request's objects became, whichever way they came (columnar arrays or COCO JSON), and the
checks that need them whole.

:class:`Inputs` holds the core's columns, the asset and category names, the masks (``iou_type``
SEGM), the keypoints (KEYPOINTS) and, for COCO JSON, each object's position in the caller's JSON, so
an error names the entry the caller wrote (``coco_results_json[12].score``) rather than a row of ours.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from curation.core.detection import (
    POOLED_CATEGORY,
    DetectionData,
    Keypoints,
    LvisLabels,
    LvisSelection,
    RleSet,
    pool_categories,
)
from curation.errors import InvalidArgument

__all__ = ["Inputs", "check_mask_sizes", "check_probabilities", "pooled"]


@dataclass(frozen=True)
class Inputs:
    """A request's objects. ``gt_index``/``dt_index`` give each GT / prediction row's index in the COCO
    JSON (annotation, result); they are None for columnar input, whose rows are the caller's."""

    data: DetectionData
    asset_ids: list[str]
    category_names: list[str]
    gt_index: npt.NDArray[np.int64] | None
    dt_index: npt.NDArray[np.int64] | None
    masks: tuple[RleSet, RleSet] | None
    # The request fields the COCO files came from (``coco_gt_file`` when given as bytes).
    coco_fields: tuple[str, str] = ("coco_gt_json", "coco_results_json")
    # DETECTION_MODE_LVIS: the federated labels and, once applied, what the selection left out (the
    # data then holds the selected objects only, ``gt_index``/``dt_index`` naming the caller's rows).
    lvis_labels: LvisLabels | None = None
    lvis_selection: LvisSelection | None = None
    # iou_type KEYPOINTS: the objects' keypoints and the categories' sigmas.
    keypoints: Keypoints | None = None

    def gt_field(self, row: int, columnar: str, coco: str) -> str:
        """The request field of GT ``row``: ``columnar[row]``, or its annotation's ``coco`` member."""
        if self.gt_index is None:
            return f"{columnar}[{row}]"
        return f"{self.coco_fields[0]}.annotations[{int(self.gt_index[row])}].{coco}"

    def dt_field(self, row: int, columnar: str, coco: str) -> str:
        """The request field of prediction ``row``: ``columnar[row]``, or its result's ``coco`` member."""
        if self.dt_index is None:
            return f"{columnar}[{row}]"
        return f"{self.coco_fields[1]}[{int(self.dt_index[row])}].{coco}"


def check_mask_sizes(inputs: Inputs, masks: tuple[RleSet, RleSet]) -> None:
    """Every mask of an asset must have the asset's size (pycocotools would report IoU -1)."""
    data = inputs.data
    img = np.concatenate([data.gt_image, data.dt_image])
    size = np.concatenate(
        [masks[0].height * (1 << 31) + masks[0].width, masks[1].height * (1 << 31) + masks[1].width]
    )
    if size.size == 0:
        return
    first = np.full(data.num_images, -1, np.int64)
    first[img[::-1]] = size[::-1]
    bad = np.flatnonzero(size != first[img])
    if bad.size:
        i = int(bad[0])
        if i < data.num_gt:
            field = inputs.gt_field(i, "gt_masks", "segmentation")
        else:
            field = inputs.dt_field(i - data.num_gt, "pred_masks", "segmentation")
        raise InvalidArgument("mask size differs from the other masks of its asset", field=field)


def check_probabilities(inputs: Inputs) -> None:
    """Every prediction score must lie in [0, 1] (``score_type`` PROBABILITY)."""
    score = inputs.data.dt_score
    if not inputs.data.num_dt:
        return
    bad = np.flatnonzero((score < 0) | (score > 1))
    if bad.size:
        field = inputs.dt_field(int(bad[0]), "pred_scores", "score")
        raise InvalidArgument(f"{score[bad[0]]} is not a probability in [0, 1]", field=field)


def pooled(inputs: Inputs) -> tuple[Inputs, npt.NDArray[np.int64]]:
    """``inputs`` with every category pooled into one (``use_categories`` false, pycocotools'
    ``useCats=0``), and the input GT row of each pooled GT row (for per-GT metadata). Run after the
    checks that name fields: ``gt_index``/``dt_index`` then hold, for columnar input too, the caller's
    row of each pooled row, which is what the per-asset objects report."""
    p = pool_categories(inputs.data)
    gt_index = p.gt_rows if inputs.gt_index is None else inputs.gt_index[p.gt_rows]
    dt_index = p.dt_rows if inputs.dt_index is None else inputs.dt_index[p.dt_rows]
    masks = None
    if inputs.masks is not None:
        masks = (inputs.masks[0].take(p.gt_rows), inputs.masks[1].take(p.dt_rows))
    out = replace(
        inputs,
        data=p.data,
        category_names=[POOLED_CATEGORY],
        gt_index=gt_index,
        dt_index=dt_index,
        masks=masks,
    )
    return out, p.gt_rows
