"""COCO keypoints evaluation: OKS as pycocotools' ``COCOeval(iouType='keypoints')`` computes it, its
parameters and its 10 summary numbers.

OKS takes the place of IoU in every matching (:func:`oks_fn` for COCO's, :func:`tide_oks_fn` for
TIDE's); the rest of the evaluation is the detection one. The rules reproduced (``computeOks``,
``_prepare``, ``setKpParams``, ``_summarizeKps``):

* per pair, ``e = (dx² + dy²) / (2 sigma)² / (area + eps) / 2`` with the GT's supplied ``area``,
  over the GT's visible keypoints (v > 0); a GT with none measures every keypoint's distance to the
  ring outside its box grown by its width / height on each side; OKS = ``sum(exp(-e)) / len(e)``
  (numpy's summation order, see :mod:`~curation.core.detection._oks_kernels`). A detection's own
  visibility flags are not read.
* a GT with ``num_keypoints == 0`` is ignored in every mode (crowd GTs too, as for boxes);
* maxDets ``[20]``, area ranges all / medium / large; a result's area is its box's when the results
  carry boxes, else its keypoints' extent (``loadRes``, :func:`keypoint_extent`).

pycocotools has one sigma list for all categories (COCO's 17 person sigmas by default); here each
category has its own (:data:`COCO_PERSON_SIGMAS` when a 17-keypoint category names none). Pairs
across categories (TIDE, the confusion matrix) use the GT's sigmas, and have OKS 0 when the two
categories' keypoint counts differ.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.chunks import weighted_spans
from curation.core.detection._oks_kernels import oks_terms, pair_means
from curation.core.detection.coco import CocoArrays, CocoParams, DetectionData, IouFn, SummaryStat, mean_valid
from curation.core.detection.tide import TideIouFn

__all__ = [
    "COCO_PERSON_SIGMAS",
    "TERMS_BUDGET",
    "Keypoints",
    "keypoint_extent",
    "keypoint_params",
    "oks_fn",
    "summarize_keypoints",
    "tide_oks_fn",
]

# pycocotools' ``Params.kpt_oks_sigmas`` (COCO's 17 person keypoints), built the same way.
COCO_PERSON_SIGMAS: FloatArray = (
    np.array(
        [0.26, 0.25, 0.25, 0.35, 0.35, 0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89]
    )
    / 10.0
)
# Error terms per kernel call between two cancellation checkpoints (8 bytes each).
TERMS_BUDGET = 2_000_000


@dataclass(frozen=True)
class Keypoints:
    """The keypoints of every GT object and detection, and each category's sigmas, ragged: object
    ``i``'s ``(x, y, v)`` triples are rows ``offsets[i]:offsets[i + 1]`` of ``xyv``; category ``c``'s
    sigmas are ``sigmas[sigma_offsets[c]:sigma_offsets[c + 1]]``. An object has as many keypoints as
    its category has sigmas (the caller checks)."""

    gt_xyv: FloatArray
    gt_offsets: IntArray
    dt_xyv: FloatArray
    dt_offsets: IntArray
    sigmas: FloatArray
    sigma_offsets: IntArray

    def take_dt(self, rows: IntArray) -> Keypoints:
        """The same GT with the detections at ``rows`` (in that order)."""
        xyv, offsets = _take(self.dt_xyv, self.dt_offsets, rows)
        return replace(self, dt_xyv=xyv, dt_offsets=offsets)


def _take(xyv: FloatArray, offsets: IntArray, rows: IntArray) -> tuple[FloatArray, IntArray]:
    """The ragged rows ``rows`` of ``(xyv, offsets)``."""
    lengths = (offsets[1:] - offsets[:-1])[rows]
    new_off = np.zeros(rows.shape[0] + 1, np.int64)
    np.cumsum(lengths, out=new_off[1:])
    starts = np.repeat(offsets[:-1][rows] - new_off[:-1], lengths)
    return xyv[starts + np.arange(int(new_off[-1]), dtype=np.int64)], new_off


def keypoint_params() -> CocoParams:
    """pycocotools' ``Params(iouType='keypoints')``: maxDets [20], areas all / medium / large."""
    return CocoParams(
        max_dets=(20,),
        area_rngs=np.array([[0**2, 1e5**2], [32**2, 96**2], [96**2, 1e5**2]], dtype=np.float64),
        area_labels=("all", "medium", "large"),
    )


def keypoint_extent(xyv: FloatArray, offsets: IntArray) -> FloatArray:
    """Each object's box ``[x0, y0, x1 - x0, y1 - y0]`` over its keypoints (``loadRes``); area is
    ``w * h``. An object without keypoints gets a zero box."""
    n = offsets.shape[0] - 1
    box = np.zeros((n, 4))
    has = offsets[1:] > offsets[:-1]
    if not has.any():
        return box
    starts = offsets[:-1][has]
    for col, coord in ((0, 0), (1, 1)):
        lo = np.minimum.reduceat(xyv[:, coord], starts)
        hi = np.maximum.reduceat(xyv[:, coord], starts)
        box[has, col] = lo
        box[has, col + 2] = hi - lo
    return box


@dataclass(frozen=True, slots=True)
class _GtTerms:
    """What every pair of a GT reads, by GT row: terms used, whether any keypoint is visible, the
    normaliser ``area + eps`` and where its category's variances start."""

    used: IntArray
    visible: BoolArray
    norm: FloatArray
    var_off: IntArray
    variances: FloatArray


