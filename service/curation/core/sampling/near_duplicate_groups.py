"""Near-duplicate groups under cosine distance: pairs closer than a threshold, joined transitively.

Cosine distance is ``1 - cos(a, b)`` (``scipy.spatial.distance.cosine``); a zero vector is at distance 1
from everything. The threshold is absolute, or relative: a factor times the median distance from each
vector to its nearest neighbour (so one setting works across embedding models whose scales differ).

Pairs come from a k-nearest-neighbour search over the L2-normalised rows (inner product = cosine). The
search is injectable (see :mod:`curation.core.sampling.knn`): :func:`exact_cosine_knn` (blocked numpy,
O(n^2 d)) is the default and the oracle; :func:`cosine_knn` switches to an approximate index for large n.
Groups are the connected components of the pair graph (``scipy.sparse.csgraph``), so "never select two
members of one group" also never selects two members of a chain of near-copies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from curation.core._common.arrays import BoolArray, FloatArray, IntArray, U64Array
from curation.core._common.cancel import checkpoint
from curation.core.sampling.knn import KnnSearch, exact_cosine_knn, normalize_rows

__all__ = ["NearDuplicates", "near_duplicates"]


@dataclass(frozen=True, slots=True)
class NearDuplicates:
    """``labels[i]``: component of row i (equal = same group). ``groups``: rows of each group of two or
    more, largest first (ties by smallest tie key), members ordered by tie key. ``threshold``: the absolute
    cosine distance used. ``pairs`` (p x 2, i < j) and ``distances``: the linking pairs found."""

    labels: IntArray
    groups: list[IntArray]
    threshold: float
    pairs: IntArray
    distances: FloatArray
    median_nn_distance: float | None


def near_duplicates(
    x: npt.ArrayLike,
    *,
    threshold: float,
    relative: bool = False,
    k: int = 10,
    knn: KnnSearch | None = None,
    tie_keys: U64Array | None = None,
) -> NearDuplicates:
    """Group the rows of ``x`` (n x d) whose cosine distance is at most the threshold.

    ``relative=True`` reads ``threshold`` as a factor of the median nearest-neighbour distance.
    ``k`` neighbours per row are examined (a group of more than ``k + 1`` copies is still joined, through
    chains). ``tie_keys`` (from :func:`curation.core.sampling.scores.tie_keys`) order groups and members.

    >>> nd = near_duplicates([[1.0, 0.0], [1.0, 0.001], [0.0, 1.0]], threshold=0.01)
    >>> [g.tolist() for g in nd.groups]
    [[0, 1]]
    """
    if threshold < 0 or not np.isfinite(threshold):
        raise ValueError("threshold must be a finite number >= 0")
    xn = normalize_rows(x)
    n = xn.shape[0]
    keys = np.arange(n, dtype=np.uint64) if tie_keys is None else np.asarray(tie_keys, dtype=np.uint64)
    if n < 2:
        empty = np.zeros((0, 2), dtype=np.int64)
        return NearDuplicates(np.arange(n, dtype=np.int64), [], float(threshold), empty, np.zeros(0), None)
    sims, idx = (knn or exact_cosine_knn)(xn, min(k + 1, n))
    checkpoint()
    rows = np.broadcast_to(np.arange(n)[:, None], idx.shape)
    dist = np.clip(1.0 - sims.astype(np.float64), 0.0, 2.0)
    valid = (idx >= 0) & (idx != rows)
    median_nn: float | None = None
    thr = float(threshold)
    if relative:
        median_nn = _median_nn_distance(dist, valid)
        thr = float(threshold) * median_nn
    hit = valid & (dist <= thr)
    pairs, pair_dist = _linking_pairs(rows[hit], idx[hit], dist[hit], n)
    checkpoint()
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)
    return NearDuplicates(labels, _groups(labels, keys), thr, pairs, pair_dist, median_nn)


def _median_nn_distance(dist: FloatArray, valid: BoolArray) -> float:
    """Median over rows of the distance to the nearest other row found (0 when none was found)."""
    nn = np.where(valid, dist, np.inf).min(axis=1)
    nn = nn[np.isfinite(nn)]
    return float(np.median(nn)) if nn.size else 0.0


def _linking_pairs(a: IntArray, b: IntArray, dist: FloatArray, n: int) -> tuple[IntArray, FloatArray]:
    """The distinct pairs ``(i, j)``, ``i < j``, among the hits ``a[t] ~ b[t]`` (found from either side),
    in order of ``i * n + j``, with the distance of each pair's first hit."""
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair_key, first = np.unique(lo * n + hi, return_index=True)
    pairs = np.stack([pair_key // n, pair_key % n], axis=1).astype(np.int64)
    return pairs, dist[first]


def _groups(labels: IntArray, keys: U64Array) -> list[IntArray]:
    """The components of two or more rows, largest first (ties by smallest key), members by key."""
    sizes = np.bincount(labels)
    if not np.any(sizes >= 2):
        return []
    in_multi = np.flatnonzero(sizes[labels] >= 2)
    order = in_multi[np.lexsort((keys[in_multi], labels[in_multi]))]
    lab_sorted = labels[order]
    starts = np.flatnonzero(np.r_[True, lab_sorted[1:] != lab_sorted[:-1]])
    chunks = np.split(order, starts[1:])
    min_key = keys[order[starts]]
    group_order = np.lexsort((min_key, -sizes[lab_sorted[starts]]))
    return [chunks[g] for g in group_order]
