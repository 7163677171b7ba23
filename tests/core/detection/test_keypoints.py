"""Keypoints (OKS) evaluation: numpy's summation order, OKS blocks bit-equal to pycocotools'
``computeOks``, ``loadRes`` geometry, and every view of a diagnosis over keypoints."""

from __future__ import annotations

import contextlib
import copy
import io
from typing import Any

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from curation.core.detection import (
    COCO_PERSON_SIGMAS,
    diagnose,
    from_coco_json,
    keypoint_params,
    keypoints_from_coco,
)
from curation.core.detection._oks_kernels import _np_sum
from curation.core.detection.keypoints import oks_fn
from tests.conformance.keypoint_data import generated


@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 15, 16, 17, 31, 128, 129, 255, 300, 1000])
def test_np_sum_adds_in_numpy_order(n: int) -> None:
    rng = np.random.default_rng(n)
    for _ in range(20):
        a = np.exp(-rng.exponential(3, n))
        assert _np_sum(a, 0, n) == np.sum(a)
        if n > 2:
            assert _np_sum(a, 1, n - 2) == np.sum(a[1 : n - 1])


def _oracle(gt: dict[str, Any], res: list[Any], sigmas: np.ndarray | None = None) -> COCOeval:
    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO()
        coco.dataset = copy.deepcopy(gt)
        coco.createIndex()
        dt = coco.loadRes(copy.deepcopy(res))
        ev = COCOeval(coco, dt, "keypoints")
        if sigmas is not None:
            ev.params.kpt_oks_sigmas = sigmas
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    return ev


def _ours(gt: dict[str, Any], res: list[Any], sigmas: np.ndarray = COCO_PERSON_SIGMAS) -> Any:
    parsed = from_coco_json(gt, res, need_keypoints=True)
    K = parsed.data.num_categories
    offsets = (np.arange(K + 1) * sigmas.shape[0]).astype(np.int64)
    data, kp = keypoints_from_coco(parsed, np.tile(sigmas, K), offsets, results_have_boxes="bbox" in res[0])
    return parsed, data, kp


@pytest.mark.parametrize(("seed", "k", "boxes"), [(0, 17, False), (1, 17, True), (2, 4, False)])
def test_oks_blocks_equal_compute_oks(seed: int, k: int, boxes: bool) -> None:
    gt, res = generated(seed, n_cat=2, k=k, boxes=boxes)
    sigmas = COCO_PERSON_SIGMAS if k == 17 else np.linspace(0.2, 0.9, k) / 10
    ev = _oracle(gt, res, sigmas)
    parsed, data, kp = _ours(gt, res, sigmas)
    fn = oks_fn(kp, data)
    checked = 0
    for ii, image_id in enumerate(parsed.image_ids):
        for kk, cat_id in enumerate(parsed.category_ids):
            g = np.flatnonzero((data.gt_image == ii) & (data.gt_category == kk))
            d = np.flatnonzero((data.dt_image == ii) & (data.dt_category == kk))
            d = d[np.argsort(-data.dt_score[d], kind="mergesort")][:20]
            expected = ev.ious[image_id, cat_id]
            if len(g) == 0 or len(d) == 0:
                assert len(expected) == 0
                continue
            z = np.zeros(1, np.int64)
            got = fn(g, d, z, z + len(g), z, z + len(d), z).reshape(len(d), len(g))
            assert np.array_equal(got, expected)
            checked += 1
    assert checked > 5


def test_results_without_boxes_take_the_keypoint_extent() -> None:
    gt, res = generated(3)
    ev = _oracle(gt, res)
    _, data, _ = _ours(gt, res)
    dts = ev.cocoDt.loadAnns(ev.cocoDt.getAnnIds())
    assert np.array_equal(data.dt_area, np.array([d["area"] for d in dts], dtype=np.float64))
    assert np.array_equal(data.dt_box, np.array([d["bbox"] for d in dts], dtype=np.float64))


def test_every_view_runs_on_keypoints_and_agrees_with_coco() -> None:
    gt, res = generated(4, n_cat=2)
    ev = _oracle(gt, res)
    _, data, kp = _ours(gt, res)
    diag = diagnose(data, keypoint_params(), keypoints=kp, views=None)
    assert [s.value for s in diag.summary] == ev.stats.tolist()
    assert diag.tide is not None and diag.confusion is not None and diag.assets is not None
    for c in diag.per_class:
        p = ev.eval["precision"][:, :, c.category, 0, -1]
        assert c.ap == (np.mean(p[p > -1]) if (p > -1).any() else -1)
    assert diag.confusion.sum() > 0


def test_categories_of_other_keypoint_counts_never_match_across() -> None:
    gt, res = generated(5, n_cat=1, k=17)
    gt2, res2 = generated(6, n_cat=1, k=5)
    for a in gt2["annotations"]:
        a["category_id"] = 2
        a["id"] += 10_000
    for r in res2:
        r["category_id"] = 2
    gt["categories"].append({"id": 2, "name": "five", "keypoints": ["a", "b", "c", "d", "e"]})
    gt["annotations"] += gt2["annotations"]
    res = res + res2
    sig5 = np.linspace(0.2, 0.9, 5) / 10
    parsed = from_coco_json(gt, res, need_keypoints=True)
    sigmas = np.concatenate([COCO_PERSON_SIGMAS, sig5])
    data, kp = keypoints_from_coco(parsed, sigmas, np.array([0, 17, 22]), results_have_boxes=False)
    diag = diagnose(data, keypoint_params(), keypoints=kp, views=["confusion", "coco"])
    assert diag.confusion is not None
    assert diag.confusion[0, 1] == 0 and diag.confusion[1, 0] == 0
    # Each category alone equals pycocotools with its own sigmas.
    one = copy.deepcopy(gt)
    one["categories"] = one["categories"][:1]
    one["annotations"] = [a for a in one["annotations"] if a["category_id"] == 1]
    ev = _oracle(one, [r for r in res if r["category_id"] == 1])
    assert np.array_equal(diag.arrays.precision[:, :, 0], ev.eval["precision"][:, :, 0])  # type: ignore[union-attr]
