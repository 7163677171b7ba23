"""Near-duplicate groups against sklearn's radius search (cosine) joined by scipy connected components."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components
from sklearn.neighbors import NearestNeighbors

from curation.core.sampling.knn import exact_cosine_knn, normalize_rows
from curation.core.sampling.near_duplicate_groups import near_duplicates


def oracle_groups(x: np.ndarray, radius: float) -> set[frozenset[int]]:
    nn = NearestNeighbors(metric="cosine", algorithm="brute").fit(x)
    graph = nn.radius_neighbors_graph(x, radius=radius)
    _, lab = connected_components(graph, directed=False)
    out = set()
    for g in np.unique(lab):
        members = np.flatnonzero(lab == g)
        if members.size > 1:
            out.add(frozenset(members.tolist()))
    return out


def planted(seed: int, n: int, copies: int, d: int = 12) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    src = rng.choice(n, copies)
    return np.vstack([x, x[src] + 1e-3 * rng.normal(size=(copies, d))])


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 1000), n=st.integers(2, 80), copies=st.integers(0, 20))
def test_matches_sklearn_radius_search(seed: int, n: int, copies: int) -> None:
    x = planted(seed, n, copies)
    radius = 1e-3
    got = near_duplicates(x, threshold=radius, k=30)
    assert {frozenset(g.tolist()) for g in got.groups} == oracle_groups(x, radius)


def test_relative_threshold_uses_median_nearest_neighbour_distance() -> None:
    x = planted(3, 200, 10)
    got = near_duplicates(x, threshold=0.5, relative=True)
    nn = NearestNeighbors(n_neighbors=2, metric="cosine").fit(x)
    dist, _ = nn.kneighbors(x)
    median = float(np.median(dist[:, 1]))
    assert got.median_nn_distance == pytest.approx(median, rel=1e-4, abs=1e-6)
    assert got.threshold == pytest.approx(0.5 * median, rel=1e-4, abs=1e-6)


def test_groups_ordered_largest_first_and_zero_vectors_apart() -> None:
    x = np.array([[1, 0], [1, 1e-4], [0, 1], [0, 1.00001], [0, 0.99999], [0, 0], [0, 0]], dtype=float)
    got = near_duplicates(x, threshold=1e-6)
    assert [sorted(g.tolist()) for g in got.groups] == [[2, 3, 4], [0, 1]]
    assert got.labels[5] != got.labels[6]


def test_exact_knn_returns_self_first_and_sorted() -> None:
    xn = normalize_rows(np.random.default_rng(0).normal(size=(50, 4)))
    sims, idx = exact_cosine_knn(xn, 5, block=7)
    assert (idx[:, 0] == np.arange(50)).all()
    assert (np.diff(sims, axis=1) <= 1e-6).all()


def test_bad_threshold() -> None:
    with pytest.raises(ValueError, match="threshold"):
        near_duplicates(np.eye(3), threshold=float("nan"))
