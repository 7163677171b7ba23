"""Sufficient statistics of a label matrix that add up over shards.

Every label model here depends on the matrix only through the histogram of its distinct rows (vote
patterns): majority votes, Dawid-Skene EM and the Snorkel-style matrix-completion model (whose input, the
vote co-occurrence matrix ``O``, is a linear function of that histogram). So a fit over many shards
equals a fit over the whole: compute ``vote_statistics`` per shard, ``merge`` them, fit once.

>>> import numpy as np
>>> a = vote_statistics(np.array([[0, -1, 1], [0, -1, 1]]), n_classes=2)
>>> b = vote_statistics(np.array([[1, 1, -1]]), n_classes=2)
>>> m = a.merge(b)
>>> m.n_rows, m.counts.tolist()
(3, [2, 1])
>>> int(m.cooccurrence()[0, 5])  # rows where LF 0 votes 0 and LF 2 votes 1
2
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans
from curation.core.labeling import _kernels
from curation.core.labeling._kernels import cooccurrence_kernel

__all__ = ["IntMatrix", "PatternIndex", "VoteStatistics", "pattern_index", "vote_statistics"]

# A label matrix in any integer dtype (int8 to int64): n x m class indices, -1 = abstain.
IntMatrix = npt.NDArray[np.integer]


@dataclass(frozen=True, slots=True)
class PatternIndex:
    """The distinct rows of a label matrix (lexicographic order of ``L + 1``), their counts, and the
    row -> pattern map (``inverse``)."""

    patterns: npt.NDArray[np.int16]
    counts: IntArray
    inverse: npt.NDArray[np.intp]


@dataclass(frozen=True, slots=True)
class VoteStatistics:
    """Histogram of vote patterns: ``patterns`` (U x m, values -1..k-1; sorted and distinct once
    reduced) and ``counts`` (U). ``merge`` adds two histograms (shards) and reduces; the result does not
    depend on shard order."""

    n_classes: int
    patterns: npt.NDArray[np.int16]
    counts: IntArray

    @property
    def n_rows(self) -> int:
        return int(self.counts.sum())

    @property
    def n_lfs(self) -> int:
        return int(self.patterns.shape[1])

    def merge(self, other: VoteStatistics) -> VoteStatistics:
        """The statistics of the concatenation of both shards."""
        if other.n_classes != self.n_classes or other.n_lfs != self.n_lfs:
            raise ValueError("statistics of different shapes cannot be merged")
        both = np.concatenate([self.patterns, other.patterns])
        index = pattern_index(both, self.n_classes)
        counts = np.bincount(
            index.inverse, weights=np.concatenate([self.counts, other.counts]), minlength=len(index.counts)
        )
        return VoteStatistics(self.n_classes, index.patterns, np.rint(counts).astype(np.int64))

    def cooccurrence(self) -> IntArray:
        """``O[j*k + a, i*k + b]`` = rows on which LF j votes a and LF i votes b (Snorkel's ``L_ind^T
        L_ind`` before dividing by n); the diagonal holds each LF's vote counts per class."""
        d = self.n_lfs * self.n_classes
        out = np.zeros((d, d))
        w = self.counts.astype(np.float64)
        for lo, hi in spans(self.patterns.shape[0], _kernels.ROWS_PER_SPAN):
            cooccurrence_kernel(self.patterns[lo:hi], w[lo:hi], self.n_classes, out)
        return np.rint(out).astype(np.int64)


def _codes(L: IntMatrix, n_classes: int) -> IntArray | None:
    """One int64 per row, LF 0 most significant, base k+1 -- or None when it would overflow."""
    m = L.shape[1]
    base = n_classes + 1
    if m * np.log2(base) > 62:
        return None
    codes = np.zeros(L.shape[0], dtype=np.int64)
    for j in range(m):
        checkpoint()
        codes *= base
        codes += L[:, j].astype(np.int64) + 1
    return codes


def pattern_index(L: IntMatrix, n_classes: int) -> PatternIndex:
    """Distinct rows of ``L`` with counts and the inverse map (an int64 code per row when it fits,
    else a lexicographic unique over rows)."""
    m = L.shape[1]
    codes = _codes(L, n_classes)
    if codes is None:
        uniq, inverse, counts = np.unique(L.astype(np.int16), axis=0, return_inverse=True, return_counts=True)
        return PatternIndex(uniq.astype(np.int16), counts.astype(np.int64), inverse.reshape(-1))
    uniq_codes, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    patterns = np.empty((uniq_codes.shape[0], m), dtype=np.int16)
    rest = uniq_codes.copy()
    base = n_classes + 1
    for j in range(m - 1, -1, -1):
        patterns[:, j] = rest % base - 1
        rest //= base
    return PatternIndex(patterns, counts.astype(np.int64), inverse.reshape(-1))


def vote_statistics(L: IntMatrix, *, n_classes: int, reduce: bool = True) -> VoteStatistics:
    """The pattern histogram of one shard ``L`` (n x m, values in -1..k-1).

    ``reduce=False`` keeps every row as its own pattern with count 1 (no sort): the same statistics
    for every model, cheaper when almost every row is distinct; ``merge`` reduces."""
    if L.ndim != 2:
        raise ValueError("label matrix must be 2-D")
    if L.size and (int(L.min()) < -1 or int(L.max()) >= n_classes):
        raise ValueError(f"label matrix values must lie in [-1, {n_classes})")
    if not reduce:
        return VoteStatistics(
            n_classes, np.ascontiguousarray(L, dtype=np.int16), np.ones(L.shape[0], np.int64)
        )
    index = pattern_index(L, n_classes)
    return VoteStatistics(n_classes, index.patterns, index.counts)
