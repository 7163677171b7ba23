"""The strategies of a selection, one function each, over the state a batch is built in.

Every strategy picks up to ``q`` rows among those still available (not labeled, excluded or picked, and
at most one per near-duplicate group), ranked by its score with ties broken by the seeded tie key, and
returns them with their scores; diversity also returns each pick's distance to the nearest center.
:func:`run_strategy` dispatches on ``Strategy.kind`` (see :mod:`curation.core.sampling.selection`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray, U64Array
from curation.core._common.cancel import checkpoint
from curation.core.sampling.clustering import Clusterer, kmeans_clustering
from curation.core.sampling.detection_scores import image_scores
from curation.core.sampling.kcenter import kcenter_greedy
from curation.core.sampling.quotas import apportion, equal_quotas
from curation.core.sampling.records import Pool, Strategy
from curation.core.sampling.sample_scores import bald, power_keys, variation_ratio
from curation.core.sampling.scores import hardness, uncertainty, uniform_from_keys
from curation.core.sampling.typicality import DEFAULT_NEIGHBORS, typical_picks, typicality_clusters

__all__ = ["STATIC_SCORE_KINDS", "BatchState", "run_strategy", "static_score", "weak_label_vector"]

# The kinds that pick the first available rows by a per-row score fixed before the batch is built
# (random and stratified by their random order); see ``static_score``.
STATIC_SCORE_KINDS = ("random", "stratified", "uncertainty", "hardness", "lf_targeted", "detection")


class BatchState:
    """What the strategies share while a batch is built: the pool, the tie keys, the near-duplicate
    groups (or None), which rows are still available and which are selected; for typicality, the
    request's budget and the clusterer."""

    def __init__(
        self,
        pool: Pool,
        keys: U64Array,
        groups: IntArray | None,
        *,
        budget: int = 0,
        clusterer: Clusterer | None = None,
    ) -> None:
        self.pool = pool
        self.budget = budget
        self.clusterer: Clusterer = clusterer or kmeans_clustering
        self.keys = keys
        self.groups = groups
        self.available = ~(pool.labeled | pool.excluded)
        self.selected = np.zeros(pool.n, dtype=bool)
        # Rows of a group of two or more: the only ones a pick or a labeled row can make unavailable,
        # so the group bookkeeping below touches them alone (most rows of a large pool are singletons).
        self.shared = np.zeros(pool.n, dtype=bool)
        if groups is not None:
            _, inverse, counts = np.unique(groups, return_inverse=True, return_counts=True)
            self.shared = counts[inverse] > 1
            self._drop_groups_of(np.flatnonzero(pool.labeled))

    def _drop_groups_of(self, rows: IntArray) -> None:
        """The other members of the groups of ``rows`` are no longer available."""
        assert self.groups is not None
        rows = rows[self.shared[rows]]
        if rows.size:
            members = np.flatnonzero(self.shared)
            self.available[members[np.isin(self.groups[members], self.groups[rows])]] = False

    def take(self, rows: IntArray) -> None:
        """Select ``rows``: they, and the other members of their groups, are no longer available."""
        self.selected[rows] = True
        self.available[rows] = False
        if self.groups is not None and rows.size:
            self._drop_groups_of(rows)

    def ranked(self, score: FloatArray, eligible: BoolArray | None = None) -> IntArray:
        """Available eligible rows, highest score first, ties by key, one per near-duplicate group."""
        mask = self.available if eligible is None else self.available & eligible
        cand = np.flatnonzero(mask)
        order = cand[np.lexsort((self.keys[cand], -score[cand]))]
        if self.groups is not None and order.size:
            at = np.flatnonzero(self.shared[order])
            if at.size:
                _, first = np.unique(self.groups[order[at]], return_index=True)
                keep = ~self.shared[order]
                keep[at[first]] = True
                order = order[keep]
        return order

    def candidates(self) -> int:
        """How many more rows could be picked (one per near-duplicate group)."""
        rows = np.flatnonzero(self.available)
        if self.groups is None:
            return int(rows.size)
        shared = rows[self.shared[rows]]
        return int(rows.size - shared.size + np.unique(self.groups[shared]).size)


