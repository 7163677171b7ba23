"""COCO run-length encoded masks: decoding, area, bounding box and IoU, as pycocotools' ``maskApi.c``.

An RLE lists alternating run lengths of 0s and 1s over the mask in column-major order, starting with
0s. The compressed string form (``rleToString``) writes each count as 5-bit groups in chars offset by
48, with a continuation bit 0x20 and a sign bit 0x10 on the last group; counts from the fourth on are
stored as the difference to the count two places before. Decoding here is vectorised over all strings
at once. IoU follows ``rleIou``: integer intersection / union of the runs (union = detection area for a
crowd GT), 0 when the bounding boxes do not overlap. Polygons are rasterised exactly as
``rleFrPoly`` (boundary upsampled 5x, y-crossings downsampled) and merged by union (``rleMerge``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import weighted_spans
from curation.core._common.jit import numba

__all__ = [
    "RleError",
    "RleSet",
    "decode_strings",
    "from_polygons",
    "from_uncompressed",
    "mask_iou_blocks",
    "rle_bbox",
]

# Run-length counts walked per compiled call between two cancellation checkpoints (about 10 ms).
MASK_IOU_BUDGET = 10_000_000


class RleError(ValueError):
    """A malformed RLE; ``index`` is the offending mask."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(f"mask {index}: {message}")
        self.message = message
        self.index = index


class PolygonLimitError(RleError):
    """Rasterising the polygons would take more boundary points than allowed (raised before it starts)."""


@dataclass(frozen=True)
class RleSet:
    """Many RLEs: counts of mask ``i`` are ``counts[offsets[i]:offsets[i + 1]]``."""

    counts: IntArray
    offsets: IntArray
    height: IntArray
    width: IntArray

    def __len__(self) -> int:
        return int(self.height.shape[0])

    @property
    def area(self) -> FloatArray:
        """Number of 1s (``rleArea``): the sum of the odd-position counts."""
        idx = np.arange(self.counts.shape[0])
        seg = np.searchsorted(self.offsets, idx, side="right") - 1
        odd = ((idx - self.offsets[seg]) % 2) == 1
        return np.bincount(seg[odd], weights=self.counts[odd], minlength=len(self)).astype(np.float64)

    def take(self, rows: IntArray) -> RleSet:
        """The masks ``rows``, in that order (a row may repeat)."""
        lens = (self.offsets[1:] - self.offsets[:-1])[rows]
        offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
        starts = self.offsets[rows]
        idx = np.repeat(starts - offsets[:-1], lens) + np.arange(int(offsets[-1]))
        return RleSet(self.counts[idx], offsets, self.height[rows], self.width[rows])


