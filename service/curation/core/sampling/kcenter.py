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

from curation.core._common.arrays import BoolArray, F32Array, FloatArray, IntArray, U64Array
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans

__all__ = ["KCenterResult", "kcenter_greedy", "min_sq_distances"]

_NEG_INF = np.float32(-np.inf)


@dataclass(frozen=True, slots=True)
class KCenterResult:
    """Picked rows in pick order and, for each, its distance to the nearest center when it was picked
    (``inf`` when there was no center yet)."""

    rows: IntArray
    distances: FloatArray


def min_sq_distances(
    x: F32Array, centers: F32Array, *, row_block: int = 16384, center_block: int = 1024
) -> F32Array:
    """Squared Euclidean distance from each row of ``x`` to its nearest row of ``centers`` (inf if none).

    Blocked over rows and centers so the largest temporary is ``row_block x center_block`` floats, with
    a cancellation checkpoint before each block product.
    """
    n = x.shape[0]
    out = np.full(n, np.inf, dtype=np.float32)
    if centers.shape[0] == 0 or n == 0:
        return out
    c_sq = np.einsum("ij,ij->i", centers, centers)
    for r0, _ in spans(n, row_block):
        xb = x[r0 : r0 + row_block]
        x_sq = np.einsum("ij,ij->i", xb, xb)
        best = out[r0 : r0 + row_block]
        for c0, _ in spans(centers.shape[0], center_block):
            cb = centers[c0 : c0 + center_block]
            d = xb @ cb.T
            d *= -2.0
            d += x_sq[:, None]
            d += c_sq[None, c0 : c0 + center_block]
            np.minimum(best, d.min(axis=1), out=best)
    np.maximum(out, 0.0, out=out)
    return out


def _as_f32(x: npt.ArrayLike) -> F32Array:
    """``x`` as a C-contiguous float32 array (no copy when it already is one)."""
    return np.ascontiguousarray(x, dtype=np.float32)


