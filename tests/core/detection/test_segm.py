"""Mask (segm) evaluation: RLE decoding and IoU as pycocotools, and bit-identical COCOeval('segm')."""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from typing import Any, cast

import numpy as np
import pytest
from pycocotools import mask as mu
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.core.detection.rle import (
    RleError,
    decode_strings,
    from_polygons,
    from_uncompressed,
    mask_iou_blocks,
    rle_bbox,
)
from curation.errors import InvalidArgument
from curation.ops import detection as od
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb

H, W = 48, 64


def _blob(rng: np.random.Generator) -> np.ndarray:
    m = np.zeros((H, W), np.uint8)
    y0, x0 = rng.integers(0, H - 4), rng.integers(0, W - 4)
    m[y0 : y0 + rng.integers(2, 25), x0 : x0 + rng.integers(2, 30)] = 1
    if rng.random() < 0.4:
        m[rng.integers(0, H) :, rng.integers(0, W)] = 1
    return m


def _enc(m: np.ndarray) -> dict[str, Any]:
    r = mu.encode(np.asfortranarray(m))
    return {"size": r["size"], "counts": r["counts"].decode()}


def _dataset(seed: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    rng = np.random.default_rng(seed)
    anns: list[dict[str, Any]] = []
    res: list[dict[str, Any]] = []
    for i in range(14):
        gts = [_blob(rng) for _ in range(rng.integers(0, 5))]
        cats = [int(rng.integers(1, 4)) for _ in gts]
        for m, cat in zip(gts, cats, strict=True):
            e = mu.encode(np.asfortranarray(m))
            anns.append({
                "id": len(anns) + 1, "image_id": i + 1, "category_id": cat,
                "segmentation": _enc(m), "area": float(mu.area(e)), "bbox": mu.toBbox(e).tolist(),
                "iscrowd": int(rng.random() < 0.15),
            })  # fmt: skip
        for m, cat in zip(gts, cats, strict=True):
            for _ in range(rng.integers(0, 3)):
                shifted = np.roll(m, (rng.integers(-2, 3), rng.integers(-2, 3)), axis=(0, 1))
                label = cat if rng.random() < 0.8 else int(rng.integers(1, 4))
                score = float(np.round(rng.random(), 1))
                res.append(
                    {"image_id": i + 1, "category_id": label, "segmentation": _enc(shifted), "score": score}
                )
        for _ in range(rng.integers(0, 4)):
            label, score = int(rng.integers(1, 4)), float(np.round(rng.random(), 1))
            res.append(
                {"image_id": i + 1, "category_id": label, "segmentation": _enc(_blob(rng)), "score": score}
            )
    gt = {
        "images": [{"id": i + 1, "height": H, "width": W} for i in range(14)],
        "categories": [{"id": k + 1, "name": f"c{k + 1}"} for k in range(3)],
        "annotations": anns,
    }
    return gt, res


def _frpoly(polys: list[list[float]]) -> Any:
    # pycocotools' Cython frPyObjects warns under numpy 2 (array __array__ copy keyword).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return mu.merge(mu.frPyObjects(polys, H, W))


def _decode(rle: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return mu.decode(rle)


def _oracle(gt: dict[str, Any], res: list[dict[str, Any]]) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        coco = COCO()
        coco.dataset = json.loads(json.dumps(gt))
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(json.loads(json.dumps(res))), "segm")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def test_decode_area_bbox_and_iou_match_pycocotools() -> None:
    rng = np.random.default_rng(1)
    masks = [_blob(rng) for _ in range(120)]
    masks[0][:] = 1
    masks[1][:] = 0
    enc = [mu.encode(np.asfortranarray(m)) for m in masks]
    rs = decode_strings([e["counts"].decode() for e in enc], [H] * 120, [W] * 120)
    for i in (0, 1, 7, 50):
        c = rs.counts[rs.offsets[i] : rs.offsets[i + 1]]
        dense = np.repeat(np.arange(c.shape[0]) % 2, c).reshape(W, H).T
        assert np.array_equal(dense, masks[i])
    assert np.array_equal(rs.area, mu.area(enc).astype(float))
    assert np.array_equal(rle_bbox(rs), mu.toBbox(enc))
    crowd = rng.random(60) < 0.3
    ref = mu.iou(enc[60:], enc[:60], crowd.astype(np.uint8).tolist())
    z = np.zeros(1, np.int64)
    n = np.array([60])
    ours = mask_iou_blocks(rs.take(np.arange(60)), crowd, rs.take(np.arange(60, 120)), z, n, z, n, z)
    assert np.array_equal(ours.reshape(60, 60), ref)
    unc = from_uncompressed([[3, 2, 1], [6]], [2, 2], [3, 3])
    assert unc.area.tolist() == [2.0, 0.0]


def test_malformed_rle_is_reported_with_its_index() -> None:
    good = mu.encode(np.asfortranarray(np.ones((4, 4), np.uint8)))["counts"].decode()
    with pytest.raises(RleError) as err:
        decode_strings([good, good], [4, 5], [4, 4])
    assert err.value.index == 1
    with pytest.raises(RleError):
        decode_strings(["\x7f"], [1], [1])


@pytest.mark.parametrize("seed", [0, 1])
def test_segm_bit_identical_through_coco_json(seed: int) -> None:
    gt, res = _dataset(seed)
    ev = _oracle(gt, res)
    assert max(ev.stats) > 0.1  # masks really overlap
    req = pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(res),
        iou_type=pb.DETECTION_IOU_TYPE_SEGM, include_arrays=True,
    )  # fmt: skip
    out = od.respond(od.evaluate(req), req, common_pb2.CacheInfo(key_digest="x"))
    assert [s.value for s in out.summary] == [float(x) for x in ev.stats]
    prec = np.array(out.arrays.precision).reshape(tuple(out.arrays.precision_shape))
    assert np.array_equal(prec, ev.eval["precision"])
    assert np.array_equal(np.array(out.arrays.scores).reshape(prec.shape), ev.eval["scores"])
    assert out.params.iou_type == pb.DETECTION_IOU_TYPE_SEGM


