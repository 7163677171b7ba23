"""The classification report of one set of assets: sklearn's numbers, confusion, calibration.

Definitions follow ``sklearn.metrics`` 1.9.1 with ``labels=range(n_classes)`` everywhere, so classes that
are never present or never predicted are still reported:

- ``accuracy_score`` (subset accuracy for multi-label), ``confusion_matrix`` /
  ``multilabel_confusion_matrix``, ``hamming_loss``;
- ``precision_recall_fscore_support`` with ``zero_division=0``: a ratio with a zero denominator is 0 and
  F1 = 2 tp / (support + predicted) (see :mod:`curation.core.classification._precision_recall`);
  averages micro, macro, weighted and (multi-label) samples;
- ``top_k_accuracy_score``: a k >= n_classes scores 1.0 (sklearn's value; it warns that it is trivial);
  with two classes sklearn's binary rule (a 0.5/0.5 tie is class 0), with more its multiclass tie order;
- ``average_precision_score`` one-vs-rest per score column; a class with no positives scores 0.0;
  ROC AUC, micro/samples AP, one-vs-one AUC and curves: :mod:`curation.core.classification.ranking`;
- ``log_loss``: probabilities clipped to ``[eps, 1 - eps]`` with eps of the scores' dtype, not
  renormalised. Multi-label: the binary log loss over all n x k entries
  (``log_loss(Y.ravel(), S.ravel(), labels=[0, 1])``).

Everything single-label is derived from the k x k confusion matrix, built with one ``bincount`` over
``y_true * k + y_pred``; nothing else touches all n rows unless scores are given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans
from curation.core._common.findings import Finding
from curation.core.classification._checks import AnyFloat, check_indicator, check_labels, check_scores
from curation.core.classification._precision_recall import Averaged, PerClassCounts, averages, safe_divide
from curation.core.classification._ranking_metrics import true_class_rank
from curation.core.classification.calibration import Calibration, calibration
from curation.core.classification.ranking import Ranking, RankingOptions, ranking_metrics

__all__ = [
    "PerClass",
    "Summary",
    "confusion_matrix",
    "multi_label_summary",
    "single_label_summary",
    "summarize_multi",
    "summarize_single",
]

# Multi-label log-loss entries computed between two cancellation checkpoints.
LOSS_SPAN = 1 << 21


@dataclass(frozen=True, slots=True)
class PerClass:
    """Per-class metrics, one entry per class index."""

    precision: FloatArray
    recall: FloatArray
    f1: FloatArray
    support: IntArray
    predicted: IntArray
    average_precision: FloatArray | None


@dataclass(frozen=True, slots=True)
class Summary:
    """The full report for one set of assets."""

    num_assets: int
    accuracy: float
    top_k: tuple[tuple[int, float], ...]
    per_class: PerClass
    micro: Averaged
    macro: Averaged
    weighted: Averaged
    samples: Averaged | None
    # Single-label (k, k), rows true, columns predicted; multi-label (k, 2, 2) [[tn, fp], [fn, tp]].
    confusion_matrix: IntArray
    calibration: Calibration | None
    log_loss: float | None
    hamming_loss: float | None
    findings: tuple[Finding, ...] = ()
    # With scores: ROC AUC, micro/samples AP, one-vs-one AUC and (when asked for) curves.
    ranking: Ranking | None = None


def confusion_matrix(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, n_classes: int) -> IntArray:
    """sklearn ``confusion_matrix(y_true, y_pred, labels=range(n_classes))``: rows true, columns predicted.

    >>> confusion_matrix([0, 1, 1], [0, 0, 1], n_classes=2).tolist()
    [[1, 0], [1, 1]]
    """
    t = check_labels(y_true, n_classes, "y_true")
    p = check_labels(y_pred, n_classes, "y_pred")
    if t.shape != p.shape:
        raise ValueError(f"y_true and y_pred differ in length: {t.shape[0]} vs {p.shape[0]}")
    return _confusion(t, p, n_classes)


def _confusion(t: IntArray, p: IntArray, k: int) -> IntArray:
    codes = np.multiply(t, k, dtype=np.int64)
    np.add(codes, p, out=codes)
    return np.bincount(codes, minlength=k * k).reshape(k, k).astype(np.int64, copy=False)


def _class_findings(counts: PerClassCounts, with_scores: bool) -> list[Finding]:
    out: list[Finding] = []

    def listed(idx: IntArray) -> str:
        head = ", ".join(str(int(i)) for i in idx[:10])
        return head + (f", ... ({idx.size} in all)" if idx.size > 10 else "")

    absent = np.flatnonzero(counts.support == 0)
    if absent.size:
        out.append(
            Finding(
                "CLASS_NEVER_PRESENT",
                f"classes never present in the truth: {listed(absent)}; their recall and F1 are 0 "
                "(zero_division=0)",
                f"class_names[{int(absent[0])}]",
            )
        )
        if with_scores:
            out.append(
                Finding(
                    "AVERAGE_PRECISION_NO_POSITIVES",
                    f"average precision of classes without positives is 0 (as sklearn): {listed(absent)}",
                    f"class_names[{int(absent[0])}]",
                )
            )
    never = np.flatnonzero(counts.predicted == 0)
    if never.size:
        out.append(
            Finding(
                "CLASS_NEVER_PREDICTED",
                f"classes never predicted: {listed(never)}; their precision is 0 (zero_division=0)",
                f"class_names[{int(never[0])}]",
            )
        )
    return out


def _per_class(counts: PerClassCounts, ratios: FloatArray, ap: FloatArray | None) -> PerClass:
    return PerClass(ratios[0], ratios[1], ratios[2], counts.support, counts.predicted, ap)


def _log_loss_true(p_true: AnyFloat) -> float:
    """Mean of -log(clip(p, eps, 1 - eps)) with eps of p's dtype (sklearn ``_log_loss``)."""
    if p_true.size == 0:
        return 0.0
    eps = np.finfo(p_true.dtype).eps
    clipped = np.clip(p_true, eps, 1 - eps).astype(np.float64)
    return float(-np.log(clipped).mean())


