"""Reliability bins, expected and maximum calibration error over equal-width bins of [0, 1].

ECE = sum_b (n_b / n) |acc_b - conf_b| and MCE = max_b |acc_b - conf_b| over non-empty bins (Guo et al.,
2017, "On Calibration of Modern Neural Networks"). Bin b holds confidences in (lower_b, upper_b]; the first
bin also holds 0. This is the binning of ``sklearn.calibration.calibration_curve(strategy='uniform')``.
Empty bins are reported with count 0 and mean confidence / accuracy 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans

__all__ = ["VALUES_PER_SPAN", "Calibration", "bin_index", "calibration", "calibration_from_sums"]

# Confidences binned between two cancellation checkpoints.
VALUES_PER_SPAN = 1 << 21

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Calibration:
    """Reliability diagram and its summary errors (arrays have one entry per bin)."""

    expected_calibration_error: float
    max_calibration_error: float
    lower: FloatArray
    upper: FloatArray
    count: IntArray
    mean_confidence: FloatArray
    accuracy: FloatArray
    # With sample weights: the sum of the weights in each bin (then the means and errors are weighted).
    weight: FloatArray | None = None


def bin_index(confidence: npt.ArrayLike, n_bins: int) -> IntArray:
    """Bin of each confidence: (lower, upper] with 0 in the first bin, values clipped to [0, 1]."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    idx = np.searchsorted(edges[1:-1], np.asarray(confidence, dtype=np.float64), side="left")
    return idx.astype(np.int64, copy=False)


def calibration_from_sums(
    count: IntArray,
    confidence_sum: FloatArray,
    correct_sum: FloatArray,
    weight: FloatArray | None = None,
) -> Calibration:
    """Calibration from per-bin counts, summed confidences and summed correctness (each summand times
    its sample weight, and ``weight`` the per-bin weight sums, when weighted)."""
    n_bins = count.shape[0]
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    mass = count.astype(np.float64) if weight is None else weight
    denom = np.where(mass == 0, 1, mass)
    mean_conf = np.where(mass == 0, 0.0, confidence_sum / denom)
    acc = np.where(mass == 0, 0.0, correct_sum / denom)
    gap = np.abs(acc - mean_conf)
    total = float(mass.sum())
    ece = float((mass * gap).sum() / total) if total else 0.0
    mce = float(gap[mass > 0].max()) if total else 0.0
    return Calibration(ece, mce, edges[:-1], edges[1:], count.astype(np.int64), mean_conf, acc, weight)


def calibration(
    confidence: npt.ArrayLike,
    correct: npt.ArrayLike,
    *,
    n_bins: int = 15,
    weights: npt.ArrayLike | None = None,
) -> Calibration:
    """Reliability bins of ``confidence`` (in [0, 1]) against ``correct`` (0/1), each value weighted by
    ``weights`` (same shape) when given.

    >>> calibration([0.9, 0.6, 0.2], [1, 0, 0], n_bins=2).count.tolist()
    [1, 2]
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    conf_in, corr_in = np.asarray(confidence).ravel(), np.asarray(correct).ravel()
    if conf_in.shape != corr_in.shape:
        raise ValueError("confidence and correct must have the same length")
    # Conversions and bins per span of values; each weighted sum stays one bincount (in input order).
    n = conf_in.shape[0]
    conf, corr, idx = np.empty(n), np.empty(n), np.empty(n, dtype=np.int64)
    for lo, hi in spans(n, VALUES_PER_SPAN):
        conf[lo:hi] = conf_in[lo:hi]
        corr[lo:hi] = corr_in[lo:hi]
        idx[lo:hi] = bin_index(conf[lo:hi], n_bins)
    checkpoint()
    count = np.bincount(idx, minlength=n_bins).astype(np.int64)
    weight = None
    if weights is not None:
        w = np.asarray(weights, dtype=np.float64).ravel()
        weight = np.bincount(idx, weights=w, minlength=n_bins).astype(np.float64)
        conf *= w
        corr *= w
    checkpoint()
    conf_sum = np.bincount(idx, weights=conf, minlength=n_bins).astype(np.float64)
    checkpoint()
    corr_sum = np.bincount(idx, weights=corr, minlength=n_bins).astype(np.float64)
    return calibration_from_sums(count, conf_sum, corr_sum, weight)
