"""Pick the next batch to label: seeded strategies, mixed by budget fractions, each pick with its reason.

Strategies (``Strategy.kind``):

- ``random``: the pool ordered by a keyed hash of (asset ID, seed), so the same seed gives the same
  picks whatever the pool order;
- ``stratified``: equal or proportional quotas per stratum (given labels, predicted classes, weak labels
  or a metadata column), random within a stratum, picked round-robin;
- ``lf_targeted``: assets whose weak label is in the target classes, most confident weak label first,
  optionally only where the model disagrees with the weak label or is unsure;
- ``uncertainty``: least confidence, margin or entropy of the model's probabilities (Settles, 2009);
- ``diversity``: greedy k-center over embeddings (Sener & Savarese, 2018) with labeled and already
  selected assets as centers; the score is the distance to the nearest of them;
- ``rarity``: class balance toward a target distribution (uniform by default): each pick goes to the
  class furthest below its target count, a random member of it;
- ``hardness``: a caller-given score, or the loss ``-log p_y`` where a label is known, entropy otherwise;
- ``typicality``: TypiClust's cold start (Hacohen et al., 2022): k-means with ``|labeled| + budget``
  clusters (capped), each pick the most typical (densest) available asset of the least covered cluster;
  the score is that typicality (see :mod:`~curation.core.sampling.typicality`).
- ``detection``: an image's uncertainty from its predicted boxes (box entropy aggregated by max, mean
  or sum, localization disagreement across passes, or both; see ``detection_scores``).

Uncertainty also reads score samples (BALD, variation ratio; see ``sample_scores``); without ``scores``
the mean of the samples stands in for them everywhere. Uncertainty and detection may draw their picks
with probability proportional to ``score ** beta`` instead of taking the top (``batch_sampling``).

A mixture splits the budget by fractions (largest remainder); strategies run in the order given, each on
what the earlier ones left, so no asset is picked twice; a strategy that runs out of candidates passes its
shortfall on, and anything still missing at the end is filled at random (with a warning). Redundancy
removal (``Dedup``) groups near-duplicates first; no two members of a group are picked, nor a member of a
group that holds a labeled asset. On large pools (``CANDIDATE_DEDUP_MIN_ROWS`` rows and more) groups are
found among each ranked strategy's first candidates and the labeled rows only, with a relative threshold's
median nearest-neighbour distance estimated from a sample (:mod:`~curation.core.sampling.candidate_groups`).
Every tie is broken by the keyed hash, never by row.

The records live in :mod:`~curation.core.sampling.records`, the strategies in
:mod:`~curation.core.sampling.strategies`; this module runs the mixture.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from curation.core._common.arrays import BoolArray, F32Array, FloatArray, IntArray, U64Array
from curation.core._common.cancel import checkpoint
from curation.core._common.findings import Finding
from curation.core.sampling import candidate_groups
from curation.core.sampling.clustering import Clusterer, Clustering, kmeans_clustering
from curation.core.sampling.knn import KnnSearch
from curation.core.sampling.near_duplicate_groups import near_duplicates
from curation.core.sampling.quotas import apportion
from curation.core.sampling.records import KINDS, Dedup, Pool, Selection, Strategy
from curation.core.sampling.sample_scores import sample_mean
from curation.core.sampling.scores import tie_keys, uniform_from_keys
from curation.core.sampling.strategies import BatchState, run_strategy, weak_label_vector

__all__ = ["select"]


def select(
    pool: Pool,
    strategies: Sequence[Strategy],
    budget: int,
    seed: int,
    *,
    dedup: Dedup | None = None,
    knn: KnnSearch | None = None,
    clusterer: Clusterer | None = None,
) -> Selection:
    """Build a batch of ``budget`` assets from ``pool`` with the strategy mixture (see module docstring).

    A budget above the number of candidates returns every candidate with a ``BUDGET_EXCEEDS_POOL``
    finding; a strategy that finds fewer than its quota adds a ``STRATEGY_SHORTFALL`` finding.
    ``clusterer`` clusters the embeddings for typicality (default: seeded faiss k-means).

    >>> pool = Pool(np.array(["a", "b", "c"]), np.zeros(3, bool), np.zeros(3, bool),
    ...             scores=np.array([[0.9, 0.1], [0.5, 0.5], [0.6, 0.4]]))
    >>> select(pool, [Strategy("uncertainty")], 2, seed=0).rows.tolist()
    [1, 2]
    """
    _check(strategies, budget)
    if pool.scores is None and pool.score_samples is not None:
        pool = replace(pool, scores=sample_mean(pool.score_samples))
    keys = tie_keys(pool.asset_ids, seed)
    weak = weak_label_vector(pool.weak_probs, pool.weak_labels)
    run = _Run(pool, strategies, budget, keys=keys, weak=weak, clusterer=clusterer)
    dup = _duplicate_groups(pool, dedup, knn, keys, (strategies, budget, weak))
    picks, findings, quotas = run.mixture(dup.labels)
    for _ in range(VERIFY_ROUNDS):
        if dup.searched is None or dedup is None:
            break
        outside = np.setdiff1d(picks.rows_so_far(), dup.searched)
        if outside.size == 0:
            break
        dup = _regrouped(pool, dedup, knn, keys, (strategies, budget, weak), earlier=dup, outside=outside)
        if _valid(picks.rows_so_far(), pool.labeled, dup.labels):
            break
        picks, findings, quotas = run.mixture(dup.labels)
    return picks.selection(len(strategies), quotas, findings, dup.groups, dup.threshold)


# Times a large pool's selection is searched and made again when picks outside the candidates turn out
# to be near-duplicates (each round adds those picks to the searched rows).
VERIFY_ROUNDS = 3


class _Run:
    """One pass of the mixture over given near-duplicate groups (the selection may make several)."""

    def __init__(
        self,
        pool: Pool,
        strategies: Sequence[Strategy],
        budget: int,
        *,
        keys: U64Array,
        weak: IntArray | None,
        clusterer: Clusterer | None,
    ) -> None:
        self.pool, self.strategies, self.budget, self.keys = pool, strategies, budget, keys
        self.weak = weak
        base = clusterer or kmeans_clustering
        made: dict[int, Clustering] = {}

        def once(x: F32Array, k: int, tie: U64Array) -> Clustering:
            """The clustering for ``k`` clusters, made once for all the passes."""
            if k not in made:
                made[k] = base(x, k, tie)
            return made[k]

        self.clusterer: Clusterer = once

    def mixture(self, groups: IntArray | None) -> tuple[_Picks, list[Finding], IntArray]:
        """The picks of every strategy in turn, the random fill, the findings and the quotas."""
        findings: list[Finding] = []
        state = BatchState(self.pool, self.keys, groups, budget=self.budget, clusterer=self.clusterer)
        budget = _cap_budget(self.budget, state.candidates(), findings)
        quotas = apportion(budget, [s.fraction for s in self.strategies])
        picks = _Picks()
        carry = 0
        for si, s in enumerate(self.strategies):
            checkpoint()
            q = int(quotas[si]) + carry
            rows, score, dist = run_strategy(state, s, q, self.weak)
            state.take(rows)
            picks.add(rows, si, score, dist)
            carry = q - rows.size
            if carry > 0:
                findings.append(
                    Finding(
                        "STRATEGY_SHORTFALL",
                        f"strategy {s.label!r} found {rows.size} of {q} assets",
                        f"strategies[{si}]",
                    )
                )
        if carry > 0:
            _fill_at_random(state, carry, picks)
        return picks, findings, quotas


def _valid(picked: IntArray, labeled: BoolArray, groups: IntArray | None) -> bool:
    """No two picks in one near-duplicate group, and no pick in a labeled row's group."""
    if groups is None:
        return True
    g = groups[picked]
    return bool(np.unique(g).size == g.size and not np.isin(g, groups[labeled]).any())


