"""k-means clustering of a pool's embeddings for the typicality strategy, and the record it returns.

:func:`kmeans_clustering` trains faiss k-means on a seeded sample of the rows (at most
``POINTS_PER_CENTROID`` per centroid, ``KMEANS_ITERATIONS`` iterations) and assigns every row to its
nearest centroid with blocked matrix products. The sample is the rows with the smallest tie keys, in
key order, so the centroids -- and every asset's cluster -- do not depend on the pool's row order. The
clustering is the expensive part of a typicality selection, so ``select`` takes the clusterer as a
parameter (:data:`Clusterer`): the service passes one that reads a cached clustering of the same pool.
faiss is imported only when a clustering runs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from curation.core._common.arrays import F32Array, IntArray, U64Array
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans

__all__ = [
    "ASSIGN_ROWS_PER_SPAN",
    "KMEANS_ITERATIONS",
    "KMEANS_SEED",
    "POINTS_PER_CENTROID",
    "SEEDING_POINTS_PER_CENTROID",
    "Clusterer",
    "Clustering",
    "kmeans_clustering",
    "nearest_centroid",
]

# Training rows per centroid: the seeded sample k-means is trained on (faiss' own default cap is 256).
POINTS_PER_CENTROID = 32
# Lloyd iterations of the training.
KMEANS_ITERATIONS = 10
# Training rows per centroid the k-means++ seeding draws from (the first of the training sample).
SEEDING_POINTS_PER_CENTROID = 8
# The seed of the k-means++ draws; what varies with the request's seed is the training sample (by tie key).
KMEANS_SEED = 1234
# Rows assigned to their centroid between two cancellation checkpoints.
ASSIGN_ROWS_PER_SPAN = 65_536


@dataclass(frozen=True, slots=True)
class Clustering:
    """``centroids`` (k x d) and the cluster of every row (``assignment``, n, in ``[0, k)``)."""

    centroids: F32Array
    assignment: IntArray

    @property
    def k(self) -> int:
        return int(self.centroids.shape[0])

    @property
    def sizes(self) -> IntArray:
        """Rows per cluster."""
        out: IntArray = np.bincount(self.assignment, minlength=self.k).astype(np.int64)
        return out


# (embeddings n x d float32, clusters k <= n, tie keys n) -> the clustering of the n rows.
Clusterer = Callable[[F32Array, int, U64Array], Clustering]


def _training_rows(keys: U64Array, take: int) -> IntArray:
    """The ``take`` rows with the smallest tie keys, in key order (all rows when there are fewer)."""
    n = keys.shape[0]
    rows = np.arange(n) if n <= take else np.argpartition(keys, take - 1)[:take]
    return np.asarray(rows[np.argsort(keys[rows], kind="stable")], dtype=np.int64)


def _kmeans_pp(x: F32Array, k: int) -> F32Array:
    """k-means++ seeding (Arthur & Vassilvitskii, 2007) of ``k`` centroids among the rows of ``x``: each
    next centroid drawn with probability proportional to the squared distance to the nearest one so far
    (uniformly once every row is at distance 0), with a fixed-seed generator. Distances elementwise
    (difference, then a row-wise dot product): a BLAS matrix-vector product per centroid costs more in
    thread hand-offs than it computes on a busy machine. Random seeding from the sample alone merges
    small separated clusters."""
    rng = np.random.default_rng(KMEANS_SEED)
    chosen = np.empty(k, dtype=np.int64)
    chosen[0] = int(rng.integers(x.shape[0]))
    diff = x - x[chosen[0]]
    d2 = np.einsum("ij,ij->i", diff, diff).astype(np.float64)
    for j in range(1, k):
        if j % 64 == 0:
            checkpoint()
        cum = np.cumsum(d2)
        total = float(cum[-1])
        i = int(np.searchsorted(cum, rng.random() * total, side="right")) if total > 0 else -1
        chosen[j] = i if 0 <= i < x.shape[0] else int(rng.integers(x.shape[0]))
        np.subtract(x, x[chosen[j]], out=diff)
        np.minimum(d2, np.einsum("ij,ij->i", diff, diff), out=d2)
    return np.ascontiguousarray(x[chosen], dtype=np.float32)


def kmeans_clustering(x: F32Array, k: int, keys: U64Array) -> Clustering:
    """k-means (faiss) on at most ``POINTS_PER_CENTROID * k`` rows chosen by tie key, then every row's
    nearest centroid (squared Euclidean, :func:`nearest_centroid`).

    >>> x = np.array([[0.0], [0.1], [9.0], [9.1]], np.float32)
    >>> c = kmeans_clustering(x, 2, np.arange(4, dtype=np.uint64))
    >>> bool(c.assignment[0] == c.assignment[1] != c.assignment[2] == c.assignment[3])
    True
    """
    import faiss  # noqa: PLC0415  (imported here: only typicality selections need it)

    n, d = x.shape
    if not 1 <= k <= n:
        raise ValueError(f"clusters must lie in [1, {n}], got {k}")
    xf = np.ascontiguousarray(x, dtype=np.float32)
    train = np.ascontiguousarray(xf[_training_rows(keys, POINTS_PER_CENTROID * k)])
    km = faiss.Kmeans(
        d,
        k,
        niter=KMEANS_ITERATIONS,
        seed=KMEANS_SEED,
        verbose=False,
        max_points_per_centroid=POINTS_PER_CENTROID,
        min_points_per_centroid=1,
    )
    init = _kmeans_pp(train[: SEEDING_POINTS_PER_CENTROID * k], k)
    checkpoint()
    km.train(train, init_centroids=init)  # one uninterruptible faiss call on the sample
    centroids = np.ascontiguousarray(km.centroids, dtype=np.float32).reshape(k, d)
    return Clustering(centroids, nearest_centroid(xf, centroids))


def nearest_centroid(x: F32Array, centroids: F32Array) -> IntArray:
    """The nearest centroid (squared Euclidean, lowest index on ties) of every row of ``x`` (m x d): one
    float32 matrix product per span of ``ASSIGN_ROWS_PER_SPAN`` rows (numpy's BLAS; faiss' flat search
    was several times slower here), a cancellation checkpoint between spans."""
    out = np.empty(x.shape[0], dtype=np.int64)
    half_sq = 0.5 * np.einsum("ij,ij->i", centroids, centroids)
    block = max(1, min(ASSIGN_ROWS_PER_SPAN, (1 << 22) // max(centroids.shape[0], 1)))
    for lo, hi in spans(x.shape[0], block):
        checkpoint()
        d = x[lo:hi] @ centroids.T
        d -= half_sq[None, :]
        out[lo:hi] = np.argmax(d, axis=1)
    return out
