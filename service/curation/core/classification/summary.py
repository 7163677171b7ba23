"""The classification report of one set of assets: sklearn's numbers, confusion, calibration.

Definitions follow ``sklearn.metrics`` 1.9.1 with ``labels=range(n_classes)`` everywhere (unless
``MetricOptions.labels`` picks the averaged classes), so classes that are never present or never
predicted are still reported. ``sample_weight`` weights every number as sklearn's ``sample_weight`` does:

- ``accuracy_score`` (subset accuracy for multi-label), ``confusion_matrix`` (weighted; ``normalize=``)
  / ``multilabel_confusion_matrix``, ``hamming_loss``;
- ``precision_recall_fscore_support`` with the options' ``zero_division`` and ``beta`` (see
  :mod:`curation.core.classification._precision_recall`); averages micro, macro, weighted, (multi-label)
  samples and (2 classes) binary for ``pos_label``;
- ``balanced_accuracy_score``, ``matthews_corrcoef``, ``cohen_kappa_score`` (single-label; see
  :mod:`curation.core.classification._confusion_metrics`);
- ``top_k_accuracy_score``: a k >= n_classes scores 1.0 (sklearn's value; it warns that it is trivial);
  with two classes sklearn's binary rule (a 0.5/0.5 tie is class 0), with more its multiclass tie order;
- ``average_precision_score`` one-vs-rest per score column; a class with no positives scores 0.0;
  ROC AUC, micro/samples AP, one-vs-one AUC and curves: :mod:`curation.core.classification.ranking`;
- ``log_loss``: probabilities clipped to ``[eps, 1 - eps]`` with eps of the scores' dtype, not
  renormalised, computed in that dtype. Multi-label: the binary log loss over all n x k entries
  (``log_loss(Y.ravel(), S.ravel(), labels=[0, 1])``);
- ``brier_score_loss`` over the n x k probability matrix (single-label; halved with 2 classes).

Everything single-label is derived from the k x k confusion matrix, built with one ``bincount`` over
``y_true * k + y_pred``; nothing else touches all n rows unless scores or weights are given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from curation.core._common.arrays import BoolArray, FloatArray, IntArray
from curation.core._common.cancel import checkpoint
from curation.core._common.chunks import spans
from curation.core._common.findings import Finding
from curation.core.classification._checks import (
    AnyFloat,
    check_indicator,
    check_labels,
    check_scores,
    check_weights,
)
from curation.core.classification._confusion_metrics import (
    balanced_accuracy,
    cohen_kappa,
    matthews_corrcoef,
    normalized,
)
from curation.core.classification._precision_recall import (
    Averaged,
    PerClassCounts,
    averages,
    binary_average,
    nanaverage,
    prf_rows,
)
from curation.core.classification._ranking_metrics import true_class_rank
from curation.core.classification.calibration import Calibration, calibration
from curation.core.classification.options import MetricOptions
from curation.core.classification.ranking import Ranking, RankingOptions, ranking_metrics

__all__ = [
    "DEFAULT_OPTIONS",
    "Agreement",
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
    f_beta: FloatArray | None = None
    # With sample weights: the weight of the assets whose truth holds the class.
    weighted_support: FloatArray | None = None


@dataclass(frozen=True, slots=True)
class Agreement:
    """Single-label agreement statistics of the (weighted) confusion matrix."""

    balanced_accuracy: float
    adjusted_balanced_accuracy: float
    matthews_corrcoef: float
    cohen_kappa: float
    cohen_kappa_linear: float
    cohen_kappa_quadratic: float


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
    # Single-label with 2 classes: sklearn average='binary' for the positive class.
    binary: Averaged | None = None
    # With sample weights: the confusion matrix of weights (same layout as confusion_matrix).
    weighted_confusion: FloatArray | None = None
    # Single-label with a normalization: the (weighted) matrix normalized.
    normalized_confusion: FloatArray | None = None
    agreement: Agreement | None = None
    brier_score: float | None = None
    # With scores: ROC AUC, micro/samples AP, one-vs-one AUC and (when asked for) curves.
    ranking: Ranking | None = None


DEFAULT_OPTIONS = MetricOptions()


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


def _class_findings(counts: PerClassCounts, with_scores: bool, options: MetricOptions) -> list[Finding]:
    """Classes without (weighted) truth or predictions: zero-division findings under sklearn's "warn"
    (zero_division unspecified), and the average-precision one whenever scores were given."""
    out: list[Finding] = []

    def listed(idx: IntArray) -> str:
        head = ", ".join(str(int(i)) for i in idx[:10])
        return head + (f", ... ({idx.size} in all)" if idx.size > 10 else "")

    absent = np.flatnonzero(np.asarray(counts.true) == 0)
    if absent.size and options.warn:
        out.append(
            Finding(
                "CLASS_NEVER_PRESENT",
                f"classes never present in the truth: {listed(absent)}; their recall and F1 are 0 "
                "(zero_division=0)",
                f"class_names[{int(absent[0])}]",
            )
        )
    if absent.size and with_scores:
        out.append(
            Finding(
                "AVERAGE_PRECISION_NO_POSITIVES",
                f"average precision of classes without positives is 0 (as sklearn): {listed(absent)}",
                f"class_names[{int(absent[0])}]",
            )
        )
    never = np.flatnonzero(np.asarray(counts.predicted) == 0)
    if never.size and options.warn:
        out.append(
            Finding(
                "CLASS_NEVER_PREDICTED",
                f"classes never predicted: {listed(never)}; their precision is 0 (zero_division=0)",
                f"class_names[{int(never[0])}]",
            )
        )
    return out


def _per_class(
    counts: PerClassCounts, ratios: FloatArray, ap: FloatArray | None, predicted: IntArray, weighted: bool
) -> PerClass:
    f_beta = ratios[3] if ratios.shape[0] > 3 else None
    wsup = np.asarray(counts.true, dtype=np.float64) if weighted else None
    return PerClass(ratios[0], ratios[1], ratios[2], counts.support, predicted, ap, f_beta, wsup)


def _mean(values: npt.ArrayLike, w: FloatArray | None) -> float:
    """The mean of ``values`` (as float64), weighted as ``numpy.average`` by ``w``; 0 when empty or the
    weights sum to 0."""
    a = np.asarray(values, dtype=np.float64)
    if w is None:
        return float(a.mean()) if a.size else 0.0
    total = w.sum()
    return float(np.multiply(a, w).sum() / total) if total else 0.0


def _log_loss_true(p_true: AnyFloat, w: FloatArray | None) -> float:
    """Mean of -log(clip(p, eps, 1 - eps)) with eps of p's dtype, computed in that dtype (sklearn
    ``_log_loss``: float32 scores give float32 logs and mean, float64 scores float64)."""
    if p_true.size == 0:
        return 0.0
    eps = np.finfo(p_true.dtype).eps
    loss = -np.log(np.clip(p_true, eps, 1 - eps))
    if w is None:
        return float(loss.mean())
    return _mean(loss, w)


def _brier(t: IntArray, s: AnyFloat, w: FloatArray | None) -> float:
    """sklearn ``brier_score_loss`` of the n x k probability matrix: the (weighted) mean over rows of the
    squared distance to the one-hot truth, in the scores' dtype, halved when k = 2 (``scale_by_half``)."""
    n, k = s.shape
    onehot = np.zeros((n, k), dtype=s.dtype)
    onehot[np.arange(n), t] = 1
    per_row = np.sum((onehot - s) ** 2, axis=1)
    score = per_row.mean() if w is None else np.multiply(per_row, w).sum() / w.sum()
    if k < 3:
        score *= 0.5
    return float(score)


