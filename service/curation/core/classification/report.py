"""Classification diagnostics: the sklearn classification report, confusion, ranking and calibration.

Definitions follow ``sklearn.metrics`` 1.9.1 with ``labels=range(n_classes)`` everywhere, so classes that
are never present or never predicted are still reported:

- ``accuracy_score`` (subset accuracy for multi-label), ``confusion_matrix`` /
  ``multilabel_confusion_matrix``, ``hamming_loss``;
- ``precision_recall_fscore_support`` with ``zero_division=0``: a ratio with a zero denominator is 0 and
  F1 = 2 tp / (support + predicted) (see :mod:`curation.core.classification._precision_recall`);
  averages micro, macro, weighted and (multi-label) samples;
- ``top_k_accuracy_score``: a k >= n_classes scores 1.0 (sklearn's value; it warns that it is trivial);
- ``average_precision_score`` one-vs-rest per score column; a class with no positives scores 0.0;
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

from curation.core._common.findings import Finding
from curation.core._common.hashing import stable_string_hash
from curation.core.classification._precision_recall import Averaged, PerClassCounts, average, safe_divide
from curation.core.classification._ranking_metrics import average_precision_per_class, true_class_rank
from curation.core.classification.calibration import Calibration, calibration

__all__ = [
    "SLICE_METRICS",
    "Averaged",
    "Calibration",
    "Finding",
    "Misclassified",
    "PerClass",
    "SliceReport",
    "SliceSummary",
    "Summary",
    "confusion_matrix",
    "misclassified_multi_label",
    "misclassified_single_label",
    "multi_label_slices",
    "multi_label_summary",
    "single_label_slices",
    "single_label_summary",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
AnyFloat = npt.NDArray[np.floating]

SLICE_METRICS = ("accuracy", "macro_f1", "micro_f1", "weighted_f1", "macro_recall", "macro_precision")


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
    warnings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Misclassified:
    """Misclassified rows, most confidently wrong first."""

    rows: IntArray
    confidence: FloatArray
    # Single-label with scores: the score of the true class, aligned with ``rows``.
    true_class_score: FloatArray | None


@dataclass(frozen=True, slots=True)
class SliceSummary:
    value: str
    support: int
    metric: float
    ranked: bool
    summary: Summary


@dataclass(frozen=True, slots=True)
class SliceReport:
    metric: str
    slices: tuple[SliceSummary, ...]
    num_values: int


# ---------------------------------------------------------------------------------------- checks
def _labels(y: npt.ArrayLike, n_classes: int, name: str) -> IntArray:
    arr = np.asarray(y)
    if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must be a 1-d integer array")
    if arr.size:
        # One pass: negative values wrap to huge unsigned values.
        unsigned = arr.view(np.dtype(f"u{arr.dtype.itemsize}"))
        if int(unsigned.max()) >= n_classes:
            bad = int(np.flatnonzero((arr < 0) | (arr >= n_classes))[0])
            raise ValueError(f"{name}[{bad}] = {int(arr[bad])} is outside [0, {n_classes})")
    return arr


def _scores(scores: npt.ArrayLike | None, n: int, k: int) -> AnyFloat | None:
    if scores is None:
        return None
    arr = np.asarray(scores)
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if arr.shape != (n, k):
        raise ValueError(f"scores must have shape ({n}, {k}), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("scores must be finite")
    return arr


# ---------------------------------------------------------------------------------------- pieces
def confusion_matrix(y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, n_classes: int) -> IntArray:
    """sklearn ``confusion_matrix(y_true, y_pred, labels=range(n_classes))``: rows true, columns predicted.

    >>> confusion_matrix([0, 1, 1], [0, 0, 1], n_classes=2).tolist()
    [[1, 0], [1, 1]]
    """
    t = _labels(y_true, n_classes, "y_true")
    p = _labels(y_pred, n_classes, "y_pred")
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


def _per_class(counts: PerClassCounts, ap: FloatArray | None) -> PerClass:
    return PerClass(counts.precision, counts.recall, counts.f1, counts.support, counts.predicted, ap)


def _log_loss_true(p_true: AnyFloat) -> float:
    """Mean of -log(clip(p, eps, 1 - eps)) with eps of p's dtype (sklearn ``_log_loss``)."""
    if p_true.size == 0:
        return 0.0
    eps = np.finfo(p_true.dtype).eps
    clipped = np.clip(p_true, eps, 1 - eps).astype(np.float64)
    return float(-np.log(clipped).mean())


