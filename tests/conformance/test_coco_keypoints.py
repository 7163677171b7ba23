"""pycocotools' ``COCOeval(iouType='keypoints')`` as the oracle: the keypoints files cocoapi and
faster-coco-eval ship, and seeded COCO keypoints data, through ScoreDetection (iou_type KEYPOINTS).

Every case compares the 10 summary numbers and the ``precision``/``recall``/``scores`` arrays bit for
bit (OKS is summed in numpy's order, so nothing needs a tolerance). Data files and their licenses:
``data/keypoints/README.md``.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import io
import json
from typing import Any

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.errors import InvalidArgument
from curation.v1 import detection_pb2 as pb
from tests.conformance.calls import Seam, Served
from tests.conformance.keypoint_data import generated, gt_for_results, load

SUITE = "coco-keypoints"
INEXPRESSIBLE: dict[str, str] = {
    "faster_coco_eval test_crowdpose.py::test_crowdpose_eval": (
        "faster-coco-eval's own iouType 'keypoints_crowd' (use_area=False, easy/medium/hard by crowd "
        "index) is not pycocotools' keypoints evaluation; the same files under pycocotools' rules are "
        "case test_crowdpose_files_14_sigmas"
    ),
}

RPC = "curation.v1.DiagnosticsService/ScoreDetection"
CROWDPOSE_SIGMAS = (
    np.array([0.79, 0.79, 0.72, 0.72, 0.62, 0.62, 1.07, 1.07, 0.87, 0.87, 0.89, 0.89, 0.79, 0.79]) / 10.0
)


def oracle(
    gt: dict[str, Any], results: list[Any], sigmas: np.ndarray | None = None, **params: Any
) -> COCOeval:
    """pycocotools on deep copies (``loadRes`` writes into the results); ``params`` set on its Params."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(copy.deepcopy(results)), "keypoints")
        if sigmas is not None:
            ev.params.kpt_oks_sigmas = sigmas
        for name, value in params.items():
            setattr(ev.params, name, value)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def coco_request(
    gt: dict[str, Any], results: list[Any], sigmas: np.ndarray | None = None
) -> pb.ScoreDetectionRequest:
    req = pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt),
        coco_results_json=json.dumps(results),
        iou_type=pb.DETECTION_IOU_TYPE_KEYPOINTS,
        views=[pb.DETECTION_VIEW_COCO, pb.DETECTION_VIEW_ARRAYS],
    )
    if sigmas is not None:
        req.params.keypoint_sigmas.add(sigmas=sigmas.tolist())
    return req


def assert_equal(response: pb.ScoreDetectionResponse, ev: COCOeval) -> None:
    """All 10 numbers and the three arrays bit-equal."""
    assert [s.value for s in response.summary] == ev.stats.tolist()
    shape = tuple(response.arrays.precision_shape)
    assert shape == ev.eval["precision"].shape
    assert np.array_equal(np.array(response.arrays.precision).reshape(shape), ev.eval["precision"])
    assert np.array_equal(np.array(response.arrays.scores).reshape(shape), ev.eval["scores"])
    assert np.array_equal(
        np.array(response.arrays.recall).reshape(ev.eval["recall"].shape), ev.eval["recall"]
    )


def check(seam: Seam, gt: dict[str, Any], results: list[Any], sigmas: np.ndarray | None = None) -> None:
    response = seam.call(RPC, coco_request(gt, results, sigmas), pb.ScoreDetectionResponse)
    assert_equal(response, oracle(gt, results, sigmas))


def test_faster_coco_eval_test_keypoints_gt_dataset_dt_dataset(seam: Seam) -> None:
    """test_keypoints.py::test_evaluate (pycocotools variant): results with boxes (box areas)."""
    check(
        seam,
        load("faster_coco_eval_keypoints_gt_dataset.json"),
        load("faster_coco_eval_keypoints_dt_dataset.json"),
    )


