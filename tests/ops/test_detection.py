"""ScoreDetection through the ops seam: columnar and COCO JSON input, paging, streaming, bad input."""

from __future__ import annotations

import contextlib
import io
import json
from typing import Any

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.core.detection.coco import DetectionData
from curation.errors import InvalidArgument
from curation.ops import detection as od
from curation.v1 import classification_pb2 as cls_pb
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb
from tests.synth.detection import synth_detection, to_coco_dicts

DATA = synth_detection(3, num_images=25, num_categories=5)


def _request(d: DetectionData = DATA, **kw: Any) -> pb.ScoreDetectionRequest:
    r = pb.ScoreDetectionRequest(
        asset_ids=[f"img{i}" for i in range(d.num_images)],
        category_names=[f"c{k + 1}" for k in range(d.num_categories)],
    )
    r.gt_asset.extend(d.gt_image.tolist())
    r.gt_category.extend(d.gt_category.tolist())
    r.gt_boxes.extend(d.gt_box.reshape(-1).tolist())
    r.gt_iscrowd.extend(d.gt_iscrowd.tolist())
    r.gt_area.extend(d.gt_area.tolist())
    r.pred_asset.extend(d.dt_image.tolist())
    r.pred_category.extend(d.dt_category.tolist())
    r.pred_boxes.extend(d.dt_box.reshape(-1).tolist())
    r.pred_scores.extend(d.dt_score.tolist())
    for k, val in kw.items():
        setattr(r, k, val)
    return r


def _run(r: pb.ScoreDetectionRequest, digest: str = "d1") -> pb.ScoreDetectionResponse:
    return od.respond(od.evaluate(r), r, common_pb2.CacheInfo(key_digest=digest))


def _oracle(gt: dict[str, Any], res: list[Any]) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(res), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def test_columnar_and_coco_json_give_pycocotools_numbers() -> None:
    gt, res = to_coco_dicts(DATA)
    ev = _oracle(gt, res)
    col = _run(_request(include_arrays=True))
    assert [s.value for s in col.summary] == [float(x) for x in ev.stats]
    assert np.array_equal(np.array(col.arrays.precision).reshape(tuple(col.arrays.precision_shape)),
                          ev.eval["precision"])  # fmt: skip
    assert np.array_equal(np.array(col.arrays.recall), ev.eval["recall"].reshape(-1))
    js = _run(pb.ScoreDetectionRequest(coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(res)))
    assert [s.value for s in js.summary] == [float(x) for x in ev.stats]
    assert js.mode == pb.DETECTION_MODE_COCO and not js.mode_changes
    assert js.params.max_detections == [1, 10, 100]
    codes = {w.code for w in js.warnings}
    assert {
        "MAX_DETECTIONS_TRUNCATED",
        "PREDICTION_ON_ASSET_WITHOUT_GT",
        "PREDICTION_CATEGORY_WITHOUT_GT",
    } <= codes
    assert {"DEGENERATE_BOX", "GT_IGNORE_DISCARDED"} <= codes
    # COCO JSON: objects are named by their index in the annotation / results lists.
    assert js.assets_total == DATA.num_images


def test_pages_cover_every_asset_once_worst_first() -> None:
    r = _request(page_size=7)
    payload = od.evaluate(r)
    seen: list[str] = []
    token = ""
    while True:
        r.page_token = token
        page = od.respond(payload, r, common_pb2.CacheInfo(key_digest="k"))
        seen.extend(a.asset_id for a in page.assets)
        bad = [a.fp + a.fn for a in page.assets]
        assert bad == sorted(bad, reverse=True)
        token = page.next_page_token
        if not token:
            break
    assert sorted(seen) == sorted(f"img{i}" for i in range(DATA.num_images))
    first = od.respond(payload, _request(page_size=3), common_pb2.CacheInfo(key_digest="k")).assets[0]
    kinds = {o.outcome for o in first.objects}
    assert kinds <= set(pb.DetectionOutcome.values())
    issued = od.respond(payload, _request(page_size=3), common_pb2.CacheInfo(key_digest="k")).next_page_token
    with pytest.raises(InvalidArgument, match="different request") as err:
        od.respond(payload, _request(page_token=issued), common_pb2.CacheInfo(key_digest="other"))
    assert err.value.field == "page_token"


