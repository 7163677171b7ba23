"""Compiled row loops of the label models: co-occurrence counts, additive scoring and one EM pass.

Each loop walks the rows of a label matrix once and touches only the LFs that vote on a row; in numpy
the same work needs an (n x m*k) one-hot matrix and a dense matmul (tens of seconds at 1M x 20 x 5
on a shared machine), so these loops are compiled with numba like ``_coco_kernels``. Rows carry a
weight (1 for a raw matrix, the pattern count for a pattern histogram), so the same kernels serve
``VoteStatistics``. Compilation is cached on disk (``cache=True``, see :mod:`curation.core._common.jit`);
``warm_up`` compiles everything.

The loops that sum over rows add into accumulators the caller passes (and return the running
log-likelihood), so a caller can run them over consecutive spans of rows -- ``ROWS_PER_SPAN`` at a
time, with a cancellation checkpoint between spans -- and get the very same sums, added in the same
order as one call over all rows.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from curation.core._common.jit import numba

__all__ = [
    "ROWS_PER_SPAN",
    "cooccurrence_kernel",
    "counts_kernel",
    "em_pass_kernel",
    "posterior_agreement_kernel",
    "proba_kernel",
    "warm_up",
]

# Rows per kernel call between two cancellation checkpoints (a few ms at 20 LFs x 5 classes).
ROWS_PER_SPAN = 1 << 16


@numba.njit(cache=True, nogil=True)
def cooccurrence_kernel(
    L: npt.NDArray[np.int16], w: npt.NDArray[np.float64], k: int, out: npt.NDArray[np.float64]
) -> None:
    """Adds to ``out[j*k + a, i*k + b]`` the row weights over rows where LF j votes a and LF i votes b."""
    n, m = L.shape
    idx = np.empty(m, dtype=np.int64)
    for r in range(n):
        f = 0
        for j in range(m):
            v = L[r, j]
            if v >= 0:
                idx[f] = j * k + v
                f += 1
        wr = w[r]
        for a in range(f):
            ia = idx[a]
            for b in range(f):
                out[ia, idx[b]] += wr


@numba.njit(cache=True, nogil=True)
def em_pass_kernel(  # noqa: PLR0917 - numba kernels take positional arguments
    L: npt.NDArray[np.int16],
    w: npt.NDArray[np.float64],
    log_cond: npt.NDArray[np.float64],
    log_prior: npt.NDArray[np.float64],
    counts: npt.NDArray[np.float64],
    mass: npt.NDArray[np.float64],
    ll: float,
) -> float:
    """One Dawid-Skene E-step fused with the next M-step's counts, over the rows of ``L``.

    Adds to ``counts[j, l + 1, y]`` the sum of w_r q_r(y) [L_rj = l] and to ``mass[y]`` the sum of
    w_r q_r(y), where q_r is the posterior of row r under (log_cond, log_prior); returns ``ll`` plus
    the rows' weighted log-likelihood.
    """
    n, m = L.shape
    k = log_prior.shape[0]
    s = np.empty(k, dtype=np.float64)
    for r in range(n):
        for y in range(k):
            s[y] = log_prior[y]
        for j in range(m):
            v = L[r, j] + 1
            for y in range(k):
                s[y] += log_cond[j, v, y]
        top = s[0]
        for y in range(1, k):
            top = max(top, s[y])
        z = 0.0
        for y in range(k):
            s[y] = np.exp(s[y] - top)
            z += s[y]
        wr = w[r]
        ll += wr * (top + np.log(z))
        for y in range(k):
            s[y] = wr * s[y] / z
            mass[y] += s[y]
        for j in range(m):
            v = L[r, j] + 1
            for y in range(k):
                counts[j, v, y] += s[y]
    return ll


@numba.njit(cache=True, nogil=True)
def counts_kernel(
    L: npt.NDArray[np.int16], wq: npt.NDArray[np.float64], counts: npt.NDArray[np.float64]
) -> None:
    """Adds to ``counts[j, l + 1, y]`` the sum of wq[r, y] [L_rj = l] (the M-step's sufficient counts)."""
    n, m = L.shape
    k = wq.shape[1]
    for r in range(n):
        for j in range(m):
            v = L[r, j] + 1
            for y in range(k):
                counts[j, v, y] += wq[r, y]


@numba.njit(cache=True, nogil=True)
def _row_posterior(  # noqa: PLR0917 - numba kernels take positional arguments
    L: npt.NDArray[np.int16],
    r: int,
    tables: npt.NDArray[np.float64],
    log_prior: npt.NDArray[np.float64],
    majority: bool,
    s: npt.NDArray[np.float64],
) -> None:
    """Posterior of row r into s: softmax of the additive scores, or (majority) an even split over the
    classes with the top score."""
    m = L.shape[1]
    k = log_prior.shape[0]
    for y in range(k):
        s[y] = log_prior[y]
    for j in range(m):
        v = L[r, j] + 1
        for y in range(k):
            s[y] += tables[j, v, y]
    top = s[0]
    for y in range(1, k):
        top = max(top, s[y])
    z = 0.0
    for y in range(k):
        if majority:
            s[y] = 1.0 if s[y] == top else 0.0
        else:
            s[y] = np.exp(s[y] - top)
        z += s[y]
    for y in range(k):
        s[y] /= z


@numba.njit(cache=True, nogil=True)
def proba_kernel(
    L: npt.NDArray[np.int16],
    tables: npt.NDArray[np.float64],
    log_prior: npt.NDArray[np.float64],
    majority: bool,
) -> npt.NDArray[np.float64]:
    """Posterior of every row (n x k), see ``_row_posterior``."""
    n = L.shape[0]
    k = log_prior.shape[0]
    out = np.empty((n, k), dtype=np.float64)
    for r in range(n):
        _row_posterior(L, r, tables, log_prior, majority, out[r])
    return out


@numba.njit(cache=True, nogil=True)
def posterior_agreement_kernel(  # noqa: PLR0917 - numba kernels take positional arguments
    L: npt.NDArray[np.int16],
    w: npt.NDArray[np.float64],
    tables: npt.NDArray[np.float64],
    log_prior: npt.NDArray[np.float64],
    majority: bool,
    hits: npt.NDArray[np.float64],
    votes: npt.NDArray[np.float64],
) -> None:
    """Adds to ``hits[j]`` the sum of w_r P_r(y = L_rj) over rows LF j votes on and to ``votes[j]`` the
    sum of those w_r, with the posteriors P_r computed on the fly (never materialised)."""
    n, m = L.shape
    k = log_prior.shape[0]
    s = np.empty(k, dtype=np.float64)
    for r in range(n):
        _row_posterior(L, r, tables, log_prior, majority, s)
        wr = w[r]
        for j in range(m):
            v = L[r, j]
            if v >= 0:
                hits[j] += wr * s[v]
                votes[j] += wr


def warm_up() -> None:
    """Compile (or load from the disk cache) every kernel."""
    L = np.array([[0, -1, 1]], dtype=np.int16)
    w = np.ones(1)
    cooccurrence_kernel(L, w, 2, np.zeros((6, 6)))
    em_pass_kernel(L, w, np.zeros((3, 3, 2)), np.zeros(2), np.zeros((3, 3, 2)), np.zeros(2), 0.0)
    counts_kernel(L, np.ones((1, 2)), np.zeros((3, 3, 2)))
    proba_kernel(L, np.zeros((3, 3, 2)), np.zeros(2), True)
    posterior_agreement_kernel(L, w, np.zeros((3, 3, 2)), np.zeros(2), False, np.zeros(3), np.zeros(3))