def _check(strategies: Sequence[Strategy], budget: int) -> None:
    """A budget >= 0 and at least one strategy, each of a known kind."""
    if budget < 0:
        raise ValueError("budget must be >= 0")
    if not strategies:
        raise ValueError("at least one strategy is required")
    for s in strategies:
        if s.kind not in KINDS:
            raise ValueError(f"unknown strategy {s.kind!r}")
        if s.clusters < 0 or s.typicality_neighbors < 0:
            raise ValueError(f"strategy {s.label!r}: clusters and typicality_neighbors must be >= 0")


@dataclass(frozen=True, slots=True)
class _Groups:
    """Near-duplicate groups of the pool (None without redundancy removal), how many have two or more
    rows, the absolute threshold, the rows searched (None: the whole pool) and the sampled median."""

    labels: IntArray | None
    groups: int = 0
    threshold: float | None = None
    searched: IntArray | None = None
    median: float | None = None


def _duplicate_groups(
    pool: Pool,
    dedup: Dedup | None,
    knn: KnnSearch | None,
    keys: U64Array,
    batch: tuple[Sequence[Strategy], int, IntArray | None],
) -> _Groups:
    """The near-duplicate groups. From ``CANDIDATE_DEDUP_MIN_ROWS`` rows on, groups are found among the
    candidates of ``batch`` (strategies, budget, weak labels) only (see ``candidate_groups``)."""
    if dedup is None:
        return _Groups(None)
    if pool.embeddings is None:
        raise ValueError("redundancy removal needs embeddings")
    if pool.n >= candidate_groups.CANDIDATE_DEDUP_MIN_ROWS:
        return _regrouped(pool, dedup, knn, keys, batch, earlier=None, outside=None)
    nd = near_duplicates(
        pool.embeddings, threshold=dedup.threshold, relative=dedup.relative, k=dedup.k, knn=knn, tie_keys=keys
    )
    return _Groups(nd.labels, len(nd.groups), nd.threshold)


