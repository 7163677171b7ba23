"""Typicality (TypiClust): cluster coverage order, the densest point per cluster, labeled and extra
coverage, near-duplicate groups, tiny pools, determinism, and the pick rule against a one-pick-at-a-time
reference."""

from __future__ import annotations

import numpy as np
import pytest

from curation.core.sampling import Dedup, Pool, Strategy, select, tie_keys
from curation.core.sampling.clustering import Clustering, kmeans_clustering, nearest_centroid
from curation.core.sampling.typicality import (
    EXACT_MEMBERS,
    MIN_CLUSTER_SIZE,
    REFINE,
    typical_picks,
    typicality_clusters,
    typicality_scores,
)

SIZES = (40, 30, 20, 14)


def blobs(seed: int = 0) -> tuple[np.ndarray, list[int]]:
    """Well-separated blobs of ``SIZES`` rows in 6-D: each a planted center, a core of 12 rows at +-0.05
    along each axis (the center is the strictly densest row) and peripheral rows at radius 2-4. Returns
    the rows and each blob's center row."""
    rng = np.random.default_rng(seed)
    parts, centers, start = [], [], 0
    for b, m in enumerate(SIZES):
        c = np.zeros(6)
        c[b] = 100.0
        dirs = rng.normal(size=(m - 1, 6))
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        core = np.vstack([np.eye(6), -np.eye(6)]) * 0.05
        far = dirs[: m - 13] * rng.uniform(2.0, 4.0, (m - 13, 1))
        parts.append(np.vstack([c, c + core, c + far]))
        centers.append(start)
        start += m
    return np.vstack(parts).astype(np.float32), centers


def pool_of(x: np.ndarray, labeled: list[int] = (), **kw: object) -> Pool:  # type: ignore[assignment]
    n = x.shape[0]
    lab = np.zeros(n, bool)
    lab[list(labeled)] = True
    return Pool(np.array([f"a{i:03d}" for i in range(n)]), lab, np.zeros(n, bool), embeddings=x, **kw)  # type: ignore[arg-type]


TYP = Strategy("typicality", typicality_neighbors=5)


def test_picks_cover_the_clusters_largest_first_each_at_its_dense_core() -> None:
    x, centers = blobs()
    sel = select(pool_of(x), [TYP], 4, seed=3)
    assert sel.rows.tolist() == centers
    assert np.all(sel.score > 0) and np.all(np.isnan(sel.distance))


def test_default_neighbours_still_prefer_the_core() -> None:
    x, centers = blobs(1)
    sel = select(pool_of(x), [Strategy("typicality")], 4, seed=0)
    # 20 neighbours reach past the core: the pick is still the center or one of its 12 core rows.
    for row, c in zip(sel.rows.tolist(), centers, strict=True):
        assert c <= row <= c + 12


def test_clusters_holding_labeled_assets_are_covered_first() -> None:
    x, centers = blobs()
    four = Strategy("typicality", typicality_neighbors=5, clusters=4)  # |labeled| + budget would split a blob
    sel = select(pool_of(x, labeled=[centers[0] + 10]), [four], 4, seed=3)
    assert sel.rows.tolist()[:3] == centers[1:]
    # All four clusters covered once: the next pick goes back to the largest, to its (available) center.
    assert sel.rows[3] == centers[0]


def test_extra_centers_cover_their_cluster_like_labeled_rows() -> None:
    x, centers = blobs()
    extra = x[[centers[1]]] + 0.01
    sel = select(pool_of(x, extra_centers=extra), [TYP], 3, seed=3)
    assert sel.rows.tolist() == [centers[0], centers[2], centers[3]]


