"""Agreement statistics of a single-label k x k confusion matrix (rows true, columns predicted), counted
or weighted, as ``sklearn.metrics`` 1.9 computes them from ``confusion_matrix``:

- ``balanced_accuracy_score``: the mean recall over classes whose row is not empty (sklearn drops the NaN
  recalls of classes predicted but never true); adjusted: ``(score - 1/m) / (1 - 1/m)`` over those m;
- ``matthews_corrcoef``: over the classes present in the truth or the predictions (sklearn's label
  encoding), 0 when either variance is 0;
- ``cohen_kappa_score`` with ``labels`` = every class (so linear/quadratic distances are between class
  indices), unweighted / linear / quadratic; NaN where sklearn's ``replace_undefined_by`` default is;
- ``confusion_matrix(normalize=...)``: rows, columns or the total divided out, 0 for 0/0.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray

__all__ = ["NORMALIZATIONS", "balanced_accuracy", "cohen_kappa", "matthews_corrcoef", "normalized"]

NORMALIZATIONS = ("true", "pred", "all")
Matrix = npt.NDArray[Any]


def balanced_accuracy(cm: Matrix) -> tuple[float, float]:
    """(balanced accuracy, adjusted balanced accuracy); NaN for both when no class is ever true.

    >>> balanced_accuracy(np.array([[2, 0], [1, 1]]))
    (0.75, 0.5)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = np.diagonal(cm) / cm.sum(axis=1)
    per_class = per_class[~np.isnan(per_class)]
    m = per_class.shape[0]
    if m == 0:
        return math.nan, math.nan
    score = np.mean(per_class)
    chance = 1 / m
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = (score - chance) / np.float64(1 - chance)
    return float(score), float(adjusted)


def matthews_corrcoef(cm: Matrix, present: BoolArray) -> float:
    """Matthews correlation of the rows and columns of the ``present`` classes (0 when undefined)."""
    c = cm[np.ix_(present, present)]
    t_sum = c.sum(axis=1, dtype=np.float64)
    p_sum = c.sum(axis=0, dtype=np.float64)
    n_correct = np.trace(c, dtype=np.float64)
    n_samples = p_sum.sum()
    cov_ytyp = n_correct * n_samples - np.dot(t_sum, p_sum)
    cov_ypyp = n_samples**2 - np.dot(p_sum, p_sum)
    cov_ytyt = n_samples**2 - np.dot(t_sum, t_sum)
    both = cov_ypyp * cov_ytyt
    return 0.0 if both == 0 else float(cov_ytyp / np.sqrt(both))


def cohen_kappa(cm: Matrix, weights: str | None) -> float:
    """Cohen's kappa (``weights`` None, "linear" or "quadratic"); NaN when undefined."""
    k = cm.shape[0]
    confusion = cm.astype(np.float64, copy=False)
    sum0, sum1 = confusion.sum(axis=0), confusion.sum(axis=1)
    total = np.sum(sum0)
    if total == 0:
        return math.nan
    expected = np.outer(sum0, sum1) / total
    if weights is None:
        w_mat = np.ones((k, k))
        np.fill_diagonal(w_mat, 0)
    else:
        w_mat = np.zeros((k, k)) + np.arange(k)
        w_mat = np.abs(w_mat - w_mat.T) if weights == "linear" else (w_mat - w_mat.T) ** 2
    den = np.sum(w_mat * expected)
    if den == 0:
        return math.nan
    return float(1 - np.sum(w_mat * confusion) / den)


def normalized(cm: Matrix, how: str) -> FloatArray:
    """``cm`` divided by its row sums ("true"), column sums ("pred") or total ("all"); 0/0 gives 0."""
    with np.errstate(all="ignore"):
        if how == "true":
            out = cm / cm.sum(axis=1, keepdims=True)
        elif how == "pred":
            out = cm / cm.sum(axis=0, keepdims=True)
        elif how == "all":
            out = cm / cm.sum()
        else:
            raise ValueError(f"unknown normalization {how!r}; one of {NORMALIZATIONS}")
    result: FloatArray = np.nan_to_num(out)
    return result
