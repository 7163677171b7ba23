"""Greedy k-center (the "coreset" selection of Sener & Savarese, 2018), linear in n per pick.

Each step picks the candidate farthest (Euclidean) from every current center, then makes it a center.
Centers start as the already-labeled rows (and any extra center vectors), so the batch fills the gaps the
labeled set leaves. Distances use the norm trick ``|x - c|^2 = |x|^2 + |c|^2 - 2 x.c``: one float32
matrix-vector product over the candidate rows per pick, updated in place (no n x d temporaries), and
blocked matrix products for the initial centers, so memory stays O(n d) at 1,000,000 x 128.

Ties (equal distances, or no center yet) go to the smallest seeded tie key, never to the lowest row.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["KCenterResult", "kcenter_greedy", "min_sq_distances"]

F32 = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class KCenterResult:
    """Picked rows in pick order and, for each, its distance to the nearest center when it was picked
    (``inf`` when there was no center yet)."""

    rows: IntArray
    distances: npt.NDArray[np.float64]


def min_sq_distances(x: F32, centers: F32, *, row_block: int = 16384, center_block: int = 1024) -> F32:
    """Squared Euclidean distance from each row of ``x`` to its nearest row of ``centers`` (inf if none).

    Blocked over rows and centers so the largest temporary is ``row_block x center_block`` floats.
    """
    n = x.shape[0]
    out = np.full(n, np.inf, dtype=np.float32)
    if centers.shape[0] == 0 or n == 0:
        return out
    c_sq = np.einsum("ij,ij->i", centers, centers)
    for r0 in range(0, n, row_block):
        xb = x[r0 : r0 + row_block]
        x_sq = np.einsum("ij,ij->i", xb, xb)
        best = out[r0 : r0 + row_block]
        for c0 in range(0, centers.shape[0], center_block):
            cb = centers[c0 : c0 + center_block]
            d = xb @ cb.T
            d *= -2.0
            d += x_sq[:, None]
            d += c_sq[None, c0 : c0 + center_block]
            np.minimum(best, d.min(axis=1), out=best)
    np.maximum(out, 0.0, out=out)
    return out


def _as_f32(x: npt.ArrayLike) -> F32:
    return np.ascontiguousarray(x, dtype=np.float32)


def kcenter_greedy(
    x: npt.ArrayLike,
    k: int,
    *,
    candidates: npt.NDArray[np.bool_] | None = None,
    centers: npt.NDArray[np.bool_] | None = None,
    extra_centers: npt.ArrayLike | None = None,
    tie_keys: npt.NDArray[np.uint64] | None = None,
    groups: npt.ArrayLike | None = None,
    hot_fraction: float = 0.125,
) -> KCenterResult:
    """Pick up to ``k`` rows of ``x`` (n x d) among ``candidates``, each farthest from all centers so far.

    ``centers`` marks rows that already count as centers (labeled assets); ``extra_centers`` (m x d) are
    centers outside ``x``. ``groups`` (one int per row; equal values = near-duplicates): once a row is
    picked, the other rows of its group are no longer candidates. Fewer than ``k`` rows come back when
    the candidates run out.

    Exact, but lazy: distances only ever shrink, so each pick updates a *hot* set (the ``hot_fraction``
    of candidates farthest from the centers, copied contiguously) and the other rows keep a stale upper
    bound. While the hot maximum beats the largest cold bound it is the true maximum; otherwise the
    cold rows catch up with every center added since, in one blocked matrix product, and the hot set is
    rebuilt. At 1,000,000 rows this reads the full matrix once per refresh instead of once per pick.

    >>> kcenter_greedy([[0.0], [1.0], [10.0]], 1, centers=np.array([True, False, False])).rows.tolist()
    [2]
    """
    xf = _as_f32(x)
    if xf.ndim != 2:
        raise ValueError("x must be an n x d matrix")
    if not 0.0 < hot_fraction <= 1.0:
        raise ValueError("hot_fraction must lie in (0, 1]")
    n, d = xf.shape
    cand = np.ones(n, dtype=bool) if candidates is None else np.asarray(candidates, dtype=bool).copy()
    is_center = np.zeros(n, dtype=bool) if centers is None else np.asarray(centers, dtype=bool)
    cand &= ~is_center
    keys = np.arange(n, dtype=np.uint64) if tie_keys is None else np.asarray(tie_keys, dtype=np.uint64)
    rows = np.flatnonzero(cand)
    if k <= 0 or rows.size == 0:
        return KCenterResult(np.zeros(0, np.int64), np.zeros(0))
    # Work on the candidate rows only (local indices 0..m-1 from here on).
    xc = xf if rows.size == n else np.ascontiguousarray(xf[rows])
    kc = keys[rows]
    m = rows.size
    center_vecs = xf[is_center]
    if extra_centers is not None:
        ex = _as_f32(extra_centers).reshape(-1, d)
        center_vecs = np.concatenate([center_vecs, ex]) if center_vecs.size else ex
    sq = np.einsum("ij,ij->i", xc, xc)
    neg_inf = np.float32(-np.inf)
    picked = np.empty(min(k, m), dtype=np.int64)
    dist = np.empty(picked.size, dtype=np.float64)
    count = 0
    if center_vecs.shape[0]:
        mind = min_sq_distances(xc, center_vecs)
    else:
        # No center yet: the first pick is the smallest tie key, then one full pass.
        first = int(np.argmin(kc))
        picked[0], dist[0], count = first, np.inf, 1
        mind = xc @ xc[first]
        mind *= -2.0
        mind += sq
        mind += sq[first]
        np.maximum(mind, 0.0, out=mind)
        mind[first] = neg_inf
    members: tuple[IntArray, IntArray, IntArray] | None = None
    if groups is not None:
        g = np.asarray(groups, dtype=np.int64)[rows]
        _, inv = np.unique(g, return_inverse=True)
        order = np.argsort(inv, kind="stable")
        starts = np.searchsorted(inv[order], np.arange(inv.max() + 2))
        members = (inv, order, starts)
        if count:
            mind[order[starts[inv[picked[0]]] : starts[inv[picked[0]] + 1]]] = neg_inf
    hot_size = max(1, min(m, int(np.ceil(m * hot_fraction)), m))
    pending: list[int] = []
    hot = np.zeros(0, dtype=np.int64)
    where = np.full(m, -1, dtype=np.int64)  # position of a row in the hot set, -1 if cold
    x_hot = xc[:0]
    sq_hot = sq[:0]
    m_hot = mind[:0]
    bound = np.float32(np.inf)  # largest stale distance among the cold rows; inf forces the first build
    buf = np.empty(0, dtype=np.float32)
    while count < picked.size:
        top = m_hot.max() if m_hot.size else neg_inf
        if top <= bound:
            if bound == neg_inf and top == neg_inf:
                break
            # Refresh: the cold rows catch up with the pending centers, then rebuild the hot set.
            if m_hot.size:
                mind[hot] = m_hot
            if pending:
                # Blocked over all rows (no gather of the cold rows); only cold rows take the result.
                cold = (where < 0) & (mind > neg_inf)
                np.minimum(mind, min_sq_distances(xc, xc[pending]), out=mind, where=cold)
                pending = []
            where[hot] = -1
            if hot_size >= m:
                hot = np.arange(m)
                bound = neg_inf
            else:
                thr = np.partition(mind, m - hot_size)[m - hot_size]
                is_hot = mind >= thr
                hot = np.flatnonzero(is_hot)
                rest = mind[~is_hot]
                bound = rest.max() if rest.size else neg_inf
            where[hot] = np.arange(hot.size)
            x_hot = xc if hot.size == m else np.ascontiguousarray(xc[hot])
            sq_hot = sq[hot]
            m_hot = mind[hot]
            buf = np.empty(hot.size, dtype=np.float32)
            continue
        ties = np.flatnonzero(m_hot == top)
        j = int(ties[np.argmin(kc[hot[ties]])]) if ties.size > 1 else int(ties[0])
        i = int(hot[j])
        picked[count] = i
        dist[count] = float(np.sqrt(max(float(top), 0.0)))
        count += 1
        pending.append(i)
        if members is not None:
            inv, order, starts = members
            gi = inv[i]
            same = order[starts[gi] : starts[gi + 1]]
            mind[same] = neg_inf
            in_hot = where[same]
            m_hot[in_hot[in_hot >= 0]] = neg_inf
        m_hot[j] = neg_inf
        mind[i] = neg_inf
        np.dot(x_hot, xc[i], out=buf)
        buf *= -2.0
        buf += sq_hot
        buf += sq[i]
        np.minimum(m_hot, buf, out=m_hot)
    return KCenterResult(rows[picked[:count]], dist[:count])
