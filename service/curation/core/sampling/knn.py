"""Cosine k-nearest-neighbour search over unit rows: exact (blocked numpy) and approximate (faiss IVF-Flat).

Every search takes L2-normalised float32 rows (inner product = cosine similarity, see
:func:`normalize_rows`) and returns, per row, the similarities and rows of its ``k`` best neighbours,
best first (``-1`` = no neighbour). :func:`exact_cosine_knn` is O(n^2 d) and the oracle;
:func:`ann_cosine_knn` trains an inverted-file index whose layout depends on the rows' values, never on
their order; :func:`cosine_knn` picks one by size. faiss is imported only when an approximate search runs.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import F32Array, IntArray
from curation.core._common.chunks import spans

__all__ = [
    "ANN_MIN_ROWS",
    "ANN_ROWS_PER_SPAN",
    "EXACT_BLOCK_CELLS",
    "KnnSearch",
    "ann_cosine_knn",
    "cosine_knn",
    "exact_cosine_knn",
    "normalize_rows",
]

# From this many rows on, cosine_knn uses the approximate index.
ANN_MIN_ROWS = 20_000
# Similarities per block of the exact search (rows x n), between two cancellation checkpoints.
EXACT_BLOCK_CELLS = 1 << 21
# Rows added to / searched in the approximate index between two cancellation checkpoints.
ANN_ROWS_PER_SPAN = 16_384
# (unit rows n x d, k) -> (similarities n x k, neighbour rows n x k; -1 = none), best first.
KnnSearch = Callable[[F32Array, int], tuple[F32Array, IntArray]]


def normalize_rows(x: npt.ArrayLike) -> F32Array:
    """Rows scaled to unit L2 norm in float32; zero rows stay zero."""
    a = np.array(x, dtype=np.float32, copy=True, order="C")
    if a.ndim != 2:
        raise ValueError("x must be an n x d matrix")
    norms = np.sqrt(np.einsum("ij,ij->i", a, a))
    nz = norms > 0
    a[nz] /= norms[nz, None]
    return a


def exact_cosine_knn(xn: F32Array, k: int, *, block: int = 0) -> tuple[F32Array, IntArray]:
    """The ``k`` most similar rows (self included) of every unit row, blocked so memory is O(block n).

    By default a block holds about ``EXACT_BLOCK_CELLS`` similarities (16 to 2048 rows), one matrix
    product and one partition per block with a cancellation checkpoint between blocks; each row's
    result depends on that row alone, so the block size changes no result. The products are summed in
    float64 and rounded to float32: a float32 BLAS product rounds differently with the block's shape
    (OpenBLAS picks kernels and thread splits by size), while a float64 sum rounds to the same float32
    whatever the blocking (checked with blocks of 16 rows and one block of all).
    """
    n = xn.shape[0]
    k = min(k, n)
    block = block or min(2048, max(16, EXACT_BLOCK_CELLS // max(n, 1)))
    sims = np.empty((n, k), dtype=np.float32)
    idx = np.empty((n, k), dtype=np.int64)
    x64 = xn.astype(np.float64)
    for r0, _ in spans(n, block):
        s = (x64[r0 : r0 + block] @ x64.T).astype(np.float32)
        part = np.argpartition(-s, k - 1, axis=1)[:, :k] if k < n else np.tile(np.arange(n), (s.shape[0], 1))
        ps = np.take_along_axis(s, part, axis=1)
        o = np.argsort(-ps, axis=1, kind="stable")
        sims[r0 : r0 + block] = np.take_along_axis(ps, o, axis=1)
        idx[r0 : r0 + block] = np.take_along_axis(part, o, axis=1)
    return sims, idx


def _training_rows(xn: F32Array, take: int) -> IntArray:
    """At most ``take`` rows to train the index on, chosen and ordered by a hash of their bits (not by
    position), so the index -- and so the groups -- is the same whatever the order of the pool."""
    n, d = xn.shape
    bits = np.ascontiguousarray(xn).view(np.uint32).astype(np.uint64)
    with np.errstate(over="ignore"):
        h = (bits[:, : min(d, 8)] * np.uint64(0x9E3779B97F4A7C15)).sum(axis=1) * np.uint64(0xBF58476D1CE4E5B9)
    rows = np.argsort(h, kind="stable") if n <= take else np.argpartition(h, take - 1)[:take]
    return np.asarray(rows[np.argsort(h[rows], kind="stable")], dtype=np.int64)


def ann_cosine_knn(xn: F32Array, k: int, *, nprobe: int = 4) -> tuple[F32Array, IntArray]:
    """Approximate k nearest neighbours of unit rows by inner product: faiss IVF-Flat.

    ``nlist ~ 2 sqrt(n)`` inverted lists trained by 10 k-means iterations on at most 40 points per list;
    each row probes its ``nprobe`` nearest lists. Near-duplicates sit in the same or an adjacent cell, so
    recall of planted duplicates stays at 1.0 in bench/sampling_near_duplicates.py.
    """
    import faiss  # noqa: PLC0415  (imported here: only large requests need it)

    n, d = xn.shape
    nlist = max(1, min(int(2 * math.sqrt(n)), n // 40))
    quantizer = faiss.IndexFlatIP(d)
    index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 10
    index.cp.min_points_per_centroid = 1
    # Training is one uninterruptible faiss call; adding and searching go in spans of rows (each row is
    # added to / searched in the index on its own) with a cancellation checkpoint between spans.
    index.train(np.ascontiguousarray(xn[_training_rows(xn, 40 * nlist)]))
    for lo, hi in spans(n, ANN_ROWS_PER_SPAN):
        index.add(xn[lo:hi])
    index.nprobe = min(nprobe, nlist)
    sims = np.empty((n, k), dtype=np.float32)
    idx = np.empty((n, k), dtype=np.int64)
    for lo, hi in spans(n, ANN_ROWS_PER_SPAN):
        sims[lo:hi], idx[lo:hi] = index.search(xn[lo:hi], k)
    return sims, idx


def cosine_knn(xn: F32Array, k: int) -> tuple[F32Array, IntArray]:
    """Exact below ``ANN_MIN_ROWS`` rows, faiss IVF-Flat from there on."""
    if xn.shape[0] < ANN_MIN_ROWS:
        return exact_cosine_knn(xn, k)
    return ann_cosine_knn(xn, k)
