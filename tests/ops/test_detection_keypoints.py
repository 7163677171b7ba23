"""ScoreDetection on COCO keypoint files: results read as pycocotools' ``loadRes`` reads them."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.ops import detection as od
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb


def _files(seed: int = 0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Three images of three people each; every result gives ``"bbox": []``."""
    rng = np.random.default_rng(seed)
    gt: dict[str, Any] = {
        "images": [{"id": i, "width": 200, "height": 200} for i in (1, 2, 3)],
        "categories": [{"id": 1, "name": "person", "keypoints": [str(j) for j in range(17)]}],
        "annotations": [],
    }
    results = []
    for i in (1, 2, 3):
        for _ in range(3):
            x, y = rng.uniform(20, 150, 2)
            kp = np.c_[x + rng.uniform(0, 40, 17), y + rng.uniform(0, 40, 17), np.full(17, 2.0)]
            gt["annotations"].append({
                "id": len(gt["annotations"]) + 1, "image_id": i, "category_id": 1, "iscrowd": 0,
                "num_keypoints": 17, "keypoints": kp.ravel().tolist(), "bbox": [x, y, 40, 40], "area": 1600.0,
            })  # fmt: skip
            moved = kp.copy()
            moved[:, :2] += rng.normal(0, 2, (17, 2))
            results.append({
                "image_id": i, "category_id": 1, "keypoints": moved.ravel().tolist(),
                "score": float(rng.random()), "bbox": [],
            })  # fmt: skip
    return gt, results


def test_results_with_an_empty_bbox_take_the_keypoint_extent_as_loadres() -> None:
    """``loadRes`` takes ``"bbox": []`` as no box (its keypoints branch gives box and area from the
    keypoints); refusing the empty box, as before, failed files pycocotools reads."""
    gt, results = _files()
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = json.loads(json.dumps(gt))
        coco.createIndex()
        oracle = COCOeval(coco, coco.loadRes(json.loads(json.dumps(results))), "keypoints")
        oracle.evaluate()
        oracle.accumulate()
        oracle.summarize()
    request = pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt),
        coco_results_json=json.dumps(results),
        iou_type=pb.DETECTION_IOU_TYPE_KEYPOINTS,
        views=[pb.DETECTION_VIEW_COCO],
    )
    response = od.respond(od.evaluate(request), request, common_pb2.CacheInfo(key_digest="d"))
    assert [s.value for s in response.summary] == oracle.stats.tolist()
