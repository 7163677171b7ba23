"""Misclassified assets, most confidently wrong first: the likeliest label errors and hardest examples.

Ties are broken by a stable hash of the asset ID (then the ID itself), never by row order, so permuting
the rows never changes the ranking.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import FloatArray, IntArray
from curation.core._common.hashing import stable_string_hash

__all__ = ["Misclassified", "misclassified_multi_label", "misclassified_single_label"]


@dataclass(frozen=True, slots=True)
class Misclassified:
    """Misclassified rows, most confidently wrong first."""

    rows: IntArray
    confidence: FloatArray
    # Single-label with scores: the score of the true class, aligned with ``rows``.
    true_class_score: FloatArray | None


def misclassified_single_label(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    scores: npt.ArrayLike | None = None,
    asset_ids: npt.ArrayLike | None = None,
) -> Misclassified:
    """Rows with ``y_pred != y_true``, most confidently wrong first.

    Confidence is ``scores[pred] - scores[true]`` with scores, else 1.0. Ties are broken by a stable
    hash of the asset ID (then the ID itself), never by row order, so permuting rows keeps the ranking.
    """
    t = np.asarray(y_true)
    p = np.asarray(y_pred)
    rows = np.flatnonzero(t != p).astype(np.int64)
    true_score = None
    if scores is not None:
        s = np.asarray(scores)
        true_score = s[rows, t[rows]].astype(np.float64)
        conf = s[rows, p[rows]].astype(np.float64) - true_score
    else:
        conf = np.ones(rows.shape[0])
    order = _rank_order(rows, conf, asset_ids)
    return Misclassified(rows[order], conf[order], None if true_score is None else true_score[order])


def _rank_order(rows: IntArray, conf: FloatArray, asset_ids: npt.ArrayLike | None) -> IntArray:
    if asset_ids is None:
        return np.lexsort((rows, -conf)).astype(np.int64)
    ids = np.asarray(asset_ids, dtype=np.str_)[rows]
    return np.lexsort((ids, stable_string_hash(ids), -conf)).astype(np.int64)


def misclassified_multi_label(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    scores: npt.ArrayLike | None = None,
    threshold: float = 0.5,
    asset_ids: npt.ArrayLike | None = None,
) -> Misclassified:
    """Assets whose predicted set differs from the true set, most confidently wrong first.

    Confidence is the largest ``|score - threshold|`` over the wrong entries (with scores), else 1.0.
    """
    t = np.asarray(y_true, dtype=bool)
    p = np.asarray(y_pred, dtype=bool)
    wrong = t != p
    rows = np.flatnonzero(wrong.any(axis=1)).astype(np.int64)
    if scores is not None:
        margin = np.abs(np.asarray(scores, dtype=np.float64)[rows] - threshold)
        conf = np.where(wrong[rows], margin, -np.inf).max(axis=1, initial=-np.inf)
    else:
        conf = np.ones(rows.shape[0])
    order = _rank_order(rows, conf, asset_ids)
    return Misclassified(rows[order], conf[order], None)
