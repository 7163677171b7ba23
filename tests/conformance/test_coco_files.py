"""COCO bbox and segm on the files cocoapi and faster-coco-eval ship, pycocotools 2.0.11 as the oracle.

Every GT/results pair the two repositories ship for bbox and segm (``data/coco/README.md`` says where
each file comes from), and the two sets faster-coco-eval's ``test_coco_metric.py`` writes in its code,
evaluated as the peers' own tests evaluate them, with ``useCats`` 1 and 0. Each
case asserts the 12 ``summarize()`` numbers and ``COCOeval.eval``'s precision/recall/scores arrays
bit-equal (same float64 bits) to pycocotools' run on the same inputs in the test.

cocoapi's fake results (``results/instances_val2014_fake*100_results.json``) need
``instances_val2014.json``, which cocoapi does not ship; faster-coco-eval ships the GT of exactly their
100 images (``tests/dataset/cocoapi/instances_val2014_100.json``), so no GT is generated. Its copies
of the two results files hold the same JSON as cocoapi's (they differ by a trailing newline) and are
stored once.

Results pycocotools' ``loadRes`` cannot read (polygons or uncompressed RLE without a ``bbox``: it takes
the area from ``maskUtils.area``, which needs compressed RLE) are checked against pycocotools on the
same results converted first as ``annToRLE`` converts them (``frPyObjects`` + ``merge``), which is what
faster-coco-eval's ``test_basic`` does to the same file.
"""

from __future__ import annotations

import contextlib
import copy
import gzip
import io
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pycocotools import mask as mask_util
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.errors import InvalidArgument
from curation.v1 import detection_pb2 as pb
from tests.conformance.calls import Seam, Served

SUITE = "coco-files"

INEXPRESSIBLE: dict[str, str] = {
    "faster-coco-eval test_boundary.py::test_boundary_eval": (
        "Boundary IoU (iouType 'boundary', faster-coco-eval only; pycocotools has none) is not an IoU "
        "type of the service"
    ),
}

RPC = "curation.v1.DiagnosticsService/ScoreDetection"
DATA = Path(__file__).parent / "data" / "coco"
USE_CATS = pytest.mark.parametrize("use_cats", [True, False], ids=["useCats1", "useCats0"])

# The cocoapi files and faster-coco-eval's GT for their 100 images.
VAL100 = "instances_val2014_100.json"
FAKE = {
    "bbox": "instances_val2014_fakebbox100_results.json",
    "segm": "instances_val2014_fakesegm100_results.json",
}
# faster-coco-eval's test_ranges.py areas.
RANGES: dict[str, list[float]] = {
    "all": [0, 1e5**2],
    "nano": [0, 8**2],
    "micro": [8**2, 16**2],
    "small": [16**2, 32**2],
    "medium": [32**2, 96**2],
    "large": [96**2, 1e5**2],
}


def _raw(name: str) -> bytes:
    return (DATA / f"{name}.gz").read_bytes()


def _json(name: str) -> Any:
    return json.loads(gzip.decompress(_raw(name)))


def _oracle(
    gt: dict[str, Any], res: list[Any], iou_type: str, use_cats: bool, ranges: dict[str, list[float]] | None
) -> COCOeval:
    """pycocotools' COCOeval run to the end on copies of the inputs (loadRes edits its input)."""
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(copy.deepcopy(res)), iou_type)
        ev.params.useCats = int(use_cats)
        if ranges is not None:
            ev.params.areaRng = list(ranges.values())
            ev.params.areaRngLbl = list(ranges)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def _request(
    gt: dict[str, Any] | bytes,
    res: list[Any] | bytes,
    iou_type: str,
    use_cats: bool,
    ranges: dict[str, list[float]] | None = None,
) -> pb.ScoreDetectionRequest:
    """The request of one case: the files as bytes (gzip, as shipped) or as JSON text."""
    r = pb.ScoreDetectionRequest(
        iou_type=pb.DETECTION_IOU_TYPE_SEGM if iou_type == "segm" else pb.DETECTION_IOU_TYPE_BBOX,
        mode=pb.DETECTION_MODE_COCO,
        views=[pb.DETECTION_VIEW_COCO, pb.DETECTION_VIEW_ARRAYS],
    )
    if isinstance(gt, bytes):
        r.coco_gt_file = gt
    else:
        r.coco_gt_json = json.dumps(gt)
    if isinstance(res, bytes):
        r.coco_results_file = res
    else:
        r.coco_results_json = json.dumps(res)
    if not use_cats:
        r.params.use_categories = False
    for label, (lo, hi) in (ranges or {}).items():
        r.params.area_ranges.add(label=label, min=lo, max=hi)
    return r


