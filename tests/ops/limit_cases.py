"""The parameter-maximum cases of the diagnostics operations, and the runner that answers them through
the real seam under a hard address-space limit (run as ``python -m tests.ops.limit_cases <family>``
by tests/ops/test_limits_diagnostics.py, one subprocess per family).

Each case is a request at a documented maximum with tiny inputs (expected: answered, or refused with
LimitExceeded because its estimate is over the per-request budget) or one past it (expected: refused
with LimitExceeded naming ``field``). The runner prints one JSON line per case.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from curation.errors import CurationError, LimitExceeded
from curation.ops import Context, Operations, classification, detection
from curation.ops._limits import MAX_STRING_CHARS
from curation.ops.classification import limits as cl
from curation.ops.detection import limits as dl
from curation.v1 import classification_pb2 as cpb
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as dpb
from tests.support import DictCache

__all__ = ["CASES", "Case", "HEADROOM_BYTES", "main"]

# Address space allowed beyond what the process holds once the service is imported and warmed up: more
# than the 2 GiB per-request budget (an estimate within it must run), far less than what an unchecked
# parameter allocates (max_detections 2^31 - 1 asked for 17 GB).
HEADROOM_BYTES = 3 * 1024**3

CLS = classification.NAME
DET = detection.NAME
STREAM = detection.STREAM_NAME


@dataclass(frozen=True)
class Case:
    """One request: ``field`` is the field a refusal must name ("" = at a maximum: answer or refuse)."""

    name: str
    operation: str
    build: Callable[[], Message | list[Message]]
    field: str = ""


def _cls(k: int = 3, **fields: Any) -> cpb.ScoreClassificationRequest:
    req = cpb.ScoreClassificationRequest(
        class_names=[f"c{i}" for i in range(k)], asset_ids=["a", "b", "c"], y_true=[0, 1, 2 % k]
    )
    req.y_pred.extend([0, 0, 1 % k])
    for name, value in fields.items():
        target = getattr(req, name)
        if isinstance(value, list):
            target.extend(value)
        else:
            setattr(req, name, value)
    return req


def _cls_scores(top_k: int) -> cpb.ScoreClassificationRequest:
    req = _cls(k=3)
    del req.y_pred[:]
    req.scores.extend([0.5, 0.3, 0.2] * 3)
    req.score_type = cpb.SCORE_TYPE_PROBABILITY
    req.top_k.extend(range(1, top_k + 1))
    return req


def _cls_curves(points: int) -> cpb.ScoreClassificationRequest:
    req = _cls_scores(1)
    req.curve_points = points
    return req


def _cls_columns(columns: int, keys: int) -> cpb.ScoreClassificationRequest:
    req = _cls()
    for i in range(columns):
        req.metadata.append(common_pb2.MetadataColumn(key=f"m{i}", values=["x", "y", "x"]))
    req.slice_by.extend(f"m{i % max(columns, 1)}" for i in range(keys))
    return req


def _det(
    categories: int = 1,
    boxes: int = 1,
    params: dpb.DetectionParams | None = None,
    **fields: Any,
) -> dpb.ScoreDetectionRequest:
    req = dpb.ScoreDetectionRequest(asset_ids=["img"], category_names=[f"k{i}" for i in range(categories)])
    req.gt_asset.extend([0] * boxes)
    req.gt_category.extend([0] * boxes)
    req.gt_boxes.extend([10.0, 10.0, 20.0, 20.0] * boxes)
    req.pred_asset.extend([0] * boxes)
    req.pred_category.extend([0] * boxes)
    req.pred_boxes.extend([11.0, 10.0, 20.0, 20.0] * boxes)
    req.pred_scores.extend([0.9] * boxes)
    if params is not None:
        req.params.CopyFrom(params)
    for name, value in fields.items():
        target = getattr(req, name)
        if isinstance(value, list):
            target.extend(value)
        else:
            setattr(req, name, value)
    return req


def _det_columns(columns: int, keys: int, gt: bool = False) -> dpb.ScoreDetectionRequest:
    req = _det()
    table, by = (req.gt_metadata, req.slice_gt_by) if gt else (req.metadata, req.slice_by)
    for i in range(columns):
        table.append(common_pb2.MetadataColumn(key=f"m{i}", values=["x"]))
    by.extend(f"m{i % max(columns, 1)}" for i in range(keys))
    return req


def _det_values(distinct: int) -> dpb.ScoreDetectionRequest:
    req = dpb.ScoreDetectionRequest(asset_ids=[f"i{j}" for j in range(distinct)], category_names=["k"])
    req.gt_asset.append(0)
    req.gt_category.append(0)
    req.gt_boxes.extend([1.0, 1.0, 5.0, 5.0])
    req.metadata.append(common_pb2.MetadataColumn(key="site", values=[f"v{j}" for j in range(distinct)]))
    req.slice_by.append("site")
    return req


def _params(t: int = 0, r: int = 0, a: int = 0, m: Sequence[int] = ()) -> dpb.DetectionParams:
    p = dpb.DetectionParams(max_detections=list(m))
    p.iou_thresholds.extend(0.5 + 0.45 * i / max(t - 1, 1) for i in range(t))
    p.recall_thresholds.extend(i / max(r - 1, 1) for i in range(r))
    p.area_ranges.extend(dpb.AreaRange(min=0.0, max=1e10 + i) for i in range(a))
    return p


def _masked(side: int) -> dpb.ScoreDetectionRequest:
    req = _det(iou_type=dpb.DETECTION_IOU_TYPE_SEGM)
    req.gt_masks.append(dpb.RleMask(height=side, width=1, counts="0"))
    req.pred_masks.append(dpb.RleMask(height=1, width=1, counts="01"))
    return req


def _keypointed(k: int, boxes: int) -> dpb.ScoreDetectionRequest:
    """``boxes`` GT and predictions of one category of ``k`` keypoints (its ``k`` sigmas)."""
    req = _det(boxes=boxes, iou_type=dpb.DETECTION_IOU_TYPE_KEYPOINTS)
    req.params.keypoint_sigmas.add(sigmas=[0.05] * k)
    req.gt_keypoints.extend([12.0, 14.0, 2.0] * (k * boxes))
    req.pred_keypoints.extend([13.0, 14.0, 1.0] * (k * boxes))
    return req


def _box_results(sides: Sequence[float]) -> dpb.ScoreDetectionRequest:
    """COCO files in segm with box results (no segmentations): each box is rasterised as the polygon of
    its corners, whose boundary points grow with its sides, not with the text."""
    gt = {
        "images": [{"id": 1, "height": 10, "width": 10}],
        "categories": [{"id": 1}],
        "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 5, 5], "area": 25,
                         "segmentation": [[0, 0, 0, 5, 5, 5, 5, 0]]}],
    }  # fmt: skip
    res = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, s, s], "score": 0.5} for s in sides]
    return dpb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(res), iou_type=dpb.DETECTION_IOU_TYPE_SEGM
    )


# A box of side s has 4 * (5 s + 1) boundary points.
_EACH_SIDE = (dl.MAX_POLYGON_POINTS_EACH // 4 - 1) / 5


def _stream(chunks: int) -> list[Message]:
    out: list[Message] = [dpb.ScoreDetectionStreamRequest(chunk=_det())]
    out.extend(dpb.ScoreDetectionStreamRequest() for _ in range(chunks - 1))
    return out


def _long_id(length: int) -> cpb.ScoreClassificationRequest:
    req = _cls()
    req.asset_ids[1] = "x" * length
    return req


def _many_slices() -> cpb.ScoreClassificationRequest:
    n = cl.MAX_SLICES_PER_KEY
    req = cpb.ScoreClassificationRequest(
        class_names=[f"c{i}" for i in range(cl.MAX_CLASSES)], asset_ids=[f"a{i}" for i in range(n)]
    )
    req.y_true.extend(i % cl.MAX_CLASSES for i in range(n))
    req.y_pred.extend((i * 7) % cl.MAX_CLASSES for i in range(n))
    req.metadata.append(common_pb2.MetadataColumn(key="m", values=[f"v{i}" for i in range(n)]))
    req.slice_by.append("m")
    req.max_slices_per_key = cl.MAX_SLICES_PER_KEY
    return req


# Precision cells at their maximum: T x R x K x A x M = 10 x 1,000 x 1,000 x 2 x 1 = 20,000,000.
_CELLS = _params(t=10, r=1_000, a=2, m=(100,))
assert dl.MAX_PRECISION_CELLS == 10 * 1_000 * 1_000 * 2

CASES: dict[str, list[Case]] = {
    "classification": [
        Case("classes at max", CLS, lambda: _cls(k=cl.MAX_CLASSES)),
        Case("classes over", CLS, lambda: _cls(k=cl.MAX_CLASSES + 1), "class_names"),
        Case("top_k at max", CLS, lambda: _cls_scores(cl.MAX_TOP_K)),
        Case("top_k over", CLS, lambda: _cls_scores(cl.MAX_TOP_K + 1), "top_k"),
        Case("calibration_bins at max", CLS, lambda: _cls(calibration_bins=cl.MAX_CALIBRATION_BINS)),
        Case(
            "calibration_bins over",
            CLS,
            lambda: _cls(calibration_bins=cl.MAX_CALIBRATION_BINS + 1),
            "calibration_bins",
        ),
        Case("metadata at max", CLS, lambda: _cls_columns(cl.MAX_METADATA_COLUMNS, 1)),
        Case("metadata over", CLS, lambda: _cls_columns(cl.MAX_METADATA_COLUMNS + 1, 1), "metadata"),
        Case("slice_by at max", CLS, lambda: _cls_columns(cl.MAX_SLICE_KEYS, cl.MAX_SLICE_KEYS)),
        Case(
            "slice_by over",
            CLS,
            lambda: _cls_columns(cl.MAX_SLICE_KEYS + 1, cl.MAX_SLICE_KEYS + 1),
            "slice_by",
        ),
        Case("max_slices_per_key at max", CLS, lambda: _cls(max_slices_per_key=cl.MAX_SLICES_PER_KEY)),
        Case(
            "max_slices_per_key over",
            CLS,
            lambda: _cls(max_slices_per_key=cl.MAX_SLICES_PER_KEY + 1),
            "max_slices_per_key",
        ),
        Case("curve_points at max", CLS, lambda: _cls_curves(cl.MAX_CURVE_POINTS)),
        Case("curve_points over", CLS, lambda: _cls_curves(cl.MAX_CURVE_POINTS + 1), "curve_points"),
        Case("asset id length at max", CLS, lambda: _long_id(MAX_STRING_CHARS)),
        Case("asset id length over", CLS, lambda: _long_id(MAX_STRING_CHARS + 1), "asset_ids[1]"),
        Case("most classes sliced 1,000 ways", CLS, _many_slices),
        Case("assets over", CLS, lambda: _cls(asset_ids=list(map(str, range(cl.MAX_ASSETS)))), "asset_ids"),
    ],
    "detection": [
        Case("max_detections at max", DET, lambda: _det(params=_params(m=(dl.MAX_DETECTIONS,)))),
        Case(
            "max_detections over",
            DET,
            lambda: _det(params=_params(m=(1, dl.MAX_DETECTIONS + 1))),
            "params.max_detections[1]",
        ),
        Case(
            "max_detections 2^31 - 1 (the 245-byte attack)",
            DET,
            lambda: _det(params=_params(m=(2**31 - 1,))),
            "params.max_detections[0]",
        ),
        Case("maxDets cuts at max", DET, lambda: _det(params=_params(m=range(1, dl.MAX_DETECTION_CUTS + 1)))),
        Case(
            "maxDets cuts over",
            DET,
            lambda: _det(params=_params(m=range(1, dl.MAX_DETECTION_CUTS + 2))),
            "params.max_detections",
        ),
        Case("iou_thresholds at max", DET, lambda: _det(params=_params(t=dl.MAX_IOU_THRESHOLDS))),
        Case(
            "iou_thresholds over",
            DET,
            lambda: _det(params=_params(t=dl.MAX_IOU_THRESHOLDS + 1)),
            "params.iou_thresholds",
        ),
        Case("recall_thresholds at max", DET, lambda: _det(params=_params(r=dl.MAX_RECALL_THRESHOLDS))),
        Case(
            "recall_thresholds over",
            DET,
            lambda: _det(params=_params(r=dl.MAX_RECALL_THRESHOLDS + 1)),
            "params.recall_thresholds",
        ),
        Case(
            "10^6 recall thresholds (the 37 s attack)",
            DET,
            lambda: _det(params=_params(r=10**6)),
            "params.recall_thresholds",
        ),
        Case("area_ranges at max", DET, lambda: _det(params=_params(a=dl.MAX_AREA_RANGES))),
        Case(
            "area_ranges over",
            DET,
            lambda: _det(params=_params(a=dl.MAX_AREA_RANGES + 1)),
            "params.area_ranges",
        ),
        Case("precision cells at max", DET, lambda: _det(categories=1_000, params=_CELLS)),
        Case("precision cells over", DET, lambda: _det(categories=1_001, params=_CELLS), "params"),
        Case(
            "categories at max",
            DET,
            lambda: _det(categories=dl.MAX_CATEGORIES, params=_params(t=1, r=1, a=1)),
        ),
        Case("categories over", DET, lambda: _det(categories=dl.MAX_CATEGORIES + 1), "category_names"),
        Case("iou_histogram_bins at max", DET, lambda: _det(iou_histogram_bins=dl.MAX_HISTOGRAM_BINS)),
        Case(
            "iou_histogram_bins over",
            DET,
            lambda: _det(iou_histogram_bins=dl.MAX_HISTOGRAM_BINS + 1),
            "iou_histogram_bins",
        ),
        Case("metadata at max", DET, lambda: _det_columns(dl.MAX_METADATA_COLUMNS, 1)),
        Case("metadata over", DET, lambda: _det_columns(dl.MAX_METADATA_COLUMNS + 1, 1), "metadata"),
        Case("slice_by at max", DET, lambda: _det_columns(dl.MAX_SLICE_KEYS, dl.MAX_SLICE_KEYS)),
        Case(
            "slice_by over",
            DET,
            lambda: _det_columns(dl.MAX_SLICE_KEYS + 1, dl.MAX_SLICE_KEYS + 1),
            "slice_by",
        ),
        Case("slice_gt_by at max", DET, lambda: _det_columns(dl.MAX_SLICE_KEYS, dl.MAX_SLICE_KEYS, gt=True)),
        Case(
            "slice_gt_by over",
            DET,
            lambda: _det_columns(dl.MAX_SLICE_KEYS + 1, dl.MAX_SLICE_KEYS + 1, gt=True),
            "slice_gt_by",
        ),
        Case("distinct slice values at max", DET, lambda: _det_values(dl.MAX_SLICE_VALUES)),
        Case(
            "distinct slice values over",
            DET,
            lambda: _det_values(dl.MAX_SLICE_VALUES + 1),
            "metadata[0].values",
        ),
        Case("max_slices_per_key at max", DET, lambda: _det(max_slices_per_key=dl.MAX_SLICES_PER_KEY)),
        Case(
            "max_slices_per_key over",
            DET,
            lambda: _det(max_slices_per_key=dl.MAX_SLICES_PER_KEY + 1),
            "max_slices_per_key",
        ),
        Case("GT objects over", DET, lambda: _det(gt_asset=[0] * dl.MAX_OBJECTS), "gt_asset"),
        Case("predictions over", DET, lambda: _det(pred_asset=[0] * dl.MAX_OBJECTS), "pred_asset"),
        Case("assets over", DET, lambda: _det(asset_ids=list(map(str, range(dl.MAX_ASSETS)))), "asset_ids"),
        Case(
            "LVIS negative pairs over",
            DET,
            lambda: _det(mode=dpb.DETECTION_MODE_LVIS, lvis_neg_asset=[0] * (dl.MAX_LVIS_PAIRS + 1)),
            "lvis_neg_asset",
        ),
        Case(
            "LVIS not-exhaustive pairs over",
            DET,
            lambda: _det(
                mode=dpb.DETECTION_MODE_LVIS, lvis_not_exhaustive_asset=[0] * (dl.MAX_LVIS_PAIRS + 1)
            ),
            "lvis_not_exhaustive_asset",
        ),
        Case("mask side over", DET, lambda: _masked(dl.MAX_MASK_SIDE + 1), "gt_masks.height[0]"),
        Case("keypoints per category at max", DET, lambda: _keypointed(dl.MAX_KEYPOINTS, 2_000)),
        Case(
            "keypoints per category over",
            DET,
            lambda: _keypointed(dl.MAX_KEYPOINTS + 1, 1),
            "params.keypoint_sigmas[0].sigmas",
        ),
        Case("polygon points of one at max", DET, lambda: _box_results([_EACH_SIDE])),
        Case(
            "polygon points of one over",
            DET,
            lambda: _box_results([10, _EACH_SIDE + 1]),
            "coco_results_json[1].segmentation",
        ),
        Case(
            "polygon points in all over",
            DET,
            lambda: _box_results([_EACH_SIDE] * (dl.MAX_POLYGON_POINTS // dl.MAX_POLYGON_POINTS_EACH + 1)),
            f"coco_results_json[{dl.MAX_POLYGON_POINTS // dl.MAX_POLYGON_POINTS_EACH}].segmentation",
        ),
        Case(
            "2,000 x 2,000 IoU with 1,001 recall thresholds",
            DET,
            lambda: _det(boxes=2_000, params=_params(r=dl.MAX_RECALL_THRESHOLDS, m=(2_000,))),
        ),
    ],
    "stream": [
        Case("stream chunks at max", STREAM, lambda: _stream(dl.MAX_STREAM_CHUNKS)),
        Case("stream chunks over", STREAM, lambda: _stream(dl.MAX_STREAM_CHUNKS + 1), "stream"),
    ],
}


async def _run(ops: Operations, case: Case) -> dict[str, str]:
    request = case.build()
    try:
        if isinstance(request, list):
            await ops.dispatch_stream(case.operation, request, Context())
        else:
            await ops.dispatch(case.operation, request, Context())
    except LimitExceeded as exc:
        return {"outcome": "limit_exceeded", "field": exc.field, "message": exc.message}
    except CurationError as exc:
        return {"outcome": exc.kind.value, "field": exc.field, "message": exc.message}
    except MemoryError:
        return {"outcome": "memory_error", "field": "", "message": ""}
    return {"outcome": "answered", "field": "", "message": ""}


def main(family: str) -> None:
    """Answer every case of ``family`` under the address-space limit; one JSON line per case."""
    detection.warm_up()
    # The budget the cases were sized for (2 GiB): what it admits fits the address-space limit.
    ops = Operations(
        [*classification.SPECS, *detection.SPECS],
        DictCache(),
        workers=1,
        max_request_memory_bytes=2 * 1024**3,
    )
    with open("/proc/self/statm") as statm:
        baseline = int(statm.read().split()[0]) * resource.getpagesize()
    resource.setrlimit(resource.RLIMIT_AS, (baseline + HEADROOM_BYTES, resource.RLIM_INFINITY))
    print(json.dumps({"baseline": baseline}), flush=True)
    for case in CASES[family]:
        result = asyncio.run(_run(ops, case))
        print(json.dumps({"case": case.name, **result}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