# ---------------------------------------------------------------------------------------- single-label
def single_label_summary(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike | None = None,
    *,
    n_classes: int,
    scores: npt.ArrayLike | None = None,
    probabilities: bool = False,
    top_k: Sequence[int] = (),
    calibration_bins: int = 15,
) -> Summary:
    """The report for single-label predictions (class indices in ``[0, n_classes)``).

    ``y_pred`` may be None when ``scores`` (n x k) are given: the row argmax, lowest index on ties.
    ``top_k`` needs scores; ``probabilities=True`` (rows assumed non-negative and summing to 1, which the
    ops layer checks) adds log loss and top-label calibration. zero_division=0 throughout.

    >>> s = single_label_summary([0, 1, 1], [0, 0, 1], n_classes=2)
    >>> s.accuracy, s.per_class.recall.tolist()
    (0.6666666666666666, [1.0, 0.5])
    """
    t = _labels(y_true, n_classes, "y_true")
    n = t.shape[0]
    s = _scores(scores, n, n_classes)
    if y_pred is None:
        if s is None:
            raise ValueError("either y_pred or scores is required")
        p: IntArray = np.argmax(s, axis=1).astype(np.int64) if n else np.zeros(0, np.int64)
    else:
        p = _labels(y_pred, n_classes, "y_pred")
        if p.shape != t.shape:
            raise ValueError(f"y_true and y_pred differ in length: {n} vs {p.shape[0]}")
    if top_k and s is None:
        raise ValueError("top_k needs scores")
    if calibration_bins < 1:
        raise ValueError("calibration_bins must be >= 1")
    return _single_summary(
        t,
        p,
        n_classes,
        s=s,
        probabilities=probabilities,
        top_k=tuple(int(k) for k in top_k),
        bins=calibration_bins,
        cm=None,
    )


def _single_summary(
    t: IntArray,
    p: IntArray,
    k: int,
    *,
    s: AnyFloat | None,
    probabilities: bool,
    top_k: tuple[int, ...],
    bins: int,
    cm: IntArray | None,
) -> Summary:
    n = t.shape[0]
    if cm is None:
        cm = _confusion(t, p, k)
    tp = np.diagonal(cm).astype(np.int64)
    counts = PerClassCounts(tp, cm.sum(axis=0, dtype=np.int64), cm.sum(axis=1, dtype=np.int64))
    accuracy = float(tp.sum() / n) if n else 0.0
    findings = _class_findings(counts, s is not None)
    ap = None
    topk: list[tuple[int, float]] = []
    calib = None
    loss = None
    if s is not None:
        positives = t[:, None] == np.arange(k)[None, :]
        ap = average_precision_per_class(positives, s)
        if top_k:
            rank = true_class_rank(t, s) if n else np.zeros(0, np.int64)
            hits = np.bincount(np.minimum(rank, k), minlength=k + 1).cumsum()
            for kk in top_k:
                if kk >= k:
                    topk.append((kk, 1.0))
                    findings.append(
                        Finding(
                            "TOP_K_TRIVIAL",
                            f"k={kk} >= number of classes ({k}) scores 1.0 (as sklearn)",
                            "top_k",
                        )
                    )
                else:
                    topk.append((kk, float(hits[kk - 1] / n) if n else 0.0))
        if probabilities:
            rows = np.arange(n)
            loss = _log_loss_true(s[rows, t])
            top = np.argmax(s, axis=1) if n else np.zeros(0, np.int64)
            calib = calibration(s[rows, top], top == t, n_bins=bins)
    return Summary(
        num_assets=n,
        accuracy=accuracy,
        top_k=tuple(topk),
        per_class=_per_class(counts, ap),
        micro=average(counts, "micro"),
        macro=average(counts, "macro", ap=ap),
        weighted=average(counts, "weighted", ap=ap),
        samples=None,
        confusion_matrix=cm,
        calibration=calib,
        log_loss=loss,
        hamming_loss=None,
        warnings=tuple(findings),
    )


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


# ---------------------------------------------------------------------------------------- multi-label
def _indicator(y: npt.ArrayLike, name: str, shape: tuple[int, int] | None) -> BoolArray:
    arr = np.asarray(y)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be an n x k indicator matrix")
    if shape is not None and arr.shape != shape:
        raise ValueError(f"{name} must have shape {shape}, got {arr.shape}")
    if arr.dtype != np.bool_:
        if arr.size and not np.isin(arr, (0, 1)).all():
            raise ValueError(f"{name} must hold only 0 and 1")
        arr = arr.astype(bool)
    return arr


def _binary_log_loss(truth: BoolArray, s: AnyFloat) -> float:
    if s.size == 0:
        return 0.0
    eps = np.finfo(s.dtype).eps
    p = np.clip(s, eps, 1 - eps).astype(np.float64)
    return float(-np.where(truth, np.log(p), np.log1p(-p)).mean())