def _assert_bit_equal(response: pb.ScoreDetectionResponse, ev: COCOeval) -> None:
    """The 12 stats and the three arrays, float64 bit for bit."""
    ours = np.array([s.value for s in response.summary])
    assert ours.tobytes() == np.asarray(ev.stats, dtype=np.float64).tobytes(), (ours, ev.stats)
    shape = tuple(response.arrays.precision_shape)
    assert shape == ev.eval["precision"].shape
    recall_shape = shape[:1] + shape[2:]
    for name, got, want_shape in (
        ("precision", response.arrays.precision, shape),
        ("recall", response.arrays.recall, recall_shape),
        ("scores", response.arrays.scores, shape),
    ):
        mine = np.array(got, dtype=np.float64).reshape(want_shape)
        assert mine.tobytes() == np.asarray(ev.eval[name], dtype=np.float64).tobytes(), name


def _case(
    seam: Seam,
    gt: dict[str, Any] | str,
    res: list[Any] | str,
    iou_type: str,
    use_cats: bool,
    *,
    oracle_res: list[Any] | None = None,
    ranges: dict[str, list[float]] | None = None,
) -> pb.ScoreDetectionRequest:
    """Evaluate one case through the seam and against pycocotools; ``gt``/``res`` name a stored file
    (sent as its gzip bytes) or are the objects (sent as JSON). Returns the request."""
    gt_obj = _json(gt) if isinstance(gt, str) else gt
    res_obj = _json(res) if isinstance(res, str) else res
    request = _request(
        _raw(gt) if isinstance(gt, str) else gt,
        _raw(res) if isinstance(res, str) else res,
        iou_type,
        use_cats,
        ranges,
    )
    ev = _oracle(gt_obj, res_obj if oracle_res is None else oracle_res, iou_type, use_cats, ranges)
    _assert_bit_equal(seam.call(RPC, request, pb.ScoreDetectionResponse), ev)
    return request


def _compressed(rle: dict[str, Any]) -> dict[str, Any]:
    """A pycocotools RLE with its counts as text (JSON cannot carry bytes)."""
    return {"size": list(rle["size"]), "counts": rle["counts"].decode("ascii")}


def _as_rle(res: list[Any], gt: dict[str, Any], *, drop_bbox: bool) -> list[Any]:
    """``res`` with polygon segmentations turned into compressed RLE by ``frPyObjects`` + ``merge`` at
    the image's size (faster-coco-eval's ``prepared_anns_droped_bbox``, which also drops the boxes)."""
    sizes = {im["id"]: (im["height"], im["width"]) for im in gt["images"]}
    out = []
    for ann in res:
        h, w = sizes[ann["image_id"]]
        rle = _compressed(mask_util.merge(mask_util.frPyObjects(ann["segmentation"], h, w)))
        keep = {k: v for k, v in ann.items() if not (k == "bbox" and drop_bbox)}
        out.append({**keep, "segmentation": rle})
    return out


# --- cocoapi: PythonAPI/pycocoEvalDemo.ipynb on results/ ----------------------------------------------


@USE_CATS
@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_cocoapi_pycocoEvalDemo_fake100_results(seam: Seam, iou_type: str, use_cats: bool) -> None:
    """The demo evaluates ``results/instances_val2014_fake{bbox,segm}100_results.json`` on its first
    100 images: the images of faster-coco-eval's ``instances_val2014_100.json``."""
    _case(seam, VAL100, FAKE[iou_type], iou_type, use_cats)


@USE_CATS
def test_cocoapi_loadRes_fakebbox100_as_segm(seam: Seam, use_cats: bool) -> None:
    """Box results in segm: ``loadRes`` writes each box as a polygon, ``annToRLE`` rasterises it."""
    _case(seam, VAL100, FAKE["bbox"], "segm", use_cats)


@USE_CATS
def test_cocoapi_loadRes_fakesegm100_as_bbox(seam: Seam, use_cats: bool) -> None:
    """RLE results without boxes in bbox: ``loadRes`` takes box (``toBbox``) and area from the mask."""
    _case(seam, VAL100, FAKE["segm"], "bbox", use_cats)


# --- faster-coco-eval: tests/test_cocoapi_fake_data.py, tests/test_ranges.py ------------------------


