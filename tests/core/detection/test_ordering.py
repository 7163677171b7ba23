"""The detection orders: the radix score sort against numpy's stable argsort, and the state's order."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from curation.core.detection import coco as dc
from curation.core.detection._ordering import desc_order, in_accumulation_order
from tests.synth.detection import synth_detection

SPECIALS = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, 5e-324, -5e-324, 1e308, -1e308, 0.5, 0.5])


@pytest.mark.parametrize("seed", range(5))
def test_desc_order_is_numpys_stable_argsort_of_minus_score(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 3000))
    score = np.concatenate([np.round(rng.normal(size=n), int(rng.integers(0, 4))), SPECIALS])
    rng.shuffle(score)
    start = rng.permutation(score.shape[0]).astype(np.int64)
    expected = start[np.argsort(-score[start], kind="stable")]
    np.testing.assert_array_equal(desc_order(score, start), expected)


def test_desc_order_puts_nan_last_in_given_order() -> None:
    score = np.array([np.nan, 0.3, np.nan, -0.0, 0.0, 0.3])
    order = desc_order(score, np.arange(6, dtype=np.int64))
    np.testing.assert_array_equal(order, [1, 5, 3, 4, 0, 2])
    assert desc_order(np.zeros(0), np.zeros(0, dtype=np.int64)).shape == (0,)


def test_fresh_state_is_in_accumulation_order_and_a_shuffled_one_accumulates_the_same() -> None:
    data = synth_detection(3, num_images=40, num_categories=6)
    state = dc.evaluate_images(data)
    assert in_accumulation_order(state.dt_category, state.dt_score, state.dt_image, state.dt_rank)
    assert dc.accumulation_order(state) is None
    perm = np.random.default_rng(0).permutation(state.dt_row.shape[0])
    shuffled = replace(
        state,
        **{
            name: getattr(state, name)[perm]
            for name in ("dt_row", "dt_image", "dt_category", "dt_rank", "dt_score", "dt_codes", "dt_match")
        },
        dt_match_iou=state.dt_match_iou[perm],
    )
    assert dc.accumulation_order(shuffled) is not None
    a, b = dc.accumulate(state), dc.accumulate(shuffled)
    for name in ("precision", "recall", "scores"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_keep_matches_false_changes_nothing_but_the_match_columns() -> None:
    data = synth_detection(5, num_images=40, num_categories=6)
    full = dc.evaluate_images(data)
    lean = dc.evaluate_images(data, keep_matches=False)
    assert lean.dt_match.shape == (full.dt_row.shape[0], 0) == lean.dt_match_iou.shape
    np.testing.assert_array_equal(lean.dt_codes, full.dt_codes)
    np.testing.assert_array_equal(lean.dt_row, full.dt_row)
    a, b = dc.accumulate(full), dc.accumulate(lean)
    for name in ("precision", "recall", "scores"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
