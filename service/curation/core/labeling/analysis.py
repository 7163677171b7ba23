"""Labeling-function analysis: Snorkel's ``LFAnalysis.lf_summary`` on a label matrix, plus findings.

A label matrix ``L`` is ``n x m`` (assets x labeling functions) of class indices, ``-1`` = abstain.
Every statistic follows ``snorkel.labeling.LFAnalysis`` (0.10.0) exactly:

- polarity: the sorted distinct non-abstain labels an LF emits;
- coverage: fraction of rows the LF labels;
- overlaps: fraction of rows the LF labels that at least one other LF also labels (divided by ``n``);
- conflicts: fraction of rows the LF labels on which two LFs disagree -- *row-level*: the row has two
  distinct non-abstain labels, even if this LF agrees with one of them (divided by ``n``);
- correct / incorrect: votes equal / not equal to the gold label, over rows whose gold is not ``-1``
  (Snorkel's confusion matrix drops the ``-1`` row and column);
- empirical accuracy: ``0.5 * (sum(x) / votes + 1)`` with ``x`` = +1 agree, -1 disagree, 0 abstain, i.e.
  correct / votes where a vote on a row with gold ``-1`` counts as wrong (Snorkel does not exclude those
  rows here); 0 for an LF that never votes.

Beyond Snorkel: ``findings`` flags LFs worse than random on gold, LFs so broad they carry no signal,
duplicated LFs and fewer than three LFs for a label model. A finding about LF ``j`` names the field
``function_names[j]``; one about the whole matrix names none.

>>> import numpy as np
>>> L = np.array([[-1, 0, 0], [-1, -1, -1], [1, 0, -1], [-1, 0, -1], [0, 0, 0]])
>>> s = lf_summary(L)
>>> s.coverage.tolist(), s.conflicts.tolist(), s.label_conflict
([0.4, 0.8, 0.4], [0.2, 0.2, 0.0], 0.2)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans
from curation.core._common.findings import Finding
from curation.core.labeling.vote_statistics import IntMatrix

__all__ = [
    "BROAD_COVERAGE",
    "MIN_LFS_FOR_MODEL",
    "LFSummary",
    "findings",
    "lf_empirical_probs",
    "lf_summary",
    "row_vote_counts",
]

# Label-matrix cells per span of rows between two cancellation checkpoints.
_CELLS_PER_SPAN = 1 << 22

# An LF labelling at least this fraction of rows with a single label carries (almost) no signal.
BROAD_COVERAGE = 0.95
MIN_LFS_FOR_MODEL = 3


@dataclass(frozen=True, slots=True)
class LFSummary:
    """Per-LF columns of ``lf_summary`` (arrays of length m) and the dataset-level fractions."""

    polarity: list[list[int]]
    coverage: FloatArray
    overlaps: FloatArray
    conflicts: FloatArray
    label_coverage: float
    label_overlap: float
    label_conflict: float
    votes: IntArray
    correct: IntArray | None = None
    incorrect: IntArray | None = None
    empirical_accuracy: FloatArray | None = None
    # counts[j, c] = number of votes of LF j for class c (c < k): polarity and duplicates derive from it.
    counts: IntArray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.int64))


def row_vote_counts(L: IntMatrix) -> tuple[BoolArray, IntArray, BoolArray]:
    """(fires mask n x m, non-abstain votes per row, row has two distinct non-abstain labels), row-wise
    over spans of rows with a cancellation checkpoint between spans."""
    n, m = L.shape
    fires = np.empty((n, m), dtype=np.bool_)
    per_row = np.zeros(n, dtype=np.int64)
    conflict = np.zeros(n, dtype=np.bool_)
    sentinel = np.iinfo(L.dtype).max
    for r0, r1 in spans(n, max(1, _CELLS_PER_SPAN // max(m, 1))):
        f = fires[r0:r1]
        np.greater_equal(L[r0:r1], 0, out=f)
        per_row[r0:r1] = np.count_nonzero(f, axis=1)
        if m:
            hi = L[r0:r1].max(axis=1)
            lo = np.where(f, L[r0:r1], sentinel).min(axis=1)
            conflict[r0:r1] = (per_row[r0:r1] > 1) & (hi != lo)
    return fires, per_row, conflict


def lf_summary(L: IntMatrix, *, gold: npt.NDArray[np.integer] | None = None) -> LFSummary:
    """Snorkel's ``LFAnalysis(L).lf_summary(Y=gold)`` as arrays (see the module docstring).

    ``L`` holds values in ``{-1, 0, ..., k-1}``; ``gold`` (length n) holds values in ``{-1, 0, ...}``.
    """
    if L.ndim != 2:
        raise ValueError("label matrix must be 2-D")
    n, m = L.shape
    denom = max(n, 1)
    fires, per_row, conflict = row_vote_counts(L)
    overlapped = per_row > 1
    votes, overlap_counts, conflict_counts = (np.zeros(m, dtype=np.int64) for _ in range(3))
    for r0, r1 in spans(n, max(1, _CELLS_PER_SPAN // max(m, 1))):
        f = fires[r0:r1]
        votes += np.count_nonzero(f, axis=0)
        overlap_counts += np.count_nonzero(f & overlapped[r0:r1, None], axis=0)
        conflict_counts += np.count_nonzero(f & conflict[r0:r1, None], axis=0)
    k = int(L.max()) + 1 if L.size else 0
    counts = _vote_counts(L, m, max(k, 0))
    checkpoint()
    polarity = [np.flatnonzero(counts[j]).tolist() for j in range(m)]
    summary = LFSummary(
        polarity=polarity,
        coverage=votes / denom,
        overlaps=overlap_counts / denom,
        conflicts=conflict_counts / denom,
        label_coverage=float(np.count_nonzero(per_row) / denom),
        label_overlap=float(np.count_nonzero(overlapped) / denom),
        label_conflict=float(np.count_nonzero(conflict) / denom),
        votes=votes,
        counts=counts,
    )
    if gold is None:
        return summary
    gold = np.asarray(gold)
    if gold.shape != (n,):
        raise ValueError(f"gold has shape {gold.shape}, expected ({n},)")
    agree = fires & (gold[:, None] == L)
    known = gold >= 0
    correct = np.count_nonzero(agree & known[:, None], axis=0).astype(np.int64)
    incorrect = np.count_nonzero(fires & known[:, None], axis=0).astype(np.int64) - correct
    right = np.count_nonzero(agree, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Snorkel's arithmetic (bit for bit): 0.5 * (sum(+1 right, -1 wrong) / votes + 1), 0 / 0 -> 0.
        accuracy = np.where(votes > 0, 0.5 * ((2 * right - votes) / np.maximum(votes, 1) + 1), 0.0)
    return LFSummary(
        polarity=summary.polarity,
        coverage=summary.coverage,
        overlaps=summary.overlaps,
        conflicts=summary.conflicts,
        label_coverage=summary.label_coverage,
        label_overlap=summary.label_overlap,
        label_conflict=summary.label_conflict,
        votes=votes,
        correct=correct,
        incorrect=incorrect,
        empirical_accuracy=accuracy.astype(np.float64),
        counts=counts,
    )


def _vote_counts(L: IntMatrix, m: int, k: int) -> IntArray:
    """counts[j, c]: votes of LF j for class c, one bincount per span of rows (counts add up exactly)."""
    if k == 0 or L.size == 0:
        return np.zeros((m, k), dtype=np.int64)
    offset = 1 + (k + 1) * np.arange(m, dtype=np.int64)[None, :]
    flat = np.zeros(m * (k + 1), dtype=np.int64)
    for r0, r1 in spans(L.shape[0], max(1, _CELLS_PER_SPAN // max(m, 1))):
        flat += np.bincount((L[r0:r1].astype(np.int64) + offset).reshape(-1), minlength=m * (k + 1))
    return flat.reshape(m, k + 1)[:, 1:].astype(np.int64)


def findings(
    L: IntMatrix,
    summary: LFSummary,
    *,
    n_classes: int,
    names: list[str] | None = None,
    broad_coverage: float = BROAD_COVERAGE,
) -> list[Finding]:
    """What Snorkel does not say: worse than random on gold, too broad, duplicated, too few LFs.

    - ``LF_WORSE_THAN_RANDOM``: empirical accuracy on gold below ``1 / n_classes`` (an LF that fires on
      a row with known gold at all);
    - ``LF_TOO_BROAD``: coverage >= ``broad_coverage`` with a single label -- it votes the same thing
      almost everywhere, so a label model learns nothing from it;
    - ``LF_DUPLICATE``: identical column to an earlier LF (same votes on every row);
    - ``LF_NEVER_FIRES``: coverage 0;
    - ``TOO_FEW_LFS``: fewer than three LFs; label models other than majority vote are unidentifiable.
    """
    m = L.shape[1]
    label = names if names is not None else [str(j) for j in range(m)]
    out: list[Finding] = []
    if m < MIN_LFS_FOR_MODEL:
        out.append(
            Finding(
                "TOO_FEW_LFS", f"{m} labeling functions; a label model needs at least {MIN_LFS_FOR_MODEL}"
            )
        )
    for j in np.flatnonzero(summary.votes == 0).tolist():
        out.append(Finding("LF_NEVER_FIRES", f"labeling function {label[j]!r} never votes", _field(j)))
    single = np.array([len(p) == 1 for p in summary.polarity], dtype=np.bool_)
    for j in np.flatnonzero(single & (summary.coverage >= broad_coverage)).tolist():
        out.append(
            Finding(
                "LF_TOO_BROAD",
                f"labeling function {label[j]!r} votes {summary.polarity[j][0]} on "
                f"{summary.coverage[j]:.1%} of assets and carries almost no signal",
                _field(j),
            )
        )
    if summary.correct is not None and summary.incorrect is not None:
        scored = summary.correct + summary.incorrect
        with np.errstate(divide="ignore", invalid="ignore"):
            acc = np.where(scored > 0, summary.correct / np.maximum(scored, 1), 1.0)
        for j in np.flatnonzero((scored > 0) & (acc < 1.0 / max(n_classes, 2))).tolist():
            out.append(
                Finding(
                    "LF_WORSE_THAN_RANDOM",
                    f"labeling function {label[j]!r} is right on {acc[j]:.1%} of gold-labelled votes, "
                    f"below random ({1.0 / max(n_classes, 2):.1%})",
                    _field(j),
                )
            )
    for j, first in _duplicate_columns(L):
        out.append(
            Finding("LF_DUPLICATE", f"labeling function {label[j]!r} duplicates {label[first]!r}", _field(j))
        )
    return out


def _field(j: int) -> str:
    """The request field a finding about LF ``j`` concerns."""
    return f"function_names[{j}]"


def _duplicate_columns(L: IntMatrix) -> list[tuple[int, int]]:
    """(j, first) pairs where column j equals an earlier column ``first``: hash columns, then confirm."""
    n, m = L.shape
    if m < 2 or n == 0:
        return []
    rng = np.random.default_rng(0)
    weights = rng.integers(1, 2**31 - 1, size=n, dtype=np.int64)
    with np.errstate(over="ignore"):
        sig = (L.astype(np.int64) + 2).T @ weights
    out: list[tuple[int, int]] = []
    seen: dict[int, list[int]] = {}
    for j, s in enumerate(sig.tolist()):
        checkpoint()
        match = next((i for i in seen.get(s, []) if np.array_equal(L[:, i], L[:, j])), None)
        if match is not None:
            out.append((j, match))
        else:
            seen.setdefault(s, []).append(j)
    return out


def lf_empirical_probs(L: IntMatrix, gold: npt.NDArray[np.integer], k: int) -> FloatArray:
    """Snorkel's ``LFAnalysis(L).lf_empirical_probs(gold, k)``: ``P[j, l + 1, y]`` = the fraction of
    rows with gold ``y`` on which LF ``j`` votes ``l`` (row 0 = abstain); rows with gold ``-1`` count for
    no class; a class no row has as gold is NaN (Snorkel's 0 / 0). One bincount per span of rows."""
    n, m = L.shape
    gold = np.asarray(gold, dtype=np.int64)
    if gold.shape != (n,):
        raise ValueError(f"gold has shape {gold.shape}, expected ({n},)")
    cells = m * (k + 1)
    offset = (k + 1) * np.arange(m, dtype=np.int64)[None, :] + 1
    flat = np.zeros(k * cells, dtype=np.int64)
    for r0, r1 in spans(n, max(1, _CELLS_PER_SPAN // max(m, 1))):
        g = gold[r0:r1]
        known = g >= 0
        idx = (L[r0:r1][known].astype(np.int64) + offset) + (g[known] * cells)[:, None]
        flat += np.bincount(idx.reshape(-1), minlength=k * cells)
    counts = flat.reshape(k, m, k + 1).transpose(1, 2, 0)
    per_class = np.bincount(gold[gold >= 0], minlength=k)[:k]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(counts / per_class[None, None, :], dtype=np.float64)