def weak_label_vector(weak_probs: FloatArray | None, weak_labels: IntArray | None) -> IntArray | None:
    """Hard weak labels: as given, else the argmax of the probabilities (-1 where the top is tied)."""
    if weak_labels is not None:
        return np.asarray(weak_labels, dtype=np.int64)
    if weak_probs is None:
        return None
    top = weak_probs.max(axis=1, initial=-np.inf)
    tied = (weak_probs == top[:, None]).sum(axis=1) > 1
    return np.where(tied, -1, np.argmax(weak_probs, axis=1)).astype(np.int64)


def run_strategy(
    state: BatchState, s: Strategy, q: int, weak: IntArray | None
) -> tuple[IntArray, FloatArray, FloatArray]:
    """(rows, scores, distances) of up to ``q`` picks of strategy ``s``; distances are NaN except for
    diversity. ``weak`` holds the pool's hard weak labels (see ``weak_label_vector``)."""
    if q <= 0:
        nan = np.full(0, np.nan)
        return np.zeros(0, np.int64), nan, nan
    if s.kind == "diversity":
        return _diversity(state, s, q)
    if s.kind == "typicality":
        rows, score = _typicality(state, s, q)
        return rows, score, np.full(rows.size, np.nan)
    rows, score = _PICKERS[s.kind](state, s, q, weak)
    return rows, score, np.full(rows.size, np.nan)


def _need(arr: object, what: str, strategy: Strategy) -> None:
    """ValueError naming the strategy when an input it needs is missing."""
    if arr is None:
        raise ValueError(f"strategy {strategy.label!r} needs {what}")


def _predicted(pool: Pool) -> IntArray:
    """The model's predicted class per row (argmax of the scores, lowest index on ties)."""
    assert pool.scores is not None
    out: IntArray = np.argmax(pool.scores, axis=1).astype(np.int64)
    return out


def _diversity(state: BatchState, s: Strategy, q: int) -> tuple[IntArray, FloatArray, FloatArray]:
    """Greedy k-center with the labeled and already selected rows as centers; score = distance."""
    pool = state.pool
    _need(pool.embeddings, "embeddings", s)
    assert pool.embeddings is not None
    res = kcenter_greedy(
        pool.embeddings,
        q,
        candidates=state.available,
        centers=pool.labeled | state.selected,
        extra_centers=pool.extra_centers,
        tie_keys=state.keys,
        groups=state.groups,
    )
    return res.rows, res.distances, res.distances


def _typicality(state: BatchState, s: Strategy, q: int) -> tuple[IntArray, FloatArray]:
    """TypiClust: the densest available row of the least covered k-means cluster, pick by pick (see
    :mod:`curation.core.sampling.typicality`); score = typicality."""
    pool = state.pool
    _need(pool.embeddings, "embeddings", s)
    assert pool.embeddings is not None
    x = np.ascontiguousarray(pool.embeddings, dtype=np.float32)
    extra = (
        None
        if pool.extra_centers is None
        else np.asarray(pool.extra_centers, np.float32).reshape(-1, x.shape[1])
    )
    labeled = int(pool.labeled.sum()) + (0 if extra is None else extra.shape[0])
    k = typicality_clusters(labeled, state.budget, s.clusters, pool.n)
    if k == 0 or not state.available.any():
        return np.zeros(0, np.int64), np.zeros(0)
    clustering = state.clusterer(x, k, state.keys)
    return typical_picks(
        x,
        clustering,
        q,
        available=state.available,
        covered=pool.labeled | state.selected,
        extra_centers=extra,
        keys=state.keys,
        groups=state.groups,
        shared=state.shared,
        neighbors=s.typicality_neighbors or DEFAULT_NEIGHBORS,
    )


