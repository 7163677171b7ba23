"""Cosine neighbour searches: the faiss IVF-Flat index against planted duplicates and row order."""

from __future__ import annotations

import numpy as np

from curation.core.sampling.knn import ann_cosine_knn
from curation.core.sampling.near_duplicate_groups import near_duplicates


def test_ann_search_finds_planted_duplicates_whatever_the_row_order() -> None:
    rng = np.random.default_rng(0)
    n, d, m = 20_000, 16, 200
    x = rng.normal(size=(n, d)).astype(np.float32)
    src, dst = rng.choice(n // 2, m, replace=False), n // 2 + rng.choice(n // 2, m, replace=False)
    x[dst] = x[src] + 1e-3 * rng.normal(size=(m, d)).astype(np.float32)
    perm = rng.permutation(n)
    a = near_duplicates(x, threshold=1e-4, knn=ann_cosine_knn)
    b = near_duplicates(x[perm], threshold=1e-4, knn=ann_cosine_knn)
    assert (a.labels[src] == a.labels[dst]).all()
    assert {frozenset(g.tolist()) for g in a.groups} == {frozenset(perm[g].tolist()) for g in b.groups}
