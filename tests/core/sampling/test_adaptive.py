"""The adaptive default: the probe's estimate and the regime it implies, on constructed data."""

from __future__ import annotations

import numpy as np
import pytest

from curation.core.sampling import (
    KAPPA_HIGH,
    KAPPA_LOW,
    MAX_PROBE_ROWS,
    Detections,
    Pool,
    choose_default,
    probe_accuracy,
    select,
    tie_keys,
)


def _blobs(n: int, k: int, sep: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % k
    centers = rng.normal(size=(k, 8)) * sep
    return (centers[y] + rng.normal(size=(n, 8))).astype(np.float32), y


def _pool(x: np.ndarray, y: np.ndarray, labeled: int, scores: bool = True) -> Pool:
    n = x.shape[0]
    k = int(y.max()) + 1
    mask = np.zeros(n, dtype=bool)
    mask[:labeled] = True
    p = np.full((n, k), 1.0 / k) if scores else None
    return Pool(
        np.array([f"a{i}" for i in range(n)]),
        mask,
        np.zeros(n, dtype=bool),
        scores=p,
        labels=np.where(mask, y, -1),
        embeddings=x,
    )


def test_probe_separable_labels_are_learnable() -> None:
    x, y = _blobs(200, 4, sep=20.0)
    est = probe_accuracy(x, y, tie_keys(np.arange(200).astype(str), 0))
    assert est is not None and est.accuracy == 1.0 and est.kappa == 1.0 and est.classes == 4


def test_probe_random_labels_are_at_chance() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(600, 8)).astype(np.float32)
    y = rng.integers(0, 3, size=600)
    est = probe_accuracy(x, y, tie_keys(np.arange(600).astype(str), 0))
    assert est is not None and abs(est.kappa) < 0.1


def test_probe_is_leave_one_out() -> None:
    # Two labeled points per class, each far from its twin: a fit that saw the row would get it right,
    # the held-out fit cannot (the row's own label is removed), so accuracy is below 1.
    x = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], np.float32)
    y = np.array([0, 1, 1, 0])
    est = probe_accuracy(x, y, np.arange(4, dtype=np.uint64))
    assert est is not None and est.accuracy == 0.0


def test_probe_needs_two_classes_and_caps_rows() -> None:
    x, y = _blobs(3 * MAX_PROBE_ROWS, 3, sep=5.0)
    keys = tie_keys(np.arange(x.shape[0]).astype(str), 0)
    assert probe_accuracy(x, np.zeros(x.shape[0], dtype=np.int64), keys) is None
    assert probe_accuracy(x, np.full(x.shape[0], -1), keys) is None
    est = probe_accuracy(x, y, keys)
    assert est is not None and est.rows == MAX_PROBE_ROWS


def test_regimes() -> None:
    x, y = _blobs(300, 3, sep=20.0)
    easy = choose_default(_pool(x, y, 60), 10, 0)
    assert easy.regime == "uncertainty" and [s.kind for s in easy.strategies] == ["uncertainty"]
    assert easy.kappa is not None and easy.kappa >= KAPPA_HIGH and easy.dedup is not None
    rng = np.random.default_rng(3)
    noise = choose_default(_pool(x, rng.integers(0, 3, 300), 60), 10, 0)
    assert noise.regime == "cold_start" and [s.kind for s in noise.strategies] == ["typicality"]
    assert noise.kappa is not None and noise.kappa <= KAPPA_LOW
    assert choose_default(_pool(x, y, 0), 10, 0).regime == "cold_start"
    assert choose_default(_pool(x, y, 60, scores=False), 10, 0).reason == "no model scores yet"


@pytest.mark.parametrize("at", [0.1, 0.5, 0.9])
def test_mixed_share_falls_linearly(at: float) -> None:
    kappa = KAPPA_LOW + at * (KAPPA_HIGH - KAPPA_LOW)
    x, y = _blobs(100, 2, sep=1.0)
    chance = 0.5
    choice = choose_default(_pool(x, y, 20), 10, 0, model_accuracy=chance + kappa * (1 - chance))
    assert choice.regime == "mixed" and choice.source == "caller"
    shares = {s.kind: s.fraction for s in choice.strategies}
    assert shares["typicality"] == pytest.approx((KAPPA_HIGH - kappa) / (KAPPA_HIGH - KAPPA_LOW))
    assert shares["typicality"] + shares["uncertainty"] == pytest.approx(1.0)


def test_default_is_deterministic_and_order_free() -> None:
    x, y = _blobs(240, 3, sep=2.0)
    pool = _pool(x, y, 40)
    choice = choose_default(pool, 12, 5)
    first = select(pool, choice.strategies, 12, 5, dedup=choice.dedup)
    perm = np.random.default_rng(0).permutation(240)
    shuffled = Pool(
        pool.asset_ids[perm],
        pool.labeled[perm],
        pool.excluded[perm],
        scores=pool.scores[perm] if pool.scores is not None else None,
        labels=pool.labels[perm] if pool.labels is not None else None,
        embeddings=x[perm],
    )
    again = choose_default(shuffled, 12, 5)
    assert (again.regime, again.kappa) == (choice.regime, choice.kappa)
    second = select(shuffled, again.strategies, 12, 5, dedup=again.dedup)
    assert sorted(pool.asset_ids[first.rows]) == sorted(shuffled.asset_ids[second.rows])


def test_detections_without_scores_are_a_detection_task() -> None:
    image = np.array([0, 0, 1, 2])
    boxes = np.tile(np.array([[0.0, 0.0, 10.0, 10.0]]), (4, 1))
    probs = np.array([[0.5, 0.5], [0.9, 0.1], [0.99, 0.01], [0.6, 0.4]])
    one = Detections(image=image, boxes=boxes, class_scores=probs)
    pool = Pool(np.array(["a", "b", "c"]), np.zeros(3, bool), np.zeros(3, bool), detections=one)
    choice = choose_default(pool, 2, 0)
    assert choice.regime == "detection" and choice.dedup is None
    assert [(s.kind, s.box_aggregation) for s in choice.strategies] == [("detection", "max_entropy")]
    # Image 0 holds the most uncertain box, then image 2.
    assert select(pool, choice.strategies, 2, 0).rows.tolist() == [0, 2]
    two = Detections(
        image=np.tile(image, 2),
        boxes=np.vstack([boxes, boxes + 1.0]),
        class_scores=np.vstack([probs, probs]),
        sample=np.repeat([0, 1], 4),
        num_samples=2,
    )
    pool = Pool(np.array(["a", "b", "c"]), np.zeros(3, bool), np.zeros(3, bool), detections=two)
    assert choose_default(pool, 2, 0).strategies[0].box_aggregation == "combined"
