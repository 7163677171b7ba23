"""tidecv 1.0.1's examples as a conformance suite: its README (``TIDE().evaluate(datasets.COCO(...),
datasets.COCOResult(...), mode=TIDE.BOX / TIDE.MASK)`` then ``summarize()``), its notebook
(``evaluate_range`` over the COCO thresholds 0.50:0.95, boxes and masks) and the constructor's
thresholds, run on seeded COCO-format files (:mod:`tests.conformance.tide_coco`: polygon GT masks,
crowds as uncompressed RLE, images listed out of id order, tied scores, every error type).

tidecv, given the same files through its own readers, is the oracle: the base AP, every main error's
dAP, both special errors' dAP and the error counts must be bit-equal (tidecv is deterministic, and
ScoreDetection follows its image order, point order and class summation order).
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from curation.v1 import detection_pb2 as pb
from tests.conformance.calls import Seam, Served
from tests.conformance.tide_coco import tide_coco_set

SUITE = "tidecv"
INEXPRESSIBLE: dict[str, str] = {
    "TIDE.plot": "a matplotlib summary figure of the numbers the response carries; presentation only",
    "datasets.LVIS": "tidecv makes every class not verified in an image a class-wide ignore region over "
    "the whole image (max_dets 300); ScoreDetection's TIDE has no whole-image regions",
    "datasets.Cityscapes": "reads Cityscapes' per-image polygon JSON folders, not a COCO file",
    "Data.add_ignore_region(class_id=-1 or no box/mask)": "an any-class or whole-image ignore region has "
    "no COCO form (a crowd has one class and a shape)",
    "COCOResult with a category absent from the GT file": "tidecv evaluates it as one more class; "
    "ScoreDetection leaves it out, as pycocotools' loadRes does, and warns",
    "COCOResult with an image absent from the GT file": "tidecv skips it silently; ScoreDetection "
    "refuses it, as pycocotools' loadRes asserts",
}

RPC = "curation.v1.DiagnosticsService/ScoreDetection"
# tidecv's short error names in its table order, and ours.
_MAIN = {
    "Cls": pb.DETECTION_ERROR_TYPE_CLASSIFICATION,
    "Loc": pb.DETECTION_ERROR_TYPE_LOCALIZATION,
    "Both": pb.DETECTION_ERROR_TYPE_BOTH,
    "Dupe": pb.DETECTION_ERROR_TYPE_DUPLICATE,
    "Bkg": pb.DETECTION_ERROR_TYPE_BACKGROUND,
    "Miss": pb.DETECTION_ERROR_TYPE_MISSED,
}
_MODES = {"bbox": pb.DETECTION_IOU_TYPE_BBOX, "mask": pb.DETECTION_IOU_TYPE_SEGM}


@dataclass(frozen=True)
class Numbers:
    """What ``summarize`` prints (unrounded) and ``count_errors`` returns, for one run."""

    ap: float
    main: dict[str, float]
    special: dict[str, float]
    counts: dict[str, int]


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """tidecv prints its download/progress messages and its imports warn; neither is under test."""
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield


def _files(tmp: Path, seed: int, **kw: Any) -> tuple[Path, Path, dict[str, Any], list[dict[str, Any]]]:
    gt, res = tide_coco_set(seed, **kw)
    gt_path, res_path = tmp / "instances_val.json", tmp / "results.json"
    gt_path.write_text(json.dumps(gt))
    res_path.write_text(json.dumps(res))
    return gt_path, res_path, gt, res


def _tidecv(gt_path: Path, res_path: Path, mode: str, **thresholds: float) -> tuple[Any, Numbers]:
    """The README's calls: a TIDE object evaluating tidecv's own reading of the two files."""
    from tidecv import TIDE, datasets

    with _quiet():
        tide = TIDE(**thresholds)
        run = tide.evaluate(datasets.COCO(str(gt_path)), datasets.COCOResult(str(res_path)), mode=mode)
        name = res_path.stem
        numbers = Numbers(
            ap=run.ap,
            main=tide.get_main_errors()[name],
            special=tide.get_special_errors()[name],
            counts={k.short_name: v for k, v in run.count_errors().items()},
        )
    return tide, numbers


def _request(  # noqa: PLR0917
    gt: dict[str, Any], res: list[dict[str, Any]], mode: str, fg: float, bg: float, progressive: bool = False
) -> pb.ScoreDetectionRequest:
    """The same two files as ScoreDetection's COCO JSON input, asking for the TIDE view."""
    return pb.ScoreDetectionRequest(
        coco_gt_json=json.dumps(gt),
        coco_results_json=json.dumps(res),
        iou_type=_MODES[mode],
        views=[pb.DETECTION_VIEW_TIDE],
        tide_foreground_iou=fg,
        tide_background_iou=bg,
        tide_progressive=progressive,
    )


