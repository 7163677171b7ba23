"""Slices: the full report per value of a metadata column, worst first by one ranking metric.

Single-label slices are ranked from sparse (slice, class) counts, linear in the rows whatever the number
of slices and classes; a slice's k x k confusion matrix is counted only when it is reported.
Multi-label counts come from one segmented sum per column.
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
from curation.core.classification._checks import check_indicator, check_labels, check_scores, check_weights
from curation.core.classification._precision_recall import safe_divide
from curation.core.classification.options import MetricOptions
from curation.core.classification.ranking import RankingOptions
from curation.core.classification.summary import DEFAULT_OPTIONS, Summary, summarize_multi, summarize_single

__all__ = ["SLICE_METRICS", "SliceReport", "SliceSummary", "multi_label_slices", "single_label_slices"]

# Slice values sorted per span (between two cancellation checkpoints) when factorising.
FACTORIZE_SPAN = 1 << 17
SLICE_METRICS = ("accuracy", "macro_f1", "micro_f1", "weighted_f1", "macro_recall", "macro_precision")


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


def _no_curves(options: RankingOptions | None) -> RankingOptions | None:
    return None if options is None else RankingOptions(max_fpr=options.max_fpr)


def _factorize(values: npt.ArrayLike, n: int) -> tuple[npt.NDArray[np.str_], IntArray]:
    """The sorted distinct values and each row's index among them, as ``np.unique``; the string sort
    goes span by span (a checkpoint between spans) and the spans' distinct values are merged."""
    vals = np.asarray(values, dtype=np.str_)
    if vals.shape != (n,):
        raise ValueError(f"slice values must have length {n}, got {vals.shape}")
    parts = []
    for lo, hi in spans(n, FACTORIZE_SPAN):
        local, local_inv = np.unique(vals[lo:hi], return_inverse=True)
        parts.append((lo, hi, local, local_inv.reshape(-1)))
    uniq = np.unique(np.concatenate([p[2] for p in parts])) if parts else vals[:0]
    inv = np.empty(n, dtype=np.int64)
    for lo, hi, local, local_inv in parts:
        inv[lo:hi] = np.searchsorted(uniq, local)[local_inv]
    return uniq, inv


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
    sample_weight: npt.ArrayLike | None = None,
    options: MetricOptions = DEFAULT_OPTIONS,
    ranking: RankingOptions | None = None,
) -> SliceReport:
    """Full summaries per distinct value of ``values``, worst ``metric`` first (``ranking``: the
    summaries' partial AUC option; slices carry no curves).

    Ranking: metric ascending, then larger support, then value; slices with support < ``min_support``
    follow the ranked ones (``ranked=False``); at most ``max_slices`` are returned. With
    ``sample_weight`` the ranking metric and every summary are weighted (support stays a count of
    assets); the ranking metric takes 0 for a zero denominator whatever ``options.zero_division``.
    """
    k = n_classes
    t = check_labels(y_true, k, "y_true")
    p = check_labels(y_pred, k, "y_pred")
    n = t.shape[0]
    s = check_scores(scores, n, k)
    w = check_weights(sample_weight, n)
    checkpoint()
    uniq, inv = _factorize(values, n)
    checkpoint()
    n_groups = uniq.shape[0]
    stat, sizes = _sparse_slice_metric(metric, inv, t, p, k=k, n_groups=n_groups, w=w)
    keep, ranked = _rank_slices(stat, sizes, min_support, max_slices)
    checkpoint()
    order, starts = _segments(inv, n_groups)
    out = []
    for g, is_ranked in zip(keep.tolist(), ranked.tolist(), strict=True):
        checkpoint()
        rows = np.sort(order[starts[g] : starts[g + 1]])
        summary = summarize_single(
            t[rows],
            p[rows],
            k,
            s=None if s is None else s[rows],
            probabilities=probabilities,
            top_k=tuple(top_k),
            bins=calibration_bins,
            cm=None,
            w=None if w is None else w[rows],
            options=options,
            ranking=_no_curves(ranking),
        )
        out.append(SliceSummary(str(uniq[g]), int(sizes[g]), float(stat[g]), is_ranked, summary))
    return SliceReport(metric, tuple(out), n_groups)