def _regrouped(
    pool: Pool,
    dedup: Dedup,
    knn: KnnSearch | None,
    keys: U64Array,
    batch: tuple[Sequence[Strategy], int, IntArray | None],
    *,
    earlier: _Groups | None,
    outside: IntArray | None,
) -> _Groups:
    """The candidates' groups, with the rows ``earlier`` searched and ``outside`` added."""
    strategies, budget, weak = batch
    extra = None
    if earlier is not None and earlier.searched is not None and outside is not None:
        extra = np.union1d(earlier.searched, outside)
    cg = candidate_groups.candidate_duplicate_groups(
        pool,
        strategies,
        budget,
        keys,
        dedup,
        weak=weak,
        knn=knn,
        extra_rows=extra,
        median=earlier.median if earlier is not None else None,
    )
    return _Groups(cg.labels, cg.groups, cg.threshold, cg.rows, cg.median_nn_distance)


def _cap_budget(budget: int, candidates: int, findings: list[Finding]) -> int:
    """The budget, lowered (with a finding) to the number of selectable assets."""
    if budget <= candidates:
        return budget
    findings.append(
        Finding(
            "BUDGET_EXCEEDS_POOL",
            f"budget {budget} exceeds the {candidates} selectable assets"
            " (one per near-duplicate group); all returned",
            "budget",
        )
    )
    return candidates


def _fill_at_random(state: BatchState, count: int, picks: _Picks) -> None:
    """What the strategies could not pick, filled in seeded random order (strategy index -1)."""
    u = uniform_from_keys(state.keys)
    rows = state.ranked(-u)[:count]
    state.take(rows)
    picks.add(rows, -1, u[rows], np.full(rows.size, np.nan))


class _Picks:
    """The batch as it grows: one block of rows per strategy (then the random fill), in pick order."""

    def __init__(self) -> None:
        self.rows: list[IntArray] = []
        self.strategy: list[IntArray] = []
        self.score: list[FloatArray] = []
        self.distance: list[FloatArray] = []

    def rows_so_far(self) -> IntArray:
        """Every row picked so far."""
        return np.concatenate(self.rows) if self.rows else np.zeros(0, dtype=np.int64)

    def add(self, rows: IntArray, strategy: int, score: FloatArray, distance: FloatArray) -> None:
        """Append the block of rows one strategy (-1 = random fill) picked."""
        self.rows.append(rows)
        self.strategy.append(np.full(rows.size, strategy, dtype=np.int64))
        self.score.append(score)
        self.distance.append(distance)

    def selection(
        self, n_strategies: int, quotas: IntArray, findings: list[Finding], n_groups: int, thr: float | None
    ) -> Selection:
        """The ``Selection``: ranks within each block, and the number each strategy picked."""
        picked = np.array([r.size for r in self.rows[:n_strategies]], dtype=np.int64)
        return Selection(
            rows=np.concatenate(self.rows),
            strategy=np.concatenate(self.strategy),
            score=np.concatenate(self.score).astype(np.float64),
            strategy_rank=np.concatenate([np.arange(1, r.size + 1, dtype=np.int64) for r in self.rows]),
            distance=np.concatenate(self.distance).astype(np.float64),
            quotas=quotas,
            picked=picked,
            findings=findings,
            duplicate_groups=n_groups,
            dedup_threshold=thr,
        )