def decode_strings(strings: Sequence[str], height: Sequence[int], width: Sequence[int]) -> RleSet:
    """Decode compressed RLE strings (pycocotools ``rleFrString``), checking they cover h*w pixels."""
    n = len(strings)
    h = np.asarray(height, dtype=np.int64).reshape(n)
    w = np.asarray(width, dtype=np.int64).reshape(n)
    raw = [s.encode("ascii", "replace") for s in strings]
    lens = np.fromiter((len(b) for b in raw), dtype=np.int64, count=n)
    buf = np.frombuffer(b"".join(raw), dtype=np.uint8).astype(np.int64) - 48
    char_off = np.concatenate([[0], np.cumsum(lens)])
    if buf.size and ((buf < 0) | (buf > 63)).any():
        bad = int(np.searchsorted(char_off, int(np.flatnonzero((buf < 0) | (buf > 63))[0]), side="right") - 1)
        raise RleError("counts string has characters outside the RLE alphabet", bad)
    more = (buf & 0x20) != 0
    # A value ends at a char without the continuation bit; strings must end on a value.
    ends_ok = lens == 0
    last = char_off[1:] - 1
    ends_ok |= (lens > 0) & ~more[np.maximum(last, 0)] if buf.size else ends_ok
    if not ends_ok.all():
        raise RleError("counts string ends in the middle of a value", int(np.flatnonzero(~ends_ok)[0]))
    end = np.flatnonzero(~more)
    start = np.concatenate([[0], end[:-1] + 1]) if end.size else end
    # Position of each char inside its value.
    value_of = np.repeat(np.arange(end.shape[0]), end - start + 1)
    k = np.arange(buf.shape[0]) - start[value_of]
    if k.size and int(k.max()) > 12:
        bad = int(np.searchsorted(char_off, int(start[value_of[int(np.argmax(k))]]), side="right") - 1)
        raise RleError("a count is too long", bad)
    x = np.bincount(value_of, weights=((buf & 0x1F) << (5 * k)).astype(np.float64), minlength=end.shape[0])
    x = x.astype(np.int64)
    n_chars = end - start + 1
    neg = (buf[end] & 0x10) != 0
    x = np.where(neg, x | (-1 << (5 * n_chars)), x)
    # Values per string and their index inside it.
    string_of_value = np.searchsorted(char_off, start, side="right") - 1
    per = np.bincount(string_of_value, minlength=n).astype(np.int64)
    offsets = np.concatenate([[0], np.cumsum(per)]).astype(np.int64)
    m = np.arange(x.shape[0]) - offsets[string_of_value]
    # cnts[m] = x[m] + cnts[m - 2] for m > 2: cumulative sums along each parity from m = 1 / m = 2.
    counts = x.copy()
    for parity in (0, 1):
        sel = (m % 2 == parity) & (m >= (2 if parity == 0 else 1))
        idx = np.flatnonzero(sel)
        if idx.size == 0:
            continue
        csum = np.cumsum(x[idx])
        grp = string_of_value[idx]
        first = np.searchsorted(grp, grp, side="left")
        base = np.where(first > 0, csum[first - 1], 0)
        counts[idx] = csum - base
    counts = counts & 0xFFFFFFFF  # stored as uint32 in C
    totals = np.bincount(string_of_value, weights=counts.astype(np.float64), minlength=n)
    wrong = totals != (h * w).astype(np.float64)
    if wrong.any():
        bad = int(np.flatnonzero(wrong)[0])
        raise RleError(
            f"counts cover {int(totals[bad])} pixels, not height*width = {int(h[bad] * w[bad])}", bad
        )
    return RleSet(counts.astype(np.int64), offsets, h, w)


def from_uncompressed(counts: Sequence[Sequence[int]], height: Sequence[int], width: Sequence[int]) -> RleSet:
    """RLEs given as lists of counts (COCO's uncompressed form)."""
    lens = np.fromiter((len(c) for c in counts), dtype=np.int64, count=len(counts))
    flat = np.fromiter((v for c in counts for v in c), dtype=np.int64, count=int(lens.sum()))
    offsets = np.concatenate([[0], np.cumsum(lens)]).astype(np.int64)
    h = np.asarray(height, dtype=np.int64)
    w = np.asarray(width, dtype=np.int64)
    if flat.size and flat.min() < 0:
        raise RleError(
            "negative count", int(np.searchsorted(offsets, int(np.argmin(flat)), side="right") - 1)
        )
    seg = np.searchsorted(offsets, np.arange(flat.shape[0]), side="right") - 1
    totals = np.bincount(seg, weights=flat.astype(np.float64), minlength=len(counts))
    wrong = totals != (h * w)
    if wrong.any():
        bad = int(np.flatnonzero(wrong)[0])
        raise RleError("counts do not cover height*width pixels", bad)
    return RleSet(flat, offsets, h, w)


