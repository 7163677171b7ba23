"""COCO AP per metadata value, worst first: slices of assets (per-asset metadata) and slices of GT
objects (per-object metadata).

An asset slice restricts the main matching to its assets (COCO state is per image, so no matching is
redone). An object slice keeps the GTs of one value and makes every other GT an ignore region (as COCO
does outside an area range; diagnostic rules for the supplied ignore flags), matched again at every
IoU threshold, area "all". Per key, ranked slices (at least ``min_support`` assets) come worst AP
first, then the others by value, at most ``max_per_key`` of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from curation.core._common.arrays import BoolArray
from curation.core._common.cancel import checkpoint
from curation.core.detection.coco import (
    CocoParams,
    DetectionData,
    IouFn,
    MatchState,
    Mode,
    accumulate,
    area_all_params,
    evaluate_images,
    mean_valid,
)
from curation.core.detection.outcomes import AssetOutcomes

__all__ = ["SliceReport", "asset_slices", "object_slices", "restrict_state"]


@dataclass(frozen=True)
class SliceReport:
    """COCO AP/AP50/AR of one metadata value, and its TP/FP/FN at the operating point."""

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


def asset_slices(
    data: DetectionData,
    state: MatchState,
    assets: AssetOutcomes,
    columns: Mapping[str, Sequence[str]],
    *,
    min_support: int,
    max_per_key: int,
) -> list[SliceReport]:
    """A report per value of each per-asset column, from the main matching ``state``."""

    def report(key: str, value: str, mask: BoolArray) -> SliceReport:
        n_assets = int(mask.sum())
        return _report(
            key, value, restrict_state(state, mask), num_assets=n_assets,
            num_predictions=int(np.count_nonzero(mask[data.dt_image])),
            tp=int(assets.tp[mask].sum()), fp=int(assets.fp[mask].sum()), fn=int(assets.fn[mask].sum()),
            ranked=n_assets >= min_support,
        )  # fmt: skip

    return _worst_first(columns, report, max_per_key)


def object_slices(
    data: DetectionData,
    params: CocoParams,
    assets: AssetOutcomes,
    columns: Mapping[str, Sequence[str]],
    *,
    mode: Mode,
    iou_fn: IouFn | None,
    min_support: int,
    max_per_key: int,
) -> list[SliceReport]:
    """A report per value of each per-GT column: that value's GTs count, the others are ignored."""
    slice_params = area_all_params(params, params.iou_thrs)
    base_ignore = data.gt_ignore if (mode != "coco" and data.gt_ignore is not None) else None

    def report(key: str, value: str, mask: BoolArray) -> SliceReport:
        ignore = ~mask if base_ignore is None else (~mask | base_ignore)
        sub = evaluate_images(replace(data, gt_ignore=ignore), slice_params, mode="diagnostic", iou_fn=iou_fn)
        n_assets = int(np.count_nonzero(np.bincount(data.gt_image[mask], minlength=data.num_images)))
        return _report(
            key, value, sub, num_assets=n_assets, num_predictions=0,
            tp=int(np.count_nonzero(mask & (assets.gt_outcome == 1))), fp=0,
            fn=int(np.count_nonzero(mask & (assets.gt_outcome == 0))),
            ranked=n_assets >= min_support, gt_level=True,
        )  # fmt: skip

    return _worst_first(columns, report, max_per_key)


def _worst_first(
    columns: Mapping[str, Sequence[str]],
    report: Callable[[str, str, BoolArray], SliceReport],
    max_per_key: int,
) -> list[SliceReport]:
    """``report`` of every value of every column; per column the ranked reports by AP (worst first,
    -1 last), then the others by value, at most ``max_per_key``."""
    out: list[SliceReport] = []
    for key, values in columns.items():
        uniq, inv = np.unique(np.asarray(values, dtype=object).astype(str), return_inverse=True)
        reports = []
        for u, val in enumerate(uniq):
            checkpoint()
            reports.append(report(key, str(val), inv == u))
        ranked = sorted((r for r in reports if r.ranked), key=lambda r: (r.ap < 0, r.ap, r.value))
        rest = sorted((r for r in reports if not r.ranked), key=lambda r: r.value)
        out.extend((ranked + rest)[:max_per_key])
    return out


def _report(
    key: str,
    value: str,
    sub: MatchState,
    *,
    num_assets: int,
    num_predictions: int,
    tp: int,
    fp: int,
    fn: int,
    ranked: bool,
    gt_level: bool = False,
) -> SliceReport:
    """A slice's report: COCO AP, AP50 (-1 without a 0.5 threshold) and AR of its matching ``sub``."""
    sa = accumulate(sub)
    t50 = np.flatnonzero(sub.params.iou_thrs == 0.5)
    s50 = sa.precision[t50] if t50.size else np.full(1, -1.0)
    return SliceReport(
        key=key,
        value=value,
        num_assets=num_assets,
        num_gt=int(sub.gt_counted[0].sum()),
        num_predictions=num_predictions,
        ap=mean_valid(sa.precision),
        ap50=mean_valid(s50),
        ar=mean_valid(sa.recall),
        tp=tp,
        fp=fp,
        fn=fn,
        ranked=ranked,
        gt_level=gt_level,
    )