def test_same_seed_same_picks_whatever_the_pool_order() -> None:
    x, _ = blobs(2)
    x = x + np.random.default_rng(0).normal(scale=0.5, size=x.shape).astype(np.float32)
    pool = pool_of(x)
    a = select(pool, [Strategy("typicality", clusters=6)], 9, seed=11)
    perm = np.random.default_rng(5).permutation(pool.n)
    permuted = Pool(pool.asset_ids[perm], pool.labeled[perm], pool.excluded[perm], embeddings=x[perm])
    b = select(permuted, [Strategy("typicality", clusters=6)], 9, seed=11)
    assert pool.asset_ids[a.rows].tolist() == permuted.asset_ids[b.rows].tolist()
    np.testing.assert_allclose(a.score, b.score, rtol=1e-5)


def test_tiny_pools_use_small_clusters_and_report_the_budget() -> None:
    x = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0]], np.float32)
    sel = select(pool_of(x), [Strategy("typicality")], 2, seed=0)
    assert sel.rows.size == 2 and len(set(sel.rows.tolist())) == 2
    over = select(pool_of(x), [Strategy("typicality")], 5, seed=0)
    assert sorted(over.rows.tolist()) == [0, 1, 2]
    assert [f.code for f in over.findings] == ["BUDGET_EXCEEDS_POOL"]


def test_one_pick_per_near_duplicate_group() -> None:
    x, centers = blobs()
    dup = np.vstack([x, x[[centers[0]]]])  # an exact copy of the largest blob's center
    pool = pool_of(dup)
    four = Strategy("typicality", typicality_neighbors=5, clusters=4)
    sel = select(pool, [four], 6, seed=3, dedup=Dedup(threshold=1e-9))
    rows = sel.rows.tolist()
    assert rows[0] in (centers[0], dup.shape[0] - 1)  # equal typicality: the smaller tie key
    assert len({centers[0], dup.shape[0] - 1} & set(rows)) == 1
    assert sel.duplicate_groups >= 1
    without = select(pool, [four], 6, seed=3)
    assert {centers[0], dup.shape[0] - 1} <= set(without.rows.tolist())


def test_needs_embeddings_and_names_the_strategy() -> None:
    pool = Pool(np.array(["a", "b"]), np.zeros(2, bool), np.zeros(2, bool))
    with pytest.raises(ValueError, match="'typicality' needs embeddings"):
        select(pool, [Strategy("typicality")], 1, seed=0)
    with pytest.raises(ValueError, match="clusters"):
        select(pool, [Strategy("typicality", clusters=-1)], 1, seed=0)


def test_clusters_are_labeled_plus_budget_capped_and_the_clusterer_is_injected() -> None:
    x, _ = blobs()
    calls: list[int] = []

    def counting(xx: np.ndarray, k: int, keys: np.ndarray) -> Clustering:
        calls.append(k)
        return kmeans_clustering(xx, k, keys)

    select(pool_of(x, labeled=[1, 2]), [TYP], 3, seed=0, clusterer=counting)
    select(pool_of(x, labeled=[5, 9]), [TYP], 3, seed=0, clusterer=counting)
    select(pool_of(x), [Strategy("typicality", clusters=2)], 3, seed=0, clusterer=counting)
    assert calls == [5, 5, 2]
    assert typicality_clusters(10**4, 10, 0, 10**6) == 500


def brute_typicality(x: np.ndarray, members: np.ndarray, rows: np.ndarray, k: int) -> np.ndarray:
    """1 / mean distance to the k nearest other members, in float64."""
    d = np.sqrt(((x[rows, None, :].astype(np.float64) - x[None, members, :]) ** 2).sum(-1))
    d[rows[:, None] == members[None, :]] = np.inf
    out: np.ndarray = 1.0 / np.sort(d, axis=1)[:, :k].mean(axis=1)
    return out