def _agreement(cm: npt.NDArray[Any], present: BoolArray, labels: IntArray | None) -> Agreement:
    """Balanced accuracy and Matthews correlation over every class; Cohen's kappa over ``labels`` (in
    their order, as sklearn's ``labels=``; every class when None)."""
    bal, adjusted = balanced_accuracy(cm)
    sub = cm if labels is None else cm[np.ix_(labels, labels)]
    return Agreement(
        bal,
        adjusted,
        matthews_corrcoef(cm, present),
        cohen_kappa(sub, None),
        cohen_kappa(sub, "linear"),
        cohen_kappa(sub, "quadratic"),
    )


def single_label_summary(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike | None = None,
    *,
    n_classes: int,
    scores: npt.ArrayLike | None = None,
    probabilities: bool = False,
    top_k: Sequence[int] = (),
    calibration_bins: int = 15,
    sample_weight: npt.ArrayLike | None = None,
    options: MetricOptions = DEFAULT_OPTIONS,
    ranking: RankingOptions | None = None,
) -> Summary:
    """The report for single-label predictions (class indices in ``[0, n_classes)``).

    ``y_pred`` may be None when ``scores`` (n x k) are given: the row argmax, lowest index on ties.
    ``top_k`` needs scores; ``probabilities=True`` (rows assumed non-negative and summing to 1, which the
    ops layer checks) adds log loss, Brier score and top-label calibration. ``sample_weight`` (n
    non-negative weights) weights every metric; ``options`` holds sklearn's other keywords.
    ``ranking``: curves and partial AUC (:class:`RankingOptions`; with scores).

    >>> s = single_label_summary([0, 1, 1], [0, 0, 1], n_classes=2)
    >>> s.accuracy, s.per_class.recall.tolist()
    (0.6666666666666666, [1.0, 0.5])
    """
    t = check_labels(y_true, n_classes, "y_true")
    n = t.shape[0]
    s = check_scores(scores, n, n_classes)
    w = check_weights(sample_weight, n)
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
        w=w,
        options=options,
    )