def _sparse_slice_metric(
    metric: str, inv: IntArray, t: IntArray, p: IntArray, *, k: int, n_groups: int, w: FloatArray | None
) -> tuple[FloatArray, IntArray]:
    """The ranking statistic and size of every single-label slice from its (slice, class) counts,
    kept sparse: memory is linear in the rows, never slices x k x k (a slice's confusion matrix is
    counted only for the slices reported)."""
    n = t.shape[0]
    sizes = np.bincount(inv, minlength=n_groups).astype(np.int64)
    keys, pos = np.unique(np.concatenate([inv * k + t, inv * k + p]), return_inverse=True)
    pos = pos.reshape(-1)
    if w is None:
        support = np.bincount(pos[:n], minlength=keys.shape[0]).astype(np.int64)
        pred = np.bincount(pos[n:], minlength=keys.shape[0]).astype(np.int64)
        tp = np.bincount(pos[:n], weights=t == p, minlength=keys.shape[0]).astype(np.int64)
        mass: npt.NDArray[np.floating] | IntArray = sizes
    else:
        support = np.bincount(pos[:n], weights=w, minlength=keys.shape[0])
        pred = np.bincount(pos[n:], weights=w, minlength=keys.shape[0])
        tp = np.bincount(pos[:n], weights=np.where(t == p, w, 0.0), minlength=keys.shape[0])
        mass = np.bincount(inv, weights=w, minlength=n_groups)
    group = keys // k

    def per_slice(values: npt.ArrayLike) -> FloatArray:
        sums = np.bincount(group, weights=np.asarray(values, dtype=np.float64), minlength=n_groups)
        return np.asarray(sums, dtype=np.float64)

    if metric in ("accuracy", "micro_f1"):  # single-label: micro F1 = accuracy
        return safe_divide(per_slice(tp), mass), sizes
    if metric == "macro_recall":
        return per_slice(safe_divide(tp, support)) / k, sizes
    if metric == "macro_precision":
        return per_slice(safe_divide(tp, pred)) / k, sizes
    f1 = safe_divide(2.0 * tp, support + pred)
    if metric == "macro_f1":
        return per_slice(f1) / k, sizes
    if metric == "weighted_f1":
        tot = per_slice(support)
        return np.where(tot > 0, safe_divide(per_slice(f1 * support), tot), per_slice(f1) / k), sizes
    raise ValueError(f"unknown slice metric {metric!r}; one of {SLICE_METRICS}")


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
    sample_weight: npt.ArrayLike | None = None,
    options: MetricOptions = DEFAULT_OPTIONS,
    ranking: RankingOptions | None = None,
) -> SliceReport:
    """Multi-label counterpart of :func:`single_label_slices` (accuracy = subset accuracy)."""
    t = check_indicator(y_true, "y_true", None)
    n, k = t.shape
    p = check_indicator(y_pred, "y_pred", (n, k))
    s = check_scores(scores, n, k)
    w = check_weights(sample_weight, n)
    checkpoint()
    uniq, inv = _factorize(values, n)
    checkpoint()
    n_groups = uniq.shape[0]
    order, starts = _segments(inv, n_groups)
    checkpoint()
    sizes = np.diff(starts)
    tp, pred, support, correct, mass = _segment_sums(t, p, order, starts, w)
    stat = _slice_metric(metric, tp=tp, pred=pred, support=support, correct=correct, n=mass)
    keep, ranked = _rank_slices(stat, sizes, min_support, max_slices)
    out = []
    for g, is_ranked in zip(keep.tolist(), ranked.tolist(), strict=True):
        checkpoint()
        rows = np.sort(order[starts[g] : starts[g + 1]])
        summary = summarize_multi(
            t[rows],
            p[rows],
            None if s is None else s[rows],
            probabilities,
            calibration_bins,
            w=None if w is None else w[rows],
            options=options,
            ranking=_no_curves(ranking),
        )
        out.append(SliceSummary(str(uniq[g]), int(sizes[g]), float(stat[g]), is_ranked, summary))
    return SliceReport(metric, tuple(out), n_groups)


def _segment_sums(
    t: BoolArray, p: BoolArray, order: IntArray, starts: IntArray, w: FloatArray | None
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    """Per multi-label slice: tp, predicted and true per class, correct rows and the slice's mass (its
    size, or its weight), each row counted with its weight when ``w`` is given."""
    n, k = t.shape
    sizes = np.diff(starts)
    if not n:
        zeros = np.zeros((0, k), np.int64)
        return zeros, zeros, zeros, np.zeros(0, np.int64), sizes
    st, sp = t[order], p[order]
    heads = starts[:-1]
    row_w = np.ones(n, np.int64) if w is None else w[order]
    col_w = row_w[:, None]
    tp = np.add.reduceat((st & sp) * col_w, heads, axis=0)
    pred = np.add.reduceat(sp * col_w, heads, axis=0)
    support = np.add.reduceat(st * col_w, heads, axis=0)
    correct = np.add.reduceat((st == sp).all(axis=1) * row_w, heads)
    mass = sizes if w is None else np.add.reduceat(row_w, heads)
    return tp, pred, support, correct, mass
