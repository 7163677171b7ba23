"""COCO files read straight to columns: pycocotools as the oracle of what is evaluated, the generic
reading as the oracle of errors and warnings (a file that leaves the typed path reads exactly the same),
the bytes fields (gzip) and the bound on inflation."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.core.detection import coco_typed_results, decode_typed, from_coco_json, from_typed
from curation.core.detection.coco_json import CocoFormatError
from curation.errors import CurationError, InvalidArgument, LimitExceeded
from curation.ops import detection as od
from curation.ops.detection import coco_files
from curation.v1 import common_pb2
from curation.v1 import detection_pb2 as pb


def _run(r: pb.ScoreDetectionRequest) -> pb.ScoreDetectionResponse:
    return od.respond(od.evaluate(r), r, common_pb2.CacheInfo(key_digest="d"))


def _stats(gt: dict[str, Any], res: list[Any]) -> list[float]:
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = json.loads(json.dumps(gt))
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(json.loads(json.dumps(res))), "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return [float(v) for v in ev.stats]


@st.composite
def coco_docs(draw: Any) -> tuple[dict[str, Any], list[Any]]:
    """Random small COCO sets: ids out of order (ints or strings), crowds, flags as bools or ints,
    integer or float numbers, unknown categories, missing areas, extra keys."""
    strings = draw(st.booleans())
    n_img = draw(st.integers(1, 6))
    img_ids = draw(st.lists(st.integers(1, 50), min_size=n_img, max_size=n_img, unique=True))
    cat_ids = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4, unique=True))
    key = (lambda i: f"i{i}") if strings else (lambda i: i)
    coord = st.one_of(st.integers(0, 60), st.floats(0, 60, allow_nan=False).map(lambda v: round(v, 2)))
    side = st.one_of(st.integers(1, 40), st.floats(1, 40).map(lambda v: round(v, 2)))
    flag = st.one_of(st.booleans(), st.integers(0, 1))
    anns = []
    for n in range(draw(st.integers(0, 25))):
        ann: dict[str, Any] = {
            "id": n + 1,
            "image_id": key(draw(st.sampled_from(img_ids))),
            "category_id": draw(st.sampled_from([*cat_ids, 77])),
            "bbox": [draw(coord), draw(coord), draw(side), draw(side)],
            "iscrowd": draw(flag),
            "extra": {"nested": [1, 2]},
        }
        if draw(st.booleans()):
            ann["area"] = draw(side) * 10
        anns.append(ann)
    res = [
        {
            "image_id": key(draw(st.sampled_from(img_ids))),
            "category_id": draw(st.sampled_from([*cat_ids, 88])),
            "bbox": [draw(coord), draw(coord), draw(side), draw(side)],
            "score": draw(st.sampled_from([0.1, 0.5, 0.5, 0.9, 1])),
        }
        for _ in range(draw(st.integers(0, 40)))
    ]
    images = [{"id": key(i), "height": 100, "width": 100} for i in img_ids]
    cats = [{"id": c, "name": f"c{c}"} for c in cat_ids]
    return {"images": images, "categories": cats, "annotations": anns}, res


def _same(a: Any, b: Any) -> None:
    for name in a.data.__dataclass_fields__:
        x, y = getattr(a.data, name), getattr(b.data, name)
        if isinstance(x, np.ndarray):
            assert x.dtype == y.dtype and np.array_equal(x, y, equal_nan=True), name
        else:
            assert x == y, name
    for name in ("image_ids", "category_ids", "category_names", "gt_ann_ids", "gt_dropped_unknown",
                 "dt_dropped_unknown_category", "gt_missing_area"):  # fmt: skip
        assert getattr(a, name) == getattr(b, name), name
    assert np.array_equal(a.gt_ann_index, b.gt_ann_index)
    assert np.array_equal(a.dt_result_index, b.dt_result_index)


@settings(max_examples=60, deadline=None)
@given(coco_docs())
def test_typed_reading_equals_the_generic_one(doc: tuple[dict[str, Any], list[Any]]) -> None:
    gt, res = doc
    typed = decode_typed(json.dumps(gt), json.dumps(res).encode(), segm=False)
    assert typed is not None
    _same(from_typed(typed), from_coco_json(gt, res))


@pytest.mark.parametrize("by_text", [True, False])
@pytest.mark.parametrize(
    "extra, message",
    [
        ([], None),
        ([{"image_id": None, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}], "image_id None is not"),
        ([{"image_id": "x", "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}], "image_id 'x' is not"),
        ([{"image_id": "2", "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}], "image_id '2' is not"),
        ([{"image_id": 2**70, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}], "image_id 1180591620"),
        ([{"image_id": 9, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}], "image_id 9 is not"),
        ([{"image_id": 2, "category_id": 1, "score": 1}], "missing bbox"),
        ([{"image_id": 2, "category_id": 1, "bbox": [0, 0, 1, 1]}], "missing score"),
        ([{"image_id": 2, "category_id": 5, "bbox": [0, 0, 1, 1]}], None),  # unknown category: left out
    ],
)
def test_results_read_in_slices_read_as_one(
    monkeypatch: pytest.MonkeyPatch, extra: list[Any], message: str | None, by_text: bool
) -> None:
    """The results list decoded a few entries at a time (cut in the text, or split into its elements
    first): same columns and the same first error (its index counted over the whole list) as the
    generic reading."""
    monkeypatch.setattr(coco_typed_results, "CHUNK", 3)
    monkeypatch.setattr(coco_typed_results, "CHUNK_BYTES", 40)
    if not by_text:
        monkeypatch.setattr(coco_typed_results, "_pieces", lambda text: None)
    res = [{**RES[0], "image_id": 1 + i % 2, "score": 0.1 * i} for i in range(8)] + extra + RES
    typed = decode_typed(json.dumps(GT), json.dumps(res), segm=False)
    assert typed is not None and len(typed.results) == len(res)
    if message is None:
        _same(from_typed(typed), from_coco_json(GT, res))
        return
    with pytest.raises(CocoFormatError, match=message) as got:
        from_typed(typed)
    with pytest.raises(CocoFormatError) as want:
        from_coco_json(GT, res)
    assert (got.value.field, got.value.message) == (want.value.field, want.value.message)
    assert got.value.field.startswith("coco_results[8]")


def test_typed_gt_errors_and_defaults_are_the_generic_ones() -> None:
    """A GT annotation without a box is named by its input index (a left-out one before it counts),
    one without an area gets its box's, as the generic reading does."""
    ann: dict[str, Any] = {"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4}
    no_area = {k: v for k, v in ann.items() if k != "area"}
    anns = [{**ann, "id": 9, "category_id": 5}, {**no_area, "id": 2}, {**ann, "id": 3}]
    gt: dict[str, Any] = {**GT, "annotations": anns}
    typed = decode_typed(json.dumps(gt), json.dumps(RES), segm=False)
    assert typed is not None
    _same(from_typed(typed), from_coco_json(gt, RES))
    assert from_typed(typed).gt_missing_area == 1
    anns[2] = {k: v for k, v in ann.items() if k != "bbox"}
    typed = decode_typed(json.dumps(gt), json.dumps(RES), segm=False)
    assert typed is not None
    with pytest.raises(CocoFormatError) as got:
        from_typed(typed)
    with pytest.raises(CocoFormatError) as want:
        from_coco_json(gt, RES)
    assert (got.value.field, got.value.message) == (want.value.field, want.value.message)
    assert got.value.field == "coco_gt.annotations[2].bbox"


@pytest.mark.parametrize("space", ["", " ", "\n\t ", "\r\n"])
def test_results_text_cut_only_between_results(monkeypatch: pytest.MonkeyPatch, space: str) -> None:
    """Cuts in the text land between results only: ``}, {`` inside a string id or a nested value
    (segmentation) is not a cut, whatever the whitespace around the array and its elements."""
    monkeypatch.setattr(coco_typed_results, "CHUNK_BYTES", 1)
    gt = {**GT, "images": [{"id": "a}, {b"}, {"id": "c"}], "annotations": []}
    seg = {"size": [4, 4], "counts": "x}, {y"}
    res = [
        {"image_id": "a}, {b" if i % 2 else "c", "category_id": 1, "bbox": [i, 0, 2, 2], "score": 0.1 * i}
        | ({"segmentation": seg} if i % 3 else {})
        for i in range(9)
    ]
    text = space + json.dumps(res, separators=(space + "," + space, ":"))
    for segm in (False, True):
        typed = decode_typed(json.dumps(gt), (text + space).encode(), segm=segm)
        assert typed is not None and len(typed.results) == len(res)
        _same(from_typed(typed), from_coco_json(gt, res, need_segm=segm))


def test_results_that_are_not_well_typed_leave_the_typed_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(coco_typed_results, "CHUNK", 2)
    monkeypatch.setattr(coco_typed_results, "CHUNK_BYTES", 10)
    for bad in ([*RES, *RES, {**RES[0], "score": "high"}], {"not": "a list"}, [*RES, *RES, 1]):
        assert decode_typed(json.dumps(GT), json.dumps(bad), segm=False) is None


@settings(max_examples=25, deadline=None)
@given(coco_docs())
def test_coco_files_give_pycocotools_numbers(doc: tuple[dict[str, Any], list[Any]]) -> None:
    gt, res = doc
    if not res or not any(a["category_id"] != 77 for a in gt["annotations"]):
        return  # pycocotools fails on no results and prints -1 without GT: nothing to compare
    for a in gt["annotations"]:
        a.setdefault("area", a["bbox"][2] * a["bbox"][3])  # pycocotools needs it
    expected = _stats(gt, res)
    request = pb.ScoreDetectionRequest(
        coco_gt_file=gzip.compress(json.dumps(gt).encode()), coco_results_file=json.dumps(res).encode()
    )
    assert [s.value for s in _run(request).summary] == expected


def _error(request: pb.ScoreDetectionRequest) -> CurationError:
    with pytest.raises(CurationError) as info:
        od.evaluate(request)
    return info.value


GT = {
    "images": [{"id": 1, "height": 10, "width": 10}, {"id": 2}],
    "categories": [{"id": 1, "name": "a"}],
    "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "area": 4}],
}
RES = [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 2, 2], "score": 0.5}]


