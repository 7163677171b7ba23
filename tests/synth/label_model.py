"""Synthetic label matrices with known truth, for label-model tests and benchmarks.

Each LF fires on a row with probability ``coverage[j]``; when it fires it votes the true class with
probability ``accuracy[j]`` and otherwise a uniformly drawn wrong class. LFs listed in ``copies`` map
to an earlier LF whose decision (fire or not, and vote) they copy with probability ``copy_rate`` --
correlated LFs, which the conditional-independence models do not know about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["SyntheticVotes", "synthetic_votes"]


@dataclass(frozen=True, slots=True)
class SyntheticVotes:
    L: npt.NDArray[np.int8]
    y: npt.NDArray[np.int64]
    accuracy: npt.NDArray[np.float64]
    coverage: npt.NDArray[np.float64]


def synthetic_votes(
    n: int,
    m: int,
    k: int,
    *,
    seed: int = 0,
    accuracy: tuple[float, float] = (0.55, 0.9),
    coverage: tuple[float, float] = (0.1, 0.6),
    class_balance: npt.ArrayLike | None = None,
    copies: dict[int, int] | None = None,
    copy_rate: float = 0.7,
) -> SyntheticVotes:
    """A label matrix (int8, -1 = abstain) with its truth and the LFs' true accuracies/coverages."""
    rng = np.random.default_rng(seed)
    p = np.full(k, 1.0 / k) if class_balance is None else np.asarray(class_balance, dtype=np.float64)
    y = rng.choice(k, size=n, p=p / p.sum()).astype(np.int64)
    acc = rng.uniform(*accuracy, size=m)
    cov = rng.uniform(*coverage, size=m)
    L = np.full((n, m), -1, dtype=np.int8)
    for j in range(m):
        fires = rng.random(n) < cov[j]
        right = rng.random(n) < acc[j]
        wrong = (y + rng.integers(1, k, size=n)) % k
        col = np.where(fires, np.where(right, y, wrong), -1)
        src = (copies or {}).get(j)
        if src is not None:
            copy = rng.random(n) < copy_rate
            col = np.where(copy, L[:, src], col)
        L[:, j] = col
    return SyntheticVotes(L, y, acc, cov)