def single_label_summary(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike | None = None,
    *,
    n_classes: int,
    scores: npt.ArrayLike | None = None,
    probabilities: bool = False,
    top_k: Sequence[int] = (),
    calibration_bins: int = 15,
    ranking: RankingOptions | None = None,
) -> Summary:
    """The report for single-label predictions (class indices in ``[0, n_classes)``).

    ``y_pred`` may be None when ``scores`` (n x k) are given: the row argmax, lowest index on ties.
    ``top_k`` needs scores; ``probabilities=True`` (rows assumed non-negative and summing to 1, which the
    ops layer checks) adds log loss and top-label calibration. zero_division=0 throughout.
    ``ranking``: curves and partial AUC (:class:`RankingOptions`; with scores).

    >>> s = single_label_summary([0, 1, 1], [0, 0, 1], n_classes=2)
    >>> s.accuracy, s.per_class.recall.tolist()
    (0.6666666666666666, [1.0, 0.5])
    """
    t = check_labels(y_true, n_classes, "y_true")
    n = t.shape[0]
    s = check_scores(scores, n, n_classes)
    if y_pred is None:
        if s is None:
            raise ValueError("either y_pred or scores is required")
        p: IntArray = np.argmax(s, axis=1).astype(np.int64) if n else np.zeros(0, np.int64)
    else:
        p = check_labels(y_pred, n_classes, "y_pred")
        if p.shape != t.shape:
            raise ValueError(f"y_true and y_pred differ in length: {n} vs {p.shape[0]}")
    if top_k and s is None:
        raise ValueError("top_k needs scores")
    if calibration_bins < 1:
        raise ValueError("calibration_bins must be >= 1")
    return summarize_single(
        t,
        p,
        n_classes,
        s=s,
        probabilities=probabilities,
        top_k=tuple(int(k) for k in top_k),
        bins=calibration_bins,
        cm=None,
        ranking=ranking,
    )


