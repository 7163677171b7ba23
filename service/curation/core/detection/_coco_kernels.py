"""Compiled inner loops of the COCO evaluation: greedy matching and precision/recall sampling.

Greedy matching is sequential per (image, category, IoU threshold, area range) and the precision
envelope is a segmented right-to-left maximum; neither vectorises in numpy without either copying
float bits through tricks or allocating (T x D x G) cubes, so these two loops are compiled with numba.
Every floating-point operation is written in the same order as pycocotools' C (``bbIou`` in
``maskApi.c``) and Python (``cocoeval.py``), and numba compiles without fast-math (no FMA contraction,
no reassociation), so the results are bit-identical.

Compilation is cached on disk (``cache=True``; see :mod:`curation.core._common.jit` for where). Call
:func:`warm_up` once at server start so no request pays for compilation.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.jit import numba

__all__ = [
    "FP",
    "IGNORED",
    "TP",
    "accumulate_kernel",
    "box_iou_kernel",
    "bucket_order",
    "dense_rank",
    "group_scan",
    "match_kernel",
    "warm_up",
]

# Code of a detection at one (area range, IoU threshold): counted as a false positive, a true
# positive, or ignored (matched to an ignored GT, or unmatched and outside the area range).
FP, TP, IGNORED = 0, 1, 2

_EPS = float(np.spacing(1))


@numba.njit(cache=True, nogil=True)
def _iou_block(  # noqa: PLR0917 - numba kernels take their arrays positionally
    gt_box: FloatArray,
    gt_crowd: BoolArray,
    dt_box: FloatArray,
    g_idx: IntArray,
    d_idx: IntArray,
    g0: int,
    G: int,
    d0: int,
    D: int,
    out: FloatArray,
) -> None:
    # Same operations in the same order as bbIou in pycocotools' maskApi.c; crowd union = det area.
    for j in range(G):
        g = g_idx[g0 + j]
        gx = gt_box[g, 0]
        gy = gt_box[g, 1]
        gw = gt_box[g, 2]
        gh = gt_box[g, 3]
        ga = gw * gh
        crowd = gt_crowd[g0 + j]
        for i in range(D):
            d = d_idx[d0 + i]
            dx = dt_box[d, 0]
            dy = dt_box[d, 1]
            dw = dt_box[d, 2]
            dh = dt_box[d, 3]
            v = 0.0
            w = min(dw + dx, gw + gx) - max(dx, gx)
            if w > 0:
                h = min(dh + dy, gh + gy) - max(dy, gy)
                if h > 0:
                    inter = w * h
                    da = dw * dh
                    u = da if crowd else ga + da - inter
                    v = inter / u
            out[i * G + j] = v


@numba.njit(cache=True, nogil=True)
def box_iou_kernel(  # noqa: PLR0917
    gt_box: FloatArray,
    gt_crowd: BoolArray,
    dt_box: FloatArray,
    g_idx: IntArray,
    d_idx: IntArray,
    g_lo: IntArray,
    g_hi: IntArray,
    d_lo: IntArray,
    d_hi: IntArray,
    offsets: IntArray,
    out: FloatArray,
) -> None:
    """IoU blocks (D x G, row-major) of every group, written at ``offsets[q]`` of ``out``. The GT at
    group position ``j`` is ``gt_box[g_idx[j]]`` (crowd flag ``gt_crowd[j]``), the detection at ``i``
    is ``dt_box[d_idx[i]]``: the boxes are read in place, not gathered into group order first."""
    for q in range(g_lo.shape[0]):
        G = g_hi[q] - g_lo[q]
        D = d_hi[q] - d_lo[q]
        if G > 0 and D > 0:
            _iou_block(
                gt_box, gt_crowd, dt_box, g_idx, d_idx, g_lo[q], G, d_lo[q], D,
                out[offsets[q] : offsets[q] + G * D],
            )  # fmt: skip


@numba.njit(cache=True, nogil=True)
def bucket_order(keys: IntArray, num_buckets: int, order: IntArray) -> IntArray:
    """``order`` stably re-sorted by ``keys[order]`` (a counting sort, keys in ``0..num_buckets-1``)."""
    start = np.zeros(num_buckets + 1, np.int64)
    for i in order:
        start[keys[i] + 1] += 1
    for b in range(num_buckets):
        start[b + 1] += start[b]
    out = np.empty(order.shape[0], np.int64)
    for i in order:
        k = keys[i]
        out[start[k]] = i
        start[k] += 1
    return out


@numba.njit(cache=True, nogil=True)
def dense_rank(values: FloatArray, desc_order: IntArray) -> tuple[IntArray, int]:
    """Dense rank of each value in ``desc_order`` (any order that sorts the values descending); equal
    values share a rank. Returns the ranks and their count."""
    n = values.shape[0]
    out = np.empty(n, np.int64)
    r = 0
    for i in range(n):
        j = desc_order[i]
        if i > 0 and values[j] != values[desc_order[i - 1]]:
            r += 1
        out[j] = r
    return out, (r + 1 if n > 0 else 0)


@numba.njit(cache=True, nogil=True)
def group_scan(
    gkey: IntArray, dkey: IntArray, max_det: int
) -> tuple[IntArray, IntArray, IntArray, IntArray, IntArray]:
    """Groups over the union of two sorted key lists (GT, detections): [lo, hi) of each side, and each
    detection's rank inside its group. ``d_hi`` is cut to ``max_det`` detections per group."""
    ng = gkey.shape[0]
    nd = dkey.shape[0]
    rank = np.empty(nd, np.int64)
    cap = ng + nd
    g_lo = np.empty(cap, np.int64)
    g_hi = np.empty(cap, np.int64)
    d_lo = np.empty(cap, np.int64)
    d_hi = np.empty(cap, np.int64)
    i = 0
    j = 0
    q = 0
    while i < ng or j < nd:
        key = gkey[i] if j >= nd or (i < ng and gkey[i] < dkey[j]) else dkey[j]
        g_lo[q] = i
        while i < ng and gkey[i] == key:
            i += 1
        g_hi[q] = i
        d_lo[q] = j
        while j < nd and dkey[j] == key:
            rank[j] = j - d_lo[q]
            j += 1
        d_hi[q] = min(j, d_lo[q] + max_det)
        q += 1
    # Copies: the buffers were sized for the worst case (every object its own group); views would
    # keep them alive as long as the groups.
    return g_lo[:q].copy(), g_hi[:q].copy(), d_lo[:q].copy(), d_hi[:q].copy(), rank


