"""Precision, recall, F1 and F-beta from sufficient statistics, and their micro/macro/weighted averages.

Follows ``sklearn.metrics.precision_recall_fscore_support`` (1.9):

- a ratio whose denominator is zero is ``zero_division`` (0, 1 or NaN; sklearn's "warn" is 0);
- F1 is ``2 tp / (true + pred)`` and F-beta ``(1 + b^2) tp / (b^2 true + pred)`` (sklearn's formula since
  1.3), so an F-score takes ``zero_division`` only when its own denominator is 0; beta = 0 is precision and
  beta = +inf recall;
- averages use sklearn ``_nanaverage``: NaN entries are skipped, NaN when all are NaN (or there are none);
  weighted by (weighted) support, the plain mean when those weights sum to 0; micro sums the counts of
  the averaged classes first. ``labels`` restricts the averages to a subset of classes (sklearn
  ``labels=``); per-class entries are unaffected.

Counts may be int64 (unweighted) or float64 (sums of sample weights).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "Averaged",
    "PerClassCounts",
    "averages",
    "binary_average",
    "nanaverage",
    "prf_divide",
    "prf_rows",
    "safe_divide",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Counts = npt.NDArray[Any]


def safe_divide(num: npt.ArrayLike, den: npt.ArrayLike) -> FloatArray:
    """``num / den`` elementwise, 0 where ``den`` is 0 (sklearn ``_prf_divide``, zero_division=0)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    return np.divide(n, d, out=np.zeros(np.broadcast_shapes(n.shape, d.shape)), where=d != 0)


def prf_divide(num: npt.ArrayLike, den: npt.ArrayLike, zero_division: float) -> FloatArray:
    """``num / den`` elementwise (float64), ``zero_division`` where ``den`` is 0 (sklearn ``_prf_divide``)."""
    n = np.asarray(num, dtype=np.float64)
    d = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast_shapes(n.shape, d.shape), zero_division, dtype=np.float64)
    np.divide(n, d, out=out, where=d != 0)
    return out


def prf_rows(
    tp: Counts, pred: Counts, true: Counts, *, zero_division: float = 0.0, beta: float | None = None
) -> FloatArray:
    """Precision, recall, F1 (and F-beta when ``beta`` is given) as the rows of one (3 or 4, m) array."""
    precision = prf_divide(tp, pred, zero_division)
    recall = prf_divide(tp, true, zero_division)
    true_f, pred_f = np.asarray(true, dtype=np.float64), np.asarray(pred, dtype=np.float64)
    rows = [precision, recall, prf_divide(2.0 * np.asarray(tp, np.float64), true_f + pred_f, zero_division)]
    if beta is not None:
        if math.isinf(beta):
            rows.append(recall)
        elif beta == 0:
            rows.append(precision)
        else:
            b2 = beta**2
            num = (1 + b2) * np.asarray(tp, dtype=np.float64)
            rows.append(prf_divide(num, b2 * true_f + pred_f, zero_division))
    return np.vstack(rows)


def nanaverage(a: FloatArray, weights: FloatArray | None = None) -> float:
    """sklearn ``_nanaverage`` of a 1-d array: NaN entries skipped, NaN if none are left; weighted as
    ``numpy.average`` (ignoring the weights when those left sum to 0)."""
    if a.shape[0] == 0:
        return math.nan
    mask = np.isnan(a)
    if mask.all():
        return math.nan
    if mask.any():
        a = a[~mask]
        weights = None if weights is None else weights[~mask]
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64)
        scale = w.sum()
        if scale != 0:
            return float(np.multiply(a, w).sum() / scale)
    return float(a.mean())


@dataclass(frozen=True, slots=True)
class PerClassCounts:
    """Per-class true positives, predicted (tp + fp) and true (tp + fn), weighted or not, and the number
    of assets whose truth holds each class (``support``, always a count)."""

    tp: Counts
    predicted: Counts
    true: Counts
    support: IntArray

    def ratios(self, *, zero_division: float = 0.0, beta: float | None = None) -> FloatArray:
        """Precision, recall, F1 (and F-beta) per class as the rows of one (3 or 4, k) array."""
        return prf_rows(self.tp, self.predicted, self.true, zero_division=zero_division, beta=beta)


@dataclass(frozen=True, slots=True)
class Averaged:
    """One averaged precision/recall/F1 (and F-beta, average precision when asked for)."""

    precision: float
    recall: float
    f1: float
    support: int
    average_precision: float | None = None
    f_beta: float | None = None
    weighted_support: float | None = None


def _averaged(
    values: list[float], support: int, *, beta: bool, ap: float | None, wsup: float | None
) -> Averaged:
    return Averaged(values[0], values[1], values[2], support, ap, values[3] if beta else None, wsup)


def averages(
    counts: PerClassCounts,
    ratios: FloatArray,
    *,
    zero_division: float = 0.0,
    beta: float | None = None,
    labels: IntArray | None = None,
    ap: FloatArray | None = None,
    weighted: bool = False,
) -> tuple[Averaged, Averaged, Averaged]:
    """The micro, macro and weighted averages of ``ratios`` (the rows of :meth:`PerClassCounts.ratios`)
    over ``labels`` (every class when None).

    Average precision (over every class, as ``average_precision_score`` has no ``labels``): macro is the
    plain mean, weighted by (weighted) support and 0 when that is 0 (sklearn ``_average_binary_score``);
    micro AP is not defined here (None). ``weighted``: report the weighted supports.
    """
    idx = slice(None) if labels is None else labels
    tp, pred, true = counts.tp[idx], counts.predicted[idx], counts.true[idx]
    support = int(counts.support[idx].sum())
    wsup = float(np.sum(true)) if weighted else None
    micro_rows = prf_rows(
        np.sum(tp, keepdims=True), np.sum(pred, keepdims=True), np.sum(true, keepdims=True),
        zero_division=zero_division, beta=beta,
    )  # fmt: skip
    rows = ratios[:, idx]
    true_w = np.asarray(true, dtype=np.float64)
    macro = [nanaverage(r) for r in rows]
    weighted_rows = [nanaverage(r, true_w) for r in rows]
    macro_ap = weighted_ap = None
    if ap is not None:
        all_true = np.asarray(counts.true, dtype=np.float64)
        macro_ap = float(ap.mean()) if ap.shape[0] else 0.0
        total = all_true.sum()
        weighted_ap = float(np.multiply(ap, all_true).sum() / total) if total else 0.0
    has_beta = beta is not None
    return (
        _averaged(micro_rows[:, 0].tolist(), support, beta=has_beta, ap=None, wsup=wsup),
        _averaged(macro, support, beta=has_beta, ap=macro_ap, wsup=wsup),
        _averaged(weighted_rows, support, beta=has_beta, ap=weighted_ap, wsup=wsup),
    )


def binary_average(
    counts: PerClassCounts, ratios: FloatArray, pos: int, *, ap: FloatArray | None, weighted: bool
) -> Averaged:
    """sklearn ``average='binary'``: the metrics of class ``pos`` alone."""
    col = ratios[:, pos].tolist()
    return Averaged(
        col[0],
        col[1],
        col[2],
        int(counts.support[pos]),
        None if ap is None else float(ap[pos]),
        col[3] if ratios.shape[0] > 3 else None,
        float(counts.true[pos]) if weighted else None,
    )