def _gt_terms(kp: Keypoints, data: DetectionData) -> _GtTerms:
    n = data.num_gt
    k = kp.gt_offsets[1:] - kp.gt_offsets[:-1]
    owner = np.repeat(np.arange(n, dtype=np.int64), k)
    n_vis = np.bincount(owner[kp.gt_xyv[:, 2] > 0], minlength=n)[:n].astype(np.int64)
    return _GtTerms(
        used=np.where(n_vis > 0, n_vis, k).astype(np.int64),
        visible=n_vis > 0,
        norm=np.asarray(data.gt_area, dtype=np.float64) + np.spacing(1),
        var_off=kp.sigma_offsets[:-1][np.asarray(data.gt_category, dtype=np.int64)],
        variances=(kp.sigmas * 2) ** 2,
    )


def _oks_blocks(  # noqa: PLR0917
    kp: Keypoints,
    gt: _GtTerms,
    gt_box: FloatArray,
    g_rows: IntArray,
    d_rows: IntArray,
    g_lo: IntArray,
    g_hi: IntArray,
    d_lo: IntArray,
    d_hi: IntArray,
    offsets: IntArray,
) -> FloatArray:
    """The row-major (D x G) OKS block of every group, concatenated (block ``q`` at ``offsets[q]``)."""
    D = d_hi - d_lo
    G = g_hi - g_lo
    out = np.zeros(int((D * G).sum()), dtype=np.float64)
    # Terms per group: D x the GTs' term counts (pairs of another keypoint count write fewer).
    used_cum = np.concatenate([[0], np.cumsum(gt.used[g_rows])]).astype(np.int64)
    terms_per_group = D * (used_cum[g_hi] - used_cum[g_lo])
    box = np.ascontiguousarray(gt_box, dtype=np.float64)
    for lo, hi in weighted_spans(terms_per_group + D * G + 1, TERMS_BUDGET):
        s = slice(lo, hi)
        terms = np.empty(int(terms_per_group[s].sum()), dtype=np.float64)
        oks_terms(
            kp.gt_xyv, kp.gt_offsets, gt.used, gt.visible, box, gt.norm, gt.var_off, gt.variances,
            kp.dt_xyv, kp.dt_offsets, g_rows, d_rows, g_lo[s], g_hi[s], d_lo[s], d_hi[s], terms,
        )  # fmt: skip
        exps = np.exp(-terms)
        pair_means(
            exps, gt.used, kp.gt_offsets, kp.dt_offsets, g_rows, d_rows, g_lo[s], g_hi[s], d_lo[s], d_hi[s],
            offsets[s], out,
        )  # fmt: skip
    return out


def oks_fn(kp: Keypoints, data: DetectionData) -> IouFn:
    """An ``iou_fn`` for :func:`~curation.core.detection.coco.evaluate_images` computing OKS
    (pycocotools' ``computeOks``) between the GT and detection rows of ``data``."""
    gt = _gt_terms(kp, data)
    gt_box = np.ascontiguousarray(data.gt_box, dtype=np.float64)

    def fn(  # noqa: PLR0917
        g_order: IntArray,
        d_order: IntArray,
        g_lo: IntArray,
        g_hi: IntArray,
        d_lo: IntArray,
        d_hi: IntArray,
        offsets: IntArray,
    ) -> FloatArray:
        return _oks_blocks(kp, gt, gt_box, g_order, d_order, g_lo, g_hi, d_lo, d_hi, offsets)

    return fn


def tide_oks_fn(kp: Keypoints, data: DetectionData) -> TideIouFn:
    """A TIDE ``iou_fn`` computing OKS (no crowd variant: ignore regions are measured as any GT)."""
    coco_fn = oks_fn(kp, data)

    def fn(  # noqa: PLR0917
        g_order: IntArray,
        kept: IntArray,
        region: BoolArray,
        g_lo: IntArray,
        g_hi: IntArray,
        d_lo: IntArray,
        d_hi: IntArray,
        offsets: IntArray,
    ) -> FloatArray:
        del region
        return coco_fn(g_order, kept, g_lo, g_hi, d_lo, d_hi, offsets)

    return fn


def summarize_keypoints(arrays: CocoArrays, params: CocoParams | None = None) -> list[SummaryStat]:
    """The 10 numbers of ``COCOeval.summarize`` for keypoints (``_summarizeKps``): AP and AR at IoU
    0.50:0.95, 0.5, 0.75 over all areas, then over medium and large, at maxDets 20. With custom
    parameters a number whose threshold, range or maxDets is absent is -1."""
    p = params or keypoint_params()

    def one(kind: str, iou: float | None, area: str) -> SummaryStat:
        aind = [i for i, lbl in enumerate(p.area_labels) if lbl == area]
        mind = [i for i, m in enumerate(p.max_dets) if m == 20]
        s = arrays.precision if kind == "AP" else arrays.recall
        if iou is not None:
            s = s[np.where(iou == p.iou_thrs)[0]]
        s = s[:, :, :, aind, mind] if kind == "AP" else s[:, :, aind, mind]
        iou_lbl = f"{p.iou_thrs[0]:0.2f}:{p.iou_thrs[-1]:0.2f}" if iou is None else f"{iou:0.2f}"
        name = f"{kind}@[IoU={iou_lbl}|area={area}|maxDets=20]"
        return SummaryStat(name=name, kind=kind, iou=iou, area=area, max_dets=20, value=mean_valid(s))  # type: ignore[arg-type]

    return [one(kind, iou, area) for kind in ("AP", "AR") for iou, area in (
        (None, "all"), (0.5, "all"), (0.75, "all"), (None, "medium"), (None, "large")
    )]  # fmt: skip
