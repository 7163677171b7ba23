"""The per-asset part of a detection evaluation, stored columnar so a page is cheap to cut.

The cached ``DetectionEvaluation`` holds assets worst first (``asset_order``, with their TP/FP/FN) and
every object of every asset in that order (``object_*`` columns, ``object_offsets`` giving each
asset's span): within an asset, predictions by score, then GTs in input order. Objects are named
the way the caller sent them (row of the columnar arrays, or index in the COCO JSON).
:func:`add_page` turns a span of assets back into ``DetectionAssetReport`` messages.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from curation.core.detection import AssetOutcomes, TideResult
from curation.internal.v1 import detection_pb2 as ipb
from curation.ops.detection.inputs import Inputs
from curation.protowire import packed_doubles, packed_varints
from curation.v1 import detection_pb2 as pb

__all__ = ["add_assets", "add_page"]

# core TIDE error codes (0 = none, then classification .. missed) -> DetectionErrorType.
_ERROR = np.array(
    [
        pb.DETECTION_ERROR_TYPE_UNSPECIFIED,
        pb.DETECTION_ERROR_TYPE_CLASSIFICATION,
        pb.DETECTION_ERROR_TYPE_LOCALIZATION,
        pb.DETECTION_ERROR_TYPE_BOTH,
        pb.DETECTION_ERROR_TYPE_DUPLICATE,
        pb.DETECTION_ERROR_TYPE_BACKGROUND,
        pb.DETECTION_ERROR_TYPE_MISSED,
    ],
    dtype=np.int64,
)
# Field numbers of the evaluation's columns.
_FIELD = {f.name: f.number for f in ipb.DetectionEvaluation.DESCRIPTOR.fields}
# core AssetOutcomes codes -> DetectionOutcome.
_DT_OUTCOME = np.array(
    [
        pb.DETECTION_OUTCOME_FALSE_POSITIVE,
        pb.DETECTION_OUTCOME_TRUE_POSITIVE,
        pb.DETECTION_OUTCOME_IGNORED,
        pb.DETECTION_OUTCOME_BELOW_THRESHOLD,
        pb.DETECTION_OUTCOME_TRUNCATED,
    ],
    dtype=np.int64,
)
_GT_OUTCOME = np.array(
    [pb.DETECTION_OUTCOME_MISSED, pb.DETECTION_OUTCOME_TRUE_POSITIVE, pb.DETECTION_OUTCOME_IGNORED],
    dtype=np.int64,
)


def add_assets(ev: ipb.DetectionEvaluation, a: AssetOutcomes, t: TideResult, inputs: Inputs) -> None:
    """Write every asset's counts and every object's outcome (``a``) and error type (``t``) into ``ev``
    (worst asset first).

    The columns go in as packed wire chunks parsed once (``protowire``): extending the repeated
    fields from Python lists took ~0.1 s for 235k objects, the chunks a few milliseconds."""
    data = inputs.data
    rank = np.empty(data.num_images, np.int64)
    rank[a.order] = np.arange(data.num_images)
    n_gt, n_dt = data.num_gt, data.num_dt
    is_gt = np.concatenate([np.zeros(n_dt, np.bool_), np.ones(n_gt, np.bool_)])
    asset_rank = rank[np.concatenate([data.dt_image, data.gt_image])]
    row = np.concatenate([np.arange(n_dt), np.arange(n_gt)])
    score = np.concatenate([data.dt_score, np.zeros(n_gt)])
    # Within an asset: predictions by score, then GT in input order.
    order = np.lexsort((row, -score, is_gt, asset_rank))
    counts = np.bincount(asset_rank, minlength=data.num_images)
    chunks = [
        _varints("asset_order", a.order),
        _varints("asset_tp", a.tp[a.order]),
        _varints("asset_fp", a.fp[a.order]),
        _varints("asset_fn", a.fn[a.order]),
        _varints("object_offsets", np.concatenate([[0], np.cumsum(counts)])),
        _varints("object_is_gt", is_gt[order]),
        packed_doubles(_FIELD["object_score"], score[order]),
        *_object_columns(a, t, inputs, order),
    ]
    ev.MergeFromString(b"".join(chunks))


def _object_columns(
    a: AssetOutcomes, t: TideResult, inputs: Inputs, order: npt.NDArray[np.intp]
) -> list[bytes]:
    """Each object's name, category, outcome, match, IoU and error type, predictions before GTs,
    in ``order``, as packed chunks."""
    data = inputs.data
    n_gt, n_dt = data.num_gt, data.num_dt
    gt_name = inputs.gt_index if inputs.gt_index is not None else np.arange(n_gt)
    dt_name = inputs.dt_index if inputs.dt_index is not None else np.arange(n_dt)
    dt_m = np.where(a.dt_match >= 0, gt_name[np.maximum(a.dt_match, 0)], -1) if n_gt else a.dt_match
    gt_m = np.where(a.gt_match >= 0, dt_name[np.maximum(a.gt_match, 0)], -1) if n_dt else a.gt_match
    # IoU: of the match at the operating point; unmatched predictions show their best same-class IoU.
    dt_iou = np.where(a.dt_match >= 0, a.dt_iou, t.dt_iou)
    gt_error = np.where(t.gt_missed, pb.DETECTION_ERROR_TYPE_MISSED, 0).astype(np.int64)
    outcome = np.concatenate([_DT_OUTCOME[a.dt_outcome], _GT_OUTCOME[a.gt_outcome]])
    return [
        _varints("object_index", np.concatenate([dt_name, gt_name])[order]),
        _varints("object_category", np.concatenate([data.dt_category, data.gt_category])[order]),
        _varints("object_outcome", outcome[order]),
        _varints("object_matched", np.concatenate([dt_m, gt_m])[order]),
        packed_doubles(_FIELD["object_iou"], np.concatenate([dt_iou, a.gt_iou])[order]),
        _varints("object_error", np.concatenate([_ERROR[t.dt_error], gt_error])[order]),
    ]


def _varints(name: str, values: npt.ArrayLike) -> bytes:
    """``values`` as the packed chunk of the evaluation's integer, bool or enum field ``name``."""
    return packed_varints(_FIELD[name], values)


def add_page(
    response: pb.ScoreDetectionResponse, payload: ipb.DetectionEvaluation, start: int, stop: int
) -> None:
    """Add the assets ``start:stop`` (in worst-first order) of ``payload`` to ``response``."""
    names = payload.category_names
    offsets = payload.object_offsets
    for i in range(start, stop):
        asset = response.assets.add(
            asset_id=payload.asset_ids[payload.asset_order[i]],
            tp=payload.asset_tp[i],
            fp=payload.asset_fp[i],
            fn=payload.asset_fn[i],
        )
        for j in range(offsets[i], offsets[i + 1]):
            asset.objects.add(
                is_ground_truth=payload.object_is_gt[j],
                index=payload.object_index[j],
                category=names[payload.object_category[j]],
                score=payload.object_score[j],
                outcome=payload.object_outcome[j],
                matched_index=payload.object_matched[j],
                iou=payload.object_iou[j],
                error=payload.object_error[j],
            )
