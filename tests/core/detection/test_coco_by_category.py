"""COCO's arrays evaluated a span of categories at a time: pycocotools as the oracle, and the whole
state's arrays bit for bit (spans forced small so every set is cut into many)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from curation.core.detection import coco as dc
from curation.core.detection import coco_by_category as cb
from tests.core.detection.test_coco import _oracle
from tests.synth.detection import synth_detection, to_coco_dicts


@pytest.fixture(autouse=True)
def _small_spans(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cb, "SPAN_OBJECTS", 40)


def _same_bits(a: dc.CocoArrays, b: dc.CocoArrays) -> None:
    for name in ("precision", "recall", "scores"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.shape == y.shape and x.tobytes() == y.tobytes(), name


@pytest.mark.parametrize("seed", range(3))
def test_equals_pycocotools(seed: int) -> None:
    data = synth_detection(seed, num_images=40, num_categories=8)
    assert np.bincount(data.dt_image * 8 + data.dt_category).max() > 100  # maxDets cuts some groups
    gt, res = to_coco_dicts(data)
    ev = _oracle(gt, res)
    arrays, truncated = cb.coco_arrays(data)
    assert np.array_equal(arrays.precision, ev.eval["precision"])
    assert np.array_equal(arrays.recall, ev.eval["recall"])
    assert np.array_equal(arrays.scores, ev.eval["scores"])
    assert [s.value for s in dc.summarize(arrays)] == [float(v) for v in ev.stats]
    assert truncated == dc.evaluate_images(data).num_truncated > 0


@pytest.mark.parametrize("mode", ["coco", "diagnostic"])
def test_equals_the_whole_state_with_custom_params_and_traps(mode: dc.Mode) -> None:
    data = synth_detection(4, num_images=30, num_categories=6)
    zero = np.zeros(data.num_gt, dtype=bool)
    zero[::7] = True
    data = replace(data, gt_zero_id=zero)
    params = dc.CocoParams(
        iou_thrs=np.array([0.1, 0.5, 0.9]), max_dets=(2, 30), area_rngs=np.array([[0, 1e10], [0, 900.0]]),
        area_labels=("all", "small"),
    )  # fmt: skip
    for p in (None, params):
        arrays, _ = cb.coco_arrays(data, p, mode=mode)
        _same_bits(arrays, dc.accumulate(dc.evaluate_images(data, p, mode=mode)))


def test_iou_fn_sees_the_whole_sets_rows() -> None:
    data = synth_detection(6, num_images=20, num_categories=5)

    def box_iou(g, d, g_lo, g_hi, d_lo, d_hi, offsets):  # type: ignore[no-untyped-def]  # noqa: PLR0917
        sizes = (g_hi - g_lo) * (d_hi - d_lo)
        out = np.zeros(int(sizes.sum()))
        for q in range(len(g_lo)):
            gb, db = data.gt_box[g[g_lo[q] : g_hi[q]]], data.dt_box[d[d_lo[q] : d_hi[q]]]
            x1 = np.maximum(db[:, None, 0], gb[None, :, 0])
            x2 = np.minimum(db[:, None, 0] + db[:, None, 2], gb[None, :, 0] + gb[None, :, 2])
            y1 = np.maximum(db[:, None, 1], gb[None, :, 1])
            y2 = np.minimum(db[:, None, 1] + db[:, None, 3], gb[None, :, 1] + gb[None, :, 3])
            inter = np.clip(x2 - x1, 0, None) * np.clip(y2 - y1, 0, None)
            union = (db[:, 2] * db[:, 3])[:, None] + (gb[:, 2] * gb[:, 3])[None, :] - inter
            block = np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)
            out[offsets[q] : offsets[q] + block.size] = block.ravel()
        return out

    arrays, _ = cb.coco_arrays(data, iou_fn=box_iou)
    _same_bits(arrays, dc.accumulate(dc.evaluate_images(data, iou_fn=box_iou)))


def test_empty_sets() -> None:
    data = synth_detection(2, num_images=10, num_categories=3, edge_cases=False)
    none = np.zeros(0, dtype=np.int64)
    no_dt = replace(
        data, dt_image=none, dt_category=none, dt_box=data.dt_box[:0], dt_score=data.dt_score[:0],
        dt_area=data.dt_area[:0],
    )  # fmt: skip
    no_gt = replace(
        data, gt_image=none, gt_category=none, gt_box=data.gt_box[:0], gt_area=data.gt_area[:0],
        gt_iscrowd=data.gt_iscrowd[:0], gt_ignore=None,
    )  # fmt: skip
    for part in (no_dt, no_gt):
        arrays, _ = cb.coco_arrays(part)
        _same_bits(arrays, dc.accumulate(dc.evaluate_images(part)))
