"""Scores over a sample dimension (an ensemble, MC-dropout passes) and stochastic batch acquisition.

``samples`` is an n x S x k array: S probability rows per asset. Higher means more worth labelling:

- BALD, the mutual information between the prediction and the model (Houlsby et al., 2011; Gal et al.,
  *Deep Bayesian Active Learning with Image Data*, 2017): ``H(mean_s p_s) - mean_s H(p_s)``, natural
  log, ``0 log 0 = 0`` (clipped at 0 against rounding). It is 0 when every sample agrees and largest when
  confident samples disagree -- where the entropy of the mean alone cannot tell disagreement from
  shared doubt;
- variation ratio (Freeman, 1965, as in Gal et al., 2017): ``1 - c / S`` where ``c`` counts the samples
  whose predicted class (argmax, lowest index on ties) is the modal one (on a tie between modes, ``c``
  is their common count).

Power acquisition (Kirsch et al., *Stochastic Batch Acquisition*, TMLR 2023) draws a batch without
replacement with probability proportional to ``score ** beta``: Gumbel-top-k over ``beta * log(score)
+ G`` with one Gumbel draw ``G`` per asset from its seeded tie key, so the batch is reproducible
whatever the pool order. Top-k of a score picks every copy of the most uncertain point; the draw
spreads over the pool instead.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import FloatArray, U64Array
from curation.core._common.chunks import spans
from curation.core.sampling.scores import SCORE_BUDGET, entropy, uniform_from_keys

__all__ = ["SAMPLE_MEASURES", "bald", "power_keys", "sample_mean", "variation_ratio"]

SAMPLE_MEASURES = ("bald", "variation_ratio")


def _samples(samples: npt.ArrayLike) -> FloatArray:
    """``samples`` as a float64 n x S x k array with S >= 1 (ValueError otherwise)."""
    arr = np.asarray(samples, dtype=np.float64)
    if arr.ndim != 3 or arr.shape[1] < 1:
        raise ValueError("score samples must be an n x S x k array with S >= 1")
    return arr


def _row_spans(arr: FloatArray) -> list[tuple[int, int]]:
    """Spans of assets of about SCORE_BUDGET cells each, a cancellation checkpoint before each."""
    n, s, k = arr.shape
    return list(spans(n, SCORE_BUDGET // max(s * k, 1)))


def sample_mean(samples: npt.ArrayLike) -> FloatArray:
    """The mean probability row per asset over its samples (n x k).

    >>> sample_mean([[[1.0, 0.0], [0.0, 1.0]]]).tolist()
    [[0.5, 0.5]]
    """
    arr = _samples(samples)
    out = np.empty((arr.shape[0], arr.shape[2]))
    for lo, hi in _row_spans(arr):
        out[lo:hi] = arr[lo:hi].mean(axis=1)
    return out


def bald(samples: npt.ArrayLike) -> FloatArray:
    """``H(mean_s p_s) - mean_s H(p_s)`` per asset (nats, >= 0).

    >>> bald([[[1.0, 0.0], [0.0, 1.0]], [[0.5, 0.5], [0.5, 0.5]]]).round(4).tolist()
    [0.6931, 0.0]
    """
    arr = _samples(samples)
    n, s, k = arr.shape
    out = np.empty(n)
    for lo, hi in _row_spans(arr):
        block = arr[lo:hi]
        total = entropy(block.mean(axis=1))
        expected = entropy(block.reshape(-1, k)).reshape(hi - lo, s).mean(axis=1)
        out[lo:hi] = np.clip(total - expected, 0.0, None)
    return out


def variation_ratio(samples: npt.ArrayLike) -> FloatArray:
    """``1 - (samples predicting the modal class) / S`` per asset.

    >>> variation_ratio([[[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]]]).round(4).tolist()
    [0.3333]
    """
    arr = _samples(samples)
    n, s, k = arr.shape
    out = np.empty(n)
    for lo, hi in _row_spans(arr):
        pred = np.sort(np.argmax(arr[lo:hi], axis=2), axis=1)  # (rows, S), each row sorted
        rows = np.repeat(np.arange(hi - lo, dtype=np.int64), s)
        codes = rows * max(k, 1) + pred.reshape(-1)  # sorted overall: row-major, sorted within rows
        uniq, counts = np.unique(codes, return_counts=True)
        mode = np.zeros(hi - lo, dtype=np.int64)
        np.maximum.at(mode, uniq // max(k, 1), counts)
        out[lo:hi] = 1.0 - mode / s
    return out


def power_keys(score: FloatArray, keys: U64Array, beta: float) -> FloatArray:
    """``beta * log(score) + G`` per asset, ``G`` a standard Gumbel draw from the asset's tie key.

    Ranking by it, highest first, draws a sample without replacement with probability proportional to
    ``score ** beta`` (Gumbel-top-k); a score of 0 (or below) gives -inf: drawn last.
    """
    if not np.isfinite(beta) or beta < 0:
        raise ValueError("power beta must be a finite number >= 0")
    # Centre of each of the 2^53 cells: u in (0, 1), so the Gumbel draw is finite.
    u = uniform_from_keys(keys) + 0.5 / float(1 << 53)
    gumbel = -np.log(-np.log(u))
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(score > 0, np.log(np.where(score > 0, score, 1.0)), -np.inf)
    out: FloatArray = np.where(np.isfinite(logs), beta * logs, -np.inf) + gumbel
    return out