@numba.njit(cache=True, nogil=True, inline="always")
def _unmatched(  # noqa: PLR0917
    codes: NDArray[np.uint8],
    match: IntArray,
    match_iou: FloatArray,
    r: int,
    area: float,
    area_lo: FloatArray,
    area_hi: FloatArray,
) -> None:
    """Row ``r`` of a detection unmatched at every threshold: false positive unless outside the area
    range."""
    for a in range(codes.shape[1]):
        code = IGNORED if (area < area_lo[a] or area > area_hi[a]) else FP
        for t in range(codes.shape[2]):
            codes[r, a, t] = code
    for t in range(match.shape[1]):
        match[r, t] = -1
        match_iou[r, t] = 0.0


@numba.njit(cache=True, nogil=True)
def match_kernel(  # noqa: PLR0912, PLR0915, PLR0917 - numba kernel: one compiled loop nest
    ious: FloatArray,
    offsets: IntArray,
    gt_area: FloatArray,
    gt_crowd: BoolArray,
    gt_ignore: BoolArray,
    gt_zero_id: BoolArray,
    gt_rows: IntArray,
    dt_area: FloatArray,
    d_idx: IntArray,
    pos: IntArray,
    g_lo: IntArray,
    g_hi: IntArray,
    d_lo: IntArray,
    d_hi: IntArray,
    area_lo: FloatArray,
    area_hi: FloatArray,
    thrs: FloatArray,
    codes: NDArray[np.uint8],
    match: IntArray,
    match_iou: FloatArray,
) -> None:
    """pycocotools' ``evaluateImg`` greedy matching for every group, area range and threshold.

    Per group, GTs are visited ignored-last (stable), detections in score order; a detection takes the
    *last* GT with the highest IoU >= ``min(t, 1-1e-10)`` (``<`` skips, ``==`` replaces), never
    re-matches a matched non-crowd GT, and stops at the first ignored GT once it holds a regular match.
    The detection at group position ``d`` (area ``dt_area[d_idx[d]]``) writes row ``r = pos[d]`` of the
    outputs: ``codes[r, a, t]`` (FP/TP/IGNORED) and, under area range 0, ``match[r, t]`` = ``gt_rows`` of
    its GT (-1 if none) and ``match_iou[r, t]`` (unless ``match`` has no columns). A GT flagged
    ``gt_zero_id`` reproduces pycocotools' id-0 trap: it is consumed but its detection counts as
    unmatched.

    The (area, threshold) states advance together, one detection at a time (each keeps its own
    "taken" flags), so a detection whose best IoU is below every threshold is settled at once.
    """
    A = area_lo.shape[0]
    T = thrs.shape[0]
    keep_matches = match.shape[1] > 0
    max_g = 1
    for q in range(g_lo.shape[0]):
        max_g = max(max_g, g_hi[q] - g_lo[q])
    order = np.empty((A, max_g), np.int64)
    gig = np.empty((A, max_g), np.bool_)
    cand = np.empty(max_g, np.int64)
    taken = np.empty((A, T, max_g), np.bool_)
    thr = np.empty(T)
    min_thr = np.inf
    for t in range(T):
        thr[t] = min(thrs[t], 1.0 - 1e-10)
        min_thr = min(min_thr, thr[t])
    for q in range(g_lo.shape[0]):
        g0 = g_lo[q]
        G = g_hi[q] - g0
        d0 = d_lo[q]
        D = d_hi[q] - d0
        if D == 0:
            continue
        if G == 0:
            for d in range(d0, d0 + D):
                _unmatched(codes, match, match_iou, pos[d], dt_area[d_idx[d]], area_lo, area_hi)
            continue
        base = offsets[q]
        for a in range(A):
            n = 0
            for j in range(G):
                ar = gt_area[g0 + j]
                gig[a, j] = gt_ignore[g0 + j] or ar < area_lo[a] or ar > area_hi[a]
                if not gig[a, j]:
                    order[a, n] = j
                    n += 1
            for j in range(G):
                if gig[a, j]:
                    order[a, n] = j
                    n += 1
            for t in range(T):
                for j in range(G):
                    taken[a, t, j] = False
        for i in range(D):
            d = d0 + i
            r = pos[d]
            row = base + i * G
            best_any = 0.0
            for j in range(G):
                best_any = max(best_any, ious[row + j])
            ar = dt_area[d_idx[d]]
            if best_any < min_thr:
                _unmatched(codes, match, match_iou, r, ar, area_lo, area_hi)
                continue
            for a in range(A):
                outside = ar < area_lo[a] or ar > area_hi[a]
                # Only GTs with IoU >= the lowest threshold can be taken: visiting just those (in the
                # same order) gives the same match, as a skipped GT only ever continues or breaks.
                nc = 0
                for jj in range(G):
                    j = order[a, jj]
                    if ious[row + j] >= min_thr:
                        cand[nc] = j
                        nc += 1
                for t in range(T):
                    m = -1
                    if best_any >= thr[t]:
                        best = thr[t]
                        for cc in range(nc):
                            j = cand[cc]
                            if taken[a, t, j] and not gt_crowd[g0 + j]:
                                continue
                            if m > -1 and not gig[a, m] and gig[a, j]:
                                break
                            v = ious[row + j]
                            if v < best:
                                continue
                            best = v
                            m = j
                    if m == -1:
                        code = IGNORED if outside else FP
                    else:
                        taken[a, t, m] = True
                        if gig[a, m]:
                            code = IGNORED
                        elif gt_zero_id[g0 + m]:
                            code = IGNORED if outside else FP
                        else:
                            code = TP
                    codes[r, a, t] = code
                    if a == 0 and keep_matches:
                        if m == -1:
                            match[r, t] = -1
                            match_iou[r, t] = 0.0
                        else:
                            match[r, t] = gt_rows[g0 + m]
                            match_iou[r, t] = ious[row + m]


