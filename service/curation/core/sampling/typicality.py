"""Typicality: TypiClust's cold-start selection (Hacohen, Dekel & Weinshall, "Active Learning on a Budget",
ICML 2022), over a k-means clustering of the pool (:mod:`~curation.core.sampling.clustering`).

``K = |labeled| + budget`` clusters (labeled rows and labeled vectors outside the pool included), capped
by the strategy's ``clusters`` (0 = ``MAX_AUTO_CLUSTERS``, the paper's 500) and by the pool's rows. Each
pick goes to the cluster with the fewest labeled and already picked members among the clusters of at
least ``MIN_CLUSTER_SIZE`` rows (smaller ones only once those have no candidate left), ties to the
largest cluster, then to the cluster's smallest tie key; within it, to the available row of highest
typicality ``1 / mean Euclidean distance to its neighbours nearest neighbours in its cluster`` (20 by
default, at most the cluster's size - 1; self excluded).

Typicality is computed only for the clusters that receive picks, one vectorized pass per cluster.
Exact for a cluster of at most ``EXACT_MEMBERS`` rows; a larger cluster's rows are first scored against
``REFERENCE_SAMPLE`` of its members (the smallest tie keys), with the neighbour count scaled by the
sample's share of the cluster (at least 1) so the sampled neighbours stand for about the same distance
ranks, and the ``REFINE`` best of them by that estimate are then re-scored exactly against every member.
The picks are planned a round at a time (water-filling over the clusters' counts, see
:func:`_plan`) and accepted up to the first one a near-duplicate group in another cluster made unavailable,
so the result is that of the one-pick-at-a-time rule without a Python loop over picks.
"""

from __future__ import annotations

import numpy as np
from threadpoolctl import threadpool_limits

from curation.core._common.arrays import BoolArray, F32Array, FloatArray, IntArray, U64Array
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans
from curation.core.sampling.clustering import Clustering, nearest_centroid

__all__ = [
    "DEFAULT_NEIGHBORS",
    "EXACT_MEMBERS",
    "MAX_AUTO_CLUSTERS",
    "MIN_CLUSTER_SIZE",
    "REFERENCE_SAMPLE",
    "REFINE",
    "typical_picks",
    "typicality_clusters",
    "typicality_scores",
]

# The cluster cap when the strategy's ``clusters`` is 0 (the paper's code: MAX_NUM_CLUSTERS = 500).
MAX_AUTO_CLUSTERS = 500
# Clusters smaller than this are picked from only when no larger one has a candidate left.
MIN_CLUSTER_SIZE = 5
# Neighbours of the typicality when the strategy's ``typicality_neighbors`` is 0 (the paper's K_NN).
DEFAULT_NEIGHBORS = 20
# Clusters of at most this many rows are scored exactly (all pairs); larger ones against a sample.
EXACT_MEMBERS = 256
# Members a large cluster's rows are first compared with.
REFERENCE_SAMPLE = 128
# Rows per large cluster re-scored exactly (against every member) after the sampled estimate.
REFINE = 32
# Distances per block (query rows x reference rows), between two cancellation checkpoints.
BLOCK_CELLS = 1 << 22


def typicality_clusters(labeled: int, budget: int, cap: int, rows: int) -> int:
    """The number of clusters: ``labeled + budget``, at most ``cap`` (0 = ``MAX_AUTO_CLUSTERS``) and the
    pool's ``rows``; at least 1 for a non-empty pool.

    >>> typicality_clusters(1000, 1000, 0, 10**6), typicality_clusters(3, 2, 0, 4)
    (500, 4)
    """
    return max(min(labeled + budget, cap or MAX_AUTO_CLUSTERS, rows), min(rows, 1))