@pytest.mark.parametrize(
    "res, field",
    [
        ([*RES, {"image_id": 9, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}], "[1].image_id"),
        ([*RES, {"image_id": 1, "category_id": 1, "score": 1}], "[1].bbox"),
        ([*RES, {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1]}], "[1].score"),
        ([*RES, {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "score": 1}], "[1].bbox"),
        ([*RES, {"image_id": 1.0, "category_id": 1, "bbox": [0, 0, -1, 1], "score": 1}], "[1].bbox"),
        ([*RES, {"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": None}], "[1].score"),
        ([*RES, "not an object"], "[1]"),
    ],
)
@pytest.mark.parametrize("form", ["json", "file", "gzip"])
def test_errors_name_the_entry_in_every_form(res: list[Any], field: str, form: str) -> None:
    gt_text, res_text = json.dumps(GT), json.dumps(res)
    if form == "json":
        request = pb.ScoreDetectionRequest(coco_gt_json=gt_text, coco_results_json=res_text)
        name = "coco_results_json"
    else:
        data = res_text.encode()
        request = pb.ScoreDetectionRequest(
            coco_gt_file=gt_text.encode(), coco_results_file=gzip.compress(data) if form == "gzip" else data
        )
        name = "coco_results_file"
    error = _error(request)
    assert isinstance(error, InvalidArgument)
    assert error.field == name + field