@numba.njit(cache=True, nogil=True)
def accumulate_kernel(  # noqa: PLR0912, PLR0915, PLR0917 - numba kernel: one compiled loop nest
    codes: NDArray[np.uint8],
    rank: IntArray,
    score: FloatArray,
    k_lo: IntArray,
    k_hi: IntArray,
    npig: IntArray,
    max_dets: IntArray,
    rec_sorted: FloatArray,
    rec_index: IntArray,
    k0: int,
    k1: int,
    precision: FloatArray,
    recall: FloatArray,
    scores: FloatArray,
) -> None:
    """pycocotools' ``accumulate``. ``codes[p, a, t]``, ``rank[p]``, ``score[p]`` list category k's
    detections at ``p in [k_lo[k], k_hi[k])`` by score, ties by image then in-group rank
    (pycocotools' concatenation then stable merge sort). ``rec_sorted`` holds the recall thresholds
    ascending, ``rec_index`` where each goes in the outputs.

    Between two true positives the precision ``tp / (tp + fp + eps)`` can only fall (tp fixed, fp
    growing, division correctly rounded), and the recall ``tp / npig`` first reaches each value at a
    true positive, so the right-to-left envelope and the ``searchsorted(rc, recThrs, 'left')`` sample
    only need the precision at true positives. They are folded in as they come: the j-th true positive
    "opens" the thresholds its recall ``(j + 1) / npig`` reaches first (recording its score), and its
    precision raises the running maximum of the last opened threshold; a suffix maximum over the
    thresholds at the end is the envelope at each. The same floats as pycocotools, in O(R) scratch per
    (area, maxDets, threshold) instead of one entry per true positive. Categories ``k0 <= k < k1`` are
    written in pycocotools' layout (precision and scores [T, R, K, A, M], recall [T, K, A, M]), every
    entry (-1 where a category has no counted GT), so the outputs need no initialisation.
    """
    A = codes.shape[1]
    T = codes.shape[2]
    M = max_dets.shape[0]
    R = rec_sorted.shape[0]
    tp = np.zeros((A, M, T), np.int64)
    # fp[a, m, t]: false positives whose rank first fits maxDets[m] (not cumulative over m).
    fp = np.zeros((A, M, T), np.int64)
    nd = np.zeros(M, np.int64)
    first = np.zeros(M, np.int64)
    opened = np.zeros((A, M, T), np.int64)  # thresholds opened so far (a prefix of rec_sorted)
    seg = np.empty((A, M, T, R), np.float64)  # max precision since the threshold opened, until the next
    at = np.empty((A, M, T, R), np.float64)  # score of the true positive that opened it
    for k in range(k0, k1):
        tp[:] = 0
        fp[:] = 0
        nd[:] = 0
        opened[:] = 0
        for p in range(k_lo[k], k_hi[k]):
            r = rank[p]
            m0 = 0
            while m0 < M and r >= max_dets[m0]:
                m0 += 1
            if m0 == M:
                continue
            for m in range(m0, M):
                if nd[m] == 0:
                    first[m] = p
                nd[m] += 1
            # False positives counted branch-free; true positives (rare) in a second pass over the row.
            n_tp = 0
            for a in range(A):
                if npig[k, a] == 0:
                    continue
                for t in range(T):
                    c = codes[p, a, t]
                    # Counted once, under the smallest maxDets that keeps it (prefix-summed below).
                    fp[a, m0, t] += c == FP
                    n_tp += c == TP
            if n_tp == 0:
                continue
            for a in range(A):
                fn_pos = float(npig[k, a])
                if npig[k, a] == 0:
                    continue
                for t in range(T):
                    if codes[p, a, t] != TP:
                        continue
                    n_fp = 0
                    for m in range(m0):
                        n_fp += fp[a, m, t]
                    for m in range(m0, M):
                        n_fp += fp[a, m, t]
                        j = tp[a, m, t] + 1
                        tp[a, m, t] = j
                        ftp = float(j)
                        pr = ftp / (float(n_fp) + ftp + _EPS)
                        o = opened[a, m, t]
                        while o < R and float(j) / fn_pos >= rec_sorted[o]:
                            seg[a, m, t, o] = pr
                            at[a, m, t, o] = score[p]
                            o += 1
                        opened[a, m, t] = o
                        if o > 0:
                            seg[a, m, t, o - 1] = max(seg[a, m, t, o - 1], pr)
        _write_curves(
            k, npig, nd, first, score, tp, opened, seg, at, rec_sorted, rec_index, precision, recall, scores
        )