def kcenter_greedy(
    x: npt.ArrayLike,
    k: int,
    *,
    candidates: BoolArray | None = None,
    centers: BoolArray | None = None,
    extra_centers: npt.ArrayLike | None = None,
    tie_keys: U64Array | None = None,
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
    n = xf.shape[0]
    cand = np.ones(n, dtype=bool) if candidates is None else np.asarray(candidates, dtype=bool).copy()
    is_center = np.zeros(n, dtype=bool) if centers is None else np.asarray(centers, dtype=bool)
    cand &= ~is_center
    keys = np.arange(n, dtype=np.uint64) if tie_keys is None else np.asarray(tie_keys, dtype=np.uint64)
    rows = np.flatnonzero(cand)
    if k <= 0 or rows.size == 0:
        return KCenterResult(np.zeros(0, np.int64), np.zeros(0))
    # Work on the candidate rows only (local indices 0..m-1 from here on).
    xc = xf if rows.size == n else np.ascontiguousarray(xf[rows])
    members = None if groups is None else _Groups.of(np.asarray(groups, dtype=np.int64)[rows])
    search = _LazyFarthest(xc, keys[rows], min(k, rows.size), hot_fraction=hot_fraction, groups=members)
    search.start(_center_vectors(xf, is_center, extra_centers))
    search.run()
    return KCenterResult(rows[search.picked[: search.count]], search.dist[: search.count])


def _center_vectors(xf: F32Array, is_center: BoolArray, extra_centers: npt.ArrayLike | None) -> F32Array:
    """The vectors of the rows that already count as centers, then the extra centers."""
    center_vecs = xf[is_center]
    if extra_centers is not None:
        ex = _as_f32(extra_centers).reshape(-1, xf.shape[1])
        center_vecs = np.concatenate([center_vecs, ex]) if center_vecs.size else ex
    return center_vecs


class _Groups:
    """Near-duplicate groups over the candidate rows: ``members(i)`` are the rows in row i's group."""

    def __init__(self, inv: IntArray, order: IntArray, starts: IntArray) -> None:
        self.inv, self.order, self.starts = inv, order, starts

    @classmethod
    def of(cls, g: IntArray) -> _Groups:
        """The groups of rows with equal ``g``: rows ordered by group, and where each group starts."""
        _, inv = np.unique(g, return_inverse=True)
        order = np.argsort(inv, kind="stable")
        starts = np.searchsorted(inv[order], np.arange(inv.max() + 2))
        return cls(inv, order, starts)

    def members(self, i: int) -> IntArray:
        """The rows in row ``i``'s group (``i`` included)."""
        gi = self.inv[i]
        return self.order[self.starts[gi] : self.starts[gi + 1]]


class _LazyFarthest:
    """The lazy farthest-first search of :func:`kcenter_greedy` over the candidate rows ``xc``.

    ``mind`` holds each row's squared distance to its nearest center (``-inf`` once picked or excluded);
    stale (too large) for cold rows until the next refresh catches them up with the ``pending`` centers.
    The hot set ``hot`` keeps its own contiguous copies (``x_hot``, ``sq_hot``, ``m_hot``) and ``where``
    maps a row to its position in it (-1 = cold); ``bound`` is the largest stale distance of a cold row.
    """

    def __init__(
        self, xc: F32Array, kc: U64Array, size: int, *, hot_fraction: float, groups: _Groups | None
    ) -> None:
        m = xc.shape[0]
        self.xc, self.kc, self.groups = xc, kc, groups
        self.sq: F32Array = np.einsum("ij,ij->i", xc, xc)
        self.picked = np.empty(size, dtype=np.int64)
        self.dist = np.empty(size, dtype=np.float64)
        self.count = 0
        self.mind: F32Array = np.zeros(0, dtype=np.float32)
        self.hot_size = max(1, min(m, int(np.ceil(m * hot_fraction)), m))
        self.pending: list[int] = []
        self.hot = np.zeros(0, dtype=np.int64)
        self.where = np.full(m, -1, dtype=np.int64)
        self.x_hot, self.sq_hot, self.m_hot = xc[:0], self.sq[:0], self.mind[:0]
        self.bound = np.float32(np.inf)  # inf forces the first build of the hot set
        self.buf = np.empty(0, dtype=np.float32)

    def start(self, center_vecs: F32Array) -> None:
        """Distances to the given centers; with none, the first pick is the smallest tie key."""
        if center_vecs.shape[0]:
            self.mind = min_sq_distances(self.xc, center_vecs)
            return
        first = int(np.argmin(self.kc))
        self.picked[0], self.dist[0], self.count = first, np.inf, 1
        mind = self.xc @ self.xc[first]
        mind *= -2.0
        mind += self.sq
        mind += self.sq[first]
        np.maximum(mind, 0.0, out=mind)
        mind[first] = _NEG_INF
        self.mind = mind
        if self.groups is not None:
            self.mind[self.groups.members(first)] = _NEG_INF

    def run(self) -> None:
        """Pick until the batch is full or no candidate is left."""
        while self.count < self.picked.size:
            checkpoint()
            top = self.m_hot.max() if self.m_hot.size else _NEG_INF
            if top <= self.bound:
                if self.bound == _NEG_INF and top == _NEG_INF:
                    break
                self._refresh()
            else:
                self._pick(top)

    def _pick(self, top: np.float32) -> None:
        """Pick the hot row at distance ``top`` (smallest tie key among equals) and make it a center."""
        ties = np.flatnonzero(self.m_hot == top)
        j = int(ties[np.argmin(self.kc[self.hot[ties]])]) if ties.size > 1 else int(ties[0])
        i = int(self.hot[j])
        self.picked[self.count] = i
        self.dist[self.count] = float(np.sqrt(max(float(top), 0.0)))
        self.count += 1
        self.pending.append(i)
        if self.groups is not None:
            same = self.groups.members(i)
            self.mind[same] = _NEG_INF
            in_hot = self.where[same]
            self.m_hot[in_hot[in_hot >= 0]] = _NEG_INF
        self.m_hot[j] = _NEG_INF
        self.mind[i] = _NEG_INF
        buf = self.buf
        np.dot(self.x_hot, self.xc[i], out=buf)
        buf *= -2.0
        buf += self.sq_hot
        buf += self.sq[i]
        np.minimum(self.m_hot, buf, out=self.m_hot)

    def _refresh(self) -> None:
        """The cold rows catch up with the pending centers, then the hot set is rebuilt."""
        if self.m_hot.size:
            self.mind[self.hot] = self.m_hot
        if self.pending:
            # Blocked over all rows (no gather of the cold rows); only cold rows take the result.
            cold = (self.where < 0) & (self.mind > _NEG_INF)
            np.minimum(self.mind, min_sq_distances(self.xc, self.xc[self.pending]), out=self.mind, where=cold)
            self.pending = []
        checkpoint()
        self.where[self.hot] = -1
        self.hot, self.bound = self._hot_rows()
        checkpoint()
        self.where[self.hot] = np.arange(self.hot.size)
        m = self.xc.shape[0]
        self.x_hot = self.xc if self.hot.size == m else np.ascontiguousarray(self.xc[self.hot])
        self.sq_hot = self.sq[self.hot]
        self.m_hot = self.mind[self.hot]
        self.buf = np.empty(self.hot.size, dtype=np.float32)

    def _hot_rows(self) -> tuple[IntArray, np.float32]:
        """The ``hot_size`` rows farthest from the centers (ties included) and the cold rows' bound."""
        m = self.mind.shape[0]
        if self.hot_size >= m:
            return np.arange(m), _NEG_INF
        thr = np.partition(self.mind, m - self.hot_size)[m - self.hot_size]
        is_hot = self.mind >= thr
        rest = self.mind[~is_hot]
        return np.flatnonzero(is_hot), (rest.max() if rest.size else _NEG_INF)