@USE_CATS
@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_fce_cocoapi_fake_data_eval(seam: Seam, iou_type: str, use_cats: bool) -> None:
    """``TestCOCOAPI.test_eval``: the cocoapi fake results on ``instances_val2014_100.json``."""
    _case(seam, VAL100, FAKE[iou_type], iou_type, use_cats)


@USE_CATS
@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_fce_ranges_eval(seam: Seam, iou_type: str, use_cats: bool) -> None:
    """``TestRanges.test_eval``: the same files with six area ranges (nano and micro added)."""
    _case(seam, VAL100, FAKE[iou_type], iou_type, use_cats, ranges=RANGES)


# --- faster-coco-eval: tests/test_basic.py on dataset/{gt,dt}_dataset.json ---------------------------


@USE_CATS
def test_fce_basic_coco_eval(seam: Seam, use_cats: bool) -> None:
    """``test_coco_eval``: segm, the results' polygons as compressed RLE and their boxes dropped."""
    gt = _json("gt_dataset.json")
    res = _as_rle(_json("dt_dataset.json"), gt, drop_bbox=True)
    _case(seam, gt, res, "segm", use_cats)


@USE_CATS
def test_fce_basic_coco_eval_polygon_results(seam: Seam, use_cats: bool) -> None:
    """``test_coco_eval``'s results before its conversion: polygons without boxes, which pycocotools'
    ``loadRes`` cannot read; we convert as ``annToRLE`` (area and box from the mask), so the oracle is
    pycocotools on the converted results (the test's own ``prepared_anns_droped_bbox``)."""
    gt = _json("gt_dataset.json")
    raw = _json("dt_dataset.json")
    polygons = [{k: v for k, v in ann.items() if k not in ("bbox", "area")} for ann in raw]
    _case(seam, gt, polygons, "segm", use_cats, oracle_res=_as_rle(raw, gt, drop_bbox=True))


@USE_CATS
@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_fce_basic_confusion_matrix_files(seam: Seam, iou_type: str, use_cats: bool) -> None:
    """``test_confusion_matrix``'s input (segm, ``useCats=False``) as shipped: polygon results with
    boxes, so ``annToRLE`` rasterises them at the image's size; the COCO numbers of it (the confusion
    matrix itself is faster-coco-eval's ``PreviewResults``, not a pycocotools output)."""
    _case(seam, "gt_dataset.json", "dt_dataset.json", iou_type, use_cats)


@USE_CATS
def test_fce_basic_dt_dataset_uncompressed_rle(seam: Seam, use_cats: bool) -> None:
    """The same results with uncompressed RLE (``counts`` a list) and boxes: ``annToRLE``'s
    ``frPyObjects`` of an RLE dict."""
    gt = _json("gt_dataset.json")
    res = _as_rle(_json("dt_dataset.json"), gt, drop_bbox=False)
    for ann in res:
        with warnings.catch_warnings():  # pycocotools' decode under numpy 2: a DeprecationWarning
            warnings.simplefilter("ignore", DeprecationWarning)
            mask = mask_util.decode(ann["segmentation"])
        flat = mask.ravel(order="F")
        change = np.flatnonzero(np.diff(flat)) + 1
        runs = np.diff(np.concatenate([[0], change, [flat.size]]))
        counts = ([0] if flat[0] else []) + [int(c) for c in runs]
        ann["segmentation"] = {"size": ann["segmentation"]["size"], "counts": counts}
    _case(seam, gt, res, "segm", use_cats)


def _ignore_test_files() -> tuple[dict[str, Any], list[Any]]:
    """``gt_ignore_test.json`` names its image ``"2299"`` (a string) and its annotations' image 2299 (an
    integer, all but the first); ``dt_ignore_test.json`` names 2299."""
    return _json("gt_ignore_test.json"), _json("dt_ignore_test.json")


@USE_CATS
def test_fce_basic_ignore_coco_eval(seam: Seam, use_cats: bool) -> None:
    """``test_ignore_coco_eval`` (bbox, ``loadRes(min_score=0.1)``): faster-coco-eval reads every image
    id as an integer; pycocotools compares them as written, refusing the results (next case) and
    leaving out 13 of the 14 annotations. Both are given the ids as faster-coco-eval reads them, and
    the results without those scored below 0.1 (what ``min_score`` drops); pycocotools' numbers are
    then the test's expected ones. The GT's ``ignore`` flags (all 0) are discarded as pycocotools does."""
    gt, res = _ignore_test_files()
    gt["images"] = [{**im, "id": int(im["id"])} for im in gt["images"]]
    gt["annotations"] = [{**a, "image_id": int(a["image_id"])} for a in gt["annotations"]]
    kept = [r for r in res if r["score"] >= 0.1]
    _case(seam, gt, kept, "bbox", use_cats)


