"""Near-duplicate groups of a large pool, found only among the rows a selection may pick: O(candidates).

Below ``CANDIDATE_DEDUP_MIN_ROWS`` rows a selection groups the whole pool (exact k-NN of every row, see
:mod:`curation.core.sampling.near_duplicate_groups`). From there on a whole-pool search costs about
``2 n^1.5 d`` (faiss IVF) and 158 s on a 1M x 128 pool, while redundancy removal only has to hold within
the batch: no two picks near-duplicates of each other, nor of a labeled asset. So:

- **Candidates.** Each strategy that ranks by a static per-row score (``STATIC_SCORE_KINDS``:
  uncertainty, hardness, lf_targeted, random by its key order, stratified by its random order) picks the
  first available rows by (score descending, tie key), exactly the order it picks in
  (:func:`~curation.core.sampling.strategies.static_score`, the strategies' own score code). Its first
  ``M`` such rows are candidates, ``M = CANDIDATE_MULTIPLE x budget``, at least ``CANDIDATE_MIN_ROWS``,
  at most the pool: a strategy then loses to group exclusions and earlier picks fewer than ``M - q``
  of its first rows before it has picked its ``q``.
- **Search.** The candidates and the pool's labeled rows (ordered by tie key, so the pool order changes
  nothing) are grouped by :func:`near_duplicates` with :func:`candidate_knn` (exact below
  ``CANDIDATE_ANN_MIN_ROWS`` rows, faiss IVF-Flat from there) in place of the service's ``cosine_knn``;
  any other search given (an oracle in tests) is used as is. A candidate grouped with a labeled row is
  not picked. Every other row of the pool is a group of its own.
- **What is not checked.** Diversity (k-center) picks from the whole pool, but each pick is the row
  farthest from all labeled and already picked rows, so its picks are far apart by construction. Rarity
  (a random member of the class furthest below target), stratified picks of a stratum whose rows lie
  beyond the first ``M`` of its random order, and the random fill of a shortfall may pick a row outside
  the candidates; such a pick is checked against the other picks and the labeled rows (below). Labeled
  assets outside the pool (``extra_centers``) are not searched, as on the whole-pool path.
- **Picks from outside.** Typicality (and the cases above) may pick rows outside the candidates; the
  selection then searches again with those picks added, and selects again when one of them turns out to
  be a near-duplicate of another pick or of a labeled row (at most ``VERIFY_ROUNDS`` times, see
  :mod:`curation.core.sampling.selection`), so a dense cluster's near-copies are not both picked.
- **Relative threshold.** The median nearest-neighbour distance is *estimated*: the ``MEDIAN_SAMPLE_ROWS``
  rows of smallest tie key (a seeded sample, whatever the pool order) are searched exactly against the
  whole pool (:func:`sampled_median_nn_distance`). It estimates the same quantity as the whole-pool path
  (whose large-pool search is itself approximate); the threshold used is reported as before.

Chains are cut at the candidate set: two candidates linked only through a non-candidate are not grouped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curation.core._common.arrays import BoolArray, F32Array, FloatArray, IntArray, U64Array
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans
from curation.core.sampling.knn import (
    ANN_MIN_ROWS,
    KnnSearch,
    ann_cosine_knn,
    cosine_knn,
    exact_cosine_knn,
    normalize_rows,
)
from curation.core.sampling.near_duplicate_groups import near_duplicates
from curation.core.sampling.records import Dedup, Pool, Strategy
from curation.core.sampling.strategies import static_score

__all__ = [
    "CANDIDATE_ANN_MIN_ROWS",
    "CANDIDATE_DEDUP_MIN_ROWS",
    "CANDIDATE_MIN_ROWS",
    "CANDIDATE_MULTIPLE",
    "MEDIAN_BLOCK_ROWS",
    "MEDIAN_SAMPLE_ROWS",
    "CandidateGroups",
    "candidate_count",
    "candidate_duplicate_groups",
    "candidate_knn",
    "sampled_median_nn_distance",
]

# From this many pool rows on, a selection groups near-duplicates among candidates (this module), below
# it over the whole pool; the same size at which the whole-pool search would turn approximate.
CANDIDATE_DEDUP_MIN_ROWS = ANN_MIN_ROWS
# Searched rows (candidates and labeled) from which the candidate search is faiss IVF-Flat, below it
# exact: the exact search is O(c^2 d) in float64 -- 8.5 s for 17,000 rows on two loaded cores, where
# the IVF search took 1.6 s -- so a candidate set just under ANN_MIN_ROWS must not take the exact one.
CANDIDATE_ANN_MIN_ROWS = 4096
# Candidates per ranked strategy: this many times the budget (a strategy may lose 9 x budget of its first
# rows to near-duplicate groups and earlier picks before it picks outside them; the search over the
# candidates is the largest cost left, about 21,000 rows for the default mix at budget 1,000) ...
CANDIDATE_MULTIPLE = 10
# ... and at least this many (a small budget still sees past a dense cluster of near-copies).
CANDIDATE_MIN_ROWS = 4096
# Query rows of the sampled median nearest-neighbour distance (relative thresholds on large pools): the
# median's standard error is about 1.25 x the spread of the distances / 16 (a few percent here), and
# the exact search costs 256 x pool x dimension (about 3 s of the 10 s budget at 1M x 128 on 2 cores).
MEDIAN_SAMPLE_ROWS = 256
# Pool rows per block of the sampled median's exact search (sample x block float32 similarities).
MEDIAN_BLOCK_ROWS = 8192
# Best rows (one per block, the best blocks by float32 similarity) rescored in float64 per query.
_RESCORED_PER_QUERY = 8


@dataclass(frozen=True, slots=True)
class CandidateGroups:
    """``labels``: the group of every pool row (equal = same group; non-candidates alone). ``groups``:
    groups of two or more. ``threshold``: the absolute cosine distance used. ``searched``: rows searched
    (candidates and labeled) and ``rows`` which. ``median_nn_distance``: the sampled estimate (relative
    thresholds only)."""

    labels: IntArray
    groups: int
    threshold: float
    searched: int
    median_nn_distance: float | None
    rows: IntArray


def candidate_count(budget: int, n: int) -> int:
    """``M``: candidates per ranked strategy for a budget, in ``[CANDIDATE_MIN_ROWS, n]``."""
    return int(min(n, max(CANDIDATE_MULTIPLE * budget, CANDIDATE_MIN_ROWS)))


def candidate_duplicate_groups(
    pool: Pool,
    strategies: Sequence[Strategy],
    budget: int,
    keys: U64Array,
    dedup: Dedup,
    *,
    weak: IntArray | None,
    knn: KnnSearch | None = None,
    extra_rows: IntArray | None = None,
    median: float | None = None,
) -> CandidateGroups:
    """Near-duplicate groups among the labeled rows, each ranked strategy's first ``M`` available rows
    and ``extra_rows`` (picks made outside the candidates, see ``selection``); ``knn`` None or
    ``cosine_knn`` means :func:`candidate_knn`; ``median``: the sampled median of an earlier call."""
    assert pool.embeddings is not None
    available = ~(pool.labeled | pool.excluded)
    m = candidate_count(budget, pool.n)
    mask = pool.labeled.copy()
    if extra_rows is not None:
        mask[extra_rows] = True
    for s in strategies:
        ranked = static_score(pool, s, weak, keys)
        if ranked is not None:
            score, eligible = ranked
            mask[_first_rows(score, available if eligible is None else available & eligible, keys, m)] = True
    rows = np.flatnonzero(mask)
    rows = rows[np.argsort(keys[rows], kind="stable")]
    thr = float(dedup.threshold)
    if dedup.relative:
        if median is None:
            median = sampled_median_nn_distance(pool.embeddings, keys)
        thr *= median
    else:
        median = None
    checkpoint()
    nd = near_duplicates(
        pool.embeddings[rows], threshold=thr, k=dedup.k, knn=_search(knn), tie_keys=keys[rows]
    )
    n_sub = int(nd.labels.max(initial=-1)) + 1
    labels = np.empty(pool.n, dtype=np.int64)
    labels[~mask] = n_sub + np.arange(pool.n - rows.size, dtype=np.int64)
    labels[rows] = nd.labels
    return CandidateGroups(labels, len(nd.groups), nd.threshold, int(rows.size), median, np.sort(rows))


def candidate_knn(xn: F32Array, k: int) -> tuple[F32Array, IntArray]:
    """The candidate search: exact below ``CANDIDATE_ANN_MIN_ROWS`` rows, faiss IVF-Flat from there."""
    if xn.shape[0] < CANDIDATE_ANN_MIN_ROWS:
        return exact_cosine_knn(xn, k)
    return ann_cosine_knn(xn, k)


def _search(knn: KnnSearch | None) -> KnnSearch:
    """``candidate_knn`` in place of the service's size rule (``cosine_knn``) or none; else ``knn``."""
    return candidate_knn if knn is None or knn is cosine_knn else knn


