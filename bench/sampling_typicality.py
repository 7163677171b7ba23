"""Typicality (TypiClust cold start): the service core cold (k-means) and warm (cached clustering), the
whole Select through the ops seam, and a scikit-learn TypiClust peer.

Data: a Gaussian mixture (``components`` centres, unit noise), float32. Core: ``select()`` with one
typicality strategy, labeled assets and budgets as given, timed cold (faiss k-means runs) and warm (a
clusterer that returns the clustering of the cold run, as the service's cache does), with the peak of
numpy's traced allocations (tracemalloc; faiss' own buffers are not traced) and the process' peak RSS.
Ops: a Select request (inline vectors) through ``Operations`` over an in-process cache, then the same
pool with another labeled set of the same size (its clustering comes from the cache: k-means runs are
counted). Peer: scikit-learn ``KMeans`` (one init) + ``NearestNeighbors`` per picked cluster, the rule of
the paper's reference implementation (fewest labeled, then largest cluster; densest point), on a
smaller pool, with the time ratio.

On a busy 2-core machine run it also with ``OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1``: the typicality
makes one small matrix product per picked cluster, and multi-threaded OpenBLAS under contention made
those 4-15x slower (measured 2026-11-30, load 3-6: warm 1M x 128 budget 1,000 in 17 s with the default
threads, 4.7 s with one).

    python -m bench.sampling_typicality           # 1,000,000 x 128 (core), 200,000 x 128 (ops), 20,000 x 128 (peer)
    python -m bench.sampling_typicality --smoke   # 20,000 x 16, 5,000 x 16, 1,000 x 8
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from curation.core.sampling import Clustering, Pool, Strategy, kmeans_clustering, select


def mixture(n: int, d: int, components: int, seed: int = 0) -> np.ndarray:
    """n rows of a Gaussian mixture: centres N(0, 4^2), unit noise, uneven component weights."""
    rng = np.random.default_rng(seed)
    weights = rng.dirichlet(np.full(components, 2.0))
    comp = rng.choice(components, size=n, p=weights)
    means = (rng.normal(size=(components, d)) * 4).astype(np.float32)
    x = rng.standard_normal((n, d), dtype=np.float32)
    x += means[comp]
    return x


def timed(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(result, seconds, peak traced MB)."""
    tracemalloc.start()
    started = time.perf_counter()
    out = fn()
    seconds = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return out, seconds, peak / 2**20


def core(n: int, d: int, labeled: int, budgets: list[int]) -> None:
    x = mixture(n, d, 100)
    ids = np.char.add("a", np.arange(n).astype(str))
    rng = np.random.default_rng(1)
    lab = np.zeros(n, bool)
    lab[rng.choice(n, labeled, replace=False)] = True
    pool = Pool(ids, lab, np.zeros(n, bool), embeddings=x)
    for budget in budgets:
        made: dict[int, Clustering] = {}

        def cold(x: np.ndarray, k: int, keys: np.ndarray, made: dict[int, Clustering] = made) -> Clustering:
            made[k] = kmeans_clustering(x, k, keys)
            return made[k]

        def warm(x: np.ndarray, k: int, keys: np.ndarray, made: dict[int, Clustering] = made) -> Clustering:
            return made[k]

        strategy = [Strategy("typicality")]
        a, t_cold, m_cold = timed(lambda: select(pool, strategy, budget, seed=0, clusterer=cold))  # noqa: B023
        b, t_warm, m_warm = timed(lambda: select(pool, strategy, budget, seed=0, clusterer=warm))  # noqa: B023
        assert a.rows.tolist() == b.rows.tolist()
        k = next(iter(made))
        sizes = np.bincount(made[k].assignment, minlength=k)
        print(
            f"core {n:,} x {d}, labeled {labeled:,}, budget {budget:,}, {k} clusters (sizes {sizes.min()}-"
            f"{sizes.max()}): cold {t_cold:.2f} s (peak traced {m_cold:.0f} MB), warm {t_warm:.2f} s "
            f"(peak traced {m_warm:.0f} MB); picks {a.rows.size}, clusters picked "
            f"{np.unique(made[k].assignment[a.rows]).size}",
            flush=True,
        )