def test_streamed_chunks_equal_the_unary_request() -> None:
    whole = _request(score_type=cls_pb.SCORE_TYPE_PROBABILITY)
    n_gt, n_dt = len(whole.gt_asset), len(whole.pred_asset)
    chunks = []
    for part in range(3):
        c = pb.ScoreDetectionRequest()
        gs = slice(part * n_gt // 3, (part + 1) * n_gt // 3)
        ds = slice(part * n_dt // 3, (part + 1) * n_dt // 3)
        if part == 0:
            c.asset_ids.extend(whole.asset_ids)
            c.category_names.extend(whole.category_names)
            c.score_type = whole.score_type
        c.gt_asset.extend(whole.gt_asset[gs])
        c.gt_category.extend(whole.gt_category[gs])
        c.gt_boxes.extend(whole.gt_boxes[gs.start * 4 : gs.stop * 4])
        c.gt_iscrowd.extend(whole.gt_iscrowd[gs])
        c.gt_area.extend(whole.gt_area[gs])
        c.pred_asset.extend(whole.pred_asset[ds])
        c.pred_category.extend(whole.pred_category[ds])
        c.pred_boxes.extend(whole.pred_boxes[ds.start * 4 : ds.stop * 4])
        c.pred_scores.extend(whole.pred_scores[ds])
        chunks.append(pb.ScoreDetectionStreamRequest(chunk=c))
    merged = od.merge_stream(chunks)
    assert merged == whole
    assert od.evaluate(merged).SerializeToString() == od.evaluate(whole).SerializeToString()
    unary = _run(whole)
    assert od.stream_response(_run(merged)).response == unary


def test_diagnostic_mode_says_what_it_changed() -> None:
    r = _request(mode=pb.DETECTION_MODE_DIAGNOSTIC)
    r.gt_ignore.extend(DATA.gt_ignore.tolist())  # type: ignore[union-attr]
    out = _run(r)
    assert out.mode == pb.DETECTION_MODE_DIAGNOSTIC and len(out.mode_changes) == 2
    assert "GT_IGNORE_DISCARDED" not in {w.code for w in out.warnings}
    coco = _run(_request())
    assert out.summary[0].value != coco.summary[0].value


def test_custom_params_reported() -> None:
    r = _request()
    r.params.iou_thresholds.extend([0.3, 0.5])
    r.params.max_detections.extend([5, 50])
    out = _run(r)
    assert list(out.params.iou_thresholds) == [0.3, 0.5]
    assert out.summary[0].max_detections == 50 and "maxDets=50" in out.summary[0].name
    assert out.summary[2].value == -1.0  # no 0.75 threshold: nothing to report, said as -1


def _bad(field: str, **changes: Any) -> InvalidArgument:
    r = _request()
    for name, fn in changes.items():
        fn(r) if callable(fn) else setattr(r, name, fn)
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(r)
    assert err.value.field == field, err.value
    return err.value


def test_bad_input_names_field_and_index() -> None:
    def neg_width(r: pb.ScoreDetectionRequest) -> None:
        r.gt_boxes[4 * 3 + 2] = -1.0

    def nan_box(r: pb.ScoreDetectionRequest) -> None:
        r.pred_boxes[4 * 5 + 1] = float("nan")

    def bad_score(r: pb.ScoreDetectionRequest) -> None:
        r.score_type = cls_pb.SCORE_TYPE_PROBABILITY
        r.pred_scores[9] = 1.5

    def unknown_asset(r: pb.ScoreDetectionRequest) -> None:
        r.pred_asset[4] = 999

    def short(r: pb.ScoreDetectionRequest) -> None:
        del r.pred_scores[-1]

    def short_box(r: pb.ScoreDetectionRequest) -> None:
        del r.gt_boxes[-1]

    def slice_key(r: pb.ScoreDetectionRequest) -> None:
        r.slice_by.append("weather")

    def md(r: pb.ScoreDetectionRequest) -> None:
        r.params.max_detections.extend([10, 0])

    _bad("gt_boxes[14]", x=neg_width)
    _bad("pred_boxes[21]", x=nan_box)
    _bad("pred_scores[9]", x=bad_score)
    _bad("pred_asset[4]", x=unknown_asset)
    _bad("pred_scores", x=short)
    _bad("gt_boxes", x=short_box)
    _bad("slice_by[0]", x=slice_key)
    _bad("params.max_detections[1]", x=md)
    _bad("operating_iou", operating_iou=1.5)


def test_bad_coco_json() -> None:
    gt, res = to_coco_dicts(DATA)
    cases = [
        ("coco_gt_json", pb.ScoreDetectionRequest(coco_gt_json="{not json", coco_results_json="[]")),
        (
            "coco_results_json[0].image_id",
            pb.ScoreDetectionRequest(
                coco_gt_json=json.dumps(gt),
                coco_results_json=json.dumps([{**res[0], "image_id": 12345}]),
            ),
        ),
        (
            "coco_results_json[1].bbox",
            pb.ScoreDetectionRequest(
                coco_gt_json=json.dumps(gt),
                coco_results_json=json.dumps([res[0], {**res[1], "bbox": [1, 2, -3, 4]}]),
            ),
        ),
        ("coco_results_json", pb.ScoreDetectionRequest(coco_gt_json=json.dumps(gt))),
        (
            "asset_ids",
            pb.ScoreDetectionRequest(coco_gt_json=json.dumps(gt), coco_results_json="[]", asset_ids=["a"]),
        ),
    ]
    for field, req in cases:
        with pytest.raises(InvalidArgument) as err:
            od.evaluate(req)
        assert err.value.field == field


def test_unknown_result_category_is_dropped_with_a_warning() -> None:
    gt, res = to_coco_dicts(DATA)
    res = [*res, {**res[0], "category_id": 999}]
    out = _run(pb.ScoreDetectionRequest(coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(res)))
    assert "PREDICTION_UNKNOWN_CATEGORY" in {w.code for w in out.warnings}
    assert out.counts.num_predictions == len(res) - 1


def test_warm_up_compiles_the_signatures_requests_use() -> None:
    """After warm_up, a request (bbox and segm paths) compiles nothing new: no JIT stall."""
    from curation.core.detection import _coco_kernels, _tide_kernels
    from curation.core.detection import rle as _rle

    od.warm_up()
    kernels = [
        getattr(mod, name)
        for mod, names in (
            (_coco_kernels, ["bucket_order", "dense_rank", "group_scan", "box_iou_kernel", "match_kernel",
                             "accumulate_kernel"]),
            (_tide_kernels, ["tide_image_kernel", "tide_ap_kernel"]),
            (_rle, ["_bbox_kernel", "_mask_iou_kernel", "_poly_counts", "_union_counts"]),
        )
        for name in names
    ]  # fmt: skip
    before = [len(k.signatures) for k in kernels]
    _run(_request(page_size=1))
    from pycocotools import mask as mu

    m = np.zeros((8, 8), np.uint8)
    m[2:6, 1:5] = 1
    counts = mu.encode(np.asfortranarray(m))["counts"].decode()
    segm = pb.ScoreDetectionRequest(
        asset_ids=["a"], category_names=["c"], iou_type=pb.DETECTION_IOU_TYPE_SEGM
    )
    segm.gt_asset.append(0)
    segm.gt_category.append(0)
    segm.gt_masks.add(height=8, width=8, counts=counts)
    segm.pred_asset.append(0)
    segm.pred_category.append(0)
    segm.pred_scores.append(0.9)
    segm.pred_masks.add(height=8, width=8, counts=counts)
    assert _run(segm).summary[1].value == pytest.approx(1.0)  # 1 / (1 + spacing(1)), as pycocotools
    assert [len(k.signatures) for k in kernels] == before


def test_gt_metadata_slices() -> None:
    r = _request()
    r.gt_metadata.add(key="occluded", values=["yes" if i % 3 == 0 else "no" for i in range(len(r.gt_asset))])
    r.slice_gt_by.append("occluded")
    r.metadata.add(key="weather", values=["night" if i % 2 else "day" for i in range(len(r.asset_ids))])
    r.slice_by.append("weather")
    out = _run(r)
    kinds = {(s.key, s.gt_level) for s in out.slices}
    assert kinds == {("weather", False), ("occluded", True)}
    bad = _request()
    bad.gt_metadata.add(key="occluded", values=["yes"])
    bad.slice_gt_by.append("occluded")
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(bad)
    assert err.value.field == "gt_metadata[0].values"


def test_the_detection_operations_as_registered() -> None:
    from curation.core import detection as det

    assert set(od.__all__) >= {"SPECS", "evaluate", "respond", "merge_stream", "stream_response", "warm_up"}
    assert [s.name for s in od.SPECS] == [
        "curation.v1.DiagnosticsService/ScoreDetection",
        "curation.v1.DiagnosticsService/ScoreDetectionStream",
    ]
    unary, stream = od.SPECS
    assert unary.warm_up is det.warm_up
    assert unary.paging_fields == ("page_size", "page_token")
    assert stream.stream is not None and stream.stream.answered_by == unary.name
