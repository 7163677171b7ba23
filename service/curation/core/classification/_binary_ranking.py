"""Many binary ranking problems at once: ROC AUC, average precision and one-vs-one pair counts, all from
one sort of each column.

Column j of an (n, m) score matrix against column j of an (n, m) truth matrix is one binary problem.
Scores are sorted descending; a run of tied scores is one threshold (its *group*), as in sklearn's
``confusion_matrix_at_thresholds``. At each group end the (weighted) true and false positives above or at
the threshold are ``tps`` and ``fps``; with sample weights both are cumulative sums of the weights in a
stable order (sklearn's), without weights ``fps = rank + 1 - tps`` (exact integers).

- ROC AUC (``roc_auc_score``): the trapezoids between consecutive group ends,
  ``sum (fps_g - fps_{g-1}) (tps_g + tps_{g-1}) / (2 P N)``. Unweighted, the numerator is an exact
  integer, so the result is the correctly rounded Mann-Whitney value; sklearn sums the trapezoids of the
  rounded rates after dropping collinear points, so the two agree within a few ulps (tests: 1e-12).
  Undefined (NaN) when the problem has no positive or no negative weight (sklearn warns and returns NaN).
  With ``max_fpr`` in (0, 1): the area under the curve up to that false positive rate (the segment that
  crosses it cut at its linear interpolation, as sklearn), standardised by McClish (1989):
  ``0.5 (1 + (A - max_fpr^2 / 2) / (max_fpr - max_fpr^2 / 2))``. sklearn interpolates on the curve
  without its collinear points; the cut point is the same up to rounding (within 1e-12).
- Average precision (``average_precision_score``): ``sum (tps_g - tps_{g-1}) / P * tps_g / (tps_g + fps_g)``
  over group ends; 0 without positives (sklearn's value). Agrees with sklearn within a few ulps.
- One-vs-one counts (Hand & Till, sklearn ``multi_class='ovo'``, unweighted as sklearn): for column a and
  every row of class b, twice the number of class-a rows scored above it plus those tied with it; summed
  per class b this is ``2 n_a n_b AUC(a vs b on column a)``, exact in float64.

Columns are done a few at a time (about ``BUDGET`` cells a step, a cancellation checkpoint between
steps); each column's result depends on that column only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.chunks import spans

__all__ = ["BUDGET", "ColumnRanks", "rank_columns"]

# Cells (rows x columns) sorted between two cancellation checkpoints (~70 bytes of work arrays a cell).
BUDGET = 1 << 19


@dataclass(frozen=True, slots=True)
class ColumnRanks:
    """Per column: ROC AUC (NaN where undefined), average precision and, when labels were given, the
    one-vs-one numerators ``ovo[a, b] = 2 n_a n_b AUC(class a vs class b on column a)`` (m x n_labels)."""

    auc: FloatArray
    average_precision: FloatArray
    ovo: FloatArray | None


def rank_columns(
    positives: BoolArray,
    scores: npt.NDArray[np.floating],
    *,
    sample_weight: FloatArray | None = None,
    labels: IntArray | None = None,
    n_labels: int = 0,
    max_fpr: float | None = None,
) -> ColumnRanks:
    """ROC AUC and AP of every column of ``scores`` (n x m) against ``positives`` (n x m).

    ``labels`` (n class indices in ``[0, n_labels)``, single-label only) adds the one-vs-one numerators
    of column j against each class (column j is class j's score). ``max_fpr`` in (0, 1] makes the AUC
    McClish's standardised partial AUC (1 is the full AUC).

    >>> r = rank_columns(np.array([[True], [False]]), np.array([[0.9], [0.1]]))
    >>> r.auc.tolist(), r.average_precision.tolist()
    ([1.0], [1.0])
    """
    n, m = scores.shape
    auc = np.full(m, np.nan)
    ap = np.zeros(m)
    ovo = None if labels is None else np.zeros((m, n_labels))
    if n == 0:
        return ColumnRanks(auc, ap, ovo)
    for lo, hi in spans(m, BUDGET // n):
        block = _Sorted.of(positives[:, lo:hi], scores[:, lo:hi], sample_weight)
        auc[lo:hi], ap[lo:hi] = block.auc_and_ap(max_fpr)
        if ovo is not None and labels is not None:
            ovo[lo:hi] = block.ovo_numerators(labels, n_labels)
    return ColumnRanks(auc, ap, ovo)


@dataclass(frozen=True, slots=True)
class _Sorted:
    """One block of columns (as rows, b x n), sorted by descending score, with the group ends of all rows
    flattened in order: ``ends`` (flat positions), their ``row``, ``first`` (no earlier end in the row)
    and the cumulative ``tps`` / ``fps`` (b x n)."""

    order: IntArray
    y: BoolArray
    is_end: BoolArray
    ends: IntArray
    row: IntArray
    first: BoolArray
    tps: FloatArray
    fps: FloatArray

    @classmethod
    def of(cls, positives: BoolArray, scores: npt.NDArray[np.floating], weight: FloatArray | None) -> _Sorted:
        neg = -np.ascontiguousarray(scores.T)
        # Within a tie group only weighted sums depend on the order: stable (sklearn's) when weighted.
        order = np.argsort(neg, axis=1, kind="stable" if weight is not None else None)
        s = np.take_along_axis(neg, order, axis=1)
        y = np.take_along_axis(np.ascontiguousarray(positives.T), order, axis=1)
        b, n = s.shape
        is_end = np.ones((b, n), dtype=bool)
        is_end[:, :-1] = s[:, :-1] != s[:, 1:]
        del s, neg
        if weight is None:
            tps = np.cumsum(y, axis=1, dtype=np.float64)
            fps = np.arange(1.0, n + 1.0)[None, :] - tps
        else:
            w = weight[order]
            tps = np.cumsum(np.where(y, w, 0.0), axis=1)
            fps = np.cumsum(np.where(y, 0.0, w), axis=1)
        ends = np.flatnonzero(is_end)
        row = ends // n
        first = np.ones(ends.shape, dtype=bool)
        first[1:] = row[1:] != row[:-1]
        return cls(order, y, is_end, ends, row, first, tps, fps)

    def at_ends(self, values: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``values`` (b x n) at each group end, and at the previous end of the same row (0 for none)."""
        here = values.reshape(-1)[self.ends]
        before = np.zeros_like(here)
        before[1:] = here[:-1]
        before[self.first] = 0.0
        return here, before

    def per_row(self, values: FloatArray) -> FloatArray:
        """Sum of per-end ``values`` for each row."""
        sums = np.bincount(self.row, weights=values, minlength=self.tps.shape[0])
        out: FloatArray = np.asarray(sums, dtype=np.float64)
        return out

    def auc_and_ap(self, max_fpr: float | None = None) -> tuple[FloatArray, FloatArray]:
        (tps, tps_prev), (fps, fps_prev) = self.at_ends(self.tps), self.at_ends(self.fps)
        p, n_neg = self.tps[:, -1], self.fps[:, -1]
        defined = (p > 0) & (n_neg > 0)
        if max_fpr is None or max_fpr == 1:
            area2 = self.per_row((fps - fps_prev) * (tps + tps_prev))
            auc = np.where(defined, area2 / np.where(defined, 2.0 * p * n_neg, 1.0), np.nan)
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                x = (fps_prev / n_neg[self.row], fps / n_neg[self.row])
                y = (tps_prev / p[self.row], tps / p[self.row])
                area = self.per_row(_area_up_to(x, y, max_fpr))
            auc = np.where(defined, _mcclish(area, max_fpr), np.nan)
        ps = tps + fps
        precision = np.divide(tps, ps, out=np.zeros_like(tps), where=ps != 0)
        steps = self.per_row((tps - tps_prev) * precision)
        ap = np.where(p > 0, steps / np.where(p > 0, p, 1.0), 0.0)
        return auc, np.maximum(ap, 0.0)

    def ovo_numerators(self, labels: IntArray, n_labels: int) -> FloatArray:
        """Per column (class a) and class b: sum over class-b rows of (2 x class-a rows above + tied)."""
        b, _ = self.y.shape
        counts = np.cumsum(self.y, axis=1, dtype=np.float64)  # one-vs-one is unweighted (sklearn)
        through, before = self.at_ends(counts)
        flat_end = self.is_end.reshape(-1)
        # Each position's group: the index of its group's end among the ends.
        group: IntArray = np.cumsum(flat_end, dtype=np.int64) - flat_end.astype(np.int64)
        value = (before + through)[group]
        keys = labels[self.order] + (np.arange(b) * n_labels)[:, None]
        sums = np.bincount(keys.ravel(), weights=value, minlength=b * n_labels)
        out: FloatArray = np.asarray(sums, dtype=np.float64).reshape(b, n_labels)
        return out


def _area_up_to(
    x: tuple[FloatArray, FloatArray], y: tuple[FloatArray, FloatArray], max_fpr: float
) -> FloatArray:
    """Each ROC segment's area left of ``max_fpr`` (the crossing one cut at its linear interpolation)."""
    (x0, x1), (y0, y1) = x, y
    width = np.where(x0 < max_fpr, np.minimum(x1, max_fpr) - x0, 0.0)
    slope = np.where(x1 > x0, (y1 - y0) / np.where(x1 > x0, x1 - x0, 1.0), 0.0)
    out: FloatArray = width * (2 * y0 + slope * width) / 2
    return out


def _mcclish(area: FloatArray, max_fpr: float) -> FloatArray:
    """McClish's standardisation: 0.5 for the diagonal, 1 for a perfect ranking."""
    min_area = 0.5 * max_fpr**2
    out: FloatArray = 0.5 * (1 + (area - min_area) / (max_fpr - min_area))
    return out