def _random(state: BatchState, s: Strategy, q: int, weak: IntArray | None) -> tuple[IntArray, FloatArray]:
    """The smallest tie keys first: a seeded random order whatever the pool order."""
    u = uniform_from_keys(state.keys)
    rows = state.ranked(-u)[:q]
    return rows, u[rows]


def _uncertainty(
    state: BatchState, s: Strategy, q: int, weak: IntArray | None
) -> tuple[IntArray, FloatArray]:
    """The model's least certain assets by ``s.measure``, top-k or drawn (``s.batch_sampling``)."""
    unc = _uncertainty_scores(state.pool, s)
    rows = state.ranked(_rank_scores(state.keys, s, unc))[:q]
    return rows, unc[rows]


def _uncertainty_scores(pool: Pool, s: Strategy) -> FloatArray:
    """``s.measure`` per row: of the scores, or of the score samples (BALD, variation ratio)."""
    if s.measure in ("bald", "variation_ratio"):
        _need(pool.score_samples, "score samples", s)
        assert pool.score_samples is not None
        return bald(pool.score_samples) if s.measure == "bald" else variation_ratio(pool.score_samples)
    _need(pool.scores, "model scores or score samples", s)
    assert pool.scores is not None
    return uncertainty(pool.scores, s.measure)


def _rank_scores(keys: U64Array, s: Strategy, score: FloatArray) -> FloatArray:
    """What to rank by, highest first: ``score`` itself ("top"), or ``power_beta * log(score)`` plus a
    keyed Gumbel draw ("power": a draw proportional to ``score ** power_beta``, Gumbel-top-k)."""
    if s.batch_sampling == "power":
        return power_keys(score, keys, s.power_beta)
    if s.batch_sampling != "top":
        raise ValueError(f"unknown batch sampling {s.batch_sampling!r}")
    return score


def _detection_rank(pool: Pool, s: Strategy, keys: U64Array) -> tuple[FloatArray, FloatArray]:
    """(image score, rank key) of the detection kind: images without a box rank below every image with
    one (even one the power draw puts at -inf); ties by key."""
    _need(pool.detections, "detections", s)
    assert pool.detections is not None
    score, has = image_scores(pool.detections, pool.n, s.box_aggregation)
    rank = _rank_scores(keys, s, score)
    return score, np.where(has, np.maximum(rank, -np.finfo(np.float64).max), -np.inf)


def _detection(state: BatchState, s: Strategy, q: int, weak: IntArray | None) -> tuple[IntArray, FloatArray]:
    """Images by the uncertainty of their predicted boxes (``s.box_aggregation``); images without a box
    score 0 and come after every image with one."""
    score, rank = _detection_rank(state.pool, s, state.keys)
    rows = state.ranked(rank)[:q]
    return rows, score[rows]


def _hardness(state: BatchState, s: Strategy, q: int, weak: IntArray | None) -> tuple[IntArray, FloatArray]:
    """The caller's hardness score, or the loss (entropy where no label is known), highest first."""
    h = _hardness_score(state.pool, s)
    rows = state.ranked(h)[:q]
    return rows, h[rows]


def _hardness_score(pool: Pool, s: Strategy) -> FloatArray:
    """The caller's hardness score, or the loss (entropy where no label is known)."""
    if pool.hardness is not None:
        return pool.hardness
    _need(pool.scores, "model scores or a hardness score", s)
    assert pool.scores is not None
    return hardness(pool.scores, pool.labels)


def _strata(pool: Pool, s: Strategy, weak: IntArray | None) -> IntArray:
    """The stratum of every row from the strategy's strata source."""
    if s.strata == "label":
        _need(pool.labels, "labels", s)
        assert pool.labels is not None
        return pool.labels
    if s.strata == "predicted":
        _need(pool.scores, "model scores", s)
        return _predicted(pool)
    if s.strata == "weak":
        _need(weak, "weak labels", s)
        assert weak is not None
        return weak
    if s.strata == "metadata":
        col = pool.metadata.get(s.metadata_key)
        if col is None:
            raise ValueError(f"strategy {s.label!r}: no metadata column {s.metadata_key!r}")
        _, inv = np.unique(col, return_inverse=True)
        return inv.astype(np.int64)
    raise ValueError(f"unknown strata source {s.strata!r}")


