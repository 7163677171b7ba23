"""pycocotools' ``useCats=0``: the pooled evaluation bit-identical on generated data with many score ties
across categories (their order decides the match and the maxDets cut) and a GT row order that is not
category order."""

from __future__ import annotations

import contextlib
import io
from typing import Any

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.core.detection import coco as dc
from curation.core.detection import pool_categories
from tests.synth.detection import synth_detection, to_coco_dicts


def _oracle(gt: dict[str, Any], res: list[Any], max_dets: tuple[int, ...]) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = gt
        coco.createIndex()
        ev = COCOeval(coco, coco.loadRes(res), "bbox")
        ev.params.useCats = 0
        ev.params.maxDets = list(max_dets)
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


@pytest.mark.parametrize(
    ("seed", "max_dets"), [(0, (1, 10, 100)), (1, (1, 10, 100)), (2, (1, 5, 20)), (3, (2, 4, 8))]
)
def test_pooled_is_pycocotools_use_cats_0(seed: int, max_dets: tuple[int, ...]) -> None:
    data = synth_detection(seed, num_images=30, num_categories=6, gt_per_image=8, dt_per_image=30)
    # Coarse scores: ties across categories within an image are common.
    data = dc.DetectionData(**{**data.__dict__, "dt_score": np.round(data.dt_score, 1)})
    gt, res = to_coco_dicts(data)
    ev = _oracle(gt, res, max_dets)
    pooled = pool_categories(data)
    params = dc.CocoParams(max_dets=max_dets)
    arrays = dc.accumulate(dc.evaluate_images(pooled.data, params))
    assert arrays.precision.tobytes() == ev.eval["precision"].tobytes()
    assert arrays.recall.tobytes() == ev.eval["recall"].tobytes()
    assert arrays.scores.tobytes() == ev.eval["scores"].tobytes()
    if max_dets == (1, 10, 100):  # pycocotools' summarize hard-codes maxDets=100 for its first number
        assert [s.value for s in dc.summarize(arrays, params)] == [float(v) for v in ev.stats]


def test_pooled_rows_name_the_input_rows() -> None:
    data = synth_detection(5, num_images=4, num_categories=3)
    p = pool_categories(data)
    assert p.data.num_categories == 1
    assert not p.data.gt_category.any() and not p.data.dt_category.any()
    assert np.array_equal(np.sort(p.gt_rows), np.arange(data.num_gt))
    assert np.array_equal(p.data.gt_box, data.gt_box[p.gt_rows])
    assert np.array_equal(p.data.dt_score, data.dt_score[p.dt_rows])
    # Stable by category: input order kept within a category.
    cats = data.gt_category[p.gt_rows]
    assert np.all(np.diff(cats) >= 0)
    for k in range(3):
        rows = p.gt_rows[cats == k]
        assert np.all(np.diff(rows) > 0)