def test_typicality_is_exact_in_small_clusters_and_refined_in_large_ones() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(EXACT_MEMBERS * 3, 5)).astype(np.float32)
    keys = tie_keys([str(i) for i in range(x.shape[0])], 0)
    small = np.arange(50)
    score, exact = typicality_scores(x, small, small[::2], 7, keys)
    assert exact.all()
    np.testing.assert_allclose(score, brute_typicality(x, small, small[::2], 7), rtol=1e-4)
    big = np.arange(x.shape[0])
    score, exact = typicality_scores(x, big, big, 20, keys)
    assert exact.sum() == REFINE
    np.testing.assert_allclose(score[exact], brute_typicality(x, big, big[exact], 20), rtol=1e-4)
    # The refined rows are the densest by the sampled estimate: the best of them is among the truly densest.
    true = brute_typicality(x, big, big, 20)
    assert score[exact].max() >= np.quantile(true, 0.97)
    one, _ = typicality_scores(x, np.array([3]), np.array([3]), 20, keys)
    assert one.tolist() == [0.0]


def naive_picks(x, cl, q, avail, covered, keys, groups, neighbors):  # type: ignore[no-untyped-def]  # noqa: PLR0917
    """The rule one pick at a time (typicality from ``typicality_scores``)."""
    a, k = cl.assignment, cl.k
    size = np.bincount(a, minlength=k)
    count = np.bincount(a[covered], minlength=k)
    ckey = np.array([keys[a == c].min() if (a == c).any() else np.iinfo(np.uint64).max for c in range(k)])
    typ = np.zeros(a.size)
    ex = np.zeros(a.size, bool)
    for c in range(k):
        m = np.flatnonzero(a == c)
        r = m[avail[m]]
        typ[r], ex[r] = typicality_scores(x, m, r, neighbors, keys)
    avail = avail.copy()
    out = []
    for _ in range(q):
        open_ = [c for c in range(k) if avail[a == c].any()]
        if not open_:
            break
        big = [c for c in open_ if size[c] >= MIN_CLUSTER_SIZE] or open_
        c = min(big, key=lambda c: (count[c], -size[c], ckey[c]))
        r = np.flatnonzero(avail & (a == c))
        row = int(r[np.lexsort((keys[r], -typ[r], ~ex[r]))[0]])
        out.append(row)
        avail[row] = False
        if groups is not None:
            avail[groups == groups[row]] = False
        count[c] += 1
    return out


@pytest.mark.parametrize("seed", range(12))
def test_matches_the_one_pick_at_a_time_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(5, 120))
    x = rng.normal(size=(n, 3)).astype(np.float32) * rng.uniform(0.5, 3, size=(n, 1)).astype(np.float32)
    k = int(rng.integers(1, min(n, 12) + 1))
    cl = Clustering(x[:k].copy(), nearest_centroid(x, x[:k].copy()))
    keys = tie_keys([f"r{i}" for i in range(n)], seed)
    covered = rng.random(n) < 0.1
    groups = rng.integers(0, max(1, n // 2), n) if seed % 2 else None
    avail = ~covered & (rng.random(n) < 0.9)
    if groups is not None:
        avail &= ~np.isin(groups, groups[covered])
    q = int(rng.integers(0, n))
    rows, _ = typical_picks(
        x, cl, q, available=avail, covered=covered, extra_centers=None, keys=keys, groups=groups, neighbors=4
    )
    assert rows.tolist() == naive_picks(x, cl, q, avail, covered, keys, groups, 4)


def test_kmeans_is_deterministic_and_independent_of_row_order() -> None:
    rng = np.random.default_rng(4)
    x = (rng.normal(size=(3000, 16)) + rng.integers(0, 8, size=(3000, 1)) * 5).astype(np.float32)
    ids = np.array([f"id{i}" for i in range(x.shape[0])])
    keys = tie_keys(ids, 9)
    a = kmeans_clustering(x, 24, keys)
    b = kmeans_clustering(x, 24, keys)
    np.testing.assert_array_equal(a.assignment, b.assignment)
    perm = rng.permutation(x.shape[0])
    c = kmeans_clustering(x[perm], 24, keys[perm])
    np.testing.assert_array_equal(a.assignment[perm], c.assignment)
    np.testing.assert_array_equal(a.centroids, c.centroids)