@numba.njit(cache=True, nogil=True)
def _write_curves(  # noqa: PLR0917
    k: int,
    npig: IntArray,
    nd: IntArray,
    first: IntArray,
    score: FloatArray,
    tp: IntArray,
    opened: IntArray,
    seg: FloatArray,
    at: FloatArray,
    rec_sorted: FloatArray,
    rec_index: IntArray,
    precision: FloatArray,
    recall: FloatArray,
    scores: FloatArray,
) -> None:
    """Category ``k``'s recall and sampled precision/score curves from the opened thresholds."""
    A, M, T, R = seg.shape
    for a in range(A):
        n_pos = npig[k, a]
        for m in range(M):
            for t in range(T):
                if n_pos == 0:
                    recall[t, k, a, m] = -1.0
                    for ri in range(R):
                        precision[t, ri, k, a, m] = -1.0
                        scores[t, ri, k, a, m] = -1.0
                    continue
                recall[t, k, a, m] = float(tp[a, m, t]) / float(n_pos) if nd[m] > 0 else 0.0
                o = opened[a, m, t]
                env = 0.0
                for s in range(R - 1, -1, -1):
                    ri = rec_index[s]
                    pv = 0.0
                    sv = 0.0
                    if s < o:
                        env = max(env, seg[a, m, t, s])
                        pv = env
                        sv = at[a, m, t, s]
                    if nd[m] > 0 and rec_sorted[s] <= 0.0:
                        # rc[0] >= thr: sampled at the first detection (envelope = overall maximum).
                        sv = score[first[m]]
                    elif nd[m] == 0:
                        pv = 0.0
                        sv = 0.0
                    precision[t, ri, k, a, m] = pv
                    scores[t, ri, k, a, m] = sv


