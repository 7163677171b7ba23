"""Realistic requests of the diagnostics operations, for the tests that hold their cost estimates to
measured peaks (tracemalloc) and their maxima to a hard memory limit."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from curation.v1 import classification_pb2 as cpb
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as dpb

__all__ = ["classification_request", "coco_json_request", "detection_request"]


def classification_request(
    n: int, k: int, *, scores: bool = True, multi: bool = False, slices: int = 0, seed: int = 0
) -> cpb.ScoreClassificationRequest:
    """n assets, k classes, probabilities (or labels only), ``slices`` sliced keys of ~20 values."""
    rng = np.random.default_rng(seed)
    req = cpb.ScoreClassificationRequest(
        class_names=[f"c{i}" for i in range(k)], asset_ids=[f"asset-{i:07d}" for i in range(n)]
    )
    if multi:
        req.task = cpb.CLASSIFICATION_TASK_MULTI_LABEL
        req.y_true_indicator.extend((rng.random(n * k) < 0.3).tolist())
    else:
        req.y_true.extend(rng.integers(0, k, n).tolist())
    if scores:
        s = rng.random((n, k)).astype(np.float32)
        if not multi:
            s /= s.sum(axis=1, keepdims=True)
        req.score_type = cpb.SCORE_TYPE_PROBABILITY
        req.scores.extend(s.reshape(-1).tolist())
    elif multi:
        req.y_pred_indicator.extend((rng.random(n * k) < 0.3).tolist())
    else:
        req.y_pred.extend(rng.integers(0, k, n).tolist())
    for j in range(slices):
        key = f"m{j}"
        req.metadata.append(
            common_pb2.MetadataColumn(key=key, values=[f"v{v}" for v in rng.integers(0, 20, n).tolist()])
        )
        req.slice_by.append(key)
    return req


def detection_request(
    images: int,
    categories: int,
    per_image: int,
    *,
    params: dpb.DetectionParams | None = None,
    slices: bool = False,
    include_arrays: bool = False,
    views: Sequence[dpb.DetectionView] = (),
    seed: int = 0,
) -> dpb.ScoreDetectionRequest:
    """``per_image`` GT boxes and as many jittered predictions on each image, random categories;
    ``views`` the parts asked for (empty: the default set)."""
    rng = np.random.default_rng(seed)
    n = images * per_image
    req = dpb.ScoreDetectionRequest(
        asset_ids=[f"img{i}" for i in range(images)],
        category_names=[f"cat{i}" for i in range(categories)],
        include_arrays=include_arrays,
        views=views,
    )
    img = np.repeat(np.arange(images), per_image)
    cat = rng.integers(0, categories, n)
    xy = rng.random((n, 2)) * 500
    wh = rng.random((n, 2)) * 100 + 5
    boxes = np.concatenate([xy, wh], axis=1)
    req.gt_asset.extend(img.tolist())
    req.gt_category.extend(cat.tolist())
    req.gt_boxes.extend(boxes.reshape(-1).tolist())
    jitter = boxes + rng.normal(0, 3, boxes.shape)
    jitter[:, 2:] = np.abs(jitter[:, 2:])
    req.pred_asset.extend(img.tolist())
    req.pred_category.extend(np.where(rng.random(n) < 0.8, cat, rng.integers(0, categories, n)).tolist())
    req.pred_boxes.extend(jitter.reshape(-1).tolist())
    req.pred_scores.extend(rng.random(n).tolist())
    if params is not None:
        req.params.CopyFrom(params)
    if slices:
        req.metadata.append(
            common_pb2.MetadataColumn(key="site", values=[f"s{v}" for v in rng.integers(0, 5, images)])
        )
        req.slice_by.append("site")
        req.gt_metadata.append(
            common_pb2.MetadataColumn(key="kind", values=[f"k{v}" for v in rng.integers(0, 4, n)])
        )
        req.slice_gt_by.append("kind")
    return req


def _box_rle(side: int, x0: int, y0: int, x1: int, y1: int) -> list[int]:
    """Uncompressed column-major RLE of the box [x0, x1) x [y0, y1) in a side x side image."""
    h = w = side
    counts = [x0 * h + y0]
    for _ in range(x0, x1 - 1):
        counts += [y1 - y0, h - (y1 - y0)]
    counts += [y1 - y0, (h - y1) + (w - x1) * h]
    return counts


def coco_json_request(
    images: int, categories: int, per_image: int, *, segm: bool = False, seed: int = 0
) -> dpb.ScoreDetectionRequest:
    """A COCO GT file and results file: ``per_image`` boxes per image, a jittered result each (with
    ``segm``, polygons for the GT and uncompressed RLE for the results, 64 x 64 images)."""
    rng = np.random.default_rng(seed)
    side = 64 if segm else 600
    gt: dict[str, Any] = {
        "images": [{"id": i, "height": side, "width": side, "file_name": f"{i}.jpg"} for i in range(images)],
        "categories": [{"id": c, "name": f"c{c}", "supercategory": "x"} for c in range(categories)],
        "annotations": [],
    }
    results = []
    for i in range(images):
        for _ in range(per_image):
            x, y = (int(v) for v in rng.integers(0, side // 2, 2))
            w, h = (int(v) for v in rng.integers(4, side // 2, 2))
            c = int(rng.integers(0, categories))
            ann: dict[str, Any] = {
                "id": len(gt["annotations"]) + 1, "image_id": i, "category_id": c,
                "bbox": [x, y, w, h], "area": w * h, "iscrowd": 0,
            }  # fmt: skip
            result: dict[str, Any] = {"image_id": i, "category_id": c, "score": float(rng.random())}
            if segm:
                ann["segmentation"] = [[x, y, x + w, y, x + w, y + h, x, y + h]]
                result["segmentation"] = {
                    "size": [side, side],
                    "counts": _box_rle(side, x + 1, y, x + w, y + h),
                }
            else:
                result["bbox"] = [x + 1.5, y, w, h]
            gt["annotations"].append(ann)
            results.append(result)
    req = dpb.ScoreDetectionRequest(coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(results))
    if segm:
        req.iou_type = dpb.DETECTION_IOU_TYPE_SEGM
    return req