def multi_label_summary(
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike | None = None,
    *,
    scores: npt.ArrayLike | None = None,
    threshold: float = 0.5,
    probabilities: bool = False,
    calibration_bins: int = 15,
) -> Summary:
    """The report for multi-label indicator matrices (n x k).

    ``y_pred`` may be None when ``scores`` are given: ``scores >= threshold``. Samples averages follow
    sklearn ``average='samples'`` with zero_division=0 (an asset with no true and no predicted labels
    scores 0). With ``probabilities``: binary log loss over entries and per-entry calibration.
    """
    t = _indicator(y_true, "y_true", None)
    s = _scores(scores, t.shape[0], t.shape[1])
    if y_pred is None:
        if s is None:
            raise ValueError("either y_pred or scores is required")
        p = s >= threshold
    else:
        p = _indicator(y_pred, "y_pred", (t.shape[0], t.shape[1]))
    if calibration_bins < 1:
        raise ValueError("calibration_bins must be >= 1")
    return _multi_summary(t, p, s, probabilities, calibration_bins)


def _multi_summary(t: BoolArray, p: BoolArray, s: AnyFloat | None, probabilities: bool, bins: int) -> Summary:
    n, k = t.shape
    both = t & p
    tp = both.sum(axis=0, dtype=np.int64)
    pred = p.sum(axis=0, dtype=np.int64)
    support = t.sum(axis=0, dtype=np.int64)
    counts = PerClassCounts(tp, pred, support)
    fp, fn = pred - tp, support - tp
    tn = n - tp - fp - fn
    mcm = np.stack([tn, fp, fn, tp], axis=1).reshape(k, 2, 2).astype(np.int64)
    wrong = t != p
    row_wrong = wrong.any(axis=1)
    accuracy = float(1.0 - row_wrong.mean()) if n else 0.0
    hamming = float(wrong.mean()) if wrong.size else 0.0
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
    calib = None
    loss = None
    if s is not None:
        ap = average_precision_per_class(t, s)
        if probabilities:
            loss = _binary_log_loss(t, s)
            calib = calibration(s, t, n_bins=bins)
    return Summary(
        num_assets=n,
        accuracy=accuracy,
        top_k=(),
        per_class=_per_class(counts, ap),
        micro=average(counts, "micro"),
        macro=average(counts, "macro", ap=ap),
        weighted=average(counts, "weighted", ap=ap),
        samples=samples,
        confusion_matrix=mcm,
        calibration=calib,
        log_loss=loss,
        hamming_loss=hamming,
        warnings=tuple(_class_findings(counts, s is not None)),
    )


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


# ---------------------------------------------------------------------------------------- slices
def _slice_metric(
    metric: str, *, tp: IntArray, pred: IntArray, support: IntArray, correct: IntArray, n: IntArray
) -> FloatArray:
    """The ranking statistic for S slices at once from (S, k) per-class counts."""
    if metric == "accuracy":
        return safe_divide(correct, n)
    if metric == "micro_f1":
        return safe_divide(2.0 * tp.sum(1), support.sum(1) + pred.sum(1))
    if metric == "macro_recall":
        return np.asarray(safe_divide(tp, support).mean(axis=1), dtype=np.float64)
    if metric == "macro_precision":
        return np.asarray(safe_divide(tp, pred).mean(axis=1), dtype=np.float64)
    f1 = safe_divide(2.0 * tp, support + pred)
    if metric == "macro_f1":
        return np.asarray(f1.mean(axis=1), dtype=np.float64)
    if metric == "weighted_f1":
        tot = support.sum(1)
        weighted = safe_divide((f1 * support).sum(1), tot)
        return np.where(tot > 0, weighted, f1.mean(axis=1))
    raise ValueError(f"unknown slice metric {metric!r}; one of {SLICE_METRICS}")


def _factorize(values: npt.ArrayLike, n: int) -> tuple[npt.NDArray[np.str_], IntArray]:
    vals = np.asarray(values, dtype=np.str_)
    if vals.shape != (n,):
        raise ValueError(f"slice values must have length {n}, got {vals.shape}")
    uniq, inv = np.unique(vals, return_inverse=True)
    return uniq, inv.astype(np.int64).reshape(-1)


def _rank_slices(
    metric: FloatArray, support: IntArray, min_support: int, max_slices: int
) -> tuple[IntArray, BoolArray]:
    idx = np.arange(metric.shape[0])
    order = np.lexsort((idx, -support, metric))
    ranked = support[order] >= min_support
    order = np.concatenate([order[ranked], order[~ranked]])
    keep = order[:max_slices].astype(np.int64)
    return keep, support[keep] >= min_support