def _single_counts(
    t: IntArray, p: IntArray, k: int, cm: IntArray, w: FloatArray | None
) -> tuple[PerClassCounts, FloatArray | None]:
    """Per-class counts (weighted as sklearn's ``multilabel_confusion_matrix`` sums them: tp from the
    diagonal, predicted and true by ``bincount``) and the weighted confusion matrix."""
    support = cm.sum(axis=1, dtype=np.int64)
    if w is None:
        return PerClassCounts(
            np.diagonal(cm).astype(np.int64), cm.sum(axis=0, dtype=np.int64), support, support
        ), None
    codes = np.multiply(t, k, dtype=np.int64)
    np.add(codes, p, out=codes)
    cm_w: FloatArray = np.bincount(codes, weights=w, minlength=k * k).reshape(k, k).astype(np.float64)
    pred = np.bincount(p, weights=w, minlength=k).astype(np.float64)
    true = np.bincount(t, weights=w, minlength=k).astype(np.float64)
    return PerClassCounts(np.diagonal(cm_w).copy(), pred, true, support), cm_w


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
    w: FloatArray | None = None,
    options: MetricOptions = DEFAULT_OPTIONS,
    ranking: RankingOptions | None = None,
) -> Summary:
    """The single-label report of checked inputs (``cm``: their confusion matrix, when already counted;
    ``w``: their sample weights, or None)."""
    n = t.shape[0]
    if cm is None:
        cm = _confusion(t, p, k)
    counts, cm_w = _single_counts(t, p, k, cm, w)
    predicted = cm.sum(axis=0, dtype=np.int64)
    findings = _class_findings(counts, s is not None, options)
    ap = None
    ranked = None
    topk: tuple[tuple[int, float], ...] = ()
    calib = loss = brier = None
    if s is not None:
        checkpoint()
        onehot = t[:, None] == np.arange(k)[None, :]
        ranked = ranking_metrics(onehot, s, y_true=t, sample_weight=w, options=ranking or RankingOptions())
        ap = ranked.average_precision
        findings.extend(ranked.findings)
        if top_k:
            topk = _top_k_accuracy(t, s, top_k, findings, w)
        if probabilities:
            checkpoint()
            loss, calib = _top_label_probabilities(t, s, bins, w)
            brier = _brier(t, s, w) if n else 0.0
    ratios = counts.ratios(zero_division=options.zero_division, beta=options.beta)
    micro, macro, weighted = averages(
        counts, ratios, zero_division=options.zero_division, beta=options.beta, labels=options.labels,
        ap=ap, weighted=w is not None,
    )  # fmt: skip
    matrix: npt.NDArray[Any] = cm if cm_w is None else cm_w
    exact = float(counts.tp.sum() / n) if n else 0.0
    accuracy = exact if w is None else _mean(t == p, w)
    return Summary(
        num_assets=n,
        accuracy=accuracy,
        top_k=topk,
        per_class=_per_class(counts, ratios, ap, predicted, w is not None),
        micro=micro,
        macro=macro,
        weighted=weighted,
        samples=None,
        confusion_matrix=cm,
        calibration=calib,
        log_loss=loss,
        hamming_loss=None,
        findings=tuple(findings),
        binary=binary_average(counts, ratios, options.pos_label, ap=ap, weighted=w is not None)
        if k == 2
        else None,
        weighted_confusion=cm_w,
        normalized_confusion=None if options.normalize is None else normalized(matrix, options.normalize),
        agreement=_agreement(matrix, (counts.support + predicted) > 0, options.labels),
        brier_score=brier,
        ranking=ranked,
    )