def through_ops(n: int, d: int, labeled: int, budget: int) -> None:
    from curation.cache.memory import MemoryCache
    from curation.ops import Context, Operations
    from curation.ops import sampling as ops_mod
    from curation.ops.sampling import select as select_mod
    from curation.v1 import sampling_pb2 as pb

    x = mixture(n, d, 100)
    ids = [f"a{i}" for i in range(n)]
    rng = np.random.default_rng(2)
    runs: list[int] = []

    def counting(x: np.ndarray, k: int, keys: np.ndarray) -> Clustering:
        runs.append(k)
        return kmeans_clustering(x, k, keys)

    setattr(select_mod, "kmeans_clustering", counting)  # noqa: B010  (counts the runs)

    def request(seed: int) -> pb.SelectRequest:
        labeled_ids = [ids[i] for i in np.random.default_rng(seed).choice(n, labeled, replace=False)]
        return pb.SelectRequest(
            asset_ids=ids,
            labeled_ids=labeled_ids,
            embeddings=x.tobytes(),
            embedding_dimension=d,
            budget=budget,
            seed=int(rng.integers(1)),
            strategies=[pb.SamplingStrategy(kind=pb.STRATEGY_KIND_TYPICALITY)],
        )

    async def go() -> None:
        cache = MemoryCache(max_bytes=1 << 30, max_entry_bytes=64 << 20)
        ops = Operations(ops_mod.SPECS, cache, workers=2)
        try:
            ctx = Context(namespace="bench")
            for label, seed in (("cold", 10), ("warm (another labeled set)", 11)):
                req = request(seed)
                started = time.perf_counter()
                r = await ops.dispatch(ops_mod.SELECT, req, ctx)
                assert isinstance(r, pb.SelectResponse) and len(r.selected) == budget
                print(
                    f"ops Select {n:,} x {d}, labeled {labeled:,}, budget {budget:,}: {label} "
                    f"{time.perf_counter() - started:.2f} s, k-means runs so far {len(runs)}",
                    flush=True,
                )
        finally:
            ops.close()

    asyncio.run(go())


def peer_typiclust(x: np.ndarray, labeled: np.ndarray, budget: int, k: int, neighbors: int = 20) -> list[int]:
    """TypiClust with scikit-learn: KMeans, then per pick the least covered (then largest) cluster of at
    least 5 rows and its row of highest 1 / mean distance to its nearest neighbours in the cluster."""
    from sklearn.cluster import KMeans
    from sklearn.neighbors import NearestNeighbors

    assign = KMeans(n_clusters=k, n_init=1, random_state=0).fit(x).labels_
    sizes = np.bincount(assign, minlength=k)
    count = np.bincount(assign[labeled], minlength=k)
    taken = labeled.copy()
    typ: dict[int, np.ndarray] = {}
    picks: list[int] = []
    for _ in range(budget):
        open_ = np.flatnonzero((sizes >= 5) & (np.bincount(assign[~taken], minlength=k) > 0))
        c = int(open_[np.lexsort((-sizes[open_], count[open_]))[0]])
        members = np.flatnonzero(assign == c)
        if c not in typ:
            nn = NearestNeighbors(n_neighbors=min(neighbors, members.size - 1) + 1).fit(x[members])
            dist, _ = nn.kneighbors(x[members])
            typ[c] = 1.0 / (dist[:, 1:].mean(axis=1) + 1e-12)
        score = np.where(taken[members], -np.inf, typ[c])
        row = int(members[np.argmax(score)])
        picks.append(row)
        taken[row] = True
        count[c] += 1
    return picks


def peer(n: int, d: int, labeled: int, budget: int) -> None:
    x = mixture(n, d, 100, seed=3)
    ids = np.char.add("p", np.arange(n).astype(str))
    lab = np.zeros(n, bool)
    lab[np.random.default_rng(4).choice(n, labeled, replace=False)] = True
    pool = Pool(ids, lab, np.zeros(n, bool), embeddings=x)
    import sklearn.cluster  # noqa: F401  (imported before timing)
    from threadpoolctl import threadpool_limits

    k = min(labeled + budget, 500, n)
    # One thread each: scikit-learn's OpenMP beside faiss' (two runtimes) spins for seconds on 2 cores.
    with threadpool_limits(1):
        ours, t_ours, _ = timed(lambda: select(pool, [Strategy("typicality")], budget, seed=0))
        theirs, t_peer, _ = timed(lambda: peer_typiclust(x, lab, budget, k))
    print(
        f"peer (one thread each) {n:,} x {d}, labeled {labeled}, budget {budget}, {k} clusters: service {t_ours:.2f} s, "
        f"scikit-learn TypiClust {t_peer:.2f} s (x{t_peer / t_ours:.1f}); same picks "
        f"{len(set(ours.rows.tolist()) & set(theirs))} of {budget} (different k-means, so not expected)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--skip-ops", action="store_true")
    args = parser.parse_args()
    if args.smoke:
        core(20_000, 16, 100, [100, 10])
        through_ops(5_000, 16, 50, 50)
        peer(1_000, 8, 10, 10)
    else:
        core(1_000_000, 128, 1_000, [1_000, 100])
        if not args.skip_ops:
            through_ops(200_000, 128, 1_000, 1_000)
        peer(20_000, 128, 1_000, 1_000)
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB", flush=True)


if __name__ == "__main__":
    main()
