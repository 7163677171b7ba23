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

With masks, every matching uses mask IoU (:mod:`~curation.core.detection.mask_iou`); with keypoints,
OKS (:mod:`~curation.core.detection.keypoints`). ``views``
chooses the parts to compute; :mod:`~curation.core.detection.views` says which steps each one needs,
and a part not asked for is left empty (None), so a COCO-only caller pays for the COCO matching only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from curation.core._common.arrays import FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.findings import Finding
from curation.core.detection.coco import (
    CocoArrays,
    CocoParams,
    DetectionData,
    IouFn,
    MatchState,
    Mode,
    SummaryStat,
    accumulate,
    evaluate_images,
    summarize,
)
from curation.core.detection.coco_by_category import coco_arrays
from curation.core.detection.confusion import confusion_matrix
from curation.core.detection.facts import count_facts, count_truncated, fact_findings
from curation.core.detection.keypoints import Keypoints, oks_fn, summarize_keypoints, tide_oks_fn
from curation.core.detection.lvis import summarize_lvis
from curation.core.detection.mask_iou import mask_iou_fn, tide_mask_iou_fn
from curation.core.detection.operating_point import OperatingPoint, operating_point
from curation.core.detection.outcomes import AssetOutcomes, asset_outcomes
from curation.core.detection.per_class import ClassReport, class_reports
from curation.core.detection.rle import RleSet
from curation.core.detection.slices import SliceReport, asset_slices, object_slices
from curation.core.detection.tide import TideIouFn, TideResult, tide_errors
from curation.core.detection.views import Plan, View, plan

__all__ = ["DetectionDiagnosis", "diagnose"]


@dataclass(frozen=True)
class DetectionDiagnosis:
    """Everything :func:`diagnose` reports, for the ``views`` it computed: a part no view asked for is
    None or empty. ``state``/``arrays`` are the main COCO matching and its arrays (``state`` only when a
    view reads the match table: operating point, slices); ``iou_bins`` the
    histogram edges; ``num_truncated`` the predictions cut by maxDets (always counted); ``facts`` counts
    the silent traps and ``findings`` tells the caller about the ones that occur."""

    params: CocoParams
    mode: Mode
    views: frozenset[View]
    num_truncated: int
    state: MatchState | None
    arrays: CocoArrays | None
    summary: list[SummaryStat]
    per_class: list[ClassReport]
    slices: list[SliceReport]
    tide: TideResult | None
    confusion: IntArray | None
    assets: AssetOutcomes | None
    iou_bins: FloatArray
    facts: dict[str, int] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class _Settings:
    """diagnose()'s options, passed to its steps whole."""

    params: CocoParams
    mode: Mode
    operating_iou: float
    score_threshold: float
    masks: tuple[RleSet, RleSet] | None
    keypoints: Keypoints | None
    # The COCO matchings' IoU (mask IoU with masks, OKS with keypoints; None = box IoU).
    iou_fn: IouFn | None


def diagnose(
    data: DetectionData,
    params: CocoParams | None = None,
    *,
    mode: Mode = "coco",
    operating_iou: float = 0.5,
    score_threshold: float = 0.0,
    tide_foreground_iou: float = 0.5,
    tide_background_iou: float = 0.1,
    tide_progressive: bool = False,
    iou_bins: int = 20,
    slices: Mapping[str, Sequence[str]] | None = None,
    min_slice_support: int = 1,
    max_slices_per_key: int = 50,
    masks: tuple[RleSet, RleSet] | None = None,
    gt_slices: Mapping[str, Sequence[str]] | None = None,
    views: Collection[View] | None = None,
    frequency: IntArray | None = None,
    keypoints: Keypoints | None = None,
) -> DetectionDiagnosis:
    """The parts ``views`` names (None = all but the arrays) of the detection diagnosis of ``data``
    (see the module docstring).

    With ``masks`` (GT and prediction RLEs aligned with the rows of ``data``) every matching uses mask
    IoU (COCO ``segm``; TIDE in tidecv's mask mode); with ``keypoints``, OKS (COCO ``keypoints``: pass
    :func:`~curation.core.detection.keypoints.keypoint_params` for its defaults; the summary is then its
    10 numbers). ``slices`` holds per-asset metadata
    columns, ``gt_slices`` per-GT ones (see :class:`~curation.core.detection.slices.SliceReport`).
    ``mode="lvis"`` expects the objects :func:`~curation.core.detection.lvis.lvis_select` kept and LVIS's
    parameters (one maxDets); its summary is ``LVISEval.summarize``'s, grouped by ``frequency`` (each
    category's code, 0 = none).
    ``tide_progressive`` fixes TIDE's error types cumulatively (tidecv's progressive dAP).
    """
    p = params or CocoParams()
    todo = plan(views, asset_slices=bool(slices))
    iou_fn = mask_iou_fn(masks[0], masks[1], data.gt_iscrowd) if masks is not None else None
    if keypoints is not None:
        iou_fn = oks_fn(keypoints, data)
    st = _Settings(p, mode, operating_iou, score_threshold, masks, keypoints, iou_fn)
    # The per-threshold match table is read only by the operating point and the slices.
    state, arrays, truncated = _main(data, st, todo)
    checkpoint()
    op = _operating_point(data, state, st, todo)
    checkpoint()
    assets = asset_outcomes(data, op) if op is not None and todo.outcomes else None
    num_truncated = truncated if truncated is not None else _num_truncated(data, state, op, p)
    facts = count_facts(data, num_truncated)
    checkpoint()
    tide = _tide(data, st, todo, (tide_foreground_iou, tide_background_iou), tide_progressive)
    checkpoint()
    slice_reports = []
    if "slices" in todo.views and assets is not None:
        ranking = {"min_support": min_slice_support, "max_per_key": max_slices_per_key}
        slice_reports = [
            *(asset_slices(data, state, assets, slices, **ranking) if state is not None and slices else []),
            *object_slices(data, p, assets, gt_slices or {}, mode=mode, iou_fn=iou_fn, **ranking),
        ]
    return DetectionDiagnosis(
        params=p,
        mode=mode,
        views=todo.views,
        num_truncated=num_truncated,
        state=state,
        arrays=arrays,
        summary=_summary(
            arrays, p, mode, frequency=frequency, K=data.num_categories, keypoints=keypoints is not None
        )
        if "coco" in todo.views
        else [],
        per_class=_per_class(data, arrays, op, st, iou_bins, todo),
        slices=slice_reports,
        tide=tide,
        confusion=_confusion(data, op, st, todo),
        assets=assets if "assets" in todo.views else None,
        iou_bins=np.linspace(0.0, 1.0, iou_bins + 1),
        facts=facts,
        findings=fact_findings(facts, p),
    )


