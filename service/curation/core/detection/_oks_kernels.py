"""Compiled loops of the keypoint similarity (OKS): the per-keypoint error terms of every (detection,
GT) pair of a set of groups, and their mean of ``exp(-e)`` summed in numpy's own order.

pycocotools computes ``np.sum(np.exp(-e)) / len(e)`` per pair. ``exp`` is left to numpy (it may take
a SIMD path that ``math.exp`` does not), so the error terms are written to one flat buffer, numpy
exponentiates it, and :func:`pair_means` sums each pair's run with numpy's pairwise summation
(:func:`_np_sum`): the same floats, added in the same order.
"""

from __future__ import annotations

import numba
import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray

__all__ = ["oks_terms", "pair_means"]

# numpy's pairwise-summation block (PW_BLOCKSIZE in loops_utils.h).
_PW_BLOCK = 128
_EPS = float(np.spacing(1))


@numba.njit(cache=True, nogil=True)
def _np_sum(a: FloatArray, lo: int, n: int) -> float:
    """``a[lo:lo+n].sum()`` added in numpy's order: 8 accumulators over blocks of at most 128, halves
    (a multiple of 8 long) above that, a plain loop below 8."""
    if n < 8:
        res = 0.0
        for i in range(n):
            res += a[lo + i]
        return res
    if n <= _PW_BLOCK:
        r = np.empty(8)
        for j in range(8):
            r[j] = a[lo + j]
        i = 8
        while i < n - (n % 8):
            for j in range(8):
                r[j] += a[lo + i + j]
            i += 8
        res = float(((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7])))
        while i < n:
            res += a[lo + i]
            i += 1
        return res
    n2 = n // 2
    n2 -= n2 % 8
    return _np_sum(a, lo, n2) + _np_sum(a, lo + n2, n - n2)


@numba.njit(cache=True, nogil=True)
def oks_terms(  # noqa: PLR0917 - numba kernel: one compiled loop nest
    gt_xyv: FloatArray,
    gt_off: IntArray,
    gt_used: IntArray,
    gt_visible: BoolArray,
    gt_box: FloatArray,
    gt_norm: FloatArray,
    gt_var_off: IntArray,
    variances: FloatArray,
    dt_xyv: FloatArray,
    dt_off: IntArray,
    g_rows: IntArray,
    d_rows: IntArray,
    g_lo: IntArray,
    g_hi: IntArray,
    d_lo: IntArray,
    d_hi: IntArray,
    terms: FloatArray,
) -> None:
    """pycocotools' per-keypoint error ``e = (dx² + dy²) / var / (area + eps) / 2`` of every pair of the
    groups, block by block (row-major D x G), each pair's run of ``gt_used[j]`` terms one after the
    other in ``terms``. A GT with a visible keypoint (``gt_visible[j]``, v > 0) measures at those only;
    one without measures every keypoint's distance to its box grown by its width / height on each
    side. A pair whose detection has another keypoint count than the GT writes nothing. ``gt_norm``
    is the GT area + eps; ``variances[gt_var_off[j] + t]`` is ``(2 sigma_t)²`` of the GT's category."""
    w = 0
    for q in range(g_lo.shape[0]):
        for d in range(d_lo[q], d_hi[q]):
            r = d_rows[d]
            d0 = dt_off[r]
            kd = dt_off[r + 1] - d0
            for gpos in range(g_lo[q], g_hi[q]):
                j = g_rows[gpos]
                g0 = gt_off[j]
                kg = gt_off[j + 1] - g0
                if kd != kg or gt_used[j] == 0:
                    continue
                v0 = gt_var_off[j]
                norm = gt_norm[j]
                if gt_visible[j]:
                    for t in range(kg):
                        if gt_xyv[g0 + t, 2] > 0:
                            dx = dt_xyv[d0 + t, 0] - gt_xyv[g0 + t, 0]
                            dy = dt_xyv[d0 + t, 1] - gt_xyv[g0 + t, 1]
                            terms[w] = (dx * dx + dy * dy) / variances[v0 + t] / norm / 2.0
                            w += 1
                else:
                    bx, by, bw, bh = gt_box[j, 0], gt_box[j, 1], gt_box[j, 2], gt_box[j, 3]
                    x0, x1 = bx - bw, bx + bw * 2.0
                    y0, y1 = by - bh, by + bh * 2.0
                    for t in range(kg):
                        xd = dt_xyv[d0 + t, 0]
                        yd = dt_xyv[d0 + t, 1]
                        dx = max(0.0, x0 - xd) + max(0.0, xd - x1)
                        dy = max(0.0, y0 - yd) + max(0.0, yd - y1)
                        terms[w] = (dx * dx + dy * dy) / variances[v0 + t] / norm / 2.0
                        w += 1


@numba.njit(cache=True, nogil=True)
def pair_means(  # noqa: PLR0917
    exps: FloatArray,
    gt_used: IntArray,
    gt_off: IntArray,
    dt_off: IntArray,
    g_rows: IntArray,
    d_rows: IntArray,
    g_lo: IntArray,
    g_hi: IntArray,
    d_lo: IntArray,
    d_hi: IntArray,
    offsets: IntArray,
    out: FloatArray,
) -> None:
    """Each pair's OKS ``sum(exp(-e)) / len(e)`` from ``exps`` (laid out as :func:`oks_terms` wrote
    the terms) into its block cell of ``out``; 0 for a pair of different keypoint counts."""
    w = 0
    for q in range(g_lo.shape[0]):
        cell = offsets[q]
        for d in range(d_lo[q], d_hi[q]):
            r = d_rows[d]
            kd = dt_off[r + 1] - dt_off[r]
            for gpos in range(g_lo[q], g_hi[q]):
                j = g_rows[gpos]
                n = gt_used[j]
                if n == 0 or kd != gt_off[j + 1] - gt_off[j]:
                    out[cell] = 0.0
                else:
                    out[cell] = (0.0 + _np_sum(exps, w, n)) / n
                    w += n
                cell += 1


def warm_up() -> None:
    """Compile (or load) both kernels with the argument types used."""
    xyv = np.zeros((1, 3))
    off = np.array([0, 1], np.int64)
    one = np.ones(1, np.int64)
    zero = np.zeros(1, np.int64)
    box = np.ones((1, 4))
    f1 = np.ones(1)
    terms = np.zeros(1)
    vis = np.ones(1, np.bool_)
    oks_terms(xyv, off, one, vis, box, f1, zero, f1, xyv, off, zero, zero, zero, one, zero, one, terms)
    pair_means(terms, one, off, off, zero, zero, zero, one, zero, one, zero, np.zeros(1))
