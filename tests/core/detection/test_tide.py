"""TIDE error types: parity with tidecv 1.0.1 on generated data (counts, AP and every dAP bit-equal)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import replace

import numpy as np
import pytest
from tidecv import TIDE, Data
from tidecv.errors.main_errors import (
    BackgroundError,
    BoxError,
    ClassError,
    DuplicateError,
    MissedError,
    OtherError,
)
from tidecv.quantify import TIDERun

from curation.core.detection.coco import DetectionData
from curation.core.detection.tide import tide_errors
from tests.synth.detection import synth_detection

_NAMES = {
    ClassError: "classification",
    BoxError: "localization",
    OtherError: "both",
    DuplicateError: "duplicate",
    BackgroundError: "background",
    MissedError: "missed",
}


def _tidecv(
    data: DetectionData, pos: float, bg: float
) -> tuple[float, dict[str, int], dict[str, float], TIDERun]:
    gt = Data("gt", max_dets=100)
    pr = Data("pr")
    for i in range(data.num_images):
        gt.add_image(i, f"im{i}")
    for k in range(data.num_categories):
        gt.add_class(k, f"c{k}")
    for j in range(data.num_gt):
        args = (int(data.gt_image[j]), int(data.gt_category[j]), [float(x) for x in data.gt_box[j]])
        if data.gt_iscrowd[j]:
            gt.add_ignore_region(*args)
        else:
            gt.add_ground_truth(*args)
    for j in range(data.num_dt):
        pr.add_detection(
            int(data.dt_image[j]),
            int(data.dt_category[j]),
            float(data.dt_score[j]),
            [float(x) for x in data.dt_box[j]],
        )
    with contextlib.redirect_stdout(io.StringIO()):
        run = TIDE(pos_threshold=pos, background_threshold=bg).evaluate(gt, pr, mode=TIDE.BOX)
        delta = run.fix_main_errors()
        counts = run.count_errors()
    return (
        float(run.ap),
        {_NAMES[k]: int(c) for k, c in counts.items()},
        {_NAMES[k]: float(d) for k, d in delta.items()},
        run,
    )


@pytest.mark.parametrize(("seed", "pos", "bg"), [(0, 0.5, 0.1), (1, 0.5, 0.1), (2, 0.6, 0.2), (3, 0.5, 0.1)])
def test_counts_ap_and_delta_ap_match_tidecv(seed: int, pos: float, bg: float) -> None:
    data = synth_detection(seed, num_images=30, num_categories=6, tied_scores=seed != 3)
    ap, counts, delta, run = _tidecv(data, pos, bg)
    ours = tide_errors(data, foreground_iou=pos, background_iou=bg)
    assert ours.counts == counts
    assert ours.ap == ap
    assert ours.delta_ap == delta
    # Every error type occurs in the data, so the comparison is not vacuous.
    assert all(c > 0 for c in counts.values())
    # Per-detection labels agree too (tidecv ids are the input rows).
    by_row = {e.pred["_id"]: _NAMES[type(e)] for e in run.errors if hasattr(e, "pred")}
    kinds = {1: "classification", 2: "localization", 3: "both", 4: "duplicate", 5: "background"}
    ours_rows = {int(i): kinds[int(k)] for i, k in enumerate(ours.dt_error) if k}
    assert ours_rows == by_row


def test_max_dets_per_image_and_images_without_predictions() -> None:
    data = synth_detection(5, num_images=12, num_categories=4)
    # Image 2 has no detections (edge case of the generator), image 0 has > 100.
    assert not np.isin(2, data.dt_image) and np.count_nonzero(data.dt_image == 0) > 100
    ap, counts, _, _ = _tidecv(data, 0.5, 0.1)
    ours = tide_errors(data)
    assert ours.counts == counts
    assert ours.ap == ap
    assert (ours.dt_used == -2).sum() == np.count_nonzero(data.dt_image == 0) - 100


def test_honour_ignore_adds_ignore_regions() -> None:
    data = synth_detection(6, num_images=20, num_categories=4)
    assert data.gt_ignore is not None and data.gt_ignore.any()
    plain = tide_errors(data)
    honoured = tide_errors(data, honour_ignore=True)
    # Same as tidecv given the ignored GTs as crowd regions.
    as_crowd = replace(data, gt_iscrowd=data.gt_iscrowd | data.gt_ignore)
    ap, counts, _, _ = _tidecv(as_crowd, 0.5, 0.1)
    assert honoured.counts == counts and honoured.ap == ap
    assert honoured.counts["missed"] <= plain.counts["missed"]


@pytest.mark.parametrize("seed", [0, 3])
def test_progressive_and_special_errors_bit_equal_tidecv(seed: int) -> None:
    data = synth_detection(seed, num_images=30, num_categories=6, tied_scores=seed != 3)
    ap, _, delta, run = _tidecv(data, 0.5, 0.1)
    with contextlib.redirect_stdout(io.StringIO()):
        progressive = {_NAMES[k]: float(d) for k, d in run.fix_main_errors(progressive=True).items()}
        special = {type(k).__name__ if not isinstance(k, type) else k.__name__: v
                   for k, v in run.fix_special_errors().items()}  # fmt: skip
    one_at_a_time = tide_errors(data)
    ours = tide_errors(data, progressive=True)
    # Bit-equal: the same points in the same order, the class APs summed in tidecv's dict order.
    assert one_at_a_time.ap == ap and one_at_a_time.delta_ap == delta
    assert ours.ap == ap and ours.delta_ap == progressive != delta
    assert ours.special_delta_ap == {
        "false_positive": special["FalsePositiveError"],
        "false_negative": special["FalseNegativeError"],
    }


def test_images_visited_in_source_order() -> None:
    """Tied scores across images order as the images are listed (tidecv's visiting order)."""
    data = synth_detection(1, num_images=30, num_categories=6)
    rank = np.random.default_rng(0).permutation(data.num_images)
    ours = tide_errors(replace(data, image_source_rank=rank))
    # tidecv given the images in that order: renumber them so evaluation order is the listed order.
    relisted = replace(data, gt_image=rank[data.gt_image], dt_image=rank[data.dt_image])
    ap, counts, delta, _ = _tidecv(relisted, 0.5, 0.1)
    assert ours.counts == counts and ours.ap == ap and ours.delta_ap == delta
    assert tide_errors(data).ap != ap  # the order matters on this set