def _mean_knn(x: F32Array, q_rows: IntArray, ref_rows: IntArray, k: int) -> FloatArray:
    """Mean Euclidean distance of each ``q_rows`` row to its ``k`` nearest ``ref_rows`` rows (itself
    excluded), blocked over both so a block holds at most ``BLOCK_CELLS`` distances.

    A block holds ``|r|^2 - 2 q.r`` (the squared distance less ``|q|^2``, which does not change a row's
    order): one matrix product and one addition per block; ``|q|^2`` is added to the ``k`` kept."""
    out = np.empty(q_rows.size)
    ref = x[ref_rows]
    r_sq = np.einsum("ij,ij->i", ref, ref)
    ref *= -2.0
    by_row = np.argsort(ref_rows, kind="stable")
    sorted_rows = ref_rows[by_row]
    rb = max(1, min(ref_rows.size, BLOCK_CELLS // 64))
    qb = max(1, BLOCK_CELLS // min(rb, ref_rows.size))
    for q0, q1 in spans(q_rows.size, qb):
        qr = q_rows[q0:q1]
        xq = x[qr]
        at = np.minimum(np.searchsorted(sorted_rows, qr), sorted_rows.size - 1)
        self_q = np.flatnonzero(sorted_rows[at] == qr)  # query rows that are reference rows too
        self_col = by_row[at[self_q]]
        best: F32Array | None = None
        for r0, r1 in spans(ref_rows.size, rb):
            checkpoint()
            d2 = xq @ ref[r0:r1].T
            d2 += r_sq[None, r0:r1]
            inside = (self_col >= r0) & (self_col < r1)
            d2[self_q[inside], self_col[inside] - r0] = np.inf
            both = d2 if best is None else np.concatenate([best, d2], axis=1)
            kk = min(k, both.shape[1])
            if kk == 1:
                best = both.min(axis=1, keepdims=True)
            else:
                best = np.partition(both, kk - 1, axis=1)[:, :kk] if kk < both.shape[1] else both
        assert best is not None
        sq = best.astype(np.float64) + np.einsum("ij,ij->i", xq, xq)[:, None]
        out[q0:q1] = np.sqrt(np.maximum(sq, 0.0)).mean(axis=1)
    return out


def typicality_scores(
    x: F32Array, members: IntArray, rows: IntArray, neighbors: int, keys: U64Array
) -> tuple[FloatArray, BoolArray]:
    """Typicality of ``rows`` (some of ``members``, one cluster's rows): ``1 / mean distance`` to their
    ``neighbors`` nearest other members (0 for a cluster of one), and which rows were scored exactly (all
    of them in a cluster of at most ``EXACT_MEMBERS``; see the module docstring for larger ones)."""
    m = members.size
    k = min(neighbors, m - 1)
    exact = np.ones(rows.size, dtype=bool)
    if k <= 0 or rows.size == 0:
        return np.zeros(rows.size), exact
    if m <= EXACT_MEMBERS:
        return 1.0 / np.maximum(_mean_knn(x, rows, members, k), 1e-12), exact
    sample = members[np.argpartition(keys[members], REFERENCE_SAMPLE - 1)[:REFERENCE_SAMPLE]]
    k_sample = max(1, round(k * REFERENCE_SAMPLE / m))
    score = 1.0 / np.maximum(_mean_knn(x, rows, sample, k_sample), 1e-12)
    top = np.lexsort((keys[rows], -score))[:REFINE]
    score[top] = 1.0 / np.maximum(_mean_knn(x, rows[top], members, k), 1e-12)
    exact[:] = False
    exact[top] = True
    return score, exact


class _Typicality:
    """Typicality per row, computed for a cluster's available rows the first time it gets picks
    (availability only shrinks, so a score stays valid); ``exact`` rows rank before estimated ones."""

    def __init__(self, x: F32Array, clustering: Clustering, keys: U64Array, neighbors: int) -> None:
        self.x, self.keys, self.neighbors = x, keys, neighbors
        a = clustering.assignment
        self.order = np.argsort(a, kind="stable")
        self.starts = np.searchsorted(a[self.order], np.arange(clustering.k + 1))
        self.score = np.zeros(a.size)
        self.exact = np.zeros(a.size, dtype=bool)
        self.done = np.zeros(clustering.k, dtype=bool)

    def ensure(self, clusters: IntArray, available: BoolArray) -> None:
        """Score the available rows of every cluster in ``clusters`` not scored yet.

        One BLAS thread meanwhile: the products are small (a cluster's rows against at most
        ``REFERENCE_SAMPLE`` or ``EXACT_MEMBERS`` members), where threaded BLAS spends more on hand-offs
        than on work (1M x 128, 362 clusters: 5.8 s with two threads, 1.6 s with one). The limit is the
        process's BLAS setting for that time (threadpoolctl), restored after."""
        todo = np.unique(clusters[~self.done[clusters]]).tolist()
        if not todo:
            return
        with threadpool_limits(limits=1, user_api="blas"):
            for c in todo:
                checkpoint()
                members = self.order[self.starts[c] : self.starts[c + 1]]
                rows = members[available[members]]
                self.score[rows], self.exact[rows] = typicality_scores(
                    self.x, members, rows, self.neighbors, self.keys
                )
                self.done[c] = True


def _cluster_keys(assignment: IntArray, keys: U64Array, k: int) -> U64Array:
    """Each cluster's tie key: the smallest key of its rows (the largest key for an empty cluster)."""
    out = np.full(k, np.iinfo(np.uint64).max, dtype=np.uint64)
    np.minimum.at(out, assignment, keys)
    return out


def _level_slots(count: IntArray, cap: IntArray, need: int) -> tuple[IntArray, IntArray]:
    """(cluster, level) of every pick slot below the smallest level ``L`` that gives ``need`` slots: a
    cluster with ``count`` members covered and ``cap`` candidates offers levels count .. count+cap-1."""
    if need <= 0 or cap.sum() == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    lo, hi = 0, int((count + cap).max())
    while lo < hi:  # smallest L with sum(clip(L - count, 0, cap)) >= need (or the top level)
        mid = (lo + hi) // 2
        if int(np.clip(mid - count, 0, cap).sum()) >= need:
            hi = mid
        else:
            lo = mid + 1
    per = np.clip(lo - count, 0, cap)
    cluster = np.repeat(np.arange(count.size), per)
    first = np.repeat(np.cumsum(per) - per, per)
    level = count[cluster] + np.arange(cluster.size) - first
    return cluster, level


def _plan(
    count: IntArray, cap: IntArray, size: IntArray, ckey: U64Array, need: int
) -> tuple[IntArray, IntArray]:
    """The next ``need`` picks' (cluster, slot index within the cluster): the clusters of at least
    ``MIN_CLUSTER_SIZE`` rows first, by covered count (fewest first), then size (largest), then key."""
    out_c: list[IntArray] = []
    out_j: list[IntArray] = []
    for tier in (size >= MIN_CLUSTER_SIZE, size < MIN_CLUSTER_SIZE):
        c, level = _level_slots(count[tier], cap[tier], need)
        order = np.lexsort((ckey[tier][c], -size[tier][c], level))[:need]
        clusters = np.flatnonzero(tier)
        out_c.append(clusters[c[order]])
        out_j.append(level[order] - count[tier][c[order]])
        need -= order.size
    return np.concatenate(out_c), np.concatenate(out_j)


def typical_picks(
    x: F32Array,
    clustering: Clustering,
    q: int,
    *,
    available: BoolArray,
    covered: BoolArray,
    extra_centers: F32Array | None,
    keys: U64Array,
    groups: IntArray | None,
    neighbors: int = DEFAULT_NEIGHBORS,
    shared: BoolArray | None = None,
) -> tuple[IntArray, FloatArray]:
    """Up to ``q`` rows by TypiClust's rule (module docstring) and each one's typicality. ``covered``
    rows (labeled, already selected) and ``extra_centers`` count as members covering their cluster;
    ``groups``: at most one row per near-duplicate group is picked (``available`` already excludes the
    groups of labeled rows); ``shared`` marks the rows of groups of two or more (computed when None): the
    group bookkeeping touches only those."""
    a = clustering.assignment
    if groups is not None and shared is None:
        _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
        shared = counts[inverse] > 1
    k = clustering.k
    size = clustering.sizes
    count = np.bincount(a[covered], minlength=k).astype(np.int64)
    if extra_centers is not None and extra_centers.shape[0]:
        count += np.bincount(nearest_centroid(extra_centers, clustering.centroids), minlength=k)
    ckey = _cluster_keys(a, keys, k)
    typ = _Typicality(x, clustering, keys, neighbors)
    avail = available.copy()
    picks: list[IntArray] = []
    while q > 0:
        checkpoint()
        plan_c, plan_j = _plan(count, _capacity(avail, a, k, groups, shared), size, ckey, q)
        if plan_c.size == 0:
            break
        typ.ensure(plan_c, avail)
        rows = _planned_rows(typ, plan_c, plan_j, avail, groups)
        rows = rows[: _unblocked(rows, groups)]
        picks.append(rows)
        q -= rows.size
        np.add.at(count, a[rows], 1)
        avail[rows] = False
        if groups is not None and shared is not None:
            members = np.flatnonzero(shared & avail)
            avail[members[np.isin(groups[members], groups[rows[shared[rows]]])]] = False
    out = np.concatenate(picks) if picks else np.zeros(0, np.int64)
    return out, typ.score[out]


def _capacity(
    avail: BoolArray, a: IntArray, k: int, groups: IntArray | None, shared: BoolArray | None
) -> IntArray:
    """Candidates per cluster: available rows, one per near-duplicate group within a cluster (only the
    rows of groups of two or more, ``shared``, need the group count)."""
    if groups is None or shared is None:
        return np.bincount(a[avail], minlength=k).astype(np.int64)
    alone = np.bincount(a[avail & ~shared], minlength=k).astype(np.int64)
    rows = np.flatnonzero(avail & shared)
    if rows.size == 0:
        return alone
    width = int(groups.max()) + 1
    pairs = np.unique(a[rows] * width + groups[rows])
    return alone + np.bincount(pairs // width, minlength=k).astype(np.int64)


def _planned_rows(
    typ: _Typicality, plan_c: IntArray, plan_j: IntArray, avail: BoolArray, groups: IntArray | None
) -> IntArray:
    """The row of every planned (cluster, slot): the cluster's slot-th best available row (exactly scored
    first, then typicality, then key), one per near-duplicate group within the cluster."""
    out = np.empty(plan_c.size, dtype=np.int64)
    by_cluster = np.argsort(plan_c, kind="stable")
    bounds = np.flatnonzero(np.diff(plan_c[by_cluster])) + 1
    for slots in np.split(by_cluster, bounds):
        c = int(plan_c[slots[0]])
        members = typ.order[typ.starts[c] : typ.starts[c + 1]]
        rows = members[avail[members]]
        rows = rows[np.lexsort((typ.keys[rows], -typ.score[rows], ~typ.exact[rows]))]
        if groups is not None:
            _, first = np.unique(groups[rows], return_index=True)
            rows = rows[np.sort(first)]
        out[slots] = rows[plan_j[slots]]
    return out


def _unblocked(rows: IntArray, groups: IntArray | None) -> int:
    """How many of the planned ``rows`` can be taken in order: up to the first whose near-duplicate group
    an earlier one (in another cluster) took."""
    if groups is None or rows.size == 0:
        return rows.size
    _, first = np.unique(groups[rows], return_index=True)
    repeated = np.ones(rows.size, dtype=bool)
    repeated[first] = False
    hit = np.flatnonzero(repeated)
    return int(hit[0]) if hit.size else rows.size
