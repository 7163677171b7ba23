"""Detection diagnostics from one matching pass: COCO summary, per class, per slice, per asset, TIDE
error types, a confusion matrix over classes + background and matched-IoU histograms.

* COCO numbers come from :mod:`curation.core.detection.coco` (bit-identical to pycocotools).
* The *operating point* (``operating_iou``, ``score_threshold``) uses the same greedy matching with one
  IoU threshold, area range "all" and ``maxDets[-1]``: a detection with score >= threshold that is a
  COCO true positive at that IoU is a TP, an unmatched one an FP, a counted GT not matched by one a FN.
  Greedy matching runs in score order, so thresholding after matching equals matching only the
  detections above the threshold.
* Error types follow TIDE (:mod:`curation.core.detection.tide`).
* The confusion matrix matches detections above the threshold to GT *ignoring classes* (the same
  greedy rule at ``operating_iou``): a matched pair counts at (GT class, predicted class), an unmatched
  detection at (background, predicted class), an unmatched GT at (GT class, background). Crowd GTs
  are neither rows nor columns; detections matched to them are left out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core.detection._coco_kernels import bucket_order, dense_rank
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
from curation.core.detection.rle import RleSet, mask_iou_blocks
from curation.core.detection.tide import TideIouFn, TideResult, tide_errors

__all__ = [
    "AssetOutcomes",
    "ClassReport",
    "DetectionDiagnosis",
    "SliceReport",
    "diagnose",
    "mask_iou_fn",
    "restrict_state",
    "tide_mask_iou_fn",
]


@dataclass(frozen=True)
class ClassReport:
    """Per category; AP-type values are -1 when the category has no counted GT."""

    category: int
    num_gt: int
    num_predictions: int
    ap: float
    ap50: float
    ap75: float
    ar: float
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int
    best_f1: float
    best_f1_threshold: float
    best_f1_precision: float
    best_f1_recall: float
    pr_curve: FloatArray
    iou_histogram: IntArray


@dataclass(frozen=True)
class SliceReport:
    key: str
    value: str
    num_assets: int
    num_gt: int
    num_predictions: int
    ap: float
    ap50: float
    ar: float
    tp: int
    fp: int
    fn: int
    ranked: bool
    # True for a slice of GT objects (per-object metadata): the other GTs are ignored, as COCO does
    # outside an area range; num_assets then counts the assets holding at least one of its GTs, and
    # fp is 0 (an unmatched prediction belongs to no object slice; it still lowers the slice's AP).
    gt_level: bool = False


@dataclass(frozen=True)
class AssetOutcomes:
    """Per asset at the operating point, and each object's outcome (input rows).

    ``order`` lists assets worst first (most FP + FN, then fewest TP, then index).
    Detection outcome: 1 TP, 0 FP, 2 ignored (matched a crowd region), 3 below the score threshold,
    4 cut by maxDets. GT outcome: 1 matched, 0 missed, 2 ignored (crowd / outside "all").
    """

    order: IntArray
    tp: IntArray
    fp: IntArray
    fn: IntArray
    dt_outcome: NDArray[np.int8]
    dt_match: IntArray
    dt_iou: FloatArray
    gt_outcome: NDArray[np.int8]
    gt_match: IntArray
    gt_iou: FloatArray


@dataclass(frozen=True)
class DetectionDiagnosis:
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


def mask_iou_fn(gt_masks: RleSet, dt_masks: RleSet, gt_crowd: BoolArray) -> IouFn:
    """An ``iou_fn`` for :func:`evaluate_images` computing mask IoU (pycocotools ``rleIou``)."""

    def fn(  # noqa: PLR0917
        g_order: IntArray,
        d_order: IntArray,
        g_lo: IntArray,
        g_hi: IntArray,
        d_lo: IntArray,
        d_hi: IntArray,
        offsets: IntArray,
    ) -> FloatArray:
        return mask_iou_blocks(
            gt_masks.take(g_order), gt_crowd[g_order], dt_masks.take(d_order), g_lo, g_hi, d_lo, d_hi, offsets
        )

    return fn


def tide_mask_iou_fn(gt_masks: RleSet, dt_masks: RleSet) -> TideIouFn:
    """A TIDE ``iou_fn`` computing mask IoU (crowd IoU for ignore regions), tidecv's mask mode."""

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
        return mask_iou_blocks(
            gt_masks.take(g_order), region[g_order], dt_masks.take(kept), g_lo, g_hi, d_lo, d_hi, offsets
        )

    return fn