def test_each_file_is_given_once() -> None:
    both = pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(GT), coco_gt_file=json.dumps(GT).encode(), coco_results_json="[]"
    )
    assert _error(both).field == "coco_gt_file"
    assert _error(pb.ScoreDetectionRequest(coco_gt_file=json.dumps(GT).encode())).field == "coco_results_file"
    assert _error(pb.ScoreDetectionRequest(coco_results_file=b"[]")).field == "coco_gt_json"
    bad_gzip = pb.ScoreDetectionRequest(coco_gt_file=b"\x1f\x8bnot gzip", coco_results_json="[]")
    assert _error(bad_gzip).field == "coco_gt_file"


def test_inflation_stops_at_the_limit() -> None:
    bomb = gzip.compress(b" " * 3_000_000)
    with pytest.raises(LimitExceeded) as info:
        coco_files.inflate(bomb, "coco_gt_file", 1_000_000)
    assert info.value.field == "coco_gt_file"
    assert coco_files.inflate(gzip.compress(b"ab") + gzip.compress(b"cd"), "f", 4) == b"abcd"
    with pytest.raises(InvalidArgument):
        coco_files.inflate(gzip.compress(b"abcdef" * 100)[:-10], "f", 10_000)


def test_warnings_name_the_bytes_field() -> None:
    gt = {**GT, "annotations": [{"id": 0, "image_id": 1, "category_id": 5, "bbox": [0, 0, 1, 1]}]}
    request = pb.ScoreDetectionRequest(coco_gt_file=json.dumps(gt).encode(), coco_results_file=b"[]")
    warnings = {(w.code, w.field) for w in _run(request).warnings}
    assert ("GT_UNKNOWN_IMAGE_OR_CATEGORY", "coco_gt_file") in warnings
