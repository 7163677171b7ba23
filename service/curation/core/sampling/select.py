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
- ``hardness``: a caller-given score, or the loss ``-log p_y`` where a label is known, entropy otherwise.

A mixture splits the budget by fractions (largest remainder); strategies run in the order given, each on
what the earlier ones left, so no asset is picked twice; a strategy that runs out of candidates passes its
shortfall on, and anything still missing at the end is filled at random (with a warning). Redundancy
removal (``Dedup``) groups near-duplicates first; no two members of a group are picked, nor a member of a
group that holds a labeled asset. Every tie is broken by the keyed hash, never by row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from curation.core.sampling.kcenter import kcenter_greedy
from curation.core.sampling.near_duplicates import KnnSearch, near_duplicates
from curation.core.sampling.scores import hardness, tie_keys, uncertainty, uniform_from_keys

__all__ = [
    "KINDS",
    "Dedup",
    "Notice",
    "Pool",
    "Selection",
    "Strategy",
    "apportion",
    "select",
    "weak_label_vector",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

KINDS = ("random", "stratified", "lf_targeted", "uncertainty", "diversity", "rarity", "hardness")
STRATA_SOURCES = ("label", "predicted", "weak", "metadata")
CLASS_SOURCES = ("predicted", "weak")
LF_FILTERS = ("none", "disagree", "disagree_or_unsure")


@dataclass(frozen=True, slots=True)
class Pool:
    """The candidate pool, columnar: every per-asset array has one row per asset ID.

    ``scores``: model class probabilities (n x k). ``weak_probs`` (n x k) / ``weak_labels`` (n, -1 =
    abstain): the label model's output. ``labels``: known labels (-1 = none), used for the loss, label
    strata and the labeled class counts. ``labeled``/``excluded``: rows that are not candidates (labeled
    rows are k-center centers, excluded rows are not). ``extra_centers``: embeddings of labeled assets
    outside the pool. ``labeled_class_counts``: labeled assets per class outside the pool.
    """

    asset_ids: npt.NDArray[np.str_]
    labeled: BoolArray
    excluded: BoolArray
    scores: FloatArray | None = None
    weak_probs: FloatArray | None = None
    weak_labels: IntArray | None = None
    labels: IntArray | None = None
    embeddings: npt.NDArray[np.float32] | None = None
    metadata: Mapping[str, npt.NDArray[np.str_]] = field(default_factory=dict)
    hardness: FloatArray | None = None
    extra_centers: npt.NDArray[np.float32] | None = None
    labeled_class_counts: FloatArray | None = None

    @property
    def n(self) -> int:
        return int(self.asset_ids.shape[0])


@dataclass(frozen=True, slots=True)
class Strategy:
    """One strategy of a mixture and its share of the budget (see the module docstring for ``kind``)."""

    kind: str
    fraction: float = 1.0
    name: str = ""
    measure: str = "margin"
    strata: str = "predicted"
    metadata_key: str = ""
    proportional: bool = False
    target_classes: tuple[int, ...] = ()
    lf_filter: str = "none"
    unsure_below: float = 0.5
    class_source: str = "predicted"
    target_distribution: tuple[float, ...] = ()

    @property
    def label(self) -> str:
        return self.name or self.kind


@dataclass(frozen=True, slots=True)
class Dedup:
    """Near-duplicate removal: cosine distance <= ``threshold`` (times the median nearest-neighbour
    distance when ``relative``), ``k`` neighbours examined per asset."""

    threshold: float
    relative: bool = False
    k: int = 10


@dataclass(frozen=True, slots=True)
class Notice:
    """A non-fatal finding (becomes ``curation.v1.Warning``)."""

    code: str
    message: str
    field: str = ""


@dataclass(frozen=True, slots=True)
class Selection:
    """The batch in pick order. ``strategy[i]`` indexes the request's strategies (-1 = random fill);
    ``distance`` is NaN except for diversity picks (inf when there was no center yet)."""

    rows: IntArray
    strategy: IntArray
    score: FloatArray
    strategy_rank: IntArray
    distance: FloatArray
    quotas: IntArray
    picked: IntArray
    notices: list[Notice]
    duplicate_groups: int = 0
    dedup_threshold: float | None = None


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


def weak_label_vector(weak_probs: FloatArray | None, weak_labels: IntArray | None) -> IntArray | None:
    """Hard weak labels: as given, else the argmax of the probabilities (-1 where the top is tied)."""
    if weak_labels is not None:
        return np.asarray(weak_labels, dtype=np.int64)
    if weak_probs is None:
        return None
    top = weak_probs.max(axis=1, initial=-np.inf)
    tied = (weak_probs == top[:, None]).sum(axis=1) > 1
    return np.where(tied, -1, np.argmax(weak_probs, axis=1)).astype(np.int64)


class _State:
    """What the strategies share while a batch is built."""

    def __init__(self, pool: Pool, keys: npt.NDArray[np.uint64], groups: IntArray | None) -> None:
        self.pool = pool
        self.keys = keys
        self.groups = groups
        self.available = ~(pool.labeled | pool.excluded)
        self.selected = np.zeros(pool.n, dtype=bool)
        if groups is not None:
            self.available &= ~np.isin(groups, groups[pool.labeled])

    def take(self, rows: IntArray) -> None:
        self.selected[rows] = True
        self.available[rows] = False
        if self.groups is not None and rows.size:
            self.available &= ~np.isin(self.groups, self.groups[rows])

    def ranked(self, score: FloatArray, eligible: BoolArray | None = None) -> IntArray:
        """Available eligible rows, highest score first, ties by key, one per near-duplicate group."""
        mask = self.available if eligible is None else self.available & eligible
        cand = np.flatnonzero(mask)
        order = cand[np.lexsort((self.keys[cand], -score[cand]))]
        if self.groups is not None and order.size:
            _, first = np.unique(self.groups[order], return_index=True)
            order = order[np.sort(first)]
        return order


def _need(arr: object, what: str, strategy: Strategy) -> None:
    if arr is None:
        raise ValueError(f"strategy {strategy.label!r} needs {what}")


def _predicted(pool: Pool) -> IntArray:
    assert pool.scores is not None
    out: IntArray = np.argmax(pool.scores, axis=1).astype(np.int64)
    return out


def _strata(pool: Pool, s: Strategy, weak: IntArray | None) -> IntArray:
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


def _equal_quotas(q: int, counts: IntArray, first_key: npt.NDArray[np.uint64]) -> IntArray:
    """Water-filling: the same number per stratum, capped by what each has; leftovers by stratum key."""
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


def _stratified(state: _State, s: Strategy, q: int, weak: IntArray | None) -> tuple[IntArray, FloatArray]:
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
        quota = _equal_quotas(q, counts, first_key)
    keep = pos < quota[inv]
    rows = order[keep]
    rr = np.lexsort((state.keys[rows], pos[keep]))
    rows = rows[rr]
    return rows, u[rows]


def _lf_targeted(state: _State, s: Strategy, q: int, weak: IntArray | None) -> tuple[IntArray, FloatArray]:
    pool = state.pool
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
    rows = state.ranked(conf, eligible)[:q]
    return rows, conf[rows]


def _rarity(state: _State, s: Strategy, q: int, weak: IntArray | None) -> tuple[IntArray, FloatArray]:
    pool = state.pool
    if s.class_source == "weak":
        _need(weak, "weak labels", s)
        assert weak is not None
        cls = weak
    else:
        _need(pool.scores, "model scores", s)
        assert pool.scores is not None
        cls = _predicted(pool)
    k = int(max(cls.max(initial=-1) + 1, 0))
    k = max(k, len(s.target_distribution))
    if pool.scores is not None:
        k = max(k, pool.scores.shape[1])
    if pool.labeled_class_counts is not None:
        k = max(k, pool.labeled_class_counts.size)
    if k == 0:
        return np.zeros(0, np.int64), np.zeros(0)
    target = np.full(k, 1.0 / k) if not s.target_distribution else np.zeros(k)
    if s.target_distribution:
        t = np.asarray(s.target_distribution, dtype=np.float64)
        target[: t.size] = t / t.sum()
    counts = np.zeros(k)
    if pool.labels is not None:
        lab = pool.labels[pool.labeled]
        counts += np.bincount(lab[lab >= 0], minlength=k)[:k]
    elif pool.scores is not None:
        counts += np.bincount(cls[pool.labeled & (cls >= 0)], minlength=k)[:k]
    if pool.labeled_class_counts is not None:
        counts[: pool.labeled_class_counts.size] += pool.labeled_class_counts
    # Random order within a class: the most confident members are the least informative (the simulation
    # in bench/label_savings.py lost accuracy ranking them first).
    order = state.ranked(-uniform_from_keys(state.keys), cls >= 0)
    by_class = order[np.argsort(cls[order], kind="stable")]
    avail = np.bincount(cls[order], minlength=k)
    starts = np.r_[0, np.cumsum(avail)[:-1]]
    used = np.zeros(k, dtype=np.int64)
    picks = np.empty(min(q, order.size), dtype=np.int64)
    deficits = np.empty(picks.size)
    total = float(counts.sum())
    for step in range(picks.size):
        deficit = target * (total + 1) - counts
        deficit[used >= avail] = -np.inf
        j = int(np.argmax(deficit))
        picks[step] = by_class[starts[j] + used[j]]
        deficits[step] = deficit[j]
        used[j] += 1
        counts[j] += 1
        total += 1
    return picks, deficits


def select(
    pool: Pool,
    strategies: Sequence[Strategy],
    budget: int,
    seed: int,
    *,
    dedup: Dedup | None = None,
    knn: KnnSearch | None = None,
) -> Selection:
    """Build a batch of ``budget`` assets from ``pool`` with the strategy mixture (see module docstring).

    A budget above the number of candidates returns every candidate with a ``BUDGET_EXCEEDS_POOL`` notice.

    >>> pool = Pool(np.array(["a", "b", "c"]), np.zeros(3, bool), np.zeros(3, bool),
    ...             scores=np.array([[0.9, 0.1], [0.5, 0.5], [0.6, 0.4]]))
    >>> select(pool, [Strategy("uncertainty")], 2, seed=0).rows.tolist()
    [1, 2]
    """
    if budget < 0:
        raise ValueError("budget must be >= 0")
    if not strategies:
        raise ValueError("at least one strategy is required")
    for s in strategies:
        if s.kind not in KINDS:
            raise ValueError(f"unknown strategy {s.kind!r}")
    keys = tie_keys(pool.asset_ids, seed)
    notices: list[Notice] = []
    groups: IntArray | None = None
    n_groups = 0
    thr: float | None = None
    if dedup is not None:
        if pool.embeddings is None:
            raise ValueError("redundancy removal needs embeddings")
        nd = near_duplicates(
            pool.embeddings,
            threshold=dedup.threshold,
            relative=dedup.relative,
            k=dedup.k,
            knn=knn,
            tie_keys=keys,
        )
        groups, n_groups, thr = nd.labels, len(nd.groups), nd.threshold
    state = _State(pool, keys, groups)
    avail_rows = np.flatnonzero(state.available)
    n_cand = int(avail_rows.size if groups is None else np.unique(groups[avail_rows]).size)
    if budget > n_cand:
        notices.append(
            Notice(
                "BUDGET_EXCEEDS_POOL",
                f"budget {budget} exceeds the {n_cand} selectable assets"
                " (one per near-duplicate group); all returned",
                "budget",
            )
        )
        budget = n_cand
    weak = weak_label_vector(pool.weak_probs, pool.weak_labels)
    quotas = apportion(budget, [s.fraction for s in strategies])
    picked = np.zeros(len(strategies), dtype=np.int64)
    out_rows: list[IntArray] = []
    out_strategy: list[IntArray] = []
    out_score: list[FloatArray] = []
    out_dist: list[FloatArray] = []
    carry = 0
    for si, s in enumerate(strategies):
        q = int(quotas[si]) + carry
        rows, score, dist = _run(state, s, q, weak)
        state.take(rows)
        picked[si] = rows.size
        carry = q - rows.size
        if carry > 0:
            notices.append(
                Notice(
                    "STRATEGY_SHORTFALL",
                    f"strategy {s.label!r} found {rows.size} of {q} assets",
                    f"strategies[{si}]",
                )
            )
        out_rows.append(rows)
        out_strategy.append(np.full(rows.size, si, dtype=np.int64))
        out_score.append(score)
        out_dist.append(dist)
    if carry > 0:
        u = uniform_from_keys(keys)
        rows = state.ranked(-u)[:carry]
        state.take(rows)
        out_rows.append(rows)
        out_strategy.append(np.full(rows.size, -1, dtype=np.int64))
        out_score.append(u[rows])
        out_dist.append(np.full(rows.size, np.nan))
    strategy_arr = np.concatenate(out_strategy)
    srank = np.concatenate([np.arange(1, r.size + 1, dtype=np.int64) for r in out_rows])
    return Selection(
        rows=np.concatenate(out_rows),
        strategy=strategy_arr,
        score=np.concatenate(out_score).astype(np.float64),
        strategy_rank=srank,
        distance=np.concatenate(out_dist).astype(np.float64),
        quotas=quotas,
        picked=picked,
        notices=notices,
        duplicate_groups=n_groups,
        dedup_threshold=thr,
    )


def _run(
    state: _State, s: Strategy, q: int, weak: IntArray | None
) -> tuple[IntArray, FloatArray, FloatArray]:
    pool = state.pool
    nan = np.full(0, np.nan)
    if q <= 0:
        return np.zeros(0, np.int64), nan, nan
    if s.kind == "diversity":
        _need(pool.embeddings, "embeddings", s)
        res = kcenter_greedy(
            pool.embeddings,  # type: ignore[arg-type]
            q,
            candidates=state.available,
            centers=pool.labeled | state.selected,
            extra_centers=pool.extra_centers,
            tie_keys=state.keys,
            groups=state.groups,
        )
        return res.rows, res.distances, res.distances
    if s.kind == "random":
        u = uniform_from_keys(state.keys)
        rows = state.ranked(-u)[:q]
        score = u[rows]
    elif s.kind == "uncertainty":
        _need(pool.scores, "model scores", s)
        unc = uncertainty(pool.scores, s.measure)  # type: ignore[arg-type]
        rows = state.ranked(unc)[:q]
        score = unc[rows]
    elif s.kind == "hardness":
        if pool.hardness is not None:
            h = pool.hardness
        else:
            _need(pool.scores, "model scores or a hardness score", s)
            h = hardness(pool.scores, pool.labels)  # type: ignore[arg-type]
        rows = state.ranked(h)[:q]
        score = h[rows]
    elif s.kind == "stratified":
        rows, score = _stratified(state, s, q, weak)
    elif s.kind == "lf_targeted":
        rows, score = _lf_targeted(state, s, q, weak)
    else:  # rarity
        rows, score = _rarity(state, s, q, weak)
    return rows, score, np.full(rows.size, np.nan)
