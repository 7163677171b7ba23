"""Per-class average precision and top-k hits, vectorised over all classes at once.

Average precision follows ``sklearn.metrics.average_precision_score`` (1.9): AP = sum_n (R_n - R_{n-1}) P_n
over distinct score thresholds, highest first. A class without positives gets 0.0, the value sklearn
returns (sklearn also warns "No positive class found in y_true").

Top-k follows ``sklearn.metrics.top_k_accuracy_score``. Multiclass: classes are ranked by a stable
ascending sort that is then reversed, so among tied scores the *higher* class index ranks first.
Binary (two columns): sklearn takes the 1-D score of class 1 and predicts 1 only when it is above the
threshold (0.5 for probabilities), so a 0.5/0.5 tie is class 0. With two columns that is "class 1 ranks
first iff s_1 > s_0" (the same as the argmax, lowest index on ties, that derives ``y_pred``); for
probability rows it equals sklearn's rule on ``scores[:, 1]`` exactly. sklearn has no two-column binary
form for other scores (it refuses them), so the argmax rule is kept there as well.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from curation.core._common.chunks import spans

__all__ = ["AP_BUDGET", "RANK_BUDGET", "average_precision_per_class", "true_class_rank"]

# Scores handled between two cancellation checkpoints: sorted for AP (about 20-40 ms per step on the
# 2-core machine; a single class with more rows is one step), compared for the true-class rank.
AP_BUDGET = 1 << 19
RANK_BUDGET = 1 << 22

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def average_precision_per_class(
    positives: npt.NDArray[np.bool_],
    scores: npt.NDArray[np.floating],
    weights: FloatArray | None = None,
) -> FloatArray:
    """One-vs-rest AP of each column of ``scores`` against the matching column of ``positives`` (n x k).

    Classes are done a few at a time (about ``AP_BUDGET`` scores per step, a cancellation checkpoint
    between steps); each class's AP depends on its own column only. With ``weights`` (one per row), the
    precision and recall are of weighted counts (sklearn ``sample_weight``).

    >>> average_precision_per_class(np.array([[True], [False]]), np.array([[0.9], [0.1]])).tolist()
    [1.0]
    """
    n, k = scores.shape
    out = np.zeros(k)
    if n == 0:
        return out
    for lo, hi in spans(k, AP_BUDGET // n):
        if weights is None:
            out[lo:hi] = _class_aps(positives[:, lo:hi], scores[:, lo:hi])
        else:
            out[lo:hi] = _weighted_class_aps(positives[:, lo:hi], scores[:, lo:hi], weights)
    return out


def _weighted_class_aps(
    positives: npt.NDArray[np.bool_], scores: npt.NDArray[np.floating], weights: FloatArray
) -> FloatArray:
    """The weighted AP of each column: sum over positives of w * (precision at the end of its tie
    group) / the positives' total weight; 0 when that total is 0 (sklearn's value)."""
    n, k = scores.shape
    neg = -np.ascontiguousarray(scores.T)
    order = np.argsort(neg, axis=1)
    s_sorted = np.take_along_axis(neg, order, axis=1)
    y_sorted = np.take_along_axis(np.ascontiguousarray(positives.T), order, axis=1)
    w_sorted = weights[order]
    del order, neg
    is_end = np.ones((k, n), dtype=bool)
    is_end[:, :-1] = s_sorted[:, :-1] != s_sorted[:, 1:]
    del s_sorted
    end_pos = np.where(is_end, np.arange(n)[None, :], n)
    end_pos = np.minimum.accumulate(end_pos[:, ::-1], axis=1)[:, ::-1]
    pos_w = np.where(y_sorted, w_sorted, 0.0)
    tps = np.cumsum(pos_w, axis=1)
    mass = np.cumsum(w_sorted, axis=1)
    tp_end, mass_end = np.take_along_axis(tps, end_pos, axis=1), np.take_along_axis(mass, end_pos, axis=1)
    prec_at_end = np.divide(tp_end, mass_end, out=np.zeros_like(tp_end), where=mass_end != 0)
    total_pos = tps[:, -1]
    total = (pos_w * prec_at_end).sum(axis=1)
    out: FloatArray = np.divide(total, total_pos, out=np.zeros(k), where=total_pos > 0)
    return out


def _class_aps(positives: npt.NDArray[np.bool_], scores: npt.NDArray[np.floating]) -> FloatArray:
    """The AP of each column (n >= 1 rows)."""
    n, k = scores.shape
    # Classes along rows (contiguous sorts); order inside a tie group does not matter (only each
    # group's end and its positives count), so the faster unstable sort is fine.
    neg = -np.ascontiguousarray(scores.T)
    order = np.argsort(neg, axis=1)
    s_sorted = np.take_along_axis(neg, order, axis=1)
    y_sorted = np.take_along_axis(np.ascontiguousarray(positives.T), order, axis=1)
    del order, neg
    # Position of the last element of each element's tie group (the threshold it is counted at).
    is_end = np.ones((k, n), dtype=bool)
    is_end[:, :-1] = s_sorted[:, :-1] != s_sorted[:, 1:]
    del s_sorted
    end_pos = np.where(is_end, np.arange(n)[None, :], n)
    end_pos = np.minimum.accumulate(end_pos[:, ::-1], axis=1)[:, ::-1]
    tps = np.cumsum(y_sorted, axis=1, dtype=np.int64)
    prec_at_end = np.take_along_axis(tps, end_pos, axis=1) / (end_pos + 1.0)
    n_pos = tps[:, -1].astype(np.float64)
    total = np.where(y_sorted, prec_at_end, 0.0).sum(axis=1)
    out: FloatArray = np.where(n_pos > 0, total / np.where(n_pos > 0, n_pos, 1.0), 0.0)
    return out


def true_class_rank(y_true: IntArray, scores: npt.NDArray[np.floating]) -> IntArray:
    """How many classes rank above the true class of each row (0 = top), sklearn's tie order.

    A class j ranks above the true class t when ``s_j > s_t``, or ``s_j == s_t`` and ``j > t``; with
    two classes sklearn's binary rule instead (class 1 above class 0 only when ``s_1 > s_0``).

    >>> true_class_rank(np.array([0, 1]), np.array([[0.5, 0.5], [0.5, 0.5]])).tolist()
    [0, 1]
    """
    n, k = scores.shape
    if k == 2:
        return _binary_true_class_rank(y_true, scores)
    out = np.empty(n, dtype=np.int64)
    for lo, hi in spans(n, RANK_BUDGET // max(k, 1)):
        s, t = scores[lo:hi], y_true[lo:hi]
        s_true = s[np.arange(hi - lo), t][:, None]
        above = (s > s_true).sum(axis=1)
        tied_higher = ((s == s_true) & (np.arange(k)[None, :] > t[:, None])).sum(axis=1)
        out[lo:hi] = above + tied_higher
    return out


def _binary_true_class_rank(y_true: IntArray, scores: npt.NDArray[np.floating]) -> IntArray:
    """0 where the row's predicted class (1 iff ``s_1 > s_0``; ties are class 0) is the true one, else 1."""
    predicted = (scores[:, 1] > scores[:, 0]).astype(np.int64)
    out: IntArray = (predicted != y_true).astype(np.int64)
    return out