def restrict_state(state: MatchState, images: BoolArray, *, area: int = 0, max_det: int = -1) -> MatchState:
    """The state of a subset of images, one area range and one maxDets (for cheap per-slice COCO)."""
    p = state.params
    dk = images[state.dt_image]
    gk = images[state.gt_image]
    sub = CocoParams(
        iou_thrs=p.iou_thrs,
        rec_thrs=p.rec_thrs,
        max_dets=(p.max_dets[max_det],),
        area_rngs=p.area_rngs[area : area + 1],
        area_labels=(p.area_labels[area],),
    )
    return replace(
        state,
        params=sub,
        dt_row=state.dt_row[dk],
        dt_image=state.dt_image[dk],
        dt_category=state.dt_category[dk],
        dt_rank=state.dt_rank[dk],
        dt_score=state.dt_score[dk],
        dt_codes=np.ascontiguousarray(state.dt_codes[dk][:, area : area + 1, :]),
        dt_match=state.dt_match[dk],
        dt_match_iou=state.dt_match_iou[dk],
        gt_row=state.gt_row[gk],
        gt_image=state.gt_image[gk],
        gt_category=state.gt_category[gk],
        gt_counted=state.gt_counted[area : area + 1][:, gk],
    )


def _mean_valid(a: FloatArray) -> float:
    v = a[a > -1]
    return float(np.mean(v)) if v.size else -1.0