def _top_k_accuracy(
    t: IntArray, s: AnyFloat, top_k: tuple[int, ...], findings: list[Finding], w: FloatArray | None
) -> tuple[tuple[int, float], ...]:
    """(k, accuracy) per requested k, from one rank of the true class per row (sklearn's tie order);
    a k >= the number of classes scores 1.0 and adds a TOP_K_TRIVIAL finding. With weights, each
    accuracy is ``numpy.average`` of the hits (sklearn's ``_average``)."""
    n, k = s.shape
    rank = true_class_rank(t, s) if n else np.zeros(0, np.int64)
    hits = np.bincount(np.minimum(rank, k), minlength=k + 1).cumsum()
    out: list[tuple[int, float]] = []
    for kk in top_k:
        if kk >= k:
            out.append((kk, 1.0))
            message = f"k={kk} >= number of classes ({k}) scores 1.0 (as sklearn)"
            findings.append(Finding("TOP_K_TRIVIAL", message, "top_k"))
        elif w is not None:
            out.append((kk, _mean(rank < kk, w)))
        else:
            out.append((kk, float(hits[kk - 1] / n) if n else 0.0))
    return tuple(out)


def _top_label_probabilities(
    t: IntArray, s: AnyFloat, bins: int, w: FloatArray | None
) -> tuple[float, Calibration]:
    """Log loss of the true class and the top-label reliability bins."""
    rows = np.arange(t.shape[0])
    top = np.argmax(s, axis=1) if t.shape[0] else np.zeros(0, np.int64)
    return _log_loss_true(s[rows, t], w), calibration(s[rows, top], top == t, n_bins=bins, weights=w)


