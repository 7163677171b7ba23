"""Scores of a label model's predictions against gold labels: Snorkel's ``LabelModel.score``.

Snorkel 0.10 scores through its ``Scorer`` (``snorkel.analysis.metrics``), which calls scikit-learn:

- every metric except ``coverage`` is computed over the rows whose gold label and prediction are both
  not ``-1`` (its ``filter_dict``); ``coverage`` is the fraction of all rows with a prediction;
- ``accuracy``: equal / rows; ``precision``, ``recall``, ``f1``: binary, class 1 positive, 0 when the
  denominator is 0 (scikit-learn's ``zero_division="warn"``); ``f1_micro`` and ``f1_macro`` over the
  labels present in gold or predictions; ``matthews_corrcoef`` as scikit-learn writes it (0 when a
  marginal is constant); ``roc_auc``: binary, of the probability of class 1.

Where scikit-learn raises (no row left to score; ROC AUC with one class present) the value is NaN.
ROC AUC is computed from midranks (the Mann-Whitney statistic), equal to scikit-learn's trapezoids up to
rounding (about 1e-16).

>>> import numpy as np
>>> score(np.array([1, 0, 1]), np.array([1, -1, 1]), np.zeros((3, 2)), ("accuracy", "coverage"))
{'accuracy': 1.0, 'coverage': 0.6666666666666666}
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import FloatArray, IntArray

__all__ = ["BINARY_METRICS", "METRICS", "score"]

METRICS = (
    "accuracy",
    "coverage",
    "precision",
    "recall",
    "f1",
    "f1_micro",
    "f1_macro",
    "matthews_corrcoef",
    "roc_auc",
)
BINARY_METRICS = frozenset({"precision", "recall", "f1", "roc_auc"})


def _ratio(num: float, den: float) -> float:
    """``num / den``, 0 when ``den`` is 0 (scikit-learn's zero_division default)."""
    return float(num / den) if den else 0.0


def _confusion(gold: IntArray, pred: IntArray, k: int) -> IntArray:
    """k x k counts, rows = gold, columns = prediction."""
    return np.bincount(gold * k + pred, minlength=k * k).reshape(k, k)


def _f1_per_label(C: IntArray, present: npt.NDArray[np.bool_]) -> FloatArray:
    """F1 of each present label: ``2 tp / (gold count + predicted count)``, 0 where that is 0."""
    tp = np.diag(C)[present].astype(np.float64)
    den = (C.sum(axis=1) + C.sum(axis=0))[present].astype(np.float64)
    return np.where(den > 0, 2 * tp / np.where(den > 0, den, 1.0), 0.0)


def _mcc(C: IntArray) -> float:
    """scikit-learn's ``matthews_corrcoef`` from the confusion matrix."""
    t_sum = C.sum(axis=1, dtype=np.float64)
    p_sum = C.sum(axis=0, dtype=np.float64)
    n_correct = np.trace(C, dtype=np.float64)
    n = p_sum.sum()
    cov_ytyp = n_correct * n - np.dot(t_sum, p_sum)
    cov = (n**2 - np.dot(p_sum, p_sum)) * (n**2 - np.dot(t_sum, t_sum))
    return 0.0 if cov == 0 else float(cov_ytyp / np.sqrt(cov))


def _roc_auc(gold: IntArray, p1: FloatArray) -> float:
    """Binary ROC AUC of scores ``p1`` (midranks for ties); NaN unless both classes are present."""
    pos = gold == 1
    n_pos, n_neg = int(pos.sum()), int((~pos).sum())
    if not n_pos or not n_neg:
        return float("nan")
    order = np.argsort(p1, kind="mergesort")
    sorted_p = p1[order]
    starts = np.flatnonzero(np.r_[True, sorted_p[1:] != sorted_p[:-1]])
    ends = np.r_[starts[1:], sorted_p.shape[0]]
    ranks = np.empty(p1.shape[0])
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _one(metric: str, gold: IntArray, pred: IntArray, p1: FloatArray, k: int) -> float:
    """One metric over the scored rows (both gold and prediction not -1)."""
    if not gold.shape[0]:
        return float("nan")
    C = _confusion(gold, pred, k)
    present = (C.sum(axis=0) + C.sum(axis=1)) > 0
    if metric == "accuracy":
        return float(np.average(gold == pred))
    if metric == "precision":
        return _ratio(C[1, 1], C[:, 1].sum())
    if metric == "recall":
        return _ratio(C[1, 1], C[1, :].sum())
    if metric == "f1":
        return _ratio(2 * C[1, 1], C[1, :].sum() + C[:, 1].sum())
    if metric == "f1_micro":
        return _ratio(2 * np.trace(C), 2 * gold.shape[0])
    if metric == "f1_macro":
        return float(np.average(_f1_per_label(C, present)))
    if metric == "matthews_corrcoef":
        return _mcc(C)
    if metric == "roc_auc":
        return _roc_auc(gold, p1)
    raise ValueError(f"unknown metric {metric!r}")


def score(gold: IntArray, pred: IntArray, probs: FloatArray, metrics: Sequence[str]) -> dict[str, float]:
    """Snorkel's ``Scorer(metrics).score(gold, pred, probs)`` (gold and predictions in ``[-1, k)``,
    probabilities n x k); binary metrics need k = 2."""
    k = probs.shape[1]
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise ValueError(f"unknown metric {unknown[0]!r}")
    if k != 2 and any(m in BINARY_METRICS for m in metrics):
        raise ValueError("precision, recall, f1 and roc_auc need two classes")
    keep = (gold != -1) & (pred != -1)
    g, p = gold[keep].astype(np.int64), pred[keep].astype(np.int64)
    p1 = probs[keep, 1] if k == 2 else np.zeros(0)
    out: dict[str, float] = {}
    for metric in metrics:
        if metric == "coverage":
            out[metric] = float(np.sum(pred != -1) / pred.shape[0]) if pred.shape[0] else float("nan")
        else:
            out[metric] = _one(metric, g, p, p1, k)
    return out