def test_segm_columnar_equals_coco_json() -> None:
    gt, res = _dataset(2)
    js = pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(res), iou_type=pb.DETECTION_IOU_TYPE_SEGM
    )
    col = pb.ScoreDetectionRequest(
        asset_ids=[str(i + 1) for i in range(14)], category_names=["c1", "c2", "c3"],
        iou_type=pb.DETECTION_IOU_TYPE_SEGM,
    )  # fmt: skip
    for a in gt["annotations"]:
        col.gt_asset.append(a["image_id"] - 1)
        col.gt_category.append(a["category_id"] - 1)
        col.gt_iscrowd.append(bool(a["iscrowd"]))
        col.gt_area.append(a["area"])
        col.gt_masks.add(height=H, width=W, counts=a["segmentation"]["counts"])
    for r in res:
        col.pred_asset.append(r["image_id"] - 1)
        col.pred_category.append(r["category_id"] - 1)
        col.pred_scores.append(r["score"])
        col.pred_masks.add(height=H, width=W, counts=r["segmentation"]["counts"])
    a = od.evaluate(js).report
    b = od.evaluate(col).report
    assert [s.value for s in a.summary] == [s.value for s in b.summary]
    bad = pb.ScoreDetectionRequest()
    bad.CopyFrom(col)
    bad.pred_masks[3].counts = "not rle!"
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(bad)
    assert err.value.field == "pred_masks[3]"
    bad.CopyFrom(col)
    bad.pred_masks[2].height = 10
    with pytest.raises(InvalidArgument) as err:
        od.evaluate(bad)
    assert err.value.field == "pred_masks[2]"


def _polygon(rng: np.random.Generator) -> list[float]:
    k = int(rng.integers(3, 9))
    cx, cy = rng.uniform(-8, W + 8), rng.uniform(-8, H + 8)
    ang = np.sort(rng.uniform(0, 2 * np.pi, k))
    r = rng.uniform(1, 25, k)
    xy = np.stack([cx + r * np.cos(ang), cy + r * np.sin(ang)], 1)
    if rng.random() < 0.3:
        xy = np.round(xy, 1)
    return [float(v) for v in xy.reshape(-1)]


