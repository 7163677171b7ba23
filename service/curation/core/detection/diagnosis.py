"""Detection diagnostics from one matching pass: COCO summary, per class, per slice, per asset, TIDE
error types, a confusion matrix over classes + background, matched-IoU histograms, and the silent
traps of the data as findings.

:func:`diagnose` runs the steps; each lives in its own module:

* COCO numbers: :mod:`~curation.core.detection.coco` (bit-identical to pycocotools).
* The operating point (``operating_iou``, ``score_threshold``):
  :mod:`~curation.core.detection.operating_point`; read by :mod:`~curation.core.detection.per_class`
  (P/R/F1, best-F1 cut, PR curves, IoU histograms), :mod:`~curation.core.detection.outcomes` (per
  asset and object) and :mod:`~curation.core.detection.confusion` (class-agnostic matching).
* Error types: :mod:`~curation.core.detection.tide` (equal to tidecv).
* Slices of assets and of GT objects: :mod:`~curation.core.detection.slices`.
* Traps (categories or assets without GT, maxDets cut, degenerate boxes):
  :mod:`~curation.core.detection.facts`.

With masks, every matching uses mask IoU (:mod:`~curation.core.detection.mask_iou`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from curation.core._common.arrays import FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.findings import Finding
from curation.core.detection.coco import (
    CocoArrays,
    CocoParams,
    DetectionData,
    MatchState,
    Mode,
    SummaryStat,
    accumulate,
    evaluate_images,
    summarize,
)
from curation.core.detection.confusion import confusion_matrix
from curation.core.detection.facts import count_facts, fact_findings
from curation.core.detection.mask_iou import mask_iou_fn, tide_mask_iou_fn
from curation.core.detection.operating_point import operating_point
from curation.core.detection.outcomes import AssetOutcomes, asset_outcomes
from curation.core.detection.per_class import ClassReport, class_reports
from curation.core.detection.rle import RleSet
from curation.core.detection.slices import SliceReport, asset_slices, object_slices
from curation.core.detection.tide import TideResult, tide_errors

__all__ = ["DetectionDiagnosis", "diagnose"]


@dataclass(frozen=True)
class DetectionDiagnosis:
    """Everything :func:`diagnose` reports. ``state``/``arrays`` are the main COCO matching and its
    arrays; ``iou_bins`` the histogram edges; ``facts`` counts the silent traps and ``findings`` tells
    the caller about the ones that occur."""

    params: CocoParams
    mode: Mode
    state: MatchState
    arrays: CocoArrays
    summary: list[SummaryStat]
    per_class: list[ClassReport]
    slices: list[SliceReport]
    tide: TideResult
    confusion: IntArray
    assets: AssetOutcomes
    iou_bins: FloatArray
    facts: dict[str, int] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


def diagnose(
    data: DetectionData,
    params: CocoParams | None = None,
    *,
    mode: Mode = "coco",
    operating_iou: float = 0.5,
    score_threshold: float = 0.0,
    tide_foreground_iou: float = 0.5,
    tide_background_iou: float = 0.1,
    iou_bins: int = 20,
    slices: Mapping[str, Sequence[str]] | None = None,
    min_slice_support: int = 1,
    max_slices_per_key: int = 50,
    masks: tuple[RleSet, RleSet] | None = None,
    gt_slices: Mapping[str, Sequence[str]] | None = None,
) -> DetectionDiagnosis:
    """Everything the detection endpoint reports, from ``data`` (see the module docstring).

    With ``masks`` (GT and prediction RLEs aligned with the rows of ``data``) every matching uses mask
    IoU (COCO ``segm``; TIDE in tidecv's mask mode). ``slices`` holds per-asset metadata
    columns, ``gt_slices`` per-GT ones (see :class:`~curation.core.detection.slices.SliceReport`).
    """
    p = params or CocoParams()
    iou_fn = mask_iou_fn(masks[0], masks[1], data.gt_iscrowd) if masks is not None else None
    state = evaluate_images(data, p, mode=mode, iou_fn=iou_fn)
    arrays = accumulate(state)
    checkpoint()
    op = operating_point(
        data, state, iou=operating_iou, score_threshold=score_threshold, mode=mode, iou_fn=iou_fn
    )
    checkpoint()
    assets = asset_outcomes(data, op)
    ranking = {"min_support": min_slice_support, "max_per_key": max_slices_per_key}
    facts = count_facts(data, state)
    checkpoint()
    per_class = class_reports(data, arrays, p, op, iou_bins)
    slice_reports = [
        *asset_slices(data, state, assets, slices or {}, **ranking),
        *object_slices(data, p, assets, gt_slices or {}, mode=mode, iou_fn=iou_fn, **ranking),
    ]
    tide = tide_errors(
        data,
        foreground_iou=tide_foreground_iou,
        background_iou=tide_background_iou,
        max_dets=p.max_dets[-1],
        honour_ignore=mode == "diagnostic",
        iou_fn=tide_mask_iou_fn(masks[0], masks[1]) if masks is not None else None,
    )
    checkpoint()
    confusion = confusion_matrix(data, op, score_threshold=score_threshold, mode=mode, masks=masks)
    return DetectionDiagnosis(
        params=p,
        mode=mode,
        state=state,
        arrays=arrays,
        summary=summarize(arrays, p),
        per_class=per_class,
        slices=slice_reports,
        tide=tide,
        confusion=confusion,
        assets=assets,
        iou_bins=np.linspace(0.0, 1.0, iou_bins + 1),
        facts=facts,
        findings=fact_findings(facts, p),
    )