def _ours(response: pb.ScoreDetectionResponse) -> Numbers:
    by_type = {e.type: e for e in response.errors.errors}
    return Numbers(
        ap=response.errors.ap,
        main={k: by_type[t].delta_ap for k, t in _MAIN.items()},
        special={
            "FalsePos": response.errors.false_positive_delta_ap,
            "FalseNeg": response.errors.false_negative_delta_ap,
        },
        counts={k: int(by_type[t].count) for k, t in _MAIN.items()},
    )


def _assert_equal(ours: Numbers, theirs: Numbers) -> None:
    """Bit-equal, number by number (``==`` on floats: tidecv is deterministic and we sum as it does)."""
    assert ours.counts == theirs.counts
    assert ours.ap == theirs.ap
    assert ours.main == theirs.main
    assert ours.special == theirs.special


@pytest.mark.parametrize("mode", ["bbox", "mask"])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_readme_evaluate(seam: Seam, tmp_path: Path, mode: str, seed: int) -> None:
    """README: ``tide.evaluate(datasets.COCO(gt), datasets.COCOResult(results), mode=...)``."""
    gt_path, res_path, gt, res = _files(tmp_path, seed)
    _, theirs = _tidecv(gt_path, res_path, mode)
    ours = seam.call(RPC, _request(gt, res, mode, 0.5, 0.1), pb.ScoreDetectionResponse)
    _assert_equal(_ours(ours), theirs)


@pytest.mark.parametrize("mode", ["bbox", "mask"])
def test_readme_evaluate_larger_set_three_decimal_scores(seam: Seam, tmp_path: Path, mode: str) -> None:
    """README usage on a larger set whose scores carry three decimals (fewer, sparser ties)."""
    gt_path, res_path, gt, res = _files(tmp_path, 11, num_images=80, num_categories=9, score_decimals=3)
    _, theirs = _tidecv(gt_path, res_path, mode)
    ours = seam.call(RPC, _request(gt, res, mode, 0.5, 0.1), pb.ScoreDetectionResponse)
    _assert_equal(_ours(ours), theirs)


@pytest.mark.parametrize(("mode", "pos", "bg"), [("bbox", 0.6, 0.2), ("mask", 0.7, 0.3), ("mask", 0.3, 0.05)])
def test_tide_thresholds(seam: Seam, tmp_path: Path, mode: str, pos: float, bg: float) -> None:
    """``TIDE(pos_threshold=..., background_threshold=...)``: other foreground / background IoUs."""
    gt_path, res_path, gt, res = _files(tmp_path, 5)
    _, theirs = _tidecv(gt_path, res_path, mode, pos_threshold=pos, background_threshold=bg)
    ours = seam.call(RPC, _request(gt, res, mode, pos, bg), pb.ScoreDetectionResponse)
    _assert_equal(_ours(ours), theirs)