def _segments(inv: IntArray, n_groups: int) -> tuple[IntArray, IntArray]:
    order = np.argsort(inv, kind="stable").astype(np.int64)
    starts = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(inv, minlength=n_groups), out=starts[1:])
    return order, starts


def single_label_slices(
    values: npt.ArrayLike,
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    n_classes: int,
    scores: npt.ArrayLike | None = None,
    probabilities: bool = False,
    top_k: Sequence[int] = (),
    calibration_bins: int = 15,
    metric: str = "accuracy",
    min_support: int = 1,
    max_slices: int = 50,
) -> SliceReport:
    """Full summaries per distinct value of ``values``, worst ``metric`` first.

    All slices' confusion matrices come from one bincount over ``slice * k * k + true * k + pred``.
    Ranking: metric ascending, then larger support, then value; slices with support < ``min_support``
    follow the ranked ones (``ranked=False``); at most ``max_slices`` are returned.
    """
    k = n_classes
    t = _labels(y_true, k, "y_true")
    p = _labels(y_pred, k, "y_pred")
    n = t.shape[0]
    s = _scores(scores, n, k)
    uniq, inv = _factorize(values, n)
    n_groups = uniq.shape[0]
    codes = np.multiply(inv, k * k, dtype=np.int64)
    codes += t * k
    codes += p
    cms = np.bincount(codes, minlength=n_groups * k * k).reshape(n_groups, k, k).astype(np.int64)
    tp = np.diagonal(cms, axis1=1, axis2=2)
    support = cms.sum(axis=2)
    pred = cms.sum(axis=1)
    sizes = support.sum(axis=1)
    stat = _slice_metric(metric, tp=tp, pred=pred, support=support, correct=tp.sum(1), n=sizes)
    keep, ranked = _rank_slices(stat, sizes, min_support, max_slices)
    order, starts = _segments(inv, n_groups)
    out = []
    for g, is_ranked in zip(keep.tolist(), ranked.tolist(), strict=True):
        rows = np.sort(order[starts[g] : starts[g + 1]])
        summary = _single_summary(
            t[rows],
            p[rows],
            k,
            s=None if s is None else s[rows],
            probabilities=probabilities,
            top_k=tuple(top_k),
            bins=calibration_bins,
            cm=cms[g],
        )
        out.append(SliceSummary(str(uniq[g]), int(sizes[g]), float(stat[g]), is_ranked, summary))
    return SliceReport(metric, tuple(out), n_groups)


def multi_label_slices(
    values: npt.ArrayLike,
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    scores: npt.ArrayLike | None = None,
    probabilities: bool = False,
    calibration_bins: int = 15,
    metric: str = "micro_f1",
    min_support: int = 1,
    max_slices: int = 50,
) -> SliceReport:
    """Multi-label counterpart of :func:`single_label_slices` (accuracy = subset accuracy)."""
    t = _indicator(y_true, "y_true", None)
    n, k = t.shape
    p = _indicator(y_pred, "y_pred", (n, k))
    s = _scores(scores, n, k)
    uniq, inv = _factorize(values, n)
    n_groups = uniq.shape[0]
    order, starts = _segments(inv, n_groups)
    sizes = np.diff(starts)
    if n:
        st, sp = t[order], p[order]
        heads = starts[:-1]
        tp = np.add.reduceat((st & sp).astype(np.int64), heads, axis=0)
        pred = np.add.reduceat(sp.astype(np.int64), heads, axis=0)
        support = np.add.reduceat(st.astype(np.int64), heads, axis=0)
        correct = np.add.reduceat((st == sp).all(axis=1).astype(np.int64), heads)
    else:
        tp = pred = support = np.zeros((0, k), np.int64)
        correct = np.zeros(0, np.int64)
    stat = _slice_metric(metric, tp=tp, pred=pred, support=support, correct=correct, n=sizes)
    keep, ranked = _rank_slices(stat, sizes, min_support, max_slices)
    out = []
    for g, is_ranked in zip(keep.tolist(), ranked.tolist(), strict=True):
        rows = np.sort(order[starts[g] : starts[g + 1]])
        summary = _multi_summary(
            t[rows], p[rows], None if s is None else s[rows], probabilities, calibration_bins
        )
        out.append(SliceSummary(str(uniq[g]), int(sizes[g]), float(stat[g]), is_ranked, summary))
    return SliceReport(metric, tuple(out), n_groups)