def _stratified(state: BatchState, s: Strategy, q: int, weak: IntArray | None) -> tuple[IntArray, FloatArray]:
    """Equal (or proportional) quotas per stratum, random within a stratum, picked round-robin."""
    strata = _strata(state.pool, s, weak)
    u = uniform_from_keys(state.keys)
    order = state.ranked(-u)  # random order (smallest key first), one per group
    if order.size == 0 or q == 0:
        return order[:0], u[:0]
    _, inv = np.unique(strata[order], return_inverse=True)
    counts = np.bincount(inv).astype(np.int64)
    pos = np.zeros(order.size, dtype=np.int64)
    by_stratum = np.argsort(inv, kind="stable")
    starts = np.searchsorted(inv[by_stratum], np.arange(counts.size))
    pos[by_stratum] = np.arange(order.size) - np.repeat(starts, counts)
    first_key = state.keys[order[by_stratum[starts]]]
    if s.proportional:
        quota = apportion(min(q, order.size), counts.astype(np.float64))
    else:
        quota = equal_quotas(q, counts, first_key)
    keep = pos < quota[inv]
    rows = order[keep]
    rr = np.lexsort((state.keys[rows], pos[keep]))
    rows = rows[rr]
    return rows, u[rows]


def _lf_targeted(
    state: BatchState, s: Strategy, q: int, weak: IntArray | None
) -> tuple[IntArray, FloatArray]:
    """Assets whose weak label is a target class, most confident weak label first, optionally only
    where the model disagrees with it (or is unsure)."""
    conf, eligible = _lf_score(state.pool, s, weak)
    rows = state.ranked(conf, eligible)[:q]
    return rows, conf[rows]


def _lf_score(pool: Pool, s: Strategy, weak: IntArray | None) -> tuple[FloatArray, BoolArray]:
    """The weak label's confidence per row, and which rows lf_targeted may pick."""
    _need(weak, "weak labels or weak-label probabilities", s)
    assert weak is not None
    if pool.weak_probs is not None:
        conf = np.where(weak >= 0, pool.weak_probs[np.arange(pool.n), np.maximum(weak, 0)], 0.0)
    else:
        conf = np.ones(pool.n)
    eligible = weak >= 0
    if s.target_classes:
        eligible &= np.isin(weak, np.asarray(s.target_classes, dtype=np.int64))
    if s.lf_filter != "none":
        _need(pool.scores, "model scores for its model filter", s)
        assert pool.scores is not None
        off = _predicted(pool) != weak
        if s.lf_filter == "disagree_or_unsure":
            off |= pool.scores.max(axis=1) < s.unsure_below
        eligible &= off
    return conf, eligible


def _rarity(state: BatchState, s: Strategy, q: int, weak: IntArray | None) -> tuple[IntArray, FloatArray]:
    """Each pick goes to the class furthest below its target count, a random member of it; the score
    is that class's deficit when it was picked."""
    pool = state.pool
    cls = _rarity_classes(pool, s, weak)
    k = _rarity_class_count(pool, s, cls)
    if k == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    target = np.full(k, 1.0 / k) if not s.target_distribution else np.zeros(k)
    if s.target_distribution:
        t = np.asarray(s.target_distribution, dtype=np.float64)
        target[: t.size] = t / t.sum()
    # Random order within a class: the most confident members are the least informative (the simulation
    # in bench/label_savings.py lost accuracy ranking them first).
    order = state.ranked(-uniform_from_keys(state.keys), cls >= 0)
    return _fill_deficits(order, cls, target, _labeled_counts(pool, cls, k), q)


