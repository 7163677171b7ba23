"""Fixtures shared by the ops tests."""

from __future__ import annotations

import numpy as np
import pytest

from curation.core.sampling import Clustering, kmeans_clustering
from curation.ops.sampling import select as select_mod


@pytest.fixture
def kmeans_runs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The k of every k-means the Select operation runs (a cached clustering runs none)."""
    runs: list[int] = []

    def counting(x: np.ndarray, k: int, keys: np.ndarray) -> Clustering:
        runs.append(k)
        return kmeans_clustering(x, k, keys)

    monkeypatch.setattr(select_mod, "kmeans_clustering", counting)
    return runs
