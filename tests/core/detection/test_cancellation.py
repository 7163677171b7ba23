"""Cancellation of detection work: COCO, TIDE and the diagnosis stop at a checkpoint once cancelled, and
chunking the compiled loops (tiny chunk budgets, a token installed) changes no result bit."""

from __future__ import annotations

import numpy as np
import pytest

from curation.core.detection import _grouping, _tide_ap, coco, rle, tide
from curation.core.detection.coco import DetectionData
from curation.core.detection.diagnosis import DetectionDiagnosis, diagnose
from curation.core.detection.rle import RleSet, from_polygons
from tests.core.checkpoints import (
    assert_same,
    assert_stops_at_deadline,
    assert_stops_when_cancelled,
    count_checkpoints,
)
from tests.synth.detection import synth_detection

CANVAS = 700  # synthetic boxes lie in [0, 640 + 600]; masks are clipped to this square


def _data(seed: int) -> DetectionData:
    return synth_detection(seed, num_images=40, num_categories=6)


def _masks(boxes: np.ndarray) -> RleSet:
    """A rectangle polygon per box, clipped to the canvas (run-length masks, cheap at any size)."""
    x0, y0 = np.clip(boxes[:, 0], 0, CANVAS - 2), np.clip(boxes[:, 1], 0, CANVAS - 2)
    x1 = np.clip(boxes[:, 0] + boxes[:, 2], x0 + 1, CANVAS)
    y1 = np.clip(boxes[:, 1] + boxes[:, 3], y0 + 1, CANVAS)
    polys = [[[a, b, c, b, c, d, a, d]] for a, b, c, d in zip(x0, y0, x1, y1, strict=True)]
    n = boxes.shape[0]
    return from_polygons(polys, [CANVAS] * n, [CANVAS] * n)


def _diagnosis(data: DetectionData, masks: bool) -> DetectionDiagnosis:
    values = np.array(["a", "b", "c"])
    return diagnose(
        data,
        masks=(_masks(data.gt_box), _masks(data.dt_box)) if masks else None,
        slices={"site": values[np.arange(data.num_images) % 3].tolist()},
        gt_slices={"size": np.where(data.gt_area > 5000, "big", "small").tolist()},
    )


def _tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Budgets small enough that nearly every group or category is a chunk of its own."""
    monkeypatch.setattr(_grouping, "IOU_BUDGET", 7)
    monkeypatch.setattr(coco, "MATCH_BUDGET", 50)
    monkeypatch.setattr(coco, "ACCUMULATE_BUDGET", 10)
    monkeypatch.setattr(tide, "CLASSIFY_BUDGET", 9)
    monkeypatch.setattr(_tide_ap, "AP_BUDGET", 5)
    monkeypatch.setattr(rle, "MASK_IOU_BUDGET", 40)


def test_coco_evaluation_stops_when_cancelled_from_another_thread() -> None:
    data = _data(0)
    assert_stops_when_cancelled(lambda: coco.accumulate(coco.evaluate_images(data)))


def test_tide_stops_when_cancelled_from_another_thread() -> None:
    data = _data(1)
    assert_stops_when_cancelled(lambda: tide.tide_errors(data))


def test_a_diagnosis_with_masks_stops_at_a_passed_deadline_and_when_cancelled() -> None:
    data = _data(2)
    assert_stops_at_deadline(lambda: _diagnosis(data, masks=True))
    assert_stops_when_cancelled(lambda: _diagnosis(data, masks=True))


@pytest.mark.parametrize("masks", [False, True])
@pytest.mark.parametrize("seed", [3, 4, 5])
def test_chunked_diagnosis_under_a_token_is_bit_identical(
    monkeypatch: pytest.MonkeyPatch, seed: int, masks: bool
) -> None:
    data = _data(seed)
    reference = _diagnosis(data, masks)
    _, default_checks = count_checkpoints(lambda: _diagnosis(data, masks))
    _tiny_chunks(monkeypatch)
    chunked, checks = count_checkpoints(lambda: _diagnosis(data, masks))
    assert checks > default_checks > 1  # the tiny budgets did cut the loops into more chunks
    assert_same(chunked, reference)
