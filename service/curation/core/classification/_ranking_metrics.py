"""The rank of the true class of each row, for top-k accuracy (average precision and ROC AUC:
:mod:`._binary_ranking`).

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

__all__ = ["RANK_BUDGET", "true_class_rank"]

# Scores compared for the true-class rank between two cancellation checkpoints.
RANK_BUDGET = 1 << 22

IntArray = npt.NDArray[np.int64]


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