def summarize_single(
    t: IntArray,
    p: IntArray,
    k: int,
    *,
    s: AnyFloat | None,
    probabilities: bool,
    top_k: tuple[int, ...],
    bins: int,
    cm: IntArray | None,
    ranking: RankingOptions | None = None,
) -> Summary:
    """The single-label report of checked inputs (``cm``: their confusion matrix, when already counted)."""
    n = t.shape[0]
    if cm is None:
        cm = _confusion(t, p, k)
    tp = np.diagonal(cm).astype(np.int64)
    counts = PerClassCounts(tp, cm.sum(axis=0, dtype=np.int64), cm.sum(axis=1, dtype=np.int64))
    findings = _class_findings(counts, s is not None)
    ap = None
    ranked = None
    topk: tuple[tuple[int, float], ...] = ()
    calib = None
    loss = None
    if s is not None:
        checkpoint()
        onehot = t[:, None] == np.arange(k)[None, :]
        ranked = ranking_metrics(onehot, s, y_true=t, options=ranking or RankingOptions())
        ap = ranked.average_precision
        findings.extend(ranked.findings)
        if top_k:
            topk = _top_k_accuracy(t, s, top_k, findings)
        if probabilities:
            checkpoint()
            loss, calib = _top_label_probabilities(t, s, bins)
    ratios = counts.ratios()
    micro, macro, weighted = averages(counts, ratios, ap=ap)
    return Summary(
        num_assets=n,
        accuracy=float(tp.sum() / n) if n else 0.0,
        top_k=topk,
        per_class=_per_class(counts, ratios, ap),
        micro=micro,
        macro=macro,
        weighted=weighted,
        samples=None,
        confusion_matrix=cm,
        calibration=calib,
        log_loss=loss,
        hamming_loss=None,
        findings=tuple(findings),
        ranking=ranked,
    )


def _top_k_accuracy(
    t: IntArray, s: AnyFloat, top_k: tuple[int, ...], findings: list[Finding]
) -> tuple[tuple[int, float], ...]:
    """(k, accuracy) per requested k, from one rank of the true class per row (sklearn's tie order);
    a k >= the number of classes scores 1.0 and adds a TOP_K_TRIVIAL finding."""
    n, k = s.shape
    rank = true_class_rank(t, s) if n else np.zeros(0, np.int64)
    hits = np.bincount(np.minimum(rank, k), minlength=k + 1).cumsum()
    out: list[tuple[int, float]] = []
    for kk in top_k:
        if kk >= k:
            out.append((kk, 1.0))
            message = f"k={kk} >= number of classes ({k}) scores 1.0 (as sklearn)"
            findings.append(Finding("TOP_K_TRIVIAL", message, "top_k"))
        else:
            out.append((kk, float(hits[kk - 1] / n) if n else 0.0))
    return tuple(out)


def _top_label_probabilities(t: IntArray, s: AnyFloat, bins: int) -> tuple[float, Calibration]:
    """Log loss of the true class and the top-label reliability bins."""
    rows = np.arange(t.shape[0])
    top = np.argmax(s, axis=1) if t.shape[0] else np.zeros(0, np.int64)
    return _log_loss_true(s[rows, t]), calibration(s[rows, top], top == t, n_bins=bins)


