"""LVIS federated evaluation, equal to the lvis package's ``LVISEval`` (0.5.3), bbox and segm.

LVIS labels each image with the categories verified absent (``neg_category_ids``) and those whose GT
may be incomplete (``not_exhaustive_category_ids``), and each category with its frequency in the
training set (``r``/``c``/``f``). What ``LVISResults`` and ``LVISEval`` do with them, reproduced here:

* ``LVISResults(max_dets=300)`` keeps, per image, the top ``max_dets`` results by score across
  categories, ties in file order (Python's stable ``sorted``) — before anything else is left out.
* ``get_ann_ids`` with categories keeps GT and results of area strictly inside ``(0, inf)``: a
  zero-area GT neither counts nor makes its category present.
* A result is evaluated only if its category is among the image's GT categories (after that filter)
  or its negatives; the others are left out (the detector is not penalised for unverified categories).
* No crowd regions (IoU with ``iscrowd`` 0 for every GT, and no GT matched twice); a GT's ``ignore``
  is honoured; a GT with id 0 is matched but its detection counts as unmatched (as pycocotools).
* An unmatched detection of a not-exhaustive category of its image is ignored (``dt_not_exhaustive``
  in :class:`~curation.core.detection.coco.DetectionData`, applied by ``evaluate_images``).
* No per-(image, category) cut: one maxDets; the arrays are COCO's with an M axis of one.
* ``summarize``: AP, AP50, AP75, APs/m/l, APr/c/f (the categories of each frequency, area "all"),
  AR@maxDets and ARs/m/l, each the mean of the values > -1.

:func:`lvis_select` picks the objects LVIS evaluates and flags the not-exhaustive detections; the matching
and accumulation are COCO's (``mode="lvis"``), and :func:`summarize_lvis` gives the 13 numbers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core.detection.coco import CocoArrays, CocoParams, DetectionData, SummaryStat, mean_valid

__all__ = [
    "FREQUENCY_CODES",
    "LVIS_MAX_DETS",
    "LVIS_RULES",
    "LvisLabels",
    "LvisSelection",
    "lvis_select",
    "summarize_lvis",
    "top_per_image",
]

# The frequency of a category: 0 none, then LVIS's "r", "c", "f".
FREQUENCY_CODES: dict[str, int] = {"r": 1, "c": 2, "f": 3}
LVIS_MAX_DETS = 300

LVIS_RULES: tuple[str, ...] = (
    "per asset, the top max_detections predictions by score across categories are kept (ties in input order)",
    "GT and predictions of area 0 are left out",
    "predictions of a category neither in the asset's GT nor in its negatives are left out",
    "no GT is a crowd region; a GT's ignore flag is honoured",
    "an unmatched prediction of a category not exhaustively annotated on its asset is ignored",
    "AP is also averaged per category frequency (rare / common / frequent)",
)


@dataclass(frozen=True)
class LvisLabels:
    """The federated labels: (image, category) pairs of negatives and of not-exhaustive categories,
    and each category's frequency code (:data:`FREQUENCY_CODES`, 0 = none)."""

    neg_image: IntArray
    neg_category: IntArray
    not_exhaustive_image: IntArray
    not_exhaustive_category: IntArray
    frequency: IntArray
    # Per prediction row: kept by LVISResults' per-image cut, when that was decided over more results
    # than the rows (results of categories absent from the GT file count toward it); None = decide here.
    dt_in_cut: BoolArray | None = None


@dataclass(frozen=True)
class LvisSelection:
    """The objects LVIS evaluates (rows ascending), each kept detection's not-exhaustive flag, and how
    many were left out by each rule."""

    gt_rows: IntArray
    dt_rows: IntArray
    dt_not_exhaustive: BoolArray
    num_truncated: int
    num_unverified: int
    num_zero_area_gt: int
    num_zero_area_dt: int

    def apply(self, data: DetectionData) -> DetectionData:
        """``data`` restricted to the selection: no crowd, the not-exhaustive flags set."""
        g, d = self.gt_rows, self.dt_rows

        def take(column: np.ndarray | None, rows: IntArray) -> np.ndarray | None:
            return None if column is None else column[rows]

        return replace(
            data,
            gt_image=data.gt_image[g], gt_category=data.gt_category[g], gt_box=data.gt_box[g],
            gt_area=data.gt_area[g], gt_iscrowd=np.zeros(g.shape[0], np.bool_),
            dt_image=data.dt_image[d], dt_category=data.dt_category[d], dt_box=data.dt_box[d],
            dt_score=data.dt_score[d], dt_area=data.dt_area[d], gt_ignore=take(data.gt_ignore, g),
            gt_zero_id=take(data.gt_zero_id, g), gt_rows=None, dt_rows=None,
            dt_not_exhaustive=self.dt_not_exhaustive,
        )  # fmt: skip