def test_fce_basic_ignore_coco_eval_as_shipped(seam: Seam) -> None:
    """The shipped pair: pycocotools' ``loadRes`` asserts the results' images are GT images; we refuse
    it too, naming the first result."""
    gt, res = _ignore_test_files()
    with pytest.raises(AssertionError), contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
        coco.loadRes(copy.deepcopy(res))
    with pytest.raises(InvalidArgument) as err:
        seam.call(RPC, _request(gt, res, "bbox", True), pb.ScoreDetectionResponse)
    assert err.value.field == "coco_results_json[0].image_id"


# --- faster-coco-eval: tests/test_coco_metric.py (data written in the test) ------------------------------


def _dummy_rle() -> dict[str, Any]:
    """``_create_dummy_coco_json``'s mask: a 10 x 10 mask, its top-left 5 x 5 set (on 640 x 640 images)."""
    mask = np.zeros((10, 10), order="F", dtype=np.uint8)
    mask[:5, :5] = 1
    return _compressed(mask_util.encode(mask))


def _dummy_coco() -> tuple[dict[str, Any], list[Any]]:
    """``TestCocoMetric``'s dummy GT file and results (mmdet's test), boxes given as corners there."""
    rle = _dummy_rle()
    boxes = [(50, 60, 20, 20, 400, 0), (100, 120, 30, 30, 900, 0), (150, 160, 40, 40, 1600, 1)]
    boxes.append((250, 260, 100, 100, 10000, 0))
    anns = [
        {"id": i + 1, "image_id": 0, "category_id": c, "area": a, "bbox": [x, y, w, h], "iscrowd": 0,
         "segmentation": rle}
        for i, (x, y, w, h, a, c) in enumerate(boxes)
    ]  # fmt: skip
    gt = {
        "images": [{"id": 0, "width": 640, "height": 640, "file_name": "fake_name.jpg"}],
        "annotations": anns,
        "categories": [
            {"id": 0, "name": "car", "supercategory": "car"},
            {"id": 1, "name": "bicycle", "supercategory": "bicycle"},
        ],
        "info": "fake info",
    }
    scores = [1.0, 0.98, 0.96, 0.95]
    res = [
        {"id": i + 1, "image_id": 0, "category_id": c, "area": w * h, "bbox": [x, y, w, h],
         "score": scores[i], "segmentation": rle}
        for i, (x, y, w, h, _, c) in enumerate(boxes)
    ]  # fmt: skip
    return gt, res


@USE_CATS
@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_fce_coco_metric_evaluate(seam: Seam, iou_type: str, use_cats: bool) -> None:
    """``TestCocoMetric.test_evaluate``: category id 0, image id 0, masks smaller than the image."""
    gt, res = _dummy_coco()
    _case(seam, gt, res, iou_type, use_cats)


@USE_CATS
@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
def test_fce_coco_metric_detectron2_eval(seam: Seam, iou_type: str, use_cats: bool) -> None:
    """``TestCocoMetric.test_detectron2_eval``: detectron2's ``test_coco_evaluation.py`` set (two COCO
    val2017 images, polygon GT, RLE results with boxes), stored from the test's literals."""
    _case(
        seam, "detectron2_coco_evaluation_gt.json", "detectron2_coco_evaluation_dt.json", iou_type, use_cats
    )


# --- both protocols, a sample -------------------------------------------------------------------------


def test_suite_sample_over_grpc_and_rest(seam: Seam, served: Served) -> None:
    """Three cases through a real server: gRPC and REST answer alike, and as the seam does."""
    gt = _json("gt_dataset.json")
    polygons = [{k: v for k, v in a.items() if k not in ("bbox", "area")} for a in _json("dt_dataset.json")]
    for request in (
        _request(_raw(VAL100), _raw(FAKE["segm"]), "segm", False),
        _request(_raw(VAL100), _raw(FAKE["bbox"]), "bbox", True),
        _request(gt, polygons, "segm", False),
    ):
        del request.views[:]  # the default views: per class, TIDE, confusion and assets too
        request.include_arrays = True
        by_grpc, _ = served.both(RPC, request, pb.ScoreDetectionResponse)
        direct = seam.call(RPC, request, pb.ScoreDetectionResponse)
        direct.ClearField("cache")
        assert direct == by_grpc
