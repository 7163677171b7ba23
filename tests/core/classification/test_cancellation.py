"""Cancellation of classification work: summaries and slices stop at a checkpoint once cancelled, and
splitting the per-class sorts and per-row ranks into tiny spans (a token installed) changes no result."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from curation.core import classification as cl
from curation.core.classification import _binary_ranking, _ranking_metrics, calibration, slices, summary
from tests.core.checkpoints import (
    assert_same,
    assert_stops_at_deadline,
    assert_stops_when_cancelled,
    count_checkpoints,
)


def _inputs(seed: int, n: int = 1500, k: int = 12) -> tuple[Any, Any, Any, Any]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    logits = rng.normal(size=(n, k))
    logits[np.arange(n), y] += 1.0
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    tied = rng.random(n) < 0.1
    probs[tied] = np.round(probs[tied][0], 1)  # rows with equal scores
    probs /= probs.sum(1, keepdims=True)
    values = rng.choice(np.array(["north", "south", "east", "west", "up"]), n)
    truth = rng.random((n, k)) < probs * 2
    return y, probs, values, truth


def _single(y: Any, probs: Any) -> cl.Summary:
    return cl.single_label_summary(
        y, n_classes=probs.shape[1], scores=probs, probabilities=True, top_k=(1, 3, 40)
    )


def _slices(y: Any, probs: Any, values: Any) -> cl.SliceReport:
    return cl.single_label_slices(
        values, y, probs.argmax(1), n_classes=probs.shape[1], scores=probs, probabilities=True, top_k=(2,)
    )


def _multi(truth: Any, probs: Any, values: Any) -> tuple[cl.Summary, cl.SliceReport]:
    return (
        cl.multi_label_summary(truth, scores=probs, probabilities=True),
        cl.multi_label_slices(values, truth, probs >= 0.2, scores=probs, probabilities=True),
    )


def test_a_summary_stops_when_cancelled_from_another_thread() -> None:
    y, probs, _, _ = _inputs(0)
    assert_stops_when_cancelled(lambda: _single(y, probs))


def test_slices_stop_when_cancelled_and_at_a_passed_deadline() -> None:
    y, probs, values, truth = _inputs(1)
    assert_stops_when_cancelled(lambda: _slices(y, probs, values))
    assert_stops_at_deadline(lambda: _multi(truth, probs, values))


@pytest.mark.parametrize("seed", [2, 3, 4])
def test_summaries_in_tiny_spans_under_a_token_are_identical(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    y, probs, values, truth = _inputs(seed)

    def run() -> Any:
        return _single(y, probs), _slices(y, probs, values), _multi(truth, probs, values)

    reference = run()
    _, default_checks = count_checkpoints(run)
    monkeypatch.setattr(_binary_ranking, "BUDGET", 1)  # one class per sort
    monkeypatch.setattr(_ranking_metrics, "RANK_BUDGET", 7 * probs.shape[1])  # seven rows per span
    monkeypatch.setattr(calibration, "VALUES_PER_SPAN", 101)
    monkeypatch.setattr(summary, "LOSS_SPAN", 1)  # one row per span
    monkeypatch.setattr(slices, "FACTORIZE_SPAN", 13)
    chunked, checks = count_checkpoints(run)
    assert checks > default_checks > 1
    assert_same(chunked, reference)
