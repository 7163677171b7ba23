"""Redundancy removal on large pools: groups among candidates and labeled rows only, sampled median.

The large-pool path starts at ``CANDIDATE_DEDUP_MIN_ROWS``; these tests lower it (and the candidate
minimum) so a pool of a few thousand rows takes it with candidates a strict subset of the pool.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.core.sampling import (
    Dedup,
    Pool,
    Strategy,
    ann_cosine_knn,
    cosine_knn,
    exact_cosine_knn,
    normalize_rows,
    select,
    tie_keys,
)
from curation.core.sampling import candidate_groups as cg
from curation.core.sampling.near_duplicate_groups import near_duplicates
from curation.core.sampling.scores import margin

N, D, BUDGET = 2500, 16, 30
MIX = [Strategy("uncertainty", 0.8), Strategy("random", 0.2)]
COPY_NOISE = 1e-4
THRESHOLD = 1e-3


@pytest.fixture(autouse=True)
def small_large_path(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(cg, "CANDIDATE_DEDUP_MIN_ROWS", 2000)
    monkeypatch.setattr(cg, "CANDIDATE_MIN_ROWS", 100)
    yield


def planted_pool(seed: int = 0) -> tuple[Pool, npt.NDArray[np.int64], list[tuple[int, int]]]:
    """A gaussian pool with 4 near-copies of its most uncertain row, a near-copy of a labeled row among
    the most uncertain, and copy pairs among the next most uncertain rows (all within the candidates).
    Returns the pool, the rows of the most uncertain row's copies (with it) and the planted pairs."""
    rng = np.random.default_rng(seed)
    n0 = N - 4 - 1 - 10
    x = rng.normal(size=(n0, D))
    logits = rng.normal(size=(n0, 4))
    p = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    by_unc = np.argsort(-margin(p), kind="stable")
    top, lab, pair_src = int(by_unc[0]), int(by_unc[-1]), by_unc[1:11]
    src = np.r_[[top] * 4, [lab], pair_src]
    x = np.vstack([x, x[src] + COPY_NOISE * rng.normal(size=(src.size, D))])
    p = np.vstack([p, p[src]])
    # The labeled row's copy is made very uncertain so that it is a candidate.
    p[n0 + 4] = np.full(4, 0.25)
    labeled = np.zeros(N, bool)
    labeled[lab] = True
    pool = Pool(
        asset_ids=np.array([f"id-{i:05d}" for i in range(N)]),
        labeled=labeled,
        excluded=np.zeros(N, bool),
        scores=p,
        embeddings=x.astype(np.float32),
    )
    copies = np.r_[top, n0 + np.arange(4)].astype(np.int64)
    pairs = [(int(s), n0 + 5 + i) for i, s in enumerate(pair_src)] + [(lab, n0 + 4)]
    return pool, copies, pairs


def cos_dist(x: np.ndarray, rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
    xn = normalize_rows(x).astype(np.float64)
    out: np.ndarray = 1.0 - xn[rows_a] @ xn[rows_b].T
    return out


def test_no_two_picks_near_duplicates_nor_of_a_labeled_row() -> None:
    pool, copies, _ = planted_pool()
    assert pool.embeddings is not None
    sel = select(pool, MIX, BUDGET, 3, dedup=Dedup(THRESHOLD), knn=exact_cosine_knn)
    assert sel.rows.size == BUDGET and sel.duplicate_groups == 1 + 1 + 10
    d = cos_dist(pool.embeddings, sel.rows, sel.rows)
    np.fill_diagonal(d, np.inf)
    assert d.min() > THRESHOLD
    assert cos_dist(pool.embeddings, sel.rows, np.flatnonzero(pool.labeled)).min() > THRESHOLD
    # The planted copies of the most uncertain row yield one pick; the labeled row's copy none.
    assert np.isin(copies, sel.rows).sum() == 1
    assert N - 10 - 1 not in sel.rows.tolist()


def test_only_candidates_and_labeled_rows_are_searched() -> None:
    pool, _, _ = planted_pool()
    keys = tie_keys(pool.asset_ids, 3)
    res = cg.candidate_duplicate_groups(
        pool, MIX, BUDGET, keys, Dedup(THRESHOLD), weak=None, knn=exact_cosine_knn
    )
    m = cg.candidate_count(BUDGET, N)
    assert m == cg.CANDIDATE_MULTIPLE * BUDGET < N
    assert m < res.searched <= 2 * m + 1
    # Every row outside the search is a group of its own.
    assert np.unique(res.labels).size == N - sum(g.size - 1 for g in _multi_groups(res.labels))


def _multi_groups(labels: np.ndarray) -> list[np.ndarray]:
    _, inv, counts = np.unique(labels, return_inverse=True, return_counts=True)
    return [np.flatnonzero(inv == g) for g in np.flatnonzero(counts > 1)]


@pytest.mark.parametrize("relative", [False, True])
def test_same_picks_as_the_whole_pool_path_when_duplicates_are_candidates(
    monkeypatch: pytest.MonkeyPatch, relative: bool
) -> None:
    pool, _, _ = planted_pool(1)
    # With every row sampled, the relative threshold is the exact median the whole-pool path uses.
    monkeypatch.setattr(cg, "MEDIAN_SAMPLE_ROWS", N)
    dedup = Dedup(0.05, relative=True) if relative else Dedup(THRESHOLD)
    large = select(pool, MIX, BUDGET, 5, dedup=dedup, knn=exact_cosine_knn)
    monkeypatch.setattr(cg, "CANDIDATE_DEDUP_MIN_ROWS", N + 1)
    whole = select(pool, MIX, BUDGET, 5, dedup=dedup, knn=exact_cosine_knn)
    assert large.rows.tolist() == whole.rows.tolist()
    assert large.score.tolist() == whole.score.tolist()
    assert large.dedup_threshold == whole.dedup_threshold
    assert large.duplicate_groups == whole.duplicate_groups


@settings(max_examples=5, deadline=None)
@given(seed=st.integers(0, 2**32), perm_seed=st.integers(0, 1000))
def test_deterministic_and_pool_order_invariant(seed: int, perm_seed: int) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cg, "CANDIDATE_DEDUP_MIN_ROWS", 2000)
        mp.setattr(cg, "CANDIDATE_MIN_ROWS", 100)
        pool, _, _ = planted_pool()
        perm = np.random.default_rng(perm_seed).permutation(N)
        mix = [*MIX, Strategy("hardness", 0.0), Strategy("diversity", 0.0)]
        dedup = Dedup(0.3, relative=True)
        a = select(pool, mix, BUDGET, seed, dedup=dedup)
        b = select(pool, mix, BUDGET, seed, dedup=dedup)
        c = select(_permuted(pool, perm), mix, BUDGET, seed, dedup=dedup)
    assert a.rows.tolist() == b.rows.tolist()
    assert pool.asset_ids[a.rows].tolist() == pool.asset_ids[perm][c.rows].tolist()
    assert a.dedup_threshold == c.dedup_threshold


