"""Near-duplicate groups: the service (faiss IVF-Flat kNN + connected components) vs sklearn brute force.

Clustered Gaussian float32 vectors with planted near-copies (a source row plus 1% noise). Prints seconds,
the ratio to sklearn ``NearestNeighbors(metric="cosine", algorithm="brute").radius_neighbors_graph`` on the
same data in the same run, recall of the planted pairs (both in one group), agreement of the groups with
sklearn's, and peak traced memory. At 1,000,000 rows only the service runs (sklearn would take ~an hour).

    python -m bench.sampling_near_duplicates           # 100,000 x 128 (with sklearn) and 1,000,000 x 128
    python -m bench.sampling_near_duplicates --smoke   # 5,000 x 32
"""

from __future__ import annotations

import argparse
import itertools
import time
import tracemalloc

import numpy as np
from scipy.sparse.csgraph import connected_components
from sklearn.neighbors import NearestNeighbors

from curation.core.sampling import ann_cosine_knn, cosine_knn, near_duplicates

THRESHOLD = 1e-3


def make(n: int, d: int, planted: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(max(2, n // 500), d)).astype(np.float32)
    x = centers[rng.integers(0, len(centers), n)] + 0.8 * rng.normal(size=(n, d)).astype(np.float32)
    src = rng.choice(n, planted, replace=False)
    dst = rng.choice(np.setdiff1d(np.arange(n), src), planted, replace=False)
    x[dst] = x[src] + 0.01 * rng.normal(size=(planted, d)).astype(np.float32)
    return x.astype(np.float32), src, dst


def groups_of(labels: np.ndarray) -> set[frozenset[int]]:
    order = np.argsort(labels, kind="stable")
    lab = labels[order]
    cuts = np.flatnonzero(np.r_[True, lab[1:] != lab[:-1], True])
    return {frozenset(order[a:b].tolist()) for a, b in itertools.pairwise(cuts) if b - a > 1}


def run(n: int, d: int, planted: int, peer: bool, ann: bool) -> None:
    x, src, dst = make(n, d, planted)
    knn = ann_cosine_knn if ann else cosine_knn
    tracemalloc.start()
    started = time.perf_counter()
    nd = near_duplicates(x, threshold=THRESHOLD, knn=knn)
    t_ours = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    recall = float(np.mean(nd.labels[src] == nd.labels[dst]))
    line = (
        f"n={n:>9,} d={d}: ours {t_ours:7.2f} s (peak +{peak / 2**20:6.0f} MiB), "
        f"{len(nd.groups)} groups, planted recall {recall:.4f}"
    )
    if peer:
        tracemalloc.start()
        started = time.perf_counter()
        graph = (
            NearestNeighbors(metric="cosine", algorithm="brute").fit(x).radius_neighbors_graph(x, THRESHOLD)
        )
        _, lab = connected_components(graph, directed=False)
        t_peer = time.perf_counter() - started
        _, peak_p = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        same = groups_of(lab) == groups_of(nd.labels)
        line += (
            f" | sklearn brute {t_peer:7.2f} s (peak +{peak_p / 2**20:6.0f} MiB), "
            f"ratio {t_peer / t_ours:5.1f}x, same groups {same}"
        )
    print(line, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    if args.smoke:
        run(5_000, 32, 100, peer=True, ann=True)
        return
    run(100_000, 128, 1_000, peer=True, ann=True)
    run(1_000_000, 128, 10_000, peer=False, ann=True)


if __name__ == "__main__":
    main()
