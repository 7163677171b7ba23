"""ScoreDetection in DETECTION_MODE_LVIS through the ops seam: labels from COCO JSON and columnar arrays,
the selection's counts, every view on the selected objects, and bad input named by field."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from curation.core.detection import LvisLabels, lvis_select
from curation.core.detection.coco import DetectionData
from curation.errors import InvalidArgument
from curation.ops import detection as od
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb
from tests.synth.lvis import synth_lvis

GT, RESULTS = synth_lvis(11, num_images=12, num_categories=20)


def _json_request(
    gt: dict[str, Any] = GT, results: list[Any] = RESULTS, **kw: Any
) -> pb.ScoreDetectionRequest:
    r = pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(results), mode=pb.DETECTION_MODE_LVIS
    )
    for k, val in kw.items():
        setattr(r, k, val)
    return r


def _run(r: pb.ScoreDetectionRequest) -> pb.ScoreDetectionResponse:
    return od.respond(od.evaluate(r), r, common_pb2.CacheInfo(key_digest="d"))


def _columnar(**kw: Any) -> pb.ScoreDetectionRequest:
    r = pb.ScoreDetectionRequest(
        asset_ids=["a", "b"],
        category_names=["x", "y", "z"],
        gt_asset=[0, 1],
        gt_category=[0, 1],
        gt_boxes=[0, 0, 10, 10, 0, 0, 20, 20],
        pred_asset=[0, 0, 1, 1],
        pred_category=[0, 2, 1, 0],
        pred_boxes=[0, 0, 10, 10, 5, 5, 10, 10, 0, 0, 20, 20, 30, 30, 5, 5],
        pred_scores=[0.9, 0.8, 0.7, 0.6],
        mode=pb.DETECTION_MODE_LVIS,
    )
    for k, val in kw.items():
        if isinstance(val, list):
            getattr(r, k).extend(val)
        elif k == "params":
            r.params.CopyFrom(val)
        else:
            setattr(r, k, val)
    return r


def test_every_view_runs_on_the_selected_objects() -> None:
    resp = _run(_json_request())
    assert resp.mode == pb.DETECTION_MODE_LVIS
    assert len(resp.summary) == 13 and list(resp.mode_changes)
    assert resp.params.max_detections == [300]
    assert resp.per_class and resp.errors.errors and resp.confusion.counts and resp.assets
    c = resp.counts
    dropped = c.num_truncated + c.num_unverified_predictions + c.num_zero_area_predictions
    assert c.num_predictions + dropped == len(RESULTS)
    assert c.num_gt + c.num_zero_area_gt == len(GT["annotations"])


def test_slices_of_assets_and_gt_objects() -> None:
    req = _json_request()
    req.slice_by.append("half")
    req.slice_gt_by.append("big")
    req.metadata.add(key="half", values=["a" if i % 2 else "b" for i in range(len(GT["images"]))])
    req.gt_metadata.add(key="big", values=["y" if a["area"] > 2000 else "n" for a in GT["annotations"]])
    resp = _run(req)
    assert {(s.key, s.gt_level) for s in resp.slices} == {("half", False), ("big", True)}
    big = {s.value: s.num_gt for s in resp.slices if s.key == "big"}
    kept = [a for a in GT["annotations"] if a["area"] > 0 and not a.get("ignore")]
    assert big["y"] == sum(a["area"] > 2000 for a in kept)


def test_segm_every_view() -> None:
    gt, results = synth_lvis(12, num_images=6, num_categories=10, segm=True, crowded_image=0)
    resp = _run(_json_request(gt, results, iou_type=pb.DETECTION_IOU_TYPE_SEGM))
    assert len(resp.summary) == 13 and resp.assets


def test_columnar_labels_select_and_forgive() -> None:
    # Asset a: z is neither in its GT nor negative -> left out. Asset b: x is not exhaustive -> its
    # unmatched x prediction is ignored rather than a false positive.
    extra = {"gt_asset": [1], "gt_category": [0], "gt_boxes": [50, 50, 10, 10]}
    resp = _run(_columnar(lvis_not_exhaustive_asset=[1], lvis_not_exhaustive_category=[0], **extra))
    assert resp.counts.num_unverified_predictions == 1 and resp.counts.num_predictions == 3
    assert resp.per_class[0].fp == 0
    assert _run(_columnar(**extra)).per_class[0].fp == 1
    resp = _run(_columnar(lvis_neg_asset=[0], lvis_neg_category=[2], **extra))
    assert resp.counts.num_unverified_predictions == 0 and resp.per_class[2].fp == 1


def test_unknown_frequency_refused_by_the_seam() -> None:
    from curation.ops.enum_numbers import check_enum_numbers

    with pytest.raises(InvalidArgument) as err:
        check_enum_numbers(_columnar(category_frequency=[1, 2, 7]))
    assert err.value.field == "category_frequency[2]"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"lvis_neg_asset": [2], "lvis_neg_category": [0]}, "lvis_neg_asset[0]"),
        ({"lvis_neg_asset": [0], "lvis_neg_category": [3]}, "lvis_neg_category[0]"),
        ({"lvis_neg_asset": [0, 1], "lvis_neg_category": [0]}, "lvis_neg_category"),
        (
            {"lvis_not_exhaustive_asset": [0], "lvis_not_exhaustive_category": [-1]},
            "lvis_not_exhaustive_category[0]",
        ),
        ({"category_frequency": [1, 2]}, "category_frequency"),
        ({"params": pb.DetectionParams(max_detections=[100, 300])}, "params.max_detections"),
    ],
)
def test_bad_columnar_labels_named(kw: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(_columnar(**kw))
    assert err.value.field == field


def test_labels_refused_outside_lvis_mode() -> None:
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(_columnar(mode=pb.DETECTION_MODE_COCO, category_frequency=[1, 1, 1]))
    assert err.value.field == "category_frequency"


def test_bad_json_labels_named() -> None:
    gt = json.loads(json.dumps(GT))
    gt["categories"][3]["frequency"] = "x"
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(_json_request(gt))
    assert err.value.field == "coco_gt_json.categories[3].frequency"
    gt = json.loads(json.dumps(GT))
    gt["images"][2]["neg_category_ids"] = 5
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(_json_request(gt))
    assert err.value.field == "coco_gt_json.images[2].neg_category_ids"


def test_select_cuts_per_image_across_categories_ties_in_input_order() -> None:
    n = 6
    data = DetectionData(
        num_images=2, num_categories=2,
        gt_image=np.array([0, 1]), gt_category=np.array([0, 1]), gt_box=np.ones((2, 4)),
        gt_area=np.array([1.0, 0.0]), gt_iscrowd=np.zeros(2, bool),
        dt_image=np.array([0, 0, 0, 0, 1, 1]), dt_category=np.array([0, 1, 0, 1, 1, 0]),
        dt_box=np.ones((n, 4)), dt_score=np.array([0.5, 0.9, 0.5, 0.5, 0.3, 0.2]), dt_area=np.ones(n),
    )  # fmt: skip
    labels = LvisLabels(
        neg_image=np.array([0]), neg_category=np.array([1]), not_exhaustive_image=np.array([0]),
        not_exhaustive_category=np.array([0]), frequency=np.zeros(2, np.int64),
    )  # fmt: skip
    sel = lvis_select(data, labels, max_dets=3)
    # Image 0 keeps 0.9 then the first two 0.5s (rows 0, 2); image 1's GT has area 0, so nothing there
    # is verified.
    assert sel.dt_rows.tolist() == [0, 1, 2]
    assert sel.dt_not_exhaustive.tolist() == [True, False, True]
    assert (sel.num_truncated, sel.num_unverified, sel.num_zero_area_gt) == (1, 2, 1)
    assert sel.gt_rows.tolist() == [0]
