"""Per-asset scores the sampling strategies rank by, and the seeded tie-break key.

Uncertainty follows the definitions used by modAL / small-text (Settles, *Active Learning Literature
Survey*, 2009), oriented so that **higher means more worth labelling**:

- least confidence: ``1 - max_j p_j``;
- margin: ``1 - (p_(1) - p_(2))`` (one minus the gap between the two largest probabilities);
- entropy: ``-sum_j p_j log p_j`` (natural log, ``0 log 0 = 0``).

Hardness is the cross-entropy loss ``-log p_y`` where a label ``y`` is known and the entropy otherwise.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import FloatArray, U64Array
from curation.core._common.chunks import spans
from curation.core._common.hashing import stable_string_hash

__all__ = [
    "SCORE_BUDGET",
    "UNCERTAINTY_MEASURES",
    "entropy",
    "hardness",
    "least_confidence",
    "margin",
    "tie_keys",
    "uncertainty",
    "uniform_from_keys",
]

UNCERTAINTY_MEASURES = ("least_confidence", "margin", "entropy")

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
# Probabilities scored between two cancellation checkpoints (rows x classes; a few ms per span).
SCORE_BUDGET = 1 << 20


def _splitmix64(x: U64Array) -> U64Array:
    """The splitmix64 finaliser, elementwise: a bijective 64-bit mix."""
    with np.errstate(over="ignore"):
        z = x + _GOLDEN
        z = (z ^ (z >> np.uint64(30))) * _M1
        z = (z ^ (z >> np.uint64(27))) * _M2
        return z ^ (z >> np.uint64(31))


def tie_keys(asset_ids: npt.ArrayLike, seed: int) -> U64Array:
    """A 64-bit key per asset that depends only on (asset ID, seed), never on its row.

    FNV-1a of the ID mixed with the seed through splitmix64: sorting by it is a seeded random order that is
    the same for any permutation of the pool, and it breaks every tie the same way.

    >>> bool(tie_keys(["a", "b"], 1)[0] == tie_keys(["b", "a"], 1)[1])
    True
    """
    h = stable_string_hash(asset_ids)
    salt = _splitmix64(np.array([np.uint64(seed & 0xFFFFFFFFFFFFFFFF)], dtype=np.uint64))[0]
    return _splitmix64(h ^ salt)


def uniform_from_keys(keys: U64Array) -> FloatArray:
    """Map tie keys to [0, 1): the "score" a random pick carries."""
    return (keys >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def _probs(p: npt.ArrayLike) -> FloatArray:
    """``p`` as a float64 n x k matrix (ValueError otherwise)."""
    arr = np.asarray(p, dtype=np.float64)
    if arr.ndim != 2:
        raise ValueError("probabilities must be an n x k matrix")
    return arr


def _by_rows(score: Callable[[FloatArray], FloatArray], a: FloatArray) -> FloatArray:
    """``score`` (a row-wise function) over spans of rows, a cancellation checkpoint between spans."""
    n, k = a.shape
    out = np.empty(n)
    for lo, hi in spans(n, SCORE_BUDGET // max(k, 1)):
        out[lo:hi] = score(a[lo:hi])
    return out


def least_confidence(p: npt.ArrayLike) -> FloatArray:
    """``1 - max_j p_j`` per row.

    >>> least_confidence([[0.7, 0.3]]).round(3).tolist()
    [0.3]
    """
    a = _probs(p)
    if a.shape[1] == 0:
        return np.zeros(a.shape[0])
    return _by_rows(lambda b: 1.0 - b.max(axis=1), a)


def margin(p: npt.ArrayLike) -> FloatArray:
    """``1 - (p_(1) - p_(2))`` per row: 1 when the two best classes tie, 0 when one class has all mass.

    >>> margin([[0.7, 0.2, 0.1]]).round(3).tolist()
    [0.5]
    """
    a = _probs(p)
    n, k = a.shape
    if k < 2:
        return np.zeros(n)
    return _by_rows(_margin_rows, a)


def _margin_rows(a: FloatArray) -> FloatArray:
    top2 = -np.partition(-a, 1, axis=1)[:, :2]
    out: FloatArray = 1.0 - (top2[:, 0] - top2[:, 1])
    return out


def entropy(p: npt.ArrayLike) -> FloatArray:
    """Shannon entropy (nats) per row, ``0 log 0 = 0``.

    >>> entropy([[0.5, 0.5]]).round(4).tolist()
    [0.6931]
    """
    return _by_rows(_entropy_rows, _probs(p))


def _entropy_rows(a: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(a > 0, a * np.log(np.where(a > 0, a, 1.0)), 0.0)
    out: FloatArray = -terms.sum(axis=1)
    return out


def uncertainty(p: npt.ArrayLike, measure: str) -> FloatArray:
    """One of :data:`UNCERTAINTY_MEASURES` per row (higher = more uncertain)."""
    if measure == "least_confidence":
        return least_confidence(p)
    if measure == "margin":
        return margin(p)
    if measure == "entropy":
        return entropy(p)
    raise ValueError(f"unknown uncertainty measure {measure!r}")


def hardness(p: npt.ArrayLike, labels: npt.ArrayLike | None = None) -> FloatArray:
    """Cross-entropy ``-log p_y`` where ``labels[i] >= 0``, the entropy of the row otherwise.

    Probabilities are clipped to ``[1e-15, 1]`` before the log, as ``sklearn.metrics.log_loss`` does.

    >>> hardness([[0.25, 0.75], [0.5, 0.5]], [0, -1]).round(4).tolist()
    [1.3863, 0.6931]
    """
    a = _probs(p)
    out = entropy(a)
    if labels is None:
        return out
    y = np.asarray(labels, dtype=np.int64)
    known = y >= 0
    if known.any():
        rows = np.flatnonzero(known)
        out[rows] = -np.log(np.clip(a[rows, y[rows]], 1e-15, 1.0))
    return out