def _binary_log_loss(truth: BoolArray, s: AnyFloat, w: FloatArray | None) -> float:
    if s.size == 0:
        return 0.0
    eps = np.finfo(s.dtype).eps
    # The per-entry losses in spans of rows (elementwise, so unchanged), then one mean over all.
    losses = np.empty(s.shape, dtype=np.float64)
    for lo, hi in spans(s.shape[0], max(1, LOSS_SPAN // max(s.shape[1], 1))):
        p = np.clip(s[lo:hi], eps, 1 - eps).astype(np.float64)
        losses[lo:hi] = -np.where(truth[lo:hi], np.log(p), np.log1p(-p))
    if w is None:
        return float(losses.mean())
    entry_w = np.repeat(w, s.shape[1])
    total = entry_w.sum()
    return float(np.multiply(losses.reshape(-1), entry_w).sum() / total) if total else 0.0


def multi_label_summary(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike | None = None,
    *,
    scores: npt.ArrayLike | None = None,
    threshold: float = 0.5,
    probabilities: bool = False,
    calibration_bins: int = 15,
    sample_weight: npt.ArrayLike | None = None,
    options: MetricOptions = DEFAULT_OPTIONS,
    ranking: RankingOptions | None = None,
) -> Summary:
    """The report for multi-label indicator matrices (n x k).

    ``y_pred`` may be None when ``scores`` are given: ``scores >= threshold``. Samples averages follow
    sklearn ``average='samples'`` (an asset with no true and no predicted labels scores
    ``zero_division``). With ``probabilities``: binary log loss over entries and per-entry calibration.
    """
    t = check_indicator(y_true, "y_true", None)
    s = check_scores(scores, t.shape[0], t.shape[1])
    w = check_weights(sample_weight, t.shape[0])
    if y_pred is None:
        if s is None:
            raise ValueError("either y_pred or scores is required")
        p = s >= threshold
    else:
        p = check_indicator(y_pred, "y_pred", (t.shape[0], t.shape[1]))
    if calibration_bins < 1:
        raise ValueError("calibration_bins must be >= 1")
    return summarize_multi(t, p, s, probabilities, calibration_bins, w=w, options=options, ranking=ranking)


def _multi_counts(
    t: BoolArray, p: BoolArray, both: BoolArray, w: FloatArray | None
) -> tuple[PerClassCounts, IntArray, FloatArray | None]:
    """Per-class counts, the (k, 2, 2) count blocks and, with weights, the weighted blocks."""
    n, k = t.shape
    tp = both.sum(axis=0, dtype=np.int64)
    pred = p.sum(axis=0, dtype=np.int64)
    support = t.sum(axis=0, dtype=np.int64)
    fp, fn = pred - tp, support - tp
    mcm = np.stack([n - tp - fp - fn, fp, fn, tp], axis=1).reshape(k, 2, 2).astype(np.int64)
    if w is None:
        return PerClassCounts(tp, pred, support, support), mcm, None
    tp_w, pred_w, true_w = (w @ m.astype(np.float64) for m in (both, p, t))
    fp_w, fn_w = pred_w - tp_w, true_w - tp_w
    mcm_w = np.stack([w.sum() - tp_w - fp_w - fn_w, fp_w, fn_w, tp_w], axis=1).reshape(k, 2, 2)
    return PerClassCounts(tp_w, pred_w, true_w, support), mcm, mcm_w


def _samples_average(
    t: BoolArray, p: BoolArray, both: BoolArray, w: FloatArray | None, options: MetricOptions
) -> Averaged:
    """sklearn ``average='samples'``: the metrics of each asset over the averaged classes, averaged over
    assets (weighted by ``w``)."""
    n = t.shape[0]
    cols = slice(None) if options.labels is None else options.labels
    support = int(t[:, cols].sum())
    if n == 0:
        return Averaged(0.0, 0.0, 0.0, support, None, 0.0 if options.beta is not None else None)
    rows = prf_rows(
        both[:, cols].sum(axis=1, dtype=np.int64),
        p[:, cols].sum(axis=1, dtype=np.int64),
        t[:, cols].sum(axis=1, dtype=np.int64),
        zero_division=options.zero_division,
        beta=options.beta,
    )
    v = [nanaverage(r, w) for r in rows]
    return Averaged(v[0], v[1], v[2], support, None, v[3] if options.beta is not None else None)


def summarize_multi(
    t: BoolArray,
    p: BoolArray,
    s: AnyFloat | None,
    probabilities: bool,
    bins: int,
    *,
    w: FloatArray | None = None,
    options: MetricOptions = DEFAULT_OPTIONS,
    ranking: RankingOptions | None = None,
) -> Summary:
    """The multi-label report of checked indicator matrices (``s``: their scores, or None; ``w``: their
    sample weights, or None)."""
    n, k = t.shape
    both = t & p
    counts, mcm, mcm_w = _multi_counts(t, p, both, w)
    checkpoint()
    wrong = t != p
    row_wrong = wrong.any(axis=1)
    if w is None:
        accuracy = float(1.0 - row_wrong.mean()) if n else 0.0
        hamming = float(wrong.mean()) if wrong.size else 0.0
    else:
        accuracy = _mean(~row_wrong, w)
        mean_w = np.mean(w)
        differences = np.dot(wrong.sum(axis=1).astype(np.float64), w)
        hamming = float(differences / (n * k * mean_w)) if n * k and mean_w else 0.0
    checkpoint()
    samples = _samples_average(t, p, both, w, options)
    ap = None
    ranked = None
    calib = None
    loss = None
    if s is not None:
        checkpoint()
        ranked = ranking_metrics(t, s, sample_weight=w, options=ranking or RankingOptions())
        ap = ranked.average_precision
        if probabilities:
            checkpoint()
            loss = _binary_log_loss(t, s, w)
            checkpoint()
            entry_w = None if w is None else np.broadcast_to(w[:, None], t.shape)
            calib = calibration(s, t, n_bins=bins, weights=entry_w)
    ratios = counts.ratios(zero_division=options.zero_division, beta=options.beta)
    micro, macro, weighted = averages(
        counts, ratios, zero_division=options.zero_division, beta=options.beta, labels=options.labels,
        ap=ap, weighted=w is not None,
    )  # fmt: skip
    return Summary(
        num_assets=n,
        accuracy=accuracy,
        top_k=(),
        per_class=_per_class(counts, ratios, ap, p.sum(axis=0, dtype=np.int64), w is not None),
        micro=micro,
        macro=macro,
        weighted=weighted,
        samples=samples,
        confusion_matrix=mcm,
        calibration=calib,
        log_loss=loss,
        hamming_loss=hamming,
        findings=tuple(_class_findings(counts, s is not None, options))
        + (() if ranked is None else ranked.findings),
        weighted_confusion=mcm_w,
        ranking=ranked,
    )