def _main(
    data: DetectionData, st: _Settings, todo: Plan
) -> tuple[MatchState | None, CocoArrays | None, int | None]:
    """The main COCO matching and its arrays when a view needs them, and the detections maxDets cut.
    Without a view that reads the match table (operating point, slices) the arrays are made a few
    categories at a time and no whole state is kept (:mod:`~curation.core.detection.coco_by_category`)."""
    if not todo.main:
        return None, None, None
    if not (todo.operating_point or "slices" in todo.views):
        arrays, truncated = coco_arrays(data, st.params, mode=st.mode, iou_fn=st.iou_fn)
        return None, arrays, truncated
    state = evaluate_images(data, st.params, mode=st.mode, iou_fn=st.iou_fn, keep_matches=True)
    return state, accumulate(state), state.num_truncated


def _summary(
    arrays: CocoArrays | None,
    p: CocoParams,
    mode: Mode,
    *,
    frequency: IntArray | None,
    K: int,
    keypoints: bool,
) -> list[SummaryStat]:
    """COCOeval.summarize's 12 numbers (10 for keypoints), or LVISEval.summarize's 13 in LVIS mode."""
    if arrays is None:
        return []
    if mode == "lvis":
        return summarize_lvis(arrays, p, frequency if frequency is not None else np.zeros(K, np.int64))
    return summarize_keypoints(arrays, p) if keypoints else summarize(arrays, p)


def _operating_point(
    data: DetectionData, state: MatchState | None, st: _Settings, todo: Plan
) -> OperatingPoint | None:
    """The operating point when a view needs it: cut out of the main matching when that holds its
    IoU, matched on its own otherwise."""
    if not todo.operating_point:
        return None
    return operating_point(
        data, st.params, state, iou=st.operating_iou, score_threshold=st.score_threshold, mode=st.mode,
        iou_fn=st.iou_fn,
    )  # fmt: skip


def _tide(
    data: DetectionData, st: _Settings, todo: Plan, thresholds: tuple[float, float], progressive: bool
) -> TideResult | None:
    """TIDE's classification when a view needs it, and its dAP when the ``tide`` view is asked for."""
    if not todo.tide:
        return None
    return tide_errors(
        data,
        foreground_iou=thresholds[0],
        background_iou=thresholds[1],
        max_dets=st.params.max_dets[-1],
        honour_ignore=st.mode != "coco",
        iou_fn=_tide_iou_fn(data, st),
        delta_ap=todo.tide_delta_ap,
        progressive=progressive,
    )


def _tide_iou_fn(data: DetectionData, st: _Settings) -> TideIouFn | None:
    """TIDE's IoU: mask IoU with masks, OKS with keypoints, else None (box IoU)."""
    if st.masks is not None:
        return tide_mask_iou_fn(st.masks[0], st.masks[1])
    if st.keypoints is not None:
        return tide_oks_fn(st.keypoints, data)
    return None


def _num_truncated(
    data: DetectionData, state: MatchState | None, op: OperatingPoint | None, p: CocoParams
) -> int:
    """Predictions cut by maxDets: read off a matching that ran (they all cut at ``maxDets[-1]`` per
    asset and category), else counted."""
    for s in (state, op.state if op is not None else None):
        if s is not None:
            return s.num_truncated
    return count_truncated(data, p.max_dets[-1])


def _per_class(  # noqa: PLR0917
    data: DetectionData,
    arrays: CocoArrays | None,
    op: OperatingPoint | None,
    st: _Settings,
    iou_bins: int,
    todo: Plan,
) -> list[ClassReport]:
    """Per-class reports when asked for (they read the main arrays and the operating point)."""
    if "per_class" not in todo.views or arrays is None or op is None:
        return []
    checkpoint()
    return class_reports(data, arrays, st.params, op, iou_bins)


def _confusion(data: DetectionData, op: OperatingPoint | None, st: _Settings, todo: Plan) -> IntArray | None:
    """The confusion matrix when asked for."""
    if "confusion" not in todo.views or op is None:
        return None
    checkpoint()
    return confusion_matrix(
        data, op, score_threshold=st.score_threshold, mode=st.mode, masks=st.masks, keypoints=st.keypoints
    )