def _rarity_classes(pool: Pool, s: Strategy, weak: IntArray | None) -> IntArray:
    """The class of every row: its weak label or the model's predicted class."""
    if s.class_source == "weak":
        _need(weak, "weak labels", s)
        assert weak is not None
        return weak
    _need(pool.scores, "model scores", s)
    assert pool.scores is not None
    return _predicted(pool)


def _rarity_class_count(pool: Pool, s: Strategy, cls: IntArray) -> int:
    """The number of classes any input speaks of."""
    k = int(max(cls.max(initial=-1) + 1, 0))
    k = max(k, len(s.target_distribution))
    if pool.scores is not None:
        k = max(k, pool.scores.shape[1])
    if pool.labeled_class_counts is not None:
        k = max(k, pool.labeled_class_counts.size)
    return k


def _labeled_counts(pool: Pool, cls: IntArray, k: int) -> FloatArray:
    """Labeled assets per class: known labels (else the classes of the labeled rows), plus the
    labeled class counts outside the pool."""
    counts = np.zeros(k)
    if pool.labels is not None:
        lab = pool.labels[pool.labeled]
        counts += np.bincount(lab[lab >= 0], minlength=k)[:k]
    elif pool.scores is not None:
        counts += np.bincount(cls[pool.labeled & (cls >= 0)], minlength=k)[:k]
    if pool.labeled_class_counts is not None:
        counts[: pool.labeled_class_counts.size] += pool.labeled_class_counts
    return counts


def _fill_deficits(
    order: IntArray, cls: IntArray, target: FloatArray, counts: FloatArray, q: int
) -> tuple[IntArray, FloatArray]:
    """Up to ``q`` rows of ``order``, each from the class whose count is furthest below its target share
    (in ``order`` within a class), and the deficit each pick answered."""
    k = target.size
    by_class = order[np.argsort(cls[order], kind="stable")]
    avail = np.bincount(cls[order], minlength=k)
    starts = np.r_[0, np.cumsum(avail)[:-1]]
    used = np.zeros(k, dtype=np.int64)
    picks = np.empty(min(q, order.size), dtype=np.int64)
    deficits = np.empty(picks.size)
    total = float(counts.sum())
    for step in range(picks.size):
        if step % 1024 == 0:
            checkpoint()
        deficit = target * (total + 1) - counts
        deficit[used >= avail] = -np.inf
        j = int(np.argmax(deficit))
        picks[step] = by_class[starts[j] + used[j]]
        deficits[step] = deficit[j]
        used[j] += 1
        counts[j] += 1
        total += 1
    return picks, deficits


def static_score(
    pool: Pool, s: Strategy, weak: IntArray | None, keys: U64Array
) -> tuple[FloatArray, BoolArray | None] | None:
    """(score, eligible rows or None = all) of a strategy of ``STATIC_SCORE_KINDS``: its picks are the
    first available eligible rows by (score descending, tie key), one per near-duplicate group (random
    and stratified: by their random order; stratified then takes each stratum's first rows). None for
    the other kinds, whose picks depend on what was picked before (diversity, rarity)."""
    if s.kind in ("random", "stratified"):
        return -uniform_from_keys(keys), None
    if s.kind == "uncertainty":
        return _rank_scores(keys, s, _uncertainty_scores(pool, s)), None
    if s.kind == "detection":
        return _detection_rank(pool, s, keys)[1], None
    if s.kind == "hardness":
        return _hardness_score(pool, s), None
    if s.kind == "lf_targeted":
        return _lf_score(pool, s, weak)
    return None


_Picker = Callable[[BatchState, Strategy, int, IntArray | None], tuple[IntArray, FloatArray]]
_PICKERS: dict[str, _Picker] = {
    "random": _random,
    "uncertainty": _uncertainty,
    "hardness": _hardness,
    "stratified": _stratified,
    "lf_targeted": _lf_targeted,
    "rarity": _rarity,
    "detection": _detection,
}
