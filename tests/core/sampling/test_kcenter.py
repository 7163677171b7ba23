"""Greedy k-center against a plain float64 implementation, with centers, candidates, groups and ties."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.core.sampling.kcenter import kcenter_greedy, min_sq_distances


def naive(x: np.ndarray, k: int, centers: np.ndarray, cand: np.ndarray, keys: np.ndarray) -> list[int]:
    """Textbook greedy k-center: full distance matrix in float64, ties by smallest key."""
    x = x.astype(np.float64)
    d = np.sqrt(((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    chosen: list[int] = []
    ref = list(np.flatnonzero(centers))
    avail = cand & ~centers
    for _ in range(k):
        rows = np.flatnonzero(avail)
        if rows.size == 0:
            break
        mind = d[np.ix_(rows, ref)].min(1) if ref else np.full(rows.size, np.inf)
        best = rows[mind == mind.max()]
        i = best[np.argmin(keys[best])]
        chosen.append(int(i))
        ref.append(i)
        avail[i] = False
    return chosen


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 60),
    k=st.integers(0, 20),
    n_centers=st.integers(0, 5),
    hot=st.sampled_from([0.01, 0.125, 0.5, 1.0]),
)
def test_matches_naive_greedy(seed: int, n: int, k: int, n_centers: int, hot: float) -> None:
    rng = np.random.default_rng(seed)
    # Integer grid coordinates scaled: exact in float32, so the norm trick makes no rounding ties.
    x = rng.integers(-20, 20, size=(n, 3)).astype(np.float32)
    centers = np.zeros(n, bool)
    centers[rng.choice(n, min(n_centers, n), replace=False)] = True
    cand = rng.random(n) < 0.8
    keys = rng.permutation(n).astype(np.uint64)
    got = kcenter_greedy(x, k, candidates=cand, centers=centers, tie_keys=keys, hot_fraction=hot)
    assert got.rows.tolist() == naive(x, k, centers, cand.copy(), keys)
    if got.rows.size and centers.any():
        ref = x[centers].astype(np.float64)
        first = np.sqrt(((ref - x[got.rows[0]]) ** 2).sum(1)).min()
        np.testing.assert_allclose(got.distances[0], first, rtol=1e-5)


def test_first_pick_without_centers_is_the_smallest_key_and_distance_inf() -> None:
    x = np.eye(4, dtype=np.float32)
    keys = np.array([5, 1, 9, 3], dtype=np.uint64)
    res = kcenter_greedy(x, 2, tie_keys=keys)
    assert res.rows[0] == 1 and np.isinf(res.distances[0])
    assert res.rows[1] == 3  # all others tie at sqrt(2): smallest key


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000), hot=st.sampled_from([0.05, 0.125, 1.0]))
def test_groups_block_the_rest_of_a_group_whatever_the_hot_set(seed: int, hot: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(-20, 20, size=(80, 2)).astype(np.float32)
    groups = rng.integers(0, 25, 80)
    res = kcenter_greedy(x, 80, groups=groups, hot_fraction=hot)
    assert len(set(groups[res.rows].tolist())) == res.rows.size == np.unique(groups).size
    assert (np.diff(res.distances[1:]) <= 1e-6).all()  # the greedy radius never grows


def test_extra_centers_and_groups() -> None:
    x = np.array([[0.0], [1.0], [1.01], [5.0]], dtype=np.float32)
    res = kcenter_greedy(x, 3, extra_centers=np.array([[5.0]], dtype=np.float32))
    assert res.rows[0] == 0  # farthest from the outside center at 5
    grouped = kcenter_greedy(x, 4, groups=np.array([0, 1, 1, 2]), extra_centers=np.array([[5.0]]))
    assert not {1, 2} <= set(grouped.rows.tolist())
    assert len(grouped.rows) == 3


def test_min_sq_distances_blocked_equals_direct() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 5)).astype(np.float32)
    c = rng.normal(size=(70, 5)).astype(np.float32)
    ref = ((x[:, None, :].astype(np.float64) - c[None]) ** 2).sum(-1).min(1)
    got = min_sq_distances(x, c, row_block=64, center_block=16)
    np.testing.assert_allclose(got, ref, rtol=1e-4, atol=1e-4)
