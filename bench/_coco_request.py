"""Detection requests built from COCO files, as a client would send them.

``columnar_from_coco`` is ``curation_client.from_coco`` when the client has it; until then a local
stand-in (``_local_columnar_from_coco``) builds the same columnar ``ScoreDetectionRequest`` here: images
and categories in id order, GT rows in file order, crowd flags and areas as given, results as given.
``coco_json_request`` is the REST body that carries both files as they are (``coco_gt_json`` /
``coco_results_json``). Both ask for the COCO numbers only (``views=[DETECTION_VIEW_COCO]``, COCO mode).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

from curation.v1 import detection_pb2 as det_pb

__all__ = ["COCO_ONLY", "coco_json_request", "columnar_from_coco"]

COCO_ONLY: dict[str, Any] = {"mode": det_pb.DETECTION_MODE_COCO, "views": [det_pb.DETECTION_VIEW_COCO]}


def _index(ids: list[int], wanted: list[int]) -> np.ndarray[Any, np.dtype[np.int32]]:
    """Positions of ``wanted`` ids among ``ids`` (sorted ids: a binary search, no Python loop)."""
    order = np.asarray(ids, dtype=np.int64)
    return np.searchsorted(order, np.asarray(wanted, dtype=np.int64)).astype(np.int32)


def _local_columnar_from_coco(gt_path: str, results_path: str, **fields: Any) -> det_pb.ScoreDetectionRequest:
    """The bench's stand-in for ``curation_client.from_coco`` (same contract: the columnar request)."""
    with open(gt_path, "rb") as f:
        gt = json.loads(f.read())
    with open(results_path, "rb") as f:
        res = json.loads(f.read())
    image_ids = sorted(int(im["id"]) for im in gt["images"])
    cats = sorted(gt["categories"], key=lambda c: int(c["id"]))
    cat_ids = [int(c["id"]) for c in cats]
    anns = gt["annotations"]
    req = det_pb.ScoreDetectionRequest(
        asset_ids=[str(i) for i in image_ids], category_names=[str(c["name"]) for c in cats], **fields
    )
    req.gt_asset.extend(_index(image_ids, [a["image_id"] for a in anns]).tolist())
    req.gt_category.extend(_index(cat_ids, [a["category_id"] for a in anns]).tolist())
    req.gt_boxes.extend(np.asarray([a["bbox"] for a in anns], dtype=np.float64).ravel().tolist())
    req.gt_iscrowd.extend([bool(a.get("iscrowd", 0)) for a in anns])
    req.gt_area.extend([float(a["area"]) for a in anns])
    req.pred_asset.extend(_index(image_ids, [r["image_id"] for r in res]).tolist())
    req.pred_category.extend(_index(cat_ids, [r["category_id"] for r in res]).tolist())
    req.pred_boxes.extend(np.asarray([r["bbox"] for r in res], dtype=np.float64).ravel().tolist())
    req.pred_scores.extend([float(r["score"]) for r in res])
    return req


def _client_from_coco() -> Callable[..., Any] | None:
    """The client's ``from_coco`` (its ScoreDetectionRequest is the service's class at run time)."""
    try:
        from curation_client import from_coco
    except ImportError:
        return None
    return from_coco


def columnar_from_coco(gt_path: str, results_path: str) -> det_pb.ScoreDetectionRequest:
    """The columnar COCO-only request of the two files (the client's helper when it has one)."""
    build = _client_from_coco() or _local_columnar_from_coco
    return build(gt_path, results_path, **COCO_ONLY)


def coco_json_request(gt_path: str, results_path: str) -> bytes:
    """The REST JSON body carrying both files' text as they are, COCO-only."""
    with open(gt_path, encoding="utf-8") as f:
        gt = f.read()
    with open(results_path, encoding="utf-8") as f:
        res = f.read()
    doc = {
        "coco_gt_json": gt,
        "coco_results_json": res,
        "mode": "DETECTION_MODE_COCO",
        "views": ["DETECTION_VIEW_COCO"],
    }
    return json.dumps(doc).encode()