def _binary_log_loss(truth: BoolArray, s: AnyFloat) -> float:
    if s.size == 0:
        return 0.0
    eps = np.finfo(s.dtype).eps
    # The per-entry losses in spans of rows (elementwise, so unchanged), then one mean over all.
    losses = np.empty(s.shape, dtype=np.float64)
    for lo, hi in spans(s.shape[0], max(1, LOSS_SPAN // max(s.shape[1], 1))):
        p = np.clip(s[lo:hi], eps, 1 - eps).astype(np.float64)
        losses[lo:hi] = -np.where(truth[lo:hi], np.log(p), np.log1p(-p))
    return float(losses.mean())


def multi_label_summary(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike | None = None,
    *,
    scores: npt.ArrayLike | None = None,
    threshold: float = 0.5,
    probabilities: bool = False,
    calibration_bins: int = 15,
    ranking: RankingOptions | None = None,
) -> Summary:
    """The report for multi-label indicator matrices (n x k).

    ``y_pred`` may be None when ``scores`` are given: ``scores >= threshold``. Samples averages follow
    sklearn ``average='samples'`` with zero_division=0 (an asset with no true and no predicted labels
    scores 0). With ``probabilities``: binary log loss over entries and per-entry calibration.
    """
    t = check_indicator(y_true, "y_true", None)
    s = check_scores(scores, t.shape[0], t.shape[1])
    if y_pred is None:
        if s is None:
            raise ValueError("either y_pred or scores is required")
        p = s >= threshold
    else:
        p = check_indicator(y_pred, "y_pred", (t.shape[0], t.shape[1]))
    if calibration_bins < 1:
        raise ValueError("calibration_bins must be >= 1")
    return summarize_multi(t, p, s, probabilities, calibration_bins, ranking=ranking)


def summarize_multi(
    t: BoolArray,
    p: BoolArray,
    s: AnyFloat | None,
    probabilities: bool,
    bins: int,
    *,
    ranking: RankingOptions | None = None,
) -> Summary:
    """The multi-label report of checked indicator matrices (``s``: their scores, or None)."""
    n, k = t.shape
    both = t & p
    tp = both.sum(axis=0, dtype=np.int64)
    pred = p.sum(axis=0, dtype=np.int64)
    support = t.sum(axis=0, dtype=np.int64)
    counts = PerClassCounts(tp, pred, support)
    fp, fn = pred - tp, support - tp
    tn = n - tp - fp - fn
    mcm = np.stack([tn, fp, fn, tp], axis=1).reshape(k, 2, 2).astype(np.int64)
    checkpoint()
    wrong = t != p
    row_wrong = wrong.any(axis=1)
    accuracy = float(1.0 - row_wrong.mean()) if n else 0.0
    hamming = float(wrong.mean()) if wrong.size else 0.0
    checkpoint()
    row_tp = both.sum(axis=1, dtype=np.int64)
    row_true = t.sum(axis=1, dtype=np.int64)
    row_pred = p.sum(axis=1, dtype=np.int64)
    samples = Averaged(
        float(safe_divide(row_tp, row_pred).mean()) if n else 0.0,
        float(safe_divide(row_tp, row_true).mean()) if n else 0.0,
        float(safe_divide(2.0 * row_tp, row_true + row_pred).mean()) if n else 0.0,
        int(support.sum()),
        None,
    )
    ap = None
    ranked = None
    calib = None
    loss = None
    if s is not None:
        checkpoint()
        ranked = ranking_metrics(t, s, options=ranking or RankingOptions())
        ap = ranked.average_precision
        if probabilities:
            checkpoint()
            loss = _binary_log_loss(t, s)
            checkpoint()
            calib = calibration(s, t, n_bins=bins)
    ratios = counts.ratios()
    micro, macro, weighted = averages(counts, ratios, ap=ap)
    return Summary(
        num_assets=n,
        accuracy=accuracy,
        top_k=(),
        per_class=_per_class(counts, ratios, ap),
        micro=micro,
        macro=macro,
        weighted=weighted,
        samples=samples,
        confusion_matrix=mcm,
        calibration=calib,
        log_loss=loss,
        hamming_loss=hamming,
        findings=tuple(_class_findings(counts, s is not None)) + (() if ranked is None else ranked.findings),
        ranking=ranked,
    )