def _best_f1(  # noqa: PLR0917
    cat: IntArray, score: FloatArray, tp: BoolArray, fp: BoolArray, npos: IntArray, K: int
) -> FloatArray:
    """Per class [best F1, threshold, precision, recall], cutting only between distinct scores."""
    out = np.zeros((K, 4))
    if cat.size == 0:
        return out
    # Stable by class then descending score: two counting sorts over a dense score rank.
    sr, n_ranks = dense_rank(score, np.argsort(-score).astype(np.int64))
    order = bucket_order(
        np.ascontiguousarray(cat, dtype=np.int64),
        K,
        bucket_order(sr, n_ranks, np.arange(cat.shape[0], dtype=np.int64)),
    )
    c, s = cat[order], score[order]
    ctp = np.cumsum(tp[order])
    cfp = np.cumsum(fp[order])
    start = np.searchsorted(c, c, side="left")
    base_tp = np.where(start > 0, ctp[start - 1], 0)
    base_fp = np.where(start > 0, cfp[start - 1], 0)
    t: IntArray = ctp - base_tp
    f: IntArray = cfp - base_fp
    end = np.ones(c.shape[0], dtype=bool)
    end[:-1] = (c[1:] != c[:-1]) | (s[1:] != s[:-1])
    n = npos[c]
    denom = 2 * t + f + (n - t)
    f1 = np.where(denom > 0, 2 * t / np.maximum(denom, 1), 0.0)
    f1 = np.where(end, f1, -1.0)
    # Per class, the first (highest-threshold) cut reaching the class's best F1.
    seg = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    seg_max = np.maximum.reduceat(f1, seg)
    seg_of = np.cumsum(np.r_[False, c[1:] != c[:-1]])
    hit = np.flatnonzero(f1 == seg_max[seg_of])
    pick = hit[np.r_[True, seg_of[hit][1:] != seg_of[hit][:-1]]]
    k = c[pick]
    prec = np.where(t[pick] + f[pick] > 0, t[pick] / np.maximum(t[pick] + f[pick], 1), 0.0)
    rec = np.where(n[pick] > 0, t[pick] / np.maximum(n[pick], 1), 0.0)
    out[k] = np.stack([np.maximum(f1[pick], 0.0), s[pick], prec, rec], axis=1)
    return out


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
    columns, ``gt_slices`` per-GT ones (see :class:`SliceReport`).
    """
    p = params or CocoParams()
    K, n_img = data.num_categories, data.num_images
    iou_fn = mask_iou_fn(masks[0], masks[1], data.gt_iscrowd) if masks is not None else None
    state = evaluate_images(data, p, mode=mode, iou_fn=iou_fn)
    arrays = accumulate(state)
    summary = summarize(arrays, p)

    # Operating point: one IoU, area "all", maxDets[-1].
    op_params = CocoParams(
        iou_thrs=np.array([operating_iou]),
        rec_thrs=p.rec_thrs,
        max_dets=(p.max_dets[-1],),
        area_rngs=np.array([[0.0, 1e5**2]]),
        area_labels=("all",),
    )
    t_op = np.flatnonzero(p.iou_thrs == operating_iou)
    if t_op.size and np.array_equal(p.area_rngs[0], op_params.area_rngs[0]):
        # The main matching already holds this threshold under area range "all".
        t = int(t_op[0])
        op = replace(
            state,
            params=op_params,
            dt_codes=np.ascontiguousarray(state.dt_codes[:, :1, t : t + 1]),
            dt_match=state.dt_match[:, t : t + 1],
            dt_match_iou=state.dt_match_iou[:, t : t + 1],
            gt_counted=state.gt_counted[:1],
        )
    else:
        op = evaluate_images(data, op_params, mode=mode, iou_fn=iou_fn)
    op_arrays = accumulate(op)
    code = op.dt_codes[:, 0, 0]
    above = op.dt_score >= score_threshold
    tp = (code == 1) & above
    fp = (code == 0) & above
    npos = np.bincount(op.gt_category[op.gt_counted[0]], minlength=K)[:K].astype(np.int64)
    tp_k = np.bincount(op.dt_category[tp], minlength=K)[:K]
    fp_k = np.bincount(op.dt_category[fp], minlength=K)[:K]
    best = _best_f1(op.dt_category[code != 2], op.dt_score[code != 2], (code == 1)[code != 2],
                    (code == 0)[code != 2], npos, K)  # fmt: skip
    edges = np.linspace(0.0, 1.0, iou_bins + 1)
    all_tp = code == 1
    bins = np.minimum((op.dt_match_iou[all_tp, 0] * iou_bins).astype(np.int64), iou_bins - 1)
    hist = np.bincount(op.dt_category[all_tp] * iou_bins + bins, minlength=K * iou_bins)[: K * iou_bins]
    hist = hist.reshape(K, iou_bins)
    n_pred = np.bincount(data.dt_category, minlength=K)[:K]
    M = len(p.max_dets) - 1
    t50 = np.flatnonzero(p.iou_thrs == 0.5)
    t75 = np.flatnonzero(p.iou_thrs == 0.75)
    per_class = []
    for k in range(K):
        prec_k = arrays.precision[:, :, k, 0, M]
        t, f = int(tp_k[k]), int(fp_k[k])
        fn = int(npos[k]) - t
        pr = t / (t + f) if t + f else 0.0
        rc = t / int(npos[k]) if npos[k] else 0.0
        per_class.append(
            ClassReport(
                category=k,
                num_gt=int(npos[k]),
                num_predictions=int(n_pred[k]),
                ap=_mean_valid(prec_k),
                ap50=_mean_valid(prec_k[t50]) if t50.size else -1.0,
                ap75=_mean_valid(prec_k[t75]) if t75.size else -1.0,
                ar=_mean_valid(arrays.recall[:, k, 0, M]),
                precision=pr,
                recall=rc,
                f1=2 * pr * rc / (pr + rc) if pr + rc else 0.0,
                tp=t,
                fp=f,
                fn=fn,
                best_f1=float(best[k, 0]),
                best_f1_threshold=float(best[k, 1]),
                best_f1_precision=float(best[k, 2]),
                best_f1_recall=float(best[k, 3]),
                pr_curve=op_arrays.precision[0, :, k, 0, 0].copy(),
                iou_histogram=hist[k].astype(np.int64),
            )
        )

    # Per asset at the operating point.
    gt_outcome = np.full(data.num_gt, 2, np.int8)
    gt_match = np.full(data.num_gt, -1, np.int64)
    gt_iou = np.zeros(data.num_gt)
    gt_outcome[op.gt_row[op.gt_counted[0]]] = 0
    m = op.dt_match[tp, 0]
    gt_outcome[m] = 1
    gt_match[m] = op.dt_row[tp]
    gt_iou[m] = op.dt_match_iou[tp, 0]
    dt_outcome = np.full(data.num_dt, 4, np.int8)
    dt_outcome[op.dt_row] = np.where(above, np.where(code == 2, 2, code), 3).astype(np.int8)
    dt_match = np.full(data.num_dt, -1, np.int64)
    dt_iou = np.zeros(data.num_dt)
    dt_match[op.dt_row] = op.dt_match[:, 0]
    dt_iou[op.dt_row] = op.dt_match_iou[:, 0]
    a_tp = np.bincount(op.dt_image[tp], minlength=n_img)[:n_img].astype(np.int64)
    a_fp = np.bincount(op.dt_image[fp], minlength=n_img)[:n_img].astype(np.int64)
    a_fn = np.bincount(data.gt_image[gt_outcome == 0], minlength=n_img)[:n_img].astype(np.int64)
    order = np.lexsort((np.arange(n_img), a_tp, -(a_fp + a_fn))).astype(np.int64)
    assets = AssetOutcomes(
        order, a_tp, a_fp, a_fn, dt_outcome, dt_match, dt_iou, gt_outcome, gt_match, gt_iou
    )

    # Confusion over classes + background: class-agnostic matching of detections above threshold.
    confusion = np.zeros((K + 1, K + 1), np.int64)
    kept = np.zeros(data.num_dt, dtype=bool)
    kept[op.dt_row] = True
    sel = np.flatnonzero((data.dt_score >= score_threshold) & kept)
    agn = evaluate_images(
        replace(
            data,
            num_categories=1,
            gt_category=np.zeros(data.num_gt, np.int64),
            dt_image=data.dt_image[sel],
            dt_category=np.zeros(sel.shape[0], np.int64),
            dt_box=data.dt_box[sel],
            dt_score=data.dt_score[sel],
            dt_area=data.dt_area[sel],
            dt_rows=sel,
            gt_rows=None,
        ),
        replace(op_params, max_dets=(max(1, int(sel.shape[0])),)),
        mode=mode,
        iou_fn=mask_iou_fn(masks[0], masks[1].take(sel), data.gt_iscrowd) if masks is not None else None,
    )
    acode = agn.dt_codes[:, 0, 0]
    pred_cls = data.dt_category[agn.dt_row]
    matched = acode == 1
    size = (K + 1) * (K + 1)
    cell = data.gt_category[agn.dt_match[matched, 0]] * (K + 1) + pred_cls[matched]
    confusion += np.bincount(cell, minlength=size)[:size].reshape(K + 1, K + 1)
    confusion[K, :K] += np.bincount(pred_cls[acode == 0], minlength=K)[:K]
    unmatched = np.zeros(data.num_gt, dtype=bool)
    unmatched[agn.gt_row[agn.gt_counted[0]]] = True
    unmatched[agn.dt_match[matched, 0]] = False
    confusion[:K, K] += np.bincount(data.gt_category[unmatched], minlength=K)[:K]

    tide = tide_errors(
        data,
        foreground_iou=tide_foreground_iou,
        background_iou=tide_background_iou,
        max_dets=p.max_dets[-1],
        honour_ignore=mode == "diagnostic",
        iou_fn=tide_mask_iou_fn(masks[0], masks[1]) if masks is not None else None,
    )

    # Slices: COCO AP per metadata value, worst first.
    slice_reports: list[SliceReport] = []
    for key, values in (slices or {}).items():
        vals = np.asarray(values, dtype=object)
        uniq, inv = np.unique(vals.astype(str), return_inverse=True)
        reports = []
        for u, val in enumerate(uniq):
            mask = inv == u
            sub = restrict_state(state, mask)
            sa = accumulate(sub)
            s50 = sa.precision[t50] if t50.size else np.full(1, -1.0)
            n_assets = int(mask.sum())
            reports.append(
                SliceReport(
                    key=key,
                    value=str(val),
                    num_assets=n_assets,
                    num_gt=int(sub.gt_counted[0].sum()),
                    num_predictions=int(np.count_nonzero(mask[data.dt_image])),
                    ap=_mean_valid(sa.precision),
                    ap50=_mean_valid(s50),
                    ar=_mean_valid(sa.recall),
                    tp=int(a_tp[mask].sum()),
                    fp=int(a_fp[mask].sum()),
                    fn=int(a_fn[mask].sum()),
                    ranked=n_assets >= min_slice_support,
                )
            )
        ranked = sorted((r for r in reports if r.ranked), key=lambda r: (r.ap < 0, r.ap, r.value))
        rest = sorted((r for r in reports if not r.ranked), key=lambda r: r.value)
        slice_reports.extend((ranked + rest)[:max_slices_per_key])

    # Object slices: the GTs of one value count, every other GT is an ignore region (diagnostic rules
    # for the supplied ignore flags), matched again at every IoU threshold, area "all".
    slice_params = CocoParams(
        iou_thrs=p.iou_thrs,
        rec_thrs=p.rec_thrs,
        max_dets=(p.max_dets[-1],),
        area_rngs=np.array([[0.0, 1e5**2]]),
        area_labels=("all",),
    )
    base_ignore = data.gt_ignore if (mode == "diagnostic" and data.gt_ignore is not None) else None
    for key, values in (gt_slices or {}).items():
        uniq, inv = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
        reports = []
        for u, val in enumerate(uniq):
            mask = inv == u
            ignore = ~mask if base_ignore is None else (~mask | base_ignore)
            sub = evaluate_images(
                replace(data, gt_ignore=ignore), slice_params, mode="diagnostic", iou_fn=iou_fn
            )
            sa = accumulate(sub)
            s50 = sa.precision[t50] if t50.size else np.full(1, -1.0)
            n_assets = int(np.count_nonzero(np.bincount(data.gt_image[mask], minlength=n_img)))
            reports.append(
                SliceReport(
                    key=key,
                    value=str(val),
                    num_assets=n_assets,
                    num_gt=int(sub.gt_counted[0].sum()),
                    num_predictions=0,
                    ap=_mean_valid(sa.precision),
                    ap50=_mean_valid(s50),
                    ar=_mean_valid(sa.recall),
                    tp=int(np.count_nonzero(mask & (gt_outcome == 1))),
                    fp=0,
                    fn=int(np.count_nonzero(mask & (gt_outcome == 0))),
                    ranked=n_assets >= min_slice_support,
                    gt_level=True,
                )
            )
        ranked = sorted((r for r in reports if r.ranked), key=lambda r: (r.ap < 0, r.ap, r.value))
        rest = sorted((r for r in reports if not r.ranked), key=lambda r: r.value)
        slice_reports.extend((ranked + rest)[:max_slices_per_key])

    has_gt_cat = np.bincount(data.gt_category, minlength=K)[:K] > 0
    img_has_gt = np.bincount(data.gt_image, minlength=n_img)[:n_img] > 0
    facts = {
        "dt_category_without_gt": int(np.count_nonzero(~has_gt_cat[data.dt_category])),
        "dt_on_image_without_gt": int(np.count_nonzero(~img_has_gt[data.dt_image])),
        "dt_truncated": state.num_truncated,
        "gt_degenerate": int(np.count_nonzero((data.gt_box[:, 2] <= 0) | (data.gt_box[:, 3] <= 0))),
        "dt_degenerate": int(np.count_nonzero((data.dt_box[:, 2] <= 0) | (data.dt_box[:, 3] <= 0))),
    }
    return DetectionDiagnosis(
        params=p,
        mode=mode,
        state=state,
        arrays=arrays,
        summary=summary,
        per_class=per_class,
        slices=slice_reports,
        tide=tide,
        confusion=confusion,
        assets=assets,
        iou_bins=edges,
        facts=facts,
    )
