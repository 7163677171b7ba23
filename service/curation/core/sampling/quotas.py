"""Splitting a number of picks into quotas: between the strategies of a mixture and between strata."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from curation.core._common.arrays import FloatArray, IntArray, U64Array

__all__ = ["apportion", "equal_quotas"]


def apportion(total: int, fractions: Sequence[float] | FloatArray) -> IntArray:
    """Split ``total`` by ``fractions`` (largest remainder; equal remainders go to the earlier entry).

    >>> apportion(10, [0.5, 0.3, 0.2]).tolist(), apportion(3, [0.5, 0.5]).tolist()
    ([5, 3, 2], [2, 1])
    """
    f = np.asarray(fractions, dtype=np.float64)
    if f.size == 0:
        return np.zeros(0, np.int64)
    s = f.sum()
    f = np.full(f.size, 1.0 / f.size) if s <= 0 else f / s
    raw = total * f
    base = np.floor(raw + 1e-9).astype(np.int64)
    rest = int(total - base.sum())
    if rest > 0:
        order = np.lexsort((np.arange(f.size), -(raw - base)))
        base[order[:rest]] += 1
    return base


def equal_quotas(q: int, counts: IntArray, first_key: U64Array) -> IntArray:
    """Water-filling: the same number per stratum, capped by what each has; leftovers by stratum key.

    >>> equal_quotas(5, np.array([1, 4, 4]), np.array([0, 2, 1], dtype=np.uint64)).tolist()
    [1, 2, 2]
    """
    quota = np.zeros(counts.size, dtype=np.int64)
    rem = min(q, int(counts.sum()))
    while rem > 0:
        open_ = np.flatnonzero(quota < counts)
        share = rem // open_.size
        if share == 0:
            order = open_[np.argsort(first_key[open_], kind="stable")]
            quota[order[:rem]] += 1
            break
        add = np.minimum(share, counts[open_] - quota[open_])
        quota[open_] += add
        rem -= int(add.sum())
    return quota