def _permuted(pool: Pool, perm: np.ndarray) -> Pool:
    assert pool.scores is not None and pool.embeddings is not None
    return Pool(
        asset_ids=pool.asset_ids[perm],
        labeled=pool.labeled[perm],
        excluded=pool.excluded[perm],
        scores=pool.scores[perm],
        embeddings=pool.embeddings[perm],
    )


def test_sampled_median_estimates_the_exact_median() -> None:
    rng = np.random.default_rng(4)
    # Two clusters of different spread: the median is not a property of one row.
    x = np.vstack([rng.normal(size=(3000, D)), 5 + 0.5 * rng.normal(size=(2000, D))]).astype(np.float32)
    keys = tie_keys(np.array([f"r{i}" for i in range(x.shape[0])]), 0)
    exact = near_duplicates(x, threshold=1.0, relative=True, knn=exact_cosine_knn).median_nn_distance
    assert exact is not None
    assert cg.sampled_median_nn_distance(x, keys, sample=x.shape[0], block=777) == exact
    est = cg.sampled_median_nn_distance(x, keys, block=1000)
    assert abs(est - exact) < 0.1 * exact
    # Self is never its own neighbour, an exact copy is at distance 0.
    assert cg.sampled_median_nn_distance(np.vstack([x[:1], x[:1]]), keys[:2]) == 0.0


def test_candidate_count_bounds() -> None:
    assert cg.candidate_count(1000, 1_000_000) == cg.CANDIDATE_MULTIPLE * 1000
    assert cg.candidate_count(1, 1_000_000) == cg.CANDIDATE_MIN_ROWS
    assert cg.candidate_count(10_000, 50_000) == 50_000


def test_the_candidate_search_is_approximate_from_its_own_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """The service's search (cosine_knn) becomes candidate_knn: faiss IVF-Flat from
    CANDIDATE_ANN_MIN_ROWS searched rows; the planted copies are still grouped."""
    pool, copies, _ = planted_pool()
    calls: list[int] = []
    real = ann_cosine_knn

    def counted(xn: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        calls.append(xn.shape[0])
        return real(xn, k)

    monkeypatch.setattr(cg, "ann_cosine_knn", counted)
    monkeypatch.setattr(cg, "CANDIDATE_ANN_MIN_ROWS", 200)
    sel = select(pool, MIX, BUDGET, 3, dedup=Dedup(THRESHOLD), knn=cosine_knn)
    assert calls and calls[0] < N
    assert sel.duplicate_groups == 12 and np.isin(copies, sel.rows).sum() == 1


def test_typicality_picks_outside_the_candidates_are_checked() -> None:
    """Typicality has no static score, so its picks lie outside the candidates; dense near-copy pairs are
    the most typical rows of their clusters, and the selection searches them and selects again: no two
    picks are near-copies. Without that check (VERIFY_ROUNDS = 0) both copies of a pair are picked."""
    rng = np.random.default_rng(5)
    centers = rng.normal(size=(20, D)) * 6
    x = centers[rng.integers(0, 20, N)] + rng.normal(size=(N, D))
    # Each center gets a row on it and a near-copy of that row: the densest rows of their clusters.
    x[:20] = centers
    x[20:40] = centers + COPY_NOISE * rng.normal(size=(20, D))
    pool = Pool(
        np.array([f"t{i}" for i in range(N)]),
        np.zeros(N, bool),
        np.zeros(N, bool),
        embeddings=x.astype(np.float32),
    )
    dedup = Dedup(THRESHOLD, relative=False)
    # 20 clusters, 40 picks: two per cluster, the two most typical rows of each (a center and its copy).
    typical = [Strategy("typicality", clusters=20)]
    picks = set(select(pool, typical, 40, 3, dedup=dedup).rows.tolist())
    pairs = [(i, i + 20) for i in range(20)]
    assert len(picks) == 40 and not [p for p in pairs if set(p) <= picks]
    from curation.core.sampling import selection

    saved = selection.VERIFY_ROUNDS
    selection.VERIFY_ROUNDS = 0
    try:
        unchecked = set(select(pool, typical, 40, 3, dedup=dedup).rows.tolist())
    finally:
        selection.VERIFY_ROUNDS = saved
    assert [p for p in pairs if set(p) <= unchecked]
