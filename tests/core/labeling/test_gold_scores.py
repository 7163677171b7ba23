"""Gold-label scores equal Snorkel's Scorer (scikit-learn underneath) on random predictions, abstains
and unknown gold included; ROC AUC within 1e-12 (midranks against sklearn's trapezoids)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from snorkel.analysis import Scorer

from curation.core.labeling.gold_scores import BINARY_METRICS, METRICS, score

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning", "ignore::RuntimeWarning")


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("k", [2, 3])
def test_score_equals_snorkel_scorer(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 60))
    gold = rng.integers(-1, k, size=n)
    pred = rng.integers(-1, k, size=n)
    probs = rng.dirichlet(np.ones(k), size=n)
    if seed == 0:
        probs = np.round(probs, 1)  # ties in the ROC AUC scores
    metrics = [m for m in METRICS if k == 2 or m not in BINARY_METRICS]
    ours = score(gold, pred, probs, metrics)
    for metric in metrics:
        try:
            ref = Scorer(metrics=[metric]).score(gold, pred, probs)[metric]
        except ValueError:  # nothing left to score, or one class only for ROC AUC
            assert math.isnan(ours[metric]), metric
            continue
        if metric == "roc_auc":
            assert abs(ours[metric] - ref) <= 1e-12
        else:
            assert ours[metric] == ref, metric
