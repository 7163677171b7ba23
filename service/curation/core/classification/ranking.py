"""The ranking metrics of a score matrix: ROC AUC (one-vs-rest per class and averaged, one-vs-one), average
precision (per class, micro, samples) and per-class PR / ROC curves.

Definitions follow ``sklearn.metrics`` 1.9 on the one-hot (single-label) or indicator (multi-label) truth
``T`` and scores ``S`` (n x k), as ``_average_binary_score`` does:

- per class: ``roc_auc_score(T[:, j], S[:, j])`` and ``average_precision_score(T[:, j], S[:, j])``;
- macro: the plain mean; weighted: weighted by (weighted) support, a class without support counting 0,
  and 0 when the total support is 0 (sklearn's value); micro: the metric of ``T.ravel()`` against
  ``S.ravel()`` (weights repeated per class); samples (multi-label): the metric of each row, averaged
  with the sample weights;
- binary (single-label, k = 2): ``roc_auc_score(y_true, S[:, 1])``, i.e. class 1's one-vs-rest AUC;
- one-vs-one (single-label, k >= 3; ``multi_class='ovo'``, Hand & Till 2001): for every pair a < b of
  classes present in ``y_true``, the mean of AUC(a vs b on column a) and AUC(b vs a on column b) over the
  rows of a or b; macro is the mean over pairs, weighted weights a pair by its share of rows. Unweighted
  (sklearn refuses sample weights here). sklearn also requires probability rows; this is computed for
  any scores.

ROC AUC is undefined for a problem without positives or without negatives: sklearn warns and returns
NaN, and an average containing a NaN is NaN. Here such a value is ``None`` (absent) with a finding.

``max_fpr`` (sklearn's option): every one-vs-rest AUC (per class, averages, binary) becomes McClish's
standardised partial AUC up to that false positive rate; one-vs-one is then not computed (sklearn
refuses partial AUC for multiclass).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.findings import Finding
from curation.core.classification._binary_ranking import rank_columns
from curation.core.classification.curves import PrecisionRecallCurve, RocCurve, class_curves

__all__ = ["Ranking", "RankingAverages", "RankingOptions", "ranking_metrics"]


@dataclass(frozen=True, slots=True)
class RankingOptions:
    """sklearn's options of the ranking metrics: ``curve_points`` (0: no curves, else >= 2: per-class
    curves of at most that many points), ``max_fpr`` (partial AUC) and the curves' ``drop_intermediate``
    (sklearn's defaults)."""

    curve_points: int = 0
    max_fpr: float | None = None
    pr_drop_intermediate: bool = False
    roc_drop_intermediate: bool = True


@dataclass(frozen=True, slots=True)
class RankingAverages:
    """ROC AUC averaged one way (None where sklearn's is NaN) and, for micro and samples, the AP."""

    roc_auc: float | None
    average_precision: float | None = None


@dataclass(frozen=True, slots=True)
class Ranking:
    """Everything :func:`ranking_metrics` computes; ``roc_auc`` holds NaN for undefined classes."""

    roc_auc: FloatArray
    average_precision: FloatArray
    macro: RankingAverages
    weighted: RankingAverages
    micro: RankingAverages
    samples: RankingAverages | None
    binary_roc_auc: float | None
    ovo_macro: float | None
    ovo_weighted: float | None
    pr_curves: tuple[PrecisionRecallCurve, ...]
    roc_curves: tuple[RocCurve, ...]
    findings: tuple[Finding, ...]


def _optional(x: float) -> float | None:
    return None if np.isnan(x) else float(x)


def _listed(idx: IntArray) -> str:
    head = ", ".join(str(int(i)) for i in idx[:10])
    return head + (f", ... ({idx.size} in all)" if idx.size > 10 else "")


def _weighted_mean(values: FloatArray, weights: FloatArray | None) -> float:
    """sklearn's average of per-problem scores: zero-weight scores count 0 (a NaN there is ignored)."""
    if weights is None:
        return float(np.mean(values)) if values.size else float("nan")
    return float(np.average(np.where(weights == 0, 0.0, values), weights=weights))


def _class_averages(
    auc: FloatArray, truth: BoolArray, weight: FloatArray | None
) -> tuple[RankingAverages, RankingAverages]:
    macro = _optional(_weighted_mean(auc, None))
    support = (truth.sum(axis=0) if weight is None else weight @ truth).astype(np.float64)
    weighted = 0.0 if np.isclose(support.sum(), 0.0) else _optional(_weighted_mean(auc, support))
    return RankingAverages(macro), RankingAverages(weighted)


def _ovo(ovo: FloatArray, y: IntArray, k: int) -> tuple[float | None, float | None]:
    """Hand & Till's macro and prevalence-weighted mean over the pairs of present classes, from sums
    over the k x k matrix in place (no per-pair arrays: k = 5,000 is 12.5 million pairs).

    With ``A[a, b]`` = AUC(a vs b on column a), zero on the diagonal and for absent classes: the pair
    score is ``(A[a, b] + A[b, a]) / 2``, so the macro mean is ``sum(A) / (2 pairs)``; a pair weighs
    ``n_a + n_b``, so the weighted mean is ``sum_a n_a (rowsum_a + colsum_a) / 2`` over
    ``sum_{a<b} (n_a + n_b) = (m - 1) sum n`` (each of the m present classes is in m - 1 pairs).
    """
    count = np.bincount(y, minlength=k).astype(np.float64)
    m = int(np.count_nonzero(count))
    if m < 2:
        return None, None
    area = ovo  # scaled in place to the AUCs
    area /= 2.0 * np.maximum(count, 1.0)[:, None]
    area /= np.maximum(count, 1.0)[None, :]
    absent = count == 0
    area[absent, :] = 0.0
    area[:, absent] = 0.0
    np.fill_diagonal(area, 0.0)
    pairs = m * (m - 1) / 2
    macro = float(area.sum() / (2.0 * pairs))
    both = count @ area.sum(axis=1) + count @ area.sum(axis=0)
    weighted = float(both / 2.0 / ((m - 1) * count.sum()))
    return macro, weighted


def ranking_metrics(
    truth: BoolArray,
    scores: npt.NDArray[np.floating],
    *,
    y_true: IntArray | None = None,
    sample_weight: npt.ArrayLike | None = None,
    options: RankingOptions = RankingOptions(),
) -> Ranking:
    """The ranking metrics of ``scores`` (n x k, float32 or float64) against ``truth`` (n x k indicators).

    ``y_true`` (class indices) marks a single-label problem: it adds the binary AUC (k = 2) and the
    one-vs-one averages (k >= 3); without it the problem is multi-label and gets samples averages.
    ``sample_weight`` (n, non-negative) weighs rows as sklearn does; ``options``: curves, partial AUC.

    >>> r = ranking_metrics(np.array([[True, False], [False, True]]), np.array([[0.8, 0.2], [0.3, 0.7]]))
    >>> r.roc_auc.tolist(), r.micro.roc_auc
    ([1.0, 1.0], 1.0)
    """
    n, k = scores.shape
    w = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64).reshape(-1)
    if w is not None and w.shape != (n,):
        raise ValueError(f"sample_weight must have length {n}, got {w.shape[0]}")
    single = y_true is not None
    max_fpr = options.max_fpr
    if max_fpr is not None and not 0 < max_fpr <= 1:
        raise ValueError(f"max_fpr must be in (0, 1], got {max_fpr}")
    ovo_labels = y_true if single and k >= 3 and max_fpr is None else None
    cols = rank_columns(truth, scores, sample_weight=w, labels=ovo_labels, n_labels=k, max_fpr=max_fpr)
    macro, weighted = _class_averages(cols.auc, truth, w)
    checkpoint()
    flat = rank_columns(
        truth.reshape(-1, 1),
        scores.reshape(-1, 1),
        sample_weight=None if w is None else np.repeat(w, k),
        max_fpr=max_fpr,
    )
    micro = RankingAverages(_optional(flat.auc[0]), float(flat.average_precision[0]))
    findings = _undefined_classes(cols.auc)
    samples = None
    if not single:
        checkpoint()
        rows = rank_columns(truth.T, scores.T, max_fpr=max_fpr)
        samples = RankingAverages(
            _optional(_weighted_mean(rows.auc, w)), _weighted_mean(rows.average_precision, w)
        )
        if samples.roc_auc is None:
            findings.extend(_undefined_rows(rows.auc, w))
    binary = _optional(cols.auc[1]) if single and k == 2 else None
    ovo_macro = ovo_weighted = None
    if cols.ovo is not None and y_true is not None:
        ovo_macro, ovo_weighted = _ovo(cols.ovo, y_true, k)
    prs: tuple[PrecisionRecallCurve, ...] = ()
    rocs: tuple[RocCurve, ...] = ()
    if options.curve_points:
        prs, rocs = class_curves(
            truth,
            scores,
            max_points=options.curve_points,
            sample_weight=w,
            pr_drop_intermediate=options.pr_drop_intermediate,
            roc_drop_intermediate=options.roc_drop_intermediate,
        )
    return Ranking(
        cols.auc, cols.average_precision, macro, weighted, micro, samples, binary,
        ovo_macro, ovo_weighted, prs, rocs, tuple(findings),
    )  # fmt: skip


def _undefined_classes(auc: FloatArray) -> list[Finding]:
    bad = np.flatnonzero(np.isnan(auc))
    if not bad.size:
        return []
    message = (
        f"ROC AUC is undefined for classes without positives or without negatives: {_listed(bad)} "
        "(sklearn: 'Only one class is present in y_true'); their roc_auc, and the averages that include "
        "them, are absent, and their ROC curves' rates are NaN"
    )
    return [Finding("ROC_AUC_UNDEFINED", message, f"class_names[{int(bad[0])}]")]


def _undefined_rows(auc: FloatArray, w: FloatArray | None) -> list[Finding]:
    bad = np.flatnonzero(np.isnan(auc) & (True if w is None else w != 0))
    message = (
        f"samples ROC AUC is undefined: assets with all or none of the labels true: {_listed(bad)}; "
        "it is absent"
    )
    return [Finding("ROC_AUC_SAMPLES_UNDEFINED", message, f"asset_ids[{int(bad[0])}]" if bad.size else "")]
