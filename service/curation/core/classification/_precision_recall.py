"""Precision, recall and F1 from sufficient statistics, and their micro/macro/weighted averages.

Follows ``sklearn.metrics.precision_recall_fscore_support`` (1.9) with ``zero_division=0``: a ratio whose
denominator is zero is 0; F1 is ``2 tp / (true + pred)`` (sklearn's formula since 1.3), so F1 is 0 when
precision + recall is 0 and ``zero_division`` (0) only when the class is neither true nor predicted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Averaged", "PerClassCounts", "averages", "safe_divide"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_TWICE_LAST = np.array([[1.0], [1.0], [2.0]])


def safe_divide(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    """``num / den`` elementwise, 0 where ``den`` is 0 (sklearn ``_prf_divide``, zero_division=0)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    return np.divide(n, d, out=np.zeros(np.broadcast_shapes(n.shape, d.shape)), where=d != 0)


@dataclass(frozen=True, slots=True)
class PerClassCounts:
    """Per-class true positives, predicted count (tp + fp) and support (tp + fn)."""

    tp: IntArray
    predicted: IntArray
    support: IntArray

    def ratios(self) -> FloatArray:
        """Precision, recall and F1 per class as the rows of one (3, k) array, in one division."""
        num: FloatArray = self.tp * _TWICE_LAST  # tp, tp, 2 tp (exact in float64)
        den = np.empty(num.shape)
        den[0], den[1] = self.predicted, self.support
        np.add(den[0], den[1], out=den[2])  # support + predicted, exact below 2**53
        out = np.zeros(num.shape)
        np.divide(num, den, out=out, where=den != 0)
        return out


@dataclass(frozen=True, slots=True)
class Averaged:
    """One averaged precision/recall/F1 (and average precision when scores were given)."""

    precision: float
    recall: float
    f1: float
    support: int
    average_precision: float | None = None


def averages(
    counts: PerClassCounts, ratios: FloatArray, *, ap: FloatArray | None = None
) -> tuple[Averaged, Averaged, Averaged]:
    """The micro, macro and weighted averages of precision, recall and F1 (``ratios``, the (3, k) array of
    :meth:`PerClassCounts.ratios`), each taken over all three rows at once.

    sklearn ``_nanaverage``: macro is the plain mean (0 for no classes); weighted is weighted by support,
    the plain mean when the total support is 0. Average precision: macro is the plain mean and weighted is
    weighted by support (sklearn ``_average_binary_score``: 0 when total support is 0); micro AP is not
    defined here (None).
    """
    support = int(counts.support.sum())
    tp, pred = int(counts.tp.sum()), int(counts.predicted.sum())
    micro = Averaged(_ratio(tp, pred), _ratio(tp, support), _ratio(2 * tp, support + pred), support)
    rows = ratios if ap is None else np.vstack([ratios, ap])
    k = rows.shape[1]
    macro_rows = rows.mean(axis=1) if k else np.zeros(rows.shape[0])
    if support:
        weights = counts.support.astype(np.float64)
        weighted_rows = (rows * weights).sum(axis=1) / weights.sum()
    else:
        weighted_rows = macro_rows.copy()
        if ap is not None:
            weighted_rows[3] = 0.0
    macro_ap = weighted_ap = None
    if ap is not None:
        macro_ap, weighted_ap = float(macro_rows[3]), float(weighted_rows[3])
    m, w = macro_rows.tolist(), weighted_rows.tolist()
    return (
        micro,
        Averaged(m[0], m[1], m[2], support, macro_ap),
        Averaged(w[0], w[1], w[2], support, weighted_ap),
    )


def _ratio(num: int, den: int) -> float:
    """``num / den`` of two counts, 0 when ``den`` is 0 (exact as float64 division below 2**53)."""
    return num / den if den else 0.0
