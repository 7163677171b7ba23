"""COCO-exact evaluation: bit-identical to pycocotools on generated edge-case data; sharding invariance."""

from __future__ import annotations

import contextlib
import io
from dataclasses import replace
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.core.detection import coco as dc
from tests.synth.detection import synth_detection, to_coco_dicts


class _HonourIgnore(COCOeval):  # type: ignore[misc]
    """pycocotools with a supplied ``ignore`` honoured (the oracle for diagnostic mode)."""

    def _prepare(self) -> None:
        super()._prepare()
        for anns in self._gts.values():
            for g in anns:
                g["ignore"] = bool(g["ignore"]) or bool(g["_src_ignore"])


def _oracle(
    gt: dict[str, Any], res: list[Any], params: dc.CocoParams | None = None, cls: type = COCOeval
) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        dt = coco.loadRes(res)
        ev = cls(coco, dt, "bbox")
        if params is not None:
            ev.params.iouThrs = params.iou_thrs
            ev.params.recThrs = params.rec_thrs
            ev.params.maxDets = list(params.max_dets)
            ev.params.areaRng = params.area_rngs.tolist()
            ev.params.areaRngLbl = list(params.area_labels)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def _ours(
    data: dc.DetectionData, params: dc.CocoParams | None = None, mode: dc.Mode = "coco"
) -> tuple[dc.CocoArrays, list[float]]:
    arrays = dc.accumulate(dc.evaluate_images(data, params, mode=mode))
    return arrays, [s.value for s in dc.summarize(arrays, params)]


def _assert_identical(ours: tuple[dc.CocoArrays, list[float]], ev: COCOeval) -> None:
    arrays, stats = ours
    assert np.array_equal(arrays.precision, ev.eval["precision"])
    assert np.array_equal(arrays.recall, ev.eval["recall"])
    assert np.array_equal(arrays.scores, ev.eval["scores"])
    assert stats == [float(v) for v in ev.stats]


@pytest.mark.parametrize("seed", range(4))
def test_bit_identical_default_params(seed: int) -> None:
    data = synth_detection(seed, num_images=40, num_categories=8)
    # The edge cases are really there.
    assert data.gt_iscrowd.any() and np.isin([32.0**2, 96.0**2], data.gt_area).all()
    assert np.bincount(data.dt_image * 8 + data.dt_category).max() > 100
    assert len(np.unique(data.dt_score)) < data.num_dt
    gt, res = to_coco_dicts(data)
    _assert_identical(_ours(data), _oracle(gt, res))


def test_bit_identical_untied_scores_and_few_images() -> None:
    data = synth_detection(11, num_images=6, num_categories=5, tied_scores=False, gt_per_image=3)
    gt, res = to_coco_dicts(data)
    _assert_identical(_ours(data), _oracle(gt, res))


@pytest.mark.parametrize(
    "params",
    [
        dc.CocoParams(iou_thrs=np.array([0.1, 0.3, 0.5, 0.75, 0.9]), max_dets=(1, 5, 100)),
        dc.CocoParams(
            rec_thrs=np.linspace(0, 1, 11),
            max_dets=(3, 20, 50),
            area_rngs=np.array([[0, 1e10], [0, 40.0**2], [40.0**2, 1e10]]),
            area_labels=("all", "small", "large"),
        ),
    ],
)
def test_bit_identical_custom_params(params: dc.CocoParams) -> None:
    data = synth_detection(5, num_images=30, num_categories=6)
    gt, res = to_coco_dicts(data)
    ev = _oracle(gt, res, params)
    arrays, stats = _ours(data, params)
    assert np.array_equal(arrays.precision, ev.eval["precision"])
    assert np.array_equal(arrays.recall, ev.eval["recall"])
    assert np.array_equal(arrays.scores, ev.eval["scores"])
    # pycocotools' first stat is hard-wired to maxDets=100; ours uses maxDets[-1] and says so.
    names = [s.name for s in dc.summarize(arrays, params)]
    assert f"maxDets={params.max_dets[-1]}" in names[0]
    if params.max_dets[-1] == 100:
        assert stats == [float(v) for v in ev.stats]
    else:
        assert stats[1:] == [float(v) for v in ev.stats][1:]


