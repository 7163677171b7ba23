"""Precision, recall and F1 from sufficient statistics, and their micro/macro/weighted averages.

Follows ``sklearn.metrics.precision_recall_fscore_support`` (1.9) with ``zero_division=0``: a ratio whose
denominator is zero is 0; F1 is ``2 tp / (true + pred)`` (sklearn's formula since 1.3), so F1 is 0 when
precision + recall is 0 and ``zero_division`` (0) only when the class is neither true nor predicted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Averaged", "PerClassCounts", "average", "safe_divide"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def safe_divide(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    """``num / den`` elementwise, 0 where ``den`` is 0 (sklearn ``_prf_divide``, zero_division=0)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    zero = d == 0
    out = n / np.where(zero, 1.0, d)
    return np.where(zero, 0.0, out)


@dataclass(frozen=True, slots=True)
class PerClassCounts:
    """Per-class true positives, predicted count (tp + fp) and support (tp + fn)."""

    tp: IntArray
    predicted: IntArray
    support: IntArray

    @property
    def precision(self) -> FloatArray:
        return safe_divide(self.tp, self.predicted)

    @property
    def recall(self) -> FloatArray:
        return safe_divide(self.tp, self.support)

    @property
    def f1(self) -> FloatArray:
        return safe_divide(2.0 * self.tp, self.support + self.predicted)


@dataclass(frozen=True, slots=True)
class Averaged:
    """One averaged precision/recall/F1 (and average precision when scores were given)."""

    precision: float
    recall: float
    f1: float
    support: int
    average_precision: float | None = None


def _weighted_mean(values: FloatArray, weights: IntArray | None) -> float:
    """sklearn ``_nanaverage``: plain mean when weights are None or all zero; 0 for no classes."""
    if values.size == 0:
        return 0.0
    if weights is None or int(weights.sum()) == 0:
        return float(values.mean())
    return float(np.average(values, weights=weights))


def average(counts: PerClassCounts, how: str, *, ap: FloatArray | None = None) -> Averaged:
    """``average='micro' | 'macro' | 'weighted'`` of precision, recall and F1 over the classes.

    Average precision: macro is the plain mean and weighted is weighted by support (sklearn
    ``_average_binary_score``: 0 when total support is 0); micro AP is not defined here (None).
    """
    support = int(counts.support.sum())
    if how == "micro":
        tp, pred = int(counts.tp.sum()), int(counts.predicted.sum())
        p = float(safe_divide(tp, pred))
        r = float(safe_divide(tp, support))
        f = float(safe_divide(2.0 * tp, support + pred))
        return Averaged(p, r, f, support, None)
    weights = counts.support if how == "weighted" else None
    ap_value: float | None = None
    if ap is not None:
        if how == "weighted":
            ap_value = float(np.average(ap, weights=counts.support)) if support > 0 else 0.0
        else:
            ap_value = float(ap.mean()) if ap.size else 0.0
    return Averaged(
        _weighted_mean(counts.precision, weights),
        _weighted_mean(counts.recall, weights),
        _weighted_mean(counts.f1, weights),
        support,
        ap_value,
    )
