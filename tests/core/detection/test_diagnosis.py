"""The diagnostics built on one matching: per class, operating point, confusion, per asset, slices."""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import pytest

from curation.core.detection import DetectionDiagnosis, diagnose, restrict_state
from curation.core.detection import coco as dc
from tests.synth.detection import synth_detection

DATA = synth_detection(7, num_images=40, num_categories=6)
K = DATA.num_categories
T = TypeVar("T")


def _some(part: T | None) -> T:
    """A part of the diagnosis that was computed (every part, with the default views)."""
    assert part is not None
    return part


@pytest.fixture(scope="module")
def diag() -> DetectionDiagnosis:
    return diagnose(DATA, score_threshold=0.3, slices={"half": ["a" if i < 20 else "b" for i in range(40)]})


def test_per_class_coco_numbers_come_from_the_arrays(diag: DetectionDiagnosis) -> None:
    prec = _some(diag.arrays).precision
    for c in diag.per_class:
        p = prec[:, :, c.category, 0, -1]
        expected = float(np.mean(p[p > -1])) if (p > -1).any() else -1.0
        assert c.ap == expected
        p50 = p[0]
        assert c.ap50 == (float(np.mean(p50[p50 > -1])) if (p50 > -1).any() else -1.0)


def test_recall_without_threshold_equals_coco_recall_at_that_iou() -> None:
    d = diagnose(DATA, score_threshold=-np.inf, operating_iou=0.5)
    for c in d.per_class:
        coco = _some(d.arrays).recall[0, c.category, 0, -1]
        if coco > -1:
            assert c.recall == pytest.approx(coco, rel=1e-15)
            assert c.tp + c.fn == c.num_gt
    # An operating IoU outside the COCO thresholds runs its own matching.
    other = diagnose(DATA, score_threshold=-np.inf, operating_iou=0.42)
    params = dc.CocoParams(
        iou_thrs=np.array([0.42]), max_dets=(100,), area_rngs=np.array([[0, 1e10]]), area_labels=("all",)
    )
    ref = dc.accumulate(dc.evaluate_images(DATA, params))
    for c in other.per_class:
        if ref.recall[0, c.category, 0, 0] > -1:
            assert c.recall == pytest.approx(ref.recall[0, c.category, 0, 0], rel=1e-15)


def test_best_f1_is_the_best_cut_between_distinct_scores(diag: DetectionDiagnosis) -> None:
    op = _some(diag.state)
    code = op.dt_codes[:, 0, 0]
    for c in diag.per_class:
        if c.num_gt == 0:
            continue
        sel = (op.dt_category == c.category) & (code != 2)
        s, tp = op.dt_score[sel], code[sel] == 1
        best = 0.0
        for t in np.unique(s):
            kept = s >= t
            n_tp = int(tp[kept].sum())
            n_fp = int((~tp[kept]).sum())
            f1 = 2 * n_tp / (2 * n_tp + n_fp + (c.num_gt - n_tp))
            best = max(best, f1)
        assert c.best_f1 == pytest.approx(best, rel=1e-12)


def test_confusion_rows_hold_every_counted_gt(diag: DetectionDiagnosis) -> None:
    conf = _some(diag.confusion)
    assert conf.shape == (K + 1, K + 1)
    counted = dc.evaluate_images(DATA).gt_counted[0]
    gt_cls = dc.evaluate_images(DATA).gt_category
    for k in range(K):
        assert conf[k].sum() == np.count_nonzero(counted & (gt_cls == k))
    assert conf[K, K] == 0
    # Columns: every prediction above the threshold not matched to a crowd region appears once.
    assert conf[:, :K].sum() <= np.count_nonzero(DATA.dt_score >= 0.3)


