"""Cancellation of sampling work: k-center, near-duplicate search and selection stop at a checkpoint
once cancelled, and running them in tiny spans (a token installed) changes no pick, pair or score."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from curation.core.sampling import (
    Dedup,
    Strategy,
    ann_cosine_knn,
    entropy,
    hardness,
    kcenter_greedy,
    knn,
    least_confidence,
    margin,
    near_duplicates,
    scores,
    select,
)
from tests.core.checkpoints import (
    assert_same,
    assert_stops_at_deadline,
    assert_stops_when_cancelled,
    count_checkpoints,
)
from tests.core.sampling.test_select import ALL_KINDS_MIX, make_pool


def _vectors(seed: int, n: int = 2000, d: int = 16) -> Any:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    copies = rng.choice(n, n // 20, replace=False)
    x[copies] = x[(copies + 1) % n] + 1e-3 * rng.normal(size=(copies.size, d)).astype(np.float32)
    return x


def test_kcenter_stops_when_cancelled_from_another_thread() -> None:
    x = _vectors(0)
    assert_stops_when_cancelled(lambda: kcenter_greedy(x, 40))


def test_near_duplicates_stop_when_cancelled_and_at_a_passed_deadline() -> None:
    x = _vectors(1)
    assert_stops_when_cancelled(lambda: near_duplicates(x, threshold=0.01))
    assert_stops_when_cancelled(lambda: near_duplicates(x, threshold=0.01, knn=ann_cosine_knn))
    assert_stops_at_deadline(lambda: near_duplicates(x, threshold=0.01))


def test_selection_stops_when_cancelled_from_another_thread() -> None:
    pool = make_pool(n=600, seed=2)
    assert_stops_when_cancelled(lambda: select(pool, ALL_KINDS_MIX, 60, seed=1, dedup=Dedup(0.05)))


@pytest.mark.parametrize("seed", [3, 4, 5])
def test_sampling_in_tiny_spans_under_a_token_is_identical(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    x = _vectors(seed)
    pool = make_pool(n=500, seed=seed, labels=np.where(np.arange(500) % 7 == 0, np.arange(500) % 4, -1))
    probs = pool.scores
    assert probs is not None

    def run() -> Any:
        return (
            kcenter_greedy(x, 40, centers=np.arange(x.shape[0]) % 500 == 0),
            near_duplicates(x, threshold=0.02),
            near_duplicates(x, threshold=0.02, knn=ann_cosine_knn),
            (least_confidence(probs), margin(probs), entropy(probs), hardness(probs, pool.labels)),
            select(pool, [*ALL_KINDS_MIX, Strategy("stratified", 0.1)], 80, seed=seed, dedup=Dedup(0.05)),
        )

    reference = run()
    _, default_checks = count_checkpoints(run)
    monkeypatch.setattr(knn, "ANN_ROWS_PER_SPAN", 97)
    monkeypatch.setattr(knn, "EXACT_BLOCK_CELLS", 1)  # blocks of 16 rows
    monkeypatch.setattr(scores, "SCORE_BUDGET", 3 * probs.shape[1])
    chunked, checks = count_checkpoints(run)
    assert checks > default_checks > 1
    assert_same(chunked, reference)