@numba.njit(cache=True, nogil=True)
def _bbox_kernel(counts: IntArray, offsets: IntArray, height: IntArray, out: FloatArray) -> None:
    # rleToBbox of maskApi.c.
    for q in range(offsets.shape[0] - 1):
        h = height[q]
        m = offsets[q + 1] - offsets[q]
        m = (m // 2) * 2
        if m == 0:
            out[q, 0] = 0.0
            out[q, 1] = 0.0
            out[q, 2] = 0.0
            out[q, 3] = 0.0
            continue
        xs = 1 << 62
        xe = 0
        ys = h
        ye = 0
        cc = 0
        xp = 0
        for j in range(m):
            cc += counts[offsets[q] + j]
            t = cc - j % 2
            y = t % h
            x = (t - y) // h
            if j % 2 == 0:
                xp = x
            elif xp < x:
                ys = 0
                ye = h - 1
            xs = min(xs, x)
            xe = max(xe, x)
            ys = min(ys, y)
            ye = max(ye, y)
        out[q, 0] = xs
        out[q, 2] = xe - xs + 1
        out[q, 1] = ys
        out[q, 3] = ye - ys + 1


def rle_bbox(rles: RleSet) -> FloatArray:
    """[x, y, w, h] of each mask (``rleToBbox``)."""
    out = np.zeros((len(rles), 4))
    _bbox_kernel(rles.counts, rles.offsets, rles.height, out)
    return out


@numba.njit(cache=True, nogil=True)
def _pair_iou(  # noqa: PLR0917 - numba kernels take their arrays positionally
    dc: IntArray,
    d0: int,
    d1: int,
    gc: IntArray,
    g0: int,
    g1: int,
    crowd: bool,
    darea: float,
) -> float:
    ka = d1 - d0
    kb = g1 - g0
    ca = dc[d0] if ka > 0 else 0
    cb = gc[g0] if kb > 0 else 0
    a = 1
    b = 1
    va = False
    vb = False
    inter = 0
    uni = 0
    ct = 1
    while ct > 0:
        c = min(ca, cb)
        if va or vb:
            uni += c
            if va and vb:
                inter += c
        ct = 0
        ca -= c
        if ca == 0 and a < ka:
            ca = dc[d0 + a]
            a += 1
            va = not va
        ct += ca
        cb -= c
        if cb == 0 and b < kb:
            cb = gc[g0 + b]
            b += 1
            vb = not vb
        ct += cb
    if inter == 0:
        return 0.0
    u = darea if crowd else float(uni)
    return float(inter) / u


@numba.njit(cache=True, nogil=True)
def _mask_iou_kernel(  # noqa: PLR0917
    gcounts: IntArray,
    goff: IntArray,
    gbox: FloatArray,
    gcrowd: BoolArray,
    dcounts: IntArray,
    doff: IntArray,
    dbox: FloatArray,
    darea: FloatArray,
    g_lo: IntArray,
    g_hi: IntArray,
    d_lo: IntArray,
    d_hi: IntArray,
    offsets: IntArray,
    out: FloatArray,
) -> None:
    for q in range(g_lo.shape[0]):
        G = g_hi[q] - g_lo[q]
        D = d_hi[q] - d_lo[q]
        for j in range(G):
            g = g_lo[q] + j
            for i in range(D):
                d = d_lo[q] + i
                # Bounding-box pre-check of rleIou (bbIou, non-crowd): no overlap, IoU 0.
                w = min(dbox[d, 2] + dbox[d, 0], gbox[g, 2] + gbox[g, 0]) - max(dbox[d, 0], gbox[g, 0])
                h = min(dbox[d, 3] + dbox[d, 1], gbox[g, 3] + gbox[g, 1]) - max(dbox[d, 1], gbox[g, 1])
                v = 0.0
                if w > 0 and h > 0:
                    v = _pair_iou(
                        dcounts, doff[d], doff[d + 1], gcounts, goff[g], goff[g + 1], gcrowd[g], darea[d]
                    )
                out[offsets[q] + i * G + j] = v


def mask_iou_blocks(  # noqa: PLR0917 - the IouFn signature of detection_coco
    gt: RleSet,
    gt_crowd: BoolArray,
    dt: RleSet,
    g_lo: IntArray,
    g_hi: IntArray,
    d_lo: IntArray,
    d_hi: IntArray,
    offsets: IntArray,
) -> FloatArray:
    """Row-major (D x G) mask IoU blocks of each group, ``gt``/``dt`` already in group order."""
    G, D = g_hi - g_lo, d_hi - d_lo
    out = np.zeros(int((G * D).sum()))
    gbox, dbox, darea = rle_bbox(gt), rle_bbox(dt), dt.area
    crowd = np.ascontiguousarray(gt_crowd, dtype=np.bool_)
    # A pair walks both masks' runs (at most): a group costs G x (its detections' runs) + D x (its GTs' runs).
    g_runs, d_runs = gt.offsets[g_hi] - gt.offsets[g_lo], dt.offsets[d_hi] - dt.offsets[d_lo]
    for lo, hi in weighted_spans(G * d_runs + D * g_runs + G * D, MASK_IOU_BUDGET):
        _mask_iou_kernel(
            gt.counts, gt.offsets, gbox, crowd, dt.counts, dt.offsets, dbox, darea,
            g_lo[lo:hi], g_hi[lo:hi], d_lo[lo:hi], d_hi[lo:hi], offsets[lo:hi], out,
        )  # fmt: skip
    return out


def warm_up() -> None:
    """Compile or load the kernels of this module (polygon rasterisation, merge, bbox, IoU)."""
    from_polygons([[[0.0, 0.0, 1.0, 0.0, 1.0, 1.0], [0.0, 0.0, 0.5, 0.0, 0.5, 0.5]]], [2], [2])
    rs = RleSet(
        np.array([0, 1], np.int64), np.array([0, 2], np.int64), np.ones(1, np.int64), np.ones(1, np.int64)
    )
    i1 = np.zeros(1, np.int64)
    one = np.ones(1, np.int64)
    mask_iou_blocks(rs, np.zeros(1, np.bool_), rs, i1, one, i1, one, i1)


@numba.njit(cache=True, nogil=True)
def _poly_counts(xy: FloatArray, h: int, w: int) -> IntArray:  # noqa: PLR0912, PLR0915 - numba kernel: one compiled loop nest
    """RLE counts of one polygon ``[x0, y0, x1, y1, ...]`` (pycocotools ``rleFrPoly``): the boundary
    upsampled 5x, its y-crossings downsampled, sorted and differenced."""
    k = xy.shape[0] // 2
    scale = 5.0
    x = np.empty(k + 1, np.int64)
    y = np.empty(k + 1, np.int64)
    for j in range(k):
        x[j] = int(scale * xy[2 * j] + 0.5)
        y[j] = int(scale * xy[2 * j + 1] + 0.5)
    x[k] = x[0]
    y[k] = y[0]
    m = 0
    for j in range(k):
        m += max(abs(x[j] - x[j + 1]), abs(y[j] - y[j + 1])) + 1
    u = np.empty(m, np.int64)
    v = np.empty(m, np.int64)
    m = 0
    for j in range(k):
        xs = x[j]
        xe = x[j + 1]
        ys = y[j]
        ye = y[j + 1]
        dx = abs(xe - xs)
        dy = abs(ys - ye)
        flip = (dx >= dy and xs > xe) or (dx < dy and ys > ye)
        if flip:
            xs, xe = xe, xs
            ys, ye = ye, ys
        if dx >= dy:
            s = (ye - ys) / dx if dx != 0 else 0.0
            for d in range(dx + 1):
                t = dx - d if flip else d
                u[m] = t + xs
                v[m] = int(ys + s * t + 0.5)
                m += 1
        else:
            s = (xe - xs) / dy
            for d in range(dy + 1):
                t = dy - d if flip else d
                v[m] = t + ys
                u[m] = int(xs + s * t + 0.5)
                m += 1
    n = m
    bx = np.empty(n, np.int64)
    by = np.empty(n, np.int64)
    m = 0
    for j in range(1, n):
        if u[j] != u[j - 1]:
            xd = float(u[j] if u[j] < u[j - 1] else u[j] - 1)
            xd = (xd + 0.5) / scale - 0.5
            if np.floor(xd) != xd or xd < 0 or xd > w - 1:
                continue
            yd = float(v[j] if v[j] < v[j - 1] else v[j - 1])
            yd = (yd + 0.5) / scale - 0.5
            if yd < 0:
                yd = 0.0
            elif yd > h:
                yd = float(h)
            yd = np.ceil(yd)
            bx[m] = int(xd)
            by[m] = int(yd)
            m += 1
    a = np.empty(m + 1, np.int64)
    for j in range(m):
        a[j] = (bx[j] * h + by[j]) & 0xFFFFFFFF
    a[m] = (h * w) & 0xFFFFFFFF
    a = np.sort(a)
    p = 0
    for j in range(m + 1):
        t = a[j]
        a[j] = (a[j] - p) & 0xFFFFFFFF
        p = t
    b = np.empty(m + 1, np.int64)
    j = 0
    nb = 0
    b[nb] = a[j]
    nb += 1
    j += 1
    while j < m + 1:
        if a[j] > 0:
            b[nb] = a[j]
            nb += 1
            j += 1
        else:
            j += 1
            if j < m + 1:
                b[nb - 1] += a[j]
                j += 1
    return b[:nb]


@numba.njit(cache=True, nogil=True)
def _union_counts(ca_arr: IntArray, cb_arr: IntArray) -> IntArray:
    """Counts of the union of two masks of the same size (pycocotools ``rleMerge``, intersect=0)."""
    out = np.empty(ca_arr.shape[0] + cb_arr.shape[0] + 1, np.int64)
    ka = ca_arr.shape[0]
    kb = cb_arr.shape[0]
    ca = ca_arr[0] if ka > 0 else 0
    cb = cb_arr[0] if kb > 0 else 0
    v = False
    va = False
    vb = False
    m = 0
    a = 1
    b = 1
    cc = 0
    ct = 1
    while ct > 0:
        c = min(ca, cb)
        cc += c
        ct = 0
        ca -= c
        if ca == 0 and a < ka:
            ca = ca_arr[a]
            a += 1
            va = not va
        ct += ca
        cb -= c
        if cb == 0 and b < kb:
            cb = cb_arr[b]
            b += 1
            vb = not vb
        ct += cb
        vp = v
        v = va or vb
        if v != vp or ct == 0:
            out[m] = cc
            m += 1
            cc = 0
    return out[:m]


def polygon_points(xy: FloatArray) -> float:
    """The boundary points ``rleFrPoly`` allocates for polygon ``[x0, y0, x1, y1, ...]`` (its corners
    at 5x, each closed edge one point per step): its scratch, and a bound on its run counts. A float,
    so huge coordinates cannot overflow the count."""
    p = np.trunc(5.0 * xy + 0.5)
    steps = np.maximum(np.abs(p[0::2] - np.roll(p[0::2], -1)), np.abs(p[1::2] - np.roll(p[1::2], -1)))
    return float(steps.sum() + steps.shape[0])


def from_polygons(
    polygons: Sequence[Sequence[Sequence[float]]],
    height: Sequence[int],
    width: Sequence[int],
    *,
    max_points: float = np.inf,
    max_points_each: float = np.inf,
) -> RleSet:
    """RLEs of COCO polygon segmentations (each a list of polygons, merged by union), as pycocotools'
    ``annToRLE``: ``frPyObjects`` (``rleFrPoly``) then ``merge``. Raises :class:`PolygonLimitError`
    before rasterising a polygon whose boundary points (:func:`polygon_points`) pass
    ``max_points_each``, or take those of all past ``max_points``: the work and scratch grow with the
    coordinates, not the text."""
    parts: list[IntArray] = []
    points = 0.0
    for i, polys in enumerate(polygons):
        if i % 256 == 0:
            checkpoint()
        h, w = int(height[i]), int(width[i])
        counts: IntArray | None = None
        for poly in polys:
            xy = np.asarray(poly, dtype=np.float64).reshape(-1)
            if xy.shape[0] < 4 or xy.shape[0] % 2 or not np.isfinite(xy).all():
                raise RleError("a polygon needs an even number (>= 4) of finite coordinates", i)
            own = polygon_points(xy)
            points += own
            if own > max_points_each or points > max_points:
                what = (
                    "a polygon's boundary passes"
                    if own > max_points_each
                    else "the polygons' boundaries pass"
                )
                most = max_points_each if own > max_points_each else max_points
                raise PolygonLimitError(
                    f"{what} the documented maximum of {int(most):,} points (upsampled 5x, as "
                    "rleFrPoly rasterises them)",
                    i,
                )
            c = _poly_counts(xy, h, w)
            counts = c if counts is None else _union_counts(counts, c)
        if counts is None:
            counts = np.array([h * w], dtype=np.int64)
        parts.append(counts)
    lens = np.fromiter((p.shape[0] for p in parts), dtype=np.int64, count=len(parts))
    flat = np.concatenate(parts) if parts else np.zeros(0, np.int64)
    return RleSet(
        flat, np.concatenate([[0], np.cumsum(lens)]).astype(np.int64),
        np.asarray(height, dtype=np.int64), np.asarray(width, dtype=np.int64),
    )  # fmt: skip