def test_zero_annotation_id_trap_reproduced_in_coco_mode_only() -> None:
    data = synth_detection(3, num_images=20, num_categories=4)
    # A GT that is a true positive's match at IoU 0.5.
    state = dc.evaluate_images(data)
    true_pos = state.dt_codes[:, 0, 0] == 1
    row = int(state.dt_match[true_pos, 0].max())
    zero = np.zeros(data.num_gt, dtype=bool)
    zero[row] = True
    trapped = replace(data, gt_zero_id=zero)
    gt, res = to_coco_dicts(data, zero_id_row=row)
    ev = _oracle(gt, res)
    _assert_identical(_ours(trapped), ev)
    fixed, _ = _ours(replace(trapped, gt_ignore=None), mode="diagnostic")
    plain_gt, plain_res = to_coco_dicts(replace(data, gt_ignore=None))
    plain = _oracle(plain_gt, plain_res)
    assert np.array_equal(fixed.precision, plain.eval["precision"])
    assert not np.array_equal(ev.eval["precision"], plain.eval["precision"])


def test_diagnostic_mode_honours_supplied_ignore() -> None:
    data = synth_detection(4, num_images=30, num_categories=5)
    assert data.gt_ignore is not None and data.gt_ignore.any()
    gt, res = to_coco_dicts(data)
    for ann in gt["annotations"]:
        ann["_src_ignore"] = ann["ignore"]
    ev = _oracle(gt, res, cls=_HonourIgnore)
    _assert_identical(_ours(data, mode="diagnostic"), ev)
    coco_mode, _ = _ours(data, mode="coco")
    assert not np.array_equal(coco_mode.precision, ev.eval["precision"])


def test_no_detections_and_no_gt() -> None:
    data = synth_detection(2, num_images=10, num_categories=3, edge_cases=False)
    empty_dt = replace(
        data,
        dt_image=data.dt_image[:0],
        dt_category=data.dt_category[:0],
        dt_box=data.dt_box[:0],
        dt_score=data.dt_score[:0],
        dt_area=data.dt_area[:0],
    )
    arrays, stats = _ours(empty_dt)
    has_gt = np.bincount(data.gt_category, minlength=3) > 0
    assert (arrays.precision[:, :, has_gt, 0, :] == 0).all()
    assert (arrays.recall[:, has_gt, 0, :] == 0).all()
    assert stats[0] == 0.0
    empty_gt = replace(
        data,
        gt_image=data.gt_image[:0],
        gt_category=data.gt_category[:0],
        gt_box=data.gt_box[:0],
        gt_area=data.gt_area[:0],
        gt_iscrowd=data.gt_iscrowd[:0],
        gt_ignore=None,
    )
    arrays, stats = _ours(empty_gt)
    assert (arrays.precision == -1).all() and stats == [-1.0] * 12


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 3),
    shard_of=st.lists(st.integers(0, 3), min_size=24, max_size=24),
)
def test_any_split_by_images_merges_to_the_same_answer(seed: int, shard_of: list[int]) -> None:
    data = _SHARD_DATA[seed]
    whole = dc.accumulate(dc.evaluate_images(data))
    assign = np.asarray(shard_of)
    states = []
    for s in np.unique(assign):
        imgs = np.flatnonzero(assign == s)
        g = np.flatnonzero(np.isin(data.gt_image, imgs))
        d = np.flatnonzero(np.isin(data.dt_image, imgs))
        part = replace(
            data,
            gt_image=data.gt_image[g],
            gt_category=data.gt_category[g],
            gt_box=data.gt_box[g],
            gt_area=data.gt_area[g],
            gt_iscrowd=data.gt_iscrowd[g],
            gt_ignore=None,
            gt_rows=g,
            dt_image=data.dt_image[d],
            dt_category=data.dt_category[d],
            dt_box=data.dt_box[d],
            dt_score=data.dt_score[d],
            dt_area=data.dt_area[d],
            dt_rows=d,
        )
        states.append(dc.evaluate_images(part))
    merged_state = dc.merge_states(states[::-1])
    merged = dc.accumulate(merged_state)
    assert np.array_equal(merged.precision, whole.precision)
    assert np.array_equal(merged.recall, whole.recall)
    assert np.array_equal(merged.scores, whole.scores)
    # The per-detection outcomes refer to the same global objects.
    full = dc.evaluate_images(data)
    a = np.argsort(full.dt_row)
    b = np.argsort(merged_state.dt_row)
    assert np.array_equal(full.dt_row[a], merged_state.dt_row[b])
    assert np.array_equal(full.dt_match[a], merged_state.dt_match[b])


_SHARD_DATA = [synth_detection(s, num_images=24, num_categories=5) for s in range(4)]


def test_merge_rejects_different_params() -> None:
    data = _SHARD_DATA[0]
    a = dc.evaluate_images(data)
    b = dc.evaluate_images(data, dc.CocoParams(max_dets=(1, 10, 50)))
    with pytest.raises(ValueError, match="different parameters"):
        dc.merge_states([a, b])