def test_per_asset_counts_add_up(diag: DetectionDiagnosis) -> None:
    a = _some(diag.assets)
    assert sorted(a.order.tolist()) == list(range(DATA.num_images))
    assert a.tp.sum() == sum(c.tp for c in diag.per_class)
    assert a.fp.sum() == sum(c.fp for c in diag.per_class)
    assert a.fn.sum() == sum(c.fn for c in diag.per_class)
    bad = a.fp + a.fn
    assert np.all(np.diff(bad[a.order]) <= 0)
    assert np.count_nonzero(a.dt_outcome == 1) == a.tp.sum()
    assert np.count_nonzero(a.gt_outcome == 0) == a.fn.sum()
    # Matched pairs point at each other.
    tp_rows = np.flatnonzero(a.dt_outcome == 1)
    assert np.array_equal(a.gt_match[a.dt_match[tp_rows]], tp_rows)


def test_slice_of_every_asset_equals_the_whole(diag: DetectionDiagnosis) -> None:
    everything = restrict_state(_some(diag.state), np.ones(DATA.num_images, bool), area=0, max_det=-1)
    arr = dc.accumulate(everything)
    assert np.array_equal(arr.precision[:, :, :, 0, 0], _some(diag.arrays).precision[:, :, :, 0, -1])
    slices = {s.value: s for s in diag.slices}
    assert set(slices) == {"a", "b"}
    assert slices["a"].num_assets == 20
    assert slices["a"].tp + slices["b"].tp == int(_some(diag.assets).tp.sum())
    assert diag.slices[0].ap <= diag.slices[1].ap


def test_facts_report_the_traps(diag: DetectionDiagnosis) -> None:
    f = diag.facts
    assert f["dt_truncated"] > 0
    assert f["dt_on_image_without_gt"] > 0
    assert f["dt_category_without_gt"] > 0
    assert f["gt_degenerate"] >= 1 and f["dt_degenerate"] >= 1


def test_gt_object_slices_ignore_the_other_objects() -> None:
    size = np.where(DATA.gt_area <= 32.0**2, "small", "big").tolist()  # COCO's bucket, edges included
    one = ["all"] * DATA.num_gt
    d = diagnose(DATA, gt_slices={"size": size, "one": one})
    by = {(s.key, s.value): s for s in d.slices}
    assert all(s.gt_level for s in d.slices)
    # One value holding every GT: the plain COCO AP (area all, largest maxDets).
    p = _some(d.arrays).precision[:, :, :, 0, -1]
    assert by["one", "all"].ap == float(np.mean(p[p > -1]))
    # Splitting the GTs splits the operating-point counts.
    small, big = by["size", "small"], by["size", "big"]
    assert small.tp + big.tp == int(_some(d.assets).tp.sum())
    assert small.fn + big.fn == int(_some(d.assets).fn.sum())
    # Same as COCO's own area ranges when the slice is an area bucket: GTs outside are ignored.
    # (Unlike an area range, unmatched predictions are not dropped by size, so AP can only be lower.)
    coco_small = _some(d.arrays).precision[:, :, :, 1, -1]
    assert small.ap <= float(np.mean(coco_small[coco_small > -1])) + 1e-12


def test_findings_tell_the_facts(diag: DetectionDiagnosis) -> None:
    f = diag.facts
    assert [x.code for x in diag.findings] == [
        "PREDICTION_CATEGORY_WITHOUT_GT",
        "PREDICTION_ON_ASSET_WITHOUT_GT",
        "MAX_DETECTIONS_TRUNCATED",
        "DEGENERATE_BOX",
    ]
    assert diag.findings[2].message.startswith(f"{f['dt_truncated']} predictions beyond the top 100 ")
    assert diag.findings[3].message.startswith(f"{f['gt_degenerate']} GT and {f['dt_degenerate']} predicted")
    assert all(x.field == "" for x in diag.findings)
    clean = diagnose(synth_detection(1, num_images=6, num_categories=2, edge_cases=False))
    assert all(x.code != "MAX_DETECTIONS_TRUNCATED" for x in clean.findings)