def warm_up() -> None:
    """Compile (or load from the on-disk cache) every kernel with the exact argument types used."""
    i64 = np.zeros(1, np.int64)
    one = np.ones(1, np.int64)
    box = np.array([[0.0, 0.0, 1.0, 1.0]])
    f1 = np.ones(1)
    b1 = np.zeros(1, np.bool_)
    offsets = np.zeros(1, np.int64)
    ious = np.zeros(1)
    bucket_order(i64, 1, i64)
    dense_rank(f1, i64)
    group_scan(i64, i64, 1)
    box_iou_kernel(box, b1, box, i64, i64, i64, one, i64, one, offsets, ious)
    codes = np.zeros((1, 1, 1), np.uint8)
    match = np.zeros((1, 1), np.int64)
    match_iou = np.zeros((1, 1))
    match_kernel(
        ious, offsets, f1, b1, b1, b1, i64, f1, i64, i64, i64, one, i64, one, np.zeros(1), np.full(1, 1e10),
        f1 * 0.5, codes, match, match_iou,
    )  # fmt: skip
    precision = np.zeros((1, 1, 1, 1, 1))
    accumulate_kernel(
        codes, i64, f1, i64, one, one.reshape(1, 1), one, f1, i64, 0, 1, precision, np.zeros((1, 1, 1, 1)),
        np.zeros((1, 1, 1, 1, 1)),
    )  # fmt: skip
