"""Near-duplicate groups under cosine distance: pairs closer than a threshold, joined transitively.

Cosine distance is ``1 - cos(a, b)`` (``scipy.spatial.distance.cosine``); a zero vector is at distance 1
from everything. The threshold is absolute, or relative: a factor times the median distance from each
vector to its nearest neighbour (so one setting works across embedding models whose scales differ).

Pairs come from a k-nearest-neighbour search over the L2-normalised rows (inner product = cosine). The
search is injectable: :func:`exact_cosine_knn` (blocked numpy, O(n^2 d)) is the default and the oracle;
the ops layer passes an approximate index for large n. Groups are the connected components of the pair
graph (``scipy.sparse.csgraph``), so "never select two members of one group" also never selects two
members of a chain of near-copies.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

__all__ = [
    "KnnSearch",
    "NearDuplicates",
    "exact_cosine_knn",
    "near_duplicates",
    "normalize_rows",
]

F32 = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
# (unit rows n x d, k) -> (similarities n x k, neighbour rows n x k; -1 = none), best first.
KnnSearch = Callable[[F32, int], tuple[F32, IntArray]]


@dataclass(frozen=True, slots=True)
class NearDuplicates:
    """``labels[i]``: component of row i (equal = same group). ``groups``: rows of each group of two or
    more, largest first (ties by smallest tie key), members ordered by tie key. ``threshold``: the absolute
    cosine distance used. ``pairs`` (p x 2, i < j) and ``distances``: the linking pairs found."""

    labels: IntArray
    groups: list[IntArray]
    threshold: float
    pairs: IntArray
    distances: npt.NDArray[np.float64]
    median_nn_distance: float | None


def normalize_rows(x: npt.ArrayLike) -> F32:
    """Rows scaled to unit L2 norm in float32; zero rows stay zero."""
    a = np.array(x, dtype=np.float32, copy=True, order="C")
    if a.ndim != 2:
        raise ValueError("x must be an n x d matrix")
    norms = np.sqrt(np.einsum("ij,ij->i", a, a))
    nz = norms > 0
    a[nz] /= norms[nz, None]
    return a


def exact_cosine_knn(xn: F32, k: int, *, block: int = 2048) -> tuple[F32, IntArray]:
    """The ``k`` most similar rows (self included) of every unit row, blocked so memory is O(block n)."""
    n = xn.shape[0]
    k = min(k, n)
    sims = np.empty((n, k), dtype=np.float32)
    idx = np.empty((n, k), dtype=np.int64)
    for r0 in range(0, n, block):
        s = xn[r0 : r0 + block] @ xn.T
        part = np.argpartition(-s, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (s.shape[0], 1))
        ps = np.take_along_axis(s, part, axis=1)
        o = np.argsort(-ps, axis=1, kind="stable")
        sims[r0 : r0 + block] = np.take_along_axis(ps, o, axis=1)
        idx[r0 : r0 + block] = np.take_along_axis(part, o, axis=1)
    return sims, idx


def near_duplicates(
    x: npt.ArrayLike,
    *,
    threshold: float,
    relative: bool = False,
    k: int = 10,
    knn: KnnSearch | None = None,
    tie_keys: npt.NDArray[np.uint64] | None = None,
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
    empty = np.zeros((0, 2), dtype=np.int64)
    if n < 2:
        return NearDuplicates(np.arange(n, dtype=np.int64), [], float(threshold), empty, np.zeros(0), None)
    search = knn or exact_cosine_knn
    sims, idx = search(xn, min(k + 1, n))
    rows = np.broadcast_to(np.arange(n)[:, None], idx.shape)
    dist = np.clip(1.0 - sims.astype(np.float64), 0.0, 2.0)
    valid = (idx >= 0) & (idx != rows)
    median_nn: float | None = None
    thr = float(threshold)
    if relative:
        masked = np.where(valid, dist, np.inf)
        nn = masked.min(axis=1)
        nn = nn[np.isfinite(nn)]
        median_nn = float(np.median(nn)) if nn.size else 0.0
        thr = float(threshold) * median_nn
    hit = valid & (dist <= thr)
    a, b = rows[hit], idx[hit]
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    pair_key, first = np.unique(lo * n + hi, return_index=True)
    pairs = np.stack([pair_key // n, pair_key % n], axis=1).astype(np.int64)
    pair_dist = dist[hit][first]
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    labels = labels.astype(np.int64)
    sizes = np.bincount(labels)
    multi = np.flatnonzero(sizes >= 2)
    groups: list[IntArray] = []
    if multi.size:
        in_multi = np.flatnonzero(sizes[labels] >= 2)
        order = in_multi[np.lexsort((keys[in_multi], labels[in_multi]))]
        lab_sorted = labels[order]
        starts = np.flatnonzero(np.r_[True, lab_sorted[1:] != lab_sorted[:-1]])
        chunks = np.split(order, starts[1:])
        min_key = keys[order[starts]]
        group_order = np.lexsort((min_key, -sizes[lab_sorted[starts]]))
        groups = [chunks[g] for g in group_order]
    return NearDuplicates(labels, groups, thr, pairs, pair_dist, median_nn)