def test_faster_coco_eval_test_keypoints_served(served: Served) -> None:
    """The same case over gRPC and REST, every view computed (per class, TIDE, confusion, assets)."""
    gt = load("faster_coco_eval_keypoints_gt_dataset.json")
    res = load("faster_coco_eval_keypoints_dt_dataset.json")
    req = coco_request(gt, res)
    del req.views[:]
    req.include_arrays = True
    response, _ = served.both(RPC, req, pb.ScoreDetectionResponse)
    assert_equal(response, oracle(gt, res))
    assert response.per_class[0].ap == oracle(gt, res).stats[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_cocoapi_fakekeypoints100_results(seam: Seam, seed: int) -> None:
    """cocoapi's results/person_keypoints_val2014_fakekeypoints100_results.json (no boxes: areas from
    the keypoints' extent) against a seeded GT for its images."""
    res = load("cocoapi_person_keypoints_val2014_fakekeypoints100_results.json")
    check(seam, gt_for_results(res, seed), res)


def test_crowdpose_files_14_sigmas(seam: Seam) -> None:
    """faster-coco-eval's CrowdPose files under pycocotools' keypoint rules with CrowdPose's 14 sigmas
    (pycocotools needs a GT area: the box's, what the service uses, with a warning, when none is given)."""
    gt = load("faster_coco_eval_example_crowdpose_val.json")
    for a in gt["annotations"]:
        a["area"] = a["bbox"][2] * a["bbox"][3]
    check(seam, gt, load("faster_coco_eval_example_crowdpose_preds.json"), CROWDPOSE_SIGMAS)


@pytest.mark.parametrize(
    ("seed", "options"),
    [
        (10, {}),
        (11, {"int_results": True}),
        (12, {"boxes": True}),
        (13, {"n_cat": 3}),
        (14, {"n_cat": 2, "boxes": True, "int_results": True}),
        (15, {"k": 5}),
    ],
)
def test_generated(seam: Seam, seed: int, options: dict[str, Any]) -> None:
    """Seeded GT and results (crowds, GTs without visible keypoints, num_keypoints 0, ties)."""
    gt, res = generated(seed, **options)
    k = options.get("k", 17)
    sigmas = None if k == 17 else np.linspace(0.3, 1.1, k) / 10.0
    check(seam, gt, res, sigmas)


def test_generated_custom_params(seam: Seam) -> None:
    """Custom IoU thresholds, maxDets and area ranges (pycocotools' Params set by hand)."""
    gt, res = generated(17, n_cat=2)
    iou, max_dets = np.array([0.3, 0.5, 0.75, 0.9]), [1, 5, 20]
    areas, labels = [[0.0, 1e10], [0.0, 4000.0], [4000.0, 1e10]], ["all", "medium", "large"]
    ev = oracle(gt, res, iouThrs=iou, maxDets=max_dets, areaRng=areas, areaRngLbl=labels)
    req = coco_request(gt, res)
    req.params.iou_thresholds.extend(iou.tolist())
    req.params.max_detections.extend(max_dets)
    for (lo, hi), label in zip(areas, labels, strict=True):
        req.params.area_ranges.add(label=label, min=lo, max=hi)
    assert_equal(seam.call(RPC, req, pb.ScoreDetectionResponse), ev)


def test_faster_coco_eval_test_keypoints_gzip_files(seam: Seam) -> None:
    """test_keypoints.py's files sent as gzip bytes (coco_gt_file / coco_results_file)."""
    gt = load("faster_coco_eval_keypoints_gt_dataset.json")
    res = load("faster_coco_eval_keypoints_dt_dataset.json")
    req = coco_request(gt, res)
    req.coco_gt_file = gzip.compress(req.coco_gt_json.encode())
    req.coco_results_file = gzip.compress(req.coco_results_json.encode())
    req.ClearField("coco_gt_json")
    req.ClearField("coco_results_json")
    assert_equal(seam.call(RPC, req, pb.ScoreDetectionResponse), oracle(gt, res))


def _columnar(gt: dict[str, Any], res: list[Any]) -> pb.ScoreDetectionRequest:
    """The same objects as columnar arrays (results without boxes)."""
    images = sorted(im["id"] for im in gt["images"])
    cats = sorted(c["id"] for c in gt["categories"])
    anns = gt["annotations"]
    return pb.ScoreDetectionRequest(
        asset_ids=[str(i) for i in images],
        category_names=[str(c) for c in cats],
        gt_asset=[images.index(a["image_id"]) for a in anns],
        gt_category=[cats.index(a["category_id"]) for a in anns],
        gt_boxes=[c for a in anns for c in a["bbox"]],
        gt_area=[a["area"] for a in anns],
        gt_iscrowd=[bool(a["iscrowd"]) for a in anns],
        gt_keypoints=[c for a in anns for c in a["keypoints"]],
        gt_num_keypoints=[a["num_keypoints"] for a in anns],
        pred_asset=[images.index(r["image_id"]) for r in res],
        pred_category=[cats.index(r["category_id"]) for r in res],
        pred_scores=[r["score"] for r in res],
        pred_keypoints=[c for r in res for c in r["keypoints"]],
        iou_type=pb.DETECTION_IOU_TYPE_KEYPOINTS,
        views=[pb.DETECTION_VIEW_COCO, pb.DETECTION_VIEW_ARRAYS],
    )


def test_generated_columnar(seam: Seam) -> None:
    """Seeded data sent as columnar arrays instead of COCO JSON."""
    gt, res = generated(16, n_cat=2)
    assert_equal(seam.call(RPC, _columnar(gt, res), pb.ScoreDetectionResponse), oracle(gt, res))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda r: r.pred_keypoints.append(1.0), "pred_keypoints"),
        (lambda r: r.gt_keypoints.__setitem__(5, float("nan")), "gt_keypoints[5]"),
        (lambda r: r.gt_num_keypoints.__setitem__(2, -1), "gt_num_keypoints[2]"),
        (lambda r: r.params.keypoint_sigmas.add(sigmas=[0.1] * 17), "params.keypoint_sigmas"),
        (lambda r: [r.params.keypoint_sigmas.add(sigmas=[0.1] * 17) for _ in range(2)]
         and r.params.keypoint_sigmas[1].sigmas.__setitem__(3, 0.0), "params.keypoint_sigmas[1].sigmas[3]"),
    ],
)  # fmt: skip
def test_suite_columnar_errors_name_the_field(seam: Seam, change: Any, field: str) -> None:
    gt, res = generated(16, n_cat=2)
    req = _columnar(gt, res)
    change(req)
    with pytest.raises(InvalidArgument) as err:
        seam.call(RPC, req, pb.ScoreDetectionResponse)
    assert err.value.field == field


def test_suite_coco_errors_name_the_entry(seam: Seam) -> None:
    gt = load("faster_coco_eval_example_crowdpose_val.json")
    res = load("faster_coco_eval_example_crowdpose_preds.json")
    with pytest.raises(InvalidArgument) as err:  # 14 keypoints: COCO's 17 sigmas do not fit
        seam.call(RPC, coco_request(gt, res), pb.ScoreDetectionResponse)
    assert err.value.field == "params.keypoint_sigmas[0].sigmas"
    res[3]["keypoints"] = res[3]["keypoints"][:-3]
    with pytest.raises(InvalidArgument) as err:
        seam.call(RPC, coco_request(gt, res, CROWDPOSE_SIGMAS), pb.ScoreDetectionResponse)
    assert err.value.field == "coco_results_json[3].keypoints"
    bbox_only = pb.ScoreDetectionRequest(
        asset_ids=["a"],
        category_names=["c"],
        gt_keypoints=[1.0, 2.0, 2.0],
        iou_type=pb.DETECTION_IOU_TYPE_BBOX,
    )
    with pytest.raises(InvalidArgument) as err:
        seam.call(RPC, bbox_only, pb.ScoreDetectionResponse)
    assert err.value.field == "gt_keypoints"
