"""ScoreDetection with ``params.use_categories`` false (pycocotools' ``useCats=0``) and COCO results read
by ``loadRes``'s rules: pycocotools as the oracle of the numbers, the caller's rows in every output."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import numpy as np
import pytest
from pycocotools import mask as mask_util
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.core.detection import POOLED_CATEGORY
from curation.core.detection.coco import DetectionData
from curation.errors import InvalidArgument
from curation.ops import detection as od
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb
from tests.synth.detection import synth_detection, to_coco_dicts

DATA = synth_detection(7, num_images=12, num_categories=4)


def _request(d: DetectionData, order: np.ndarray | None = None) -> pb.ScoreDetectionRequest:
    """The columnar request of ``d``, its GT rows in ``order`` (default: as they are)."""
    g = np.arange(d.num_gt) if order is None else order
    r = pb.ScoreDetectionRequest(
        asset_ids=[f"img{i}" for i in range(d.num_images)],
        category_names=[f"c{k + 1}" for k in range(d.num_categories)],
        gt_asset=d.gt_image[g].tolist(),
        gt_category=d.gt_category[g].tolist(),
        gt_boxes=d.gt_box[g].reshape(-1).tolist(),
        gt_iscrowd=d.gt_iscrowd[g].tolist(),
        gt_area=d.gt_area[g].tolist(),
        pred_asset=d.dt_image.tolist(),
        pred_category=d.dt_category.tolist(),
        pred_boxes=d.dt_box.reshape(-1).tolist(),
        pred_scores=d.dt_score.tolist(),
    )
    r.params.use_categories = False
    return r


def _run(r: pb.ScoreDetectionRequest) -> pb.ScoreDetectionResponse:
    return od.respond(od.evaluate(r), r, common_pb2.CacheInfo(key_digest="d"))


def _oracle(gt: dict[str, Any], res: list[Any], iou_type: str = "bbox", use_cats: int = 0) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = json.loads(json.dumps(gt))
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(json.loads(json.dumps(res))), iou_type)
        ev.params.useCats = use_cats
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def test_pooled_columnar_request_is_pycocotools_use_cats_0() -> None:
    out = _run(_request(DATA))
    ev = _oracle(*to_coco_dicts(DATA))
    assert [s.value for s in out.summary] == [float(v) for v in ev.stats]
    assert [c.category for c in out.per_class] == [POOLED_CATEGORY]
    assert out.per_class[0].ap == out.summary[0].value
    assert list(out.confusion.labels) == [POOLED_CATEGORY, "background"]
    assert all(e.count == 0 for e in out.errors.errors if e.type == pb.DETECTION_ERROR_TYPE_CLASSIFICATION)


def test_pooled_assets_name_the_callers_rows() -> None:
    r = _request(DATA)
    r.page_size = 1000
    out = _run(r)
    gt_seen: list[int] = []
    dt_seen: list[int] = []
    for asset in out.assets:
        image = int(asset.asset_id.removeprefix("img"))
        for o in asset.objects:
            assert o.category == POOLED_CATEGORY
            rows, seen = (r.gt_asset, gt_seen) if o.is_ground_truth else (r.pred_asset, dt_seen)
            assert rows[o.index] == image
            seen.append(o.index)
    assert sorted(gt_seen) == list(range(DATA.num_gt))
    assert sorted(dt_seen) == list(range(DATA.num_dt))


def test_pooled_gt_metadata_follows_its_rows() -> None:
    """GT rows given in another order (their metadata with them) answer the same: pooling reorders
    the rows by category, and the per-GT metadata with them."""
    rng = np.random.default_rng(0)
    flags = np.where(rng.random(DATA.num_gt) < 0.3, "yes", "no")
    answers = []
    for order in (np.arange(DATA.num_gt), np.argsort(DATA.gt_category, kind="stable")):
        r = _request(DATA, order)
        r.gt_metadata.add(key="occluded", values=flags[order].tolist())
        r.slice_gt_by.append("occluded")
        r.views.append(pb.DETECTION_VIEW_SLICES)
        answers.append([(s.value, s.ap, s.ap50, s.ar, s.tp, s.fn) for s in _run(r).slices])
    assert answers[0] == answers[1]
    assert {a[0] for a in answers[0]} == {"yes", "no"}


# --- loadRes's rules for COCO results -------------------------------------------------------------------


def _coco_request(
    gt: dict[str, Any], res: list[Any], iou_type: pb.DetectionIouType
) -> pb.ScoreDetectionRequest:
    return pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt),
        coco_results_json=json.dumps(res),
        iou_type=iou_type,
        views=[pb.DETECTION_VIEW_COCO, pb.DETECTION_VIEW_ARRAYS],
    )


def _masked_set() -> tuple[dict[str, Any], list[Any]]:
    """A small set with box-shaped polygon GT masks and RLE results (some with boxes, some without)."""
    gt, res = to_coco_dicts(synth_detection(11, num_images=5, num_categories=3))
    for a in gt["annotations"]:
        x, y, w, h = a["bbox"]
        a["segmentation"] = [[x, y, x, y + h, x + w, y + h, x + w, y]]
    for i, r in enumerate(res):
        x, y, w, h = r["bbox"]
        rle = mask_util.frPyObjects([[x, y, x, y + h * 0.8, x + w, y + h, x + w * 0.9, y]], 640, 640)
        r["segmentation"] = {"size": [640, 640], "counts": mask_util.merge(rle)["counts"].decode()}
        if i == 0 or i % 3:
            del r["bbox"]
    return gt, res


@pytest.mark.parametrize("iou_type", [pb.DETECTION_IOU_TYPE_BBOX, pb.DETECTION_IOU_TYPE_SEGM])
def test_segmentation_results_keep_given_boxes_and_take_the_rest_from_masks(
    iou_type: pb.DetectionIouType,
) -> None:
    gt, res = _masked_set()
    out = _run(_coco_request(gt, res, iou_type))
    ev = _oracle(gt, res, "bbox" if iou_type == pb.DETECTION_IOU_TYPE_BBOX else "segm", use_cats=1)
    assert [s.value for s in out.summary] == [float(v) for v in ev.stats]
    assert np.array(out.arrays.precision).tobytes() == ev.eval["precision"].ravel().tobytes()


def test_polygon_results_rasterised_at_the_image_size() -> None:
    """Box results with polygon segmentations, one or several per result (``frPyObjects`` + ``merge``)."""
    gt, res = to_coco_dicts(synth_detection(12, num_images=5, num_categories=3))
    for a in gt["annotations"]:
        x, y, w, h = a["bbox"]
        a["segmentation"] = [[x, y, x + w, y, x + w * 0.5, y + h]]
    for i, r in enumerate(res):
        x, y, w, h = r["bbox"]
        if i % 2:
            r["segmentation"] = [[x, y, x + w, y + h * 0.3, x + w * 0.2, y + h], [x, y, x + 5, y, x, y + 5]]
    out = _run(_coco_request(gt, res, pb.DETECTION_IOU_TYPE_SEGM))
    ev = _oracle(gt, res, "segm", use_cats=1)
    assert [s.value for s in out.summary] == [float(v) for v in ev.stats]
    assert np.array(out.arrays.precision).tobytes() == ev.eval["precision"].ravel().tobytes()


def _refusal(
    gt: dict[str, Any], res: list[Any], iou_type: pb.DetectionIouType = pb.DETECTION_IOU_TYPE_SEGM
) -> str:
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(_coco_request(gt, res, iou_type))
    return str(err.value.field)


def test_results_that_loadres_refuses_are_refused_by_entry() -> None:
    gt, res = _masked_set()
    box_first = [{**res[1], "bbox": [1.0, 2.0, 3.0, 4.0]}, res[1]]
    assert _refusal(gt, box_first) == "coco_results_json[1].bbox"
    assert _refusal(gt, box_first, pb.DETECTION_IOU_TYPE_BBOX) == "coco_results_json[1].bbox"
    segm_first = [res[1], {k: v for k, v in res[3].items() if k != "segmentation"}]
    assert "bbox" in segm_first[1]
    assert _refusal(gt, segm_first) == "coco_results_json[1].segmentation"
    no_size = json.loads(json.dumps(gt))
    del no_size["images"][int(res[1]["image_id"]) - 1]["height"]
    polygon = [{**res[1], "segmentation": [[1, 1, 1, 9, 9, 9, 9, 1]]}]
    assert _refusal(no_size, polygon) == "coco_results_json[0].segmentation"


@pytest.mark.parametrize(
    "change",
    [{"mode": pb.DETECTION_MODE_LVIS}, {"iou_type": pb.DETECTION_IOU_TYPE_KEYPOINTS}],
    ids=["lvis", "keypoints"],
)
def test_pooling_is_refused_where_evaluation_is_per_category(change: dict[str, int]) -> None:
    """LVIS (federated labels per category) and keypoints (sigmas per category) do not pool; the
    refusal names the option before any object is read."""
    r = _request(DATA)
    for name, value in change.items():
        setattr(r, name, value)
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(r)
    assert err.value.field == "params.use_categories"


def test_lvis_keypoints_is_refused_before_the_files_are_parsed() -> None:
    """No evaluation defines LVIS on keypoints: refused on iou_type even when the COCO files would not
    parse (so a large file is never read only to be refused)."""
    r = pb.ScoreDetectionRequest(
        coco_gt_json="not json",
        coco_results_json="[]",
        mode=pb.DETECTION_MODE_LVIS,
        iou_type=pb.DETECTION_IOU_TYPE_KEYPOINTS,
    )
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(r)
    assert err.value.field == "iou_type"