def _first_rows(score: FloatArray, mask: BoolArray, keys: U64Array, m: int) -> IntArray:
    """The first ``m`` rows of ``mask`` by (score descending, tie key): a partition on the score, then a
    sort of the rows at or above the m-th score (all of them when the score ties there)."""
    rows = np.flatnonzero(mask)
    if rows.size > m:
        s = score[rows]
        kth = np.partition(-s, m - 1)[m - 1]
        rows = rows[-s <= kth]
    order = np.lexsort((keys[rows], -score[rows]))
    out: IntArray = rows[order[:m]]
    return out


def _sample_rows(keys: U64Array, sample: int) -> IntArray:
    """The ``sample`` rows of smallest tie key, by key."""
    rows = np.arange(keys.size) if sample >= keys.size else np.argpartition(keys, sample - 1)[:sample]
    out: IntArray = rows[np.argsort(keys[rows], kind="stable")]
    return out


def sampled_median_nn_distance(x: F32Array, keys: U64Array, *, sample: int = 0, block: int = 0) -> float:
    """Median over the ``sample`` rows of smallest tie key (default ``MEDIAN_SAMPLE_ROWS``) of the cosine
    distance to their nearest other pool row, searched exactly against the whole pool.

    Blocks of ``block`` pool rows (default ``MEDIAN_BLOCK_ROWS``) are normalised as ``normalize_rows``
    does and compared by one float32 product each, keeping each query's best row per block; those
    best rows (of the 8 best blocks) are then rescored summing in float64 and rounded to float32, as
    :func:`~curation.core.sampling.knn.exact_cosine_knn` does, so the block shape (OpenBLAS's float32
    rounding) can only change which of two rows within float32 rounding of each other is kept.
    With every row sampled, it is the exact median the whole-pool path computes.
    """
    n = x.shape[0]
    if n < 2:
        return 0.0
    q = _sample_rows(keys, sample or MEDIAN_SAMPLE_ROWS)
    qn = normalize_rows(x[q])
    block = block or MEDIAN_BLOCK_ROWS
    nb = -(-n // block)
    best = np.full((q.size, nb), -1, dtype=np.int64)
    best_sim = np.full((q.size, nb), -np.inf, dtype=np.float32)
    local = np.arange(q.size)
    for b, (lo, hi) in enumerate(spans(n, block)):
        s = qn @ _unit_block(x[lo:hi]).T
        own = np.flatnonzero((q >= lo) & (q < hi))
        s[own, q[own] - lo] = -np.inf
        j = np.argmax(s, axis=1)
        best_sim[:, b] = s[local, j]
        best[:, b] = np.where(best_sim[:, b] > -np.inf, lo + j, -1)
    if nb > _RESCORED_PER_QUERY:
        top = np.argpartition(-best_sim, _RESCORED_PER_QUERY - 1, axis=1)[:, :_RESCORED_PER_QUERY]
        best = np.take_along_axis(best, top, axis=1)
    return float(np.median(_rescored_nn_distance(x, qn, best)))


def _unit_block(xb: F32Array) -> F32Array:
    """``normalize_rows`` of a block, bit for bit (the same norms, the same divisions), in one pass."""
    a = np.asarray(xb, dtype=np.float32)
    norms = np.sqrt(np.einsum("ij,ij->i", a, a))
    return (a / np.where(norms > 0, norms, np.float32(1))[:, None]).astype(np.float32, copy=False)


def _rescored_nn_distance(x: F32Array, qn: F32Array, best: IntArray) -> FloatArray:
    """Each query's distance to the closest of its candidate rows (-1 = none), rescored in float64."""
    checkpoint()
    cand = normalize_rows(x[np.maximum(best, 0).ravel()]).reshape(*best.shape, -1)
    sims = np.einsum("qd,qbd->qb", qn.astype(np.float64), cand.astype(np.float64)).astype(np.float32)
    dist = np.clip(1.0 - sims.astype(np.float64), 0.0, 2.0)
    dist[best < 0] = np.inf
    nn = dist.min(axis=1)
    out: FloatArray = nn[np.isfinite(nn)]
    return out if out.size else np.zeros(1)