def test_polygons_rasterise_as_pycocotools() -> None:
    rng = np.random.default_rng(3)
    polys = [[_polygon(rng) for _ in range(int(rng.integers(1, 3)))] for _ in range(150)]
    ours = from_polygons(polys, [H] * 150, [W] * 150)
    for i, p in enumerate(polys):
        ref = _decode(_frpoly(p))
        c = ours.counts[ours.offsets[i] : ours.offsets[i + 1]]
        assert np.array_equal(np.repeat(np.arange(c.shape[0]) % 2, c).reshape(W, H).T, ref), i


def test_segm_with_polygon_gt_bit_identical() -> None:
    rng = np.random.default_rng(4)
    anns: list[dict[str, Any]] = []
    res: list[dict[str, Any]] = []
    for i in range(10):
        for _ in range(int(rng.integers(0, 5))):
            polys = [_polygon(rng) for _ in range(int(rng.integers(1, 3)))]
            rle = _frpoly(polys)
            cat = int(rng.integers(1, 3))
            crowd = rng.random() < 0.15
            seg: Any = _enc(_decode(rle)) if crowd else polys
            box = mu.toBbox(rle).tolist()
            anns.append({"id": len(anns) + 1, "image_id": i + 1, "category_id": cat, "segmentation": seg,
                         "area": float(mu.area(rle)), "bbox": box, "iscrowd": int(crowd)})  # fmt: skip
            for _ in range(int(rng.integers(0, 3))):
                moved = np.roll(
                    _decode(rle), (int(rng.integers(-2, 3)), int(rng.integers(-2, 3))), axis=(0, 1)
                )
                res.append({"image_id": i + 1, "category_id": cat, "segmentation": _enc(moved),
                            "score": float(np.round(rng.random(), 1))})  # fmt: skip
    gt = {
        "images": [{"id": i + 1, "height": H, "width": W} for i in range(10)],
        "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}],
        "annotations": anns,
    }
    ev = _oracle(gt, res)
    assert max(ev.stats) > 0.3
    req = pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt), coco_results_json=json.dumps(res),
        iou_type=pb.DETECTION_IOU_TYPE_SEGM, include_arrays=True,
    )  # fmt: skip
    out = od.respond(od.evaluate(req), req, common_pb2.CacheInfo(key_digest="x"))
    assert [s.value for s in out.summary] == [float(x) for x in ev.stats]
    prec = np.array(out.arrays.precision).reshape(tuple(out.arrays.precision_shape))
    assert np.array_equal(prec, ev.eval["precision"])


def test_tide_mask_mode_matches_tidecv() -> None:
    from tidecv import TIDE, Data

    from curation.core.detection import tide_mask_iou_fn
    from curation.core.detection.coco_json import from_coco_json, masks_from_segmentations
    from curation.core.detection.tide import tide_errors

    gt, res = _dataset(5)
    parsed = from_coco_json(gt, res, need_segm=True)
    gm = masks_from_segmentations(parsed.gt_segm or [], parsed.gt_ann_index, "gt")
    dm = masks_from_segmentations(parsed.dt_segm or [], parsed.dt_result_index, "res")
    ours = tide_errors(parsed.data, iou_fn=tide_mask_iou_fn(gm, dm))
    tgt, tpr = Data("gt", max_dets=100), Data("pr")
    for img in gt["images"]:
        tgt.add_image(img["id"], str(img["id"]))
    for a in gt["annotations"]:
        args = (a["image_id"], a["category_id"], a["bbox"], a["segmentation"])
        (tgt.add_ignore_region if a["iscrowd"] else tgt.add_ground_truth)(*args)
    for r in res:
        tpr.add_detection(r["image_id"], r["category_id"], r["score"], None, r["segmentation"])
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        run = TIDE().evaluate(tgt, tpr, mode=TIDE.MASK)
        # Keyed by tidecv's error classes (untyped), which name themselves in short_name.
        counts = {
            type(k).__name__ if not isinstance(k, type) else cast("type[Any]", k).short_name: v
            for k, v in run.count_errors().items()
        }
    names = {"Cls": "classification", "Loc": "localization", "Both": "both", "Dupe": "duplicate",
             "Bkg": "background", "Miss": "missed"}  # fmt: skip
    assert ours.counts == {names[k]: v for k, v in counts.items()}
    assert ours.ap == run.ap
    assert sum(ours.counts.values()) > 0
