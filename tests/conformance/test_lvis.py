"""LVIS federated evaluation against the lvis package (0.5.3) as oracle, on generated LVIS-format data.

The lvis package ships no test suite, so the cases are its own entry point — ``LVISEval(gt, results,
iou_type).run()`` — on seeded data (:mod:`tests.synth.lvis`) of several sizes, bbox and segm, with the
default per-image cut (300) and a small one. Every case compares all 13 summary numbers and the
``precision`` [T, R, K, A] / ``recall`` [T, K, A] arrays bit for bit (the accumulation does the same
float operations in the same order; the means index the arrays as ``LVISEval._summarize`` does).

lvis 0.5.3 calls ``np.float`` (removed in NumPy 1.24) in ``accumulate``; the oracle runs with that
alias restored (``float``, which is what it meant), nothing else changed.

Before DETECTION_MODE_LVIS every case was inexpressible (the service had no federated evaluation).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from curation.v1 import classification_pb2 as cls_pb
from curation.v1 import detection_pb2 as pb
from tests.conformance.calls import Seam, Served
from tests.synth.lvis import synth_lvis

lvis_eval = pytest.importorskip("lvis.eval")
lvis_lvis = pytest.importorskip("lvis.lvis")
lvis_results = pytest.importorskip("lvis.results")

SUITE = "lvis"
INEXPRESSIBLE: dict[str, str] = {}

RPC = "curation.v1.DiagnosticsService/ScoreDetection"
_KEYS = (
    "AP",
    "AP50",
    "AP75",
    "APs",
    "APm",
    "APl",
    "APr",
    "APc",
    "APf",
    "AR@{}",
    "ARs@{}",
    "ARm@{}",
    "ARl@{}",
)

# (seed, images, categories, iou type, per-image cut)
CASES = [
    (0, 30, 40, "bbox", 300),
    (1, 60, 120, "bbox", 300),
    (2, 45, 80, "bbox", 20),
    (3, 25, 30, "segm", 300),
    (4, 40, 60, "segm", 15),
    (11, 150, 300, "bbox", 300),
]


def _oracle(gt: dict[str, Any], results: list[Any], iou_type: str, max_dets: int, tmp: Path) -> Any:
    """LVISEval run on the files, as a user of the lvis package runs it."""
    path, res_path = tmp / "gt.json", tmp / "results.json"
    path.write_text(json.dumps(gt))
    res_path.write_text(json.dumps(results))
    ground = lvis_lvis.LVIS(str(path))
    dets = lvis_results.LVISResults(ground, str(res_path), max_dets=max_dets)
    ev = lvis_eval.LVISEval(ground, dets, iou_type)
    ev.params.max_dets = max_dets
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(np, "float", float, raising=False)  # lvis 0.5.3 still calls np.float
        ev.run()
    return ev


def _request(
    gt: dict[str, Any], results: list[Any], iou_type: str, max_dets: int
) -> pb.ScoreDetectionRequest:
    req = pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt),
        coco_results_json=json.dumps(results),
        mode=pb.DETECTION_MODE_LVIS,
        iou_type=pb.DETECTION_IOU_TYPE_SEGM if iou_type == "segm" else pb.DETECTION_IOU_TYPE_BBOX,
        views=[pb.DETECTION_VIEW_COCO, pb.DETECTION_VIEW_ARRAYS, pb.DETECTION_VIEW_PER_CLASS],
        score_type=cls_pb.SCORE_TYPE_PROBABILITY,
    )
    if max_dets != 300:
        req.params.max_detections.append(max_dets)
    return req


def _assert_equal(resp: pb.ScoreDetectionResponse, ev: Any, max_dets: int) -> None:
    expected = [float(ev.results[k.format(max_dets)]) for k in _KEYS]
    got = [s.value for s in resp.summary]
    assert got == expected
    shape = tuple(resp.arrays.precision_shape)
    T, R, K, A, M = shape
    assert M == 1
    precision = np.array(resp.arrays.precision).reshape(T, R, K, A)
    recall = np.array(resp.arrays.recall).reshape(T, K, A)
    assert np.array_equal(precision, ev.eval["precision"])
    assert np.array_equal(recall, ev.eval["recall"])
    # Per-class AP: the mean of the class's valid precision at area "all" (as the summary's AP).
    for k, c in enumerate(resp.per_class):
        s = ev.eval["precision"][:, :, k, 0]
        assert c.ap == (float(np.mean(s[s > -1])) if (s > -1).any() else -1.0)


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_lvis_eval_run(seam: Seam, tmp_path: Path, case: tuple[int, int, int, str, int]) -> None:
    seed, n_img, K, iou_type, max_dets = case
    gt, results = synth_lvis(seed, num_images=n_img, num_categories=K, segm=iou_type == "segm")
    ev = _oracle(gt, results, iou_type, max_dets, tmp_path)
    resp = seam.call(RPC, _request(gt, results, iou_type, max_dets), pb.ScoreDetectionResponse)
    _assert_equal(resp, ev, max_dets)
    assert resp.mode == pb.DETECTION_MODE_LVIS
    assert [s.frequency for s in resp.summary][6:9] == [
        pb.DETECTION_CATEGORY_FREQUENCY_RARE,
        pb.DETECTION_CATEGORY_FREQUENCY_COMMON,
        pb.DETECTION_CATEGORY_FREQUENCY_FREQUENT,
    ]


def _columnar(gt: dict[str, Any], results: list[Any], max_dets: int) -> pb.ScoreDetectionRequest:
    """The same LVIS set as columnar arrays (ids are 1..n, so index = id - 1)."""
    anns = gt["annotations"]
    req = pb.ScoreDetectionRequest(
        asset_ids=[str(im["id"]) for im in gt["images"]],
        category_names=[c["name"] for c in gt["categories"]],
        gt_asset=[a["image_id"] - 1 for a in anns],
        gt_category=[a["category_id"] - 1 for a in anns],
        gt_boxes=[v for a in anns for v in a["bbox"]],
        gt_area=[a["area"] for a in anns],
        gt_iscrowd=[bool(a.get("iscrowd", 0)) for a in anns],
        gt_ignore=[bool(a.get("ignore", 0)) for a in anns],
        pred_asset=[r["image_id"] - 1 for r in results],
        pred_category=[r["category_id"] - 1 for r in results],
        pred_boxes=[v for r in results for v in r["bbox"]],
        pred_scores=[r["score"] for r in results],
        mode=pb.DETECTION_MODE_LVIS,
        iou_type=pb.DETECTION_IOU_TYPE_BBOX,
        views=[pb.DETECTION_VIEW_COCO, pb.DETECTION_VIEW_ARRAYS],
    )
    codes = {
        "r": pb.DETECTION_CATEGORY_FREQUENCY_RARE,
        "c": pb.DETECTION_CATEGORY_FREQUENCY_COMMON,
        "f": pb.DETECTION_CATEGORY_FREQUENCY_FREQUENT,
    }
    req.category_frequency.extend(codes[c["frequency"]] for c in gt["categories"])
    for im in gt["images"]:
        for k in im["neg_category_ids"]:
            req.lvis_neg_asset.append(im["id"] - 1)
            req.lvis_neg_category.append(k - 1)
        for k in im["not_exhaustive_category_ids"]:
            req.lvis_not_exhaustive_asset.append(im["id"] - 1)
            req.lvis_not_exhaustive_category.append(k - 1)
    if max_dets != 300:
        req.params.max_detections.append(max_dets)
    return req


@pytest.mark.parametrize(("seed", "max_dets"), [(5, 300), (6, 25)])
def test_lvis_eval_run_columnar(seam: Seam, tmp_path: Path, seed: int, max_dets: int) -> None:
    gt, results = synth_lvis(seed, num_images=35, num_categories=50)
    ev = _oracle(gt, results, "bbox", max_dets, tmp_path)
    resp = seam.call(RPC, _columnar(gt, results, max_dets), pb.ScoreDetectionResponse)
    _assert_equal(resp, ev, max_dets)


def test_lvis_eval_run_unknown_category_counts_toward_cut(seam: Seam, tmp_path: Path) -> None:
    # 40 results of a category absent from the GT file on the crowded image: LVISResults keeps the top
    # 300 of that image counting them, so 40 more of the known ones fall out.
    gt, results = synth_lvis(10, num_images=30, num_categories=40, unknown_category=40)
    ev = _oracle(gt, results, "bbox", 300, tmp_path)
    resp = seam.call(RPC, _request(gt, results, "bbox", 300), pb.ScoreDetectionResponse)
    _assert_equal(resp, ev, 300)


def test_lvis_eval_run_served(served: Served, tmp_path: Path) -> None:
    gt, results = synth_lvis(7, num_images=20, num_categories=30)
    ev = _oracle(gt, results, "bbox", 300, tmp_path)
    by_grpc, by_rest = served.both(RPC, _request(gt, results, "bbox", 300), pb.ScoreDetectionResponse)
    _assert_equal(by_grpc, ev, 300)
    _assert_equal(by_rest, ev, 300)


def test_suite_lvis_counts_and_outputs(seam: Seam) -> None:
    """The selection's counts, the rules in mode_changes, and the per-asset view naming the caller's rows."""
    gt, results = synth_lvis(8, num_images=20, num_categories=30)
    req = _request(gt, results, "bbox", 300)
    del req.views[:]
    resp = seam.call(RPC, req, pb.ScoreDetectionResponse)
    c = resp.counts
    per_image = np.bincount([r["image_id"] for r in results])
    assert c.num_truncated == int(np.maximum(per_image - 300, 0).sum()) > 0
    assert c.num_zero_area_gt == 1 and c.num_zero_area_predictions == 1 and c.num_unverified_predictions > 0
    assert (
        c.num_predictions + c.num_truncated + c.num_zero_area_predictions + c.num_unverified_predictions
        == len(results)
    )
    assert resp.mode_changes and resp.per_class and resp.assets
    indices = {o.index for a in resp.assets for o in a.objects if not o.is_ground_truth}
    assert indices <= set(range(len(results)))


def test_suite_lvis_fields_refused_outside_lvis_mode(seam: Seam) -> None:
    from curation.errors import InvalidArgument

    gt, results = synth_lvis(9, num_images=5, num_categories=10)
    req = _columnar(gt, results, 300)
    req.mode = pb.DETECTION_MODE_COCO
    with pytest.raises(InvalidArgument) as err:
        seam.call(RPC, req, pb.ScoreDetectionResponse)
    assert err.value.field == "lvis_neg_asset"
