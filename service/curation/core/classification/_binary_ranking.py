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
    """One block of columns (as rows, b x n), sorted by descending score."""

    order: IntArray
    y: BoolArray
    is_end: BoolArray
    prev_end: IntArray
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
        # The last group end strictly before each position (-1: none).
        last_end = np.maximum.accumulate(np.where(is_end, np.arange(n)[None, :], -1), axis=1)
        prev_end = np.empty_like(last_end)
        prev_end[:, 0] = -1
        prev_end[:, 1:] = last_end[:, :-1]
        return cls(order, y, is_end, prev_end, tps, fps)

    def _before(self, values: FloatArray) -> FloatArray:
        """``values`` at the previous group end of each position (0 before the first group)."""
        got = np.take_along_axis(values, np.maximum(self.prev_end, 0), axis=1)
        out: FloatArray = np.where(self.prev_end >= 0, got, 0.0)
        return out

    def auc_and_ap(self, max_fpr: float | None = None) -> tuple[FloatArray, FloatArray]:
        tps, fps, ends = self.tps, self.fps, self.is_end
        tps_prev, fps_prev = self._before(tps), self._before(fps)
        p, n_neg = tps[:, -1], fps[:, -1]
        defined = (p > 0) & (n_neg > 0)
        if max_fpr is None or max_fpr == 1:
            area2 = np.where(ends, (fps - fps_prev) * (tps + tps_prev), 0.0).sum(axis=1)
            auc = np.where(defined, area2 / np.where(defined, 2.0 * p * n_neg, 1.0), np.nan)
        else:
            auc = np.where(defined, _partial_auc(self, tps_prev, fps_prev, max_fpr), np.nan)
        ps = tps + fps
        precision = np.divide(tps, ps, out=np.zeros_like(tps), where=ps != 0)
        steps = np.where(ends, (tps - tps_prev) * precision, 0.0).sum(axis=1)
        ap = np.where(p > 0, steps / np.where(p > 0, p, 1.0), 0.0)
        return auc, np.maximum(ap, 0.0)

    def ovo_numerators(self, labels: IntArray, n_labels: int) -> FloatArray:
        """Per column (class a) and class b: sum over class-b rows of (2 x class-a rows above + tied)."""
        b, n = self.y.shape
        counts = np.cumsum(self.y, axis=1, dtype=np.float64)  # one-vs-one is unweighted (sklearn)
        before = self._before(counts)
        end_pos = np.where(self.is_end, np.arange(n)[None, :], n)
        end_pos = np.minimum.accumulate(end_pos[:, ::-1], axis=1)[:, ::-1]
        through = np.take_along_axis(counts, end_pos, axis=1)
        keys = labels[self.order] + (np.arange(b) * n_labels)[:, None]
        sums = np.bincount(keys.ravel(), weights=(before + through).ravel(), minlength=b * n_labels)
        out: FloatArray = np.asarray(sums, dtype=np.float64).reshape(b, n_labels)
        return out


def _partial_auc(s: _Sorted, tps_prev: FloatArray, fps_prev: FloatArray, max_fpr: float) -> FloatArray:
    """McClish-standardised area up to ``max_fpr`` of each column's ROC curve (NaN-free only where
    the column has positives and negatives)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p, n_neg = s.tps[:, -1:], s.fps[:, -1:]
        x0, x1 = fps_prev / n_neg, s.fps / n_neg
        y0, y1 = tps_prev / p, s.tps / p
        cut = np.minimum(x1, max_fpr)
        width = np.where(s.is_end & (x0 < max_fpr), cut - x0, 0.0)
        slope = np.where(x1 > x0, (y1 - y0) / (x1 - x0), 0.0)
        area = (width * (2 * y0 + slope * width) / 2).sum(axis=1)
    min_area = 0.5 * max_fpr**2
    out: FloatArray = 0.5 * (1 + (area - min_area) / (max_fpr - min_area))
    return out