@pytest.mark.parametrize(("mode", "seed"), [("bbox", 3), ("mask", 4)])
def test_notebook_evaluate_range(seam: Seam, tmp_path: Path, mode: str, seed: int) -> None:
    """The notebook: ``tide.evaluate_range(gt, results, mode=...)`` — one run per COCO threshold
    (its table row and their mean, ``AP @ [50-95]``), errors from the 0.50 run."""
    from tidecv import TIDE, datasets

    gt_path, res_path, gt, res = _files(tmp_path, seed)
    with _quiet():
        tide = TIDE()
        tide.evaluate_range(datasets.COCO(str(gt_path)), datasets.COCOResult(str(res_path)), mode=mode)
        name = res_path.stem
        their_aps = [run.ap for run in tide.run_thresholds[name]]
        thresholds = [run.pos_thresh for run in tide.run_thresholds[name]]
        main, special = tide.get_main_errors()[name], tide.get_special_errors()[name]
        counts = {k.short_name: v for k, v in tide.runs[name].count_errors().items()}
    answers = [seam.call(RPC, _request(gt, res, mode, t, 0.1), pb.ScoreDetectionResponse) for t in thresholds]
    ours_aps = [a.errors.ap for a in answers]
    assert ours_aps == their_aps
    assert sum(ours_aps) / len(ours_aps) == sum(their_aps) / len(their_aps)
    _assert_equal(_ours(answers[thresholds.index(0.5)]), Numbers(their_aps[0], main, special, counts))


@pytest.mark.parametrize(("mode", "seed"), [("bbox", 6), ("mask", 6), ("mask", 8)])
def test_fix_main_errors_progressive(seam: Seam, tmp_path: Path, mode: str, seed: int) -> None:
    """``run.fix_main_errors(progressive=True)``: each error type fixed on top of the ones before it."""
    gt_path, res_path, gt, res = _files(tmp_path, seed)
    tide, theirs = _tidecv(gt_path, res_path, mode)
    with _quiet():
        progressive = {
            k.short_name: v for k, v in tide.runs[res_path.stem].fix_main_errors(progressive=True).items()
        }
    assert progressive != theirs.main  # not vacuous: the cumulative dAPs differ from the one-at-a-time ones
    ours = seam.call(RPC, _request(gt, res, mode, 0.5, 0.1, progressive=True), pb.ScoreDetectionResponse)
    _assert_equal(_ours(ours), Numbers(theirs.ap, progressive, theirs.special, theirs.counts))


@pytest.mark.parametrize("mode", ["bbox", "mask"])
def test_readme_evaluate_over_grpc_and_rest(served: Served, tmp_path: Path, mode: str) -> None:
    """The README case through a real server: gRPC and REST answer alike, and as tidecv."""
    gt_path, res_path, gt, res = _files(tmp_path, 7)
    _, theirs = _tidecv(gt_path, res_path, mode)
    by_grpc, _ = served.both(RPC, _request(gt, res, mode, 0.5, 0.1), pb.ScoreDetectionResponse)
    _assert_equal(_ours(by_grpc), theirs)


def test_suite_sets_hold_every_error_type_and_ties(tmp_path: Path) -> None:
    """The generated files are not vacuous: every error type occurs in both modes, scores tie, the
    images are listed out of id order and one image has more than tidecv's 100 detections."""
    gt_path, res_path, gt, res = _files(tmp_path, 0)
    for mode in _MODES:
        _, theirs = _tidecv(gt_path, res_path, mode)
        assert all(v > 0 for v in theirs.counts.values()), theirs.counts
        assert all(v > 0 for k, v in theirs.main.items() if k != "Dupe"), theirs.main
    ids = [im["id"] for im in gt["images"]]
    assert ids != sorted(ids)
    scores = [r["score"] for r in res]
    assert len(set(scores)) < len(scores)
    per_image = [sum(r["image_id"] == i for r in res) for i in ids]
    assert max(per_image) > 100 and min(per_image) == 0
    assert any(a["iscrowd"] for a in gt["annotations"])