def lvis_select(data: DetectionData, labels: LvisLabels, max_dets: int = LVIS_MAX_DETS) -> LvisSelection:
    """The GT and detections ``LVISEval`` evaluates (see the module docstring), in input order."""
    K = data.num_categories
    kept = _top_per_image(data, max_dets) if labels.dt_in_cut is None else np.flatnonzero(labels.dt_in_cut)
    gt_ok = (data.gt_area > 0) & (data.gt_area < np.inf)
    dt_area = data.dt_area[kept]
    dt_ok = (dt_area > 0) & (dt_area < np.inf)
    gt_rows = np.flatnonzero(gt_ok)
    positive = np.unique(data.gt_image[gt_rows] * K + data.gt_category[gt_rows])
    negative = np.asarray(labels.neg_image, np.int64) * K + np.asarray(labels.neg_category, np.int64)
    candidates = kept[dt_ok]
    key = data.dt_image[candidates] * K + data.dt_category[candidates]
    verified = np.isin(key, positive) | np.isin(key, negative)
    dt_rows = candidates[verified]
    lenient_keys = np.asarray(labels.not_exhaustive_image, np.int64) * K + np.asarray(
        labels.not_exhaustive_category, np.int64
    )
    return LvisSelection(
        gt_rows=gt_rows,
        dt_rows=dt_rows,
        dt_not_exhaustive=np.isin(key[verified], lenient_keys),
        num_truncated=data.num_dt - int(kept.shape[0]),
        num_unverified=int(np.count_nonzero(~verified)),
        num_zero_area_gt=data.num_gt - int(gt_rows.shape[0]),
        num_zero_area_dt=int(np.count_nonzero(~dt_ok)),
    )


def _top_per_image(data: DetectionData, max_dets: int) -> IntArray:
    """Rows (ascending) of the top ``max_dets`` detections of each image by score, ties in input order."""
    return np.flatnonzero(top_per_image(data.dt_image, data.dt_score, max_dets))


def top_per_image(image: IntArray, score: FloatArray, max_dets: int) -> BoolArray:
    """Whether each detection is among the top ``max_dets`` of its image by score (ties: the earlier
    row first, as Python's stable ``sorted(..., reverse=True)`` in ``limit_dets_per_image``)."""
    n = image.shape[0]
    order = np.lexsort((np.arange(n), -np.asarray(score, np.float64), image))
    img = image[order]
    rank = np.arange(n) - np.searchsorted(img, img, side="left")
    keep = np.zeros(n, np.bool_)
    keep[order[rank < max_dets]] = True
    return keep


def summarize_lvis(arrays: CocoArrays, params: CocoParams, frequency: IntArray) -> list[SummaryStat]:
    """The 13 numbers of ``LVISEval.summarize``, indexed as it indexes (so the means are the same
    floats): AP over IoU / area / frequency group, AR over area. ``frequency`` holds each category's
    code (:data:`FREQUENCY_CODES`)."""
    p = params
    precision = arrays.precision[..., 0]  # [T, R, K, A]: LVIS has no maxDets axis
    recall = arrays.recall[..., 0]
    md = p.max_dets[0]
    labels = {v: k for k, v in FREQUENCY_CODES.items()}

    def one(
        kind: Literal["AP", "AR"], iou: float | None = None, area: str = "all", freq: int = 0
    ) -> SummaryStat:
        aidx = [i for i, lbl in enumerate(p.area_labels) if lbl == area]
        s = precision if kind == "AP" else recall
        if iou is not None:
            s = s[np.where(iou == p.iou_thrs)[0]]
        if kind == "AR":
            s = s[:, :, aidx]
        elif freq:
            s = s[:, :, np.flatnonzero(frequency == freq).tolist(), aidx]
        else:
            s = s[:, :, :, aidx]
        iou_lbl = f"{p.iou_thrs[0]:0.2f}:{p.iou_thrs[-1]:0.2f}" if iou is None else f"{iou:0.2f}"
        group = labels.get(freq, "")
        name = f"{kind}@[IoU={iou_lbl}|area={area}|maxDets={md}|catIds={group or 'all'}]"
        return SummaryStat(
            name=name, kind=kind, iou=iou, area=area, max_dets=md, value=mean_valid(s), frequency=group
        )

    return [
        one("AP"),
        one("AP", 0.5),
        one("AP", 0.75),
        one("AP", area="small"),
        one("AP", area="medium"),
        one("AP", area="large"),
        one("AP", freq=1),
        one("AP", freq=2),
        one("AP", freq=3),
        one("AR"),
        one("AR", area="small"),
        one("AR", area="medium"),
        one("AR", area="large"),
    ]
