"""ScoreClassification's request, validated: every field checked in a fixed order (so the first error a
caller sees does not depend on the protocol), defaults applied, repeated fields turned into arrays.

Defaults: ``zero_division`` unspecified -> 0 with warnings (sklearn's "warn"); ``labels`` empty ->
every class; ``pos_label`` absent -> 1 (2 classes only); ``top_k`` empty -> [1, 3, 5] restricted to
k < number of classes (an explicit k >= classes scores 1.0 with a TOP_K_TRIVIAL warning);
``calibration_bins`` 0 -> 15; ``min_slice_support`` 0 -> 1; ``max_slices_per_key`` 0 -> 50;
``decision_threshold`` absent -> 0.5 for probabilities, 0 otherwise; ``curve_points`` 0 -> no curves,
else at least 2 and only with scores; ``max_fpr`` absent -> full AUC, else in (0, 1] and only with
scores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from curation.core.classification import MetricOptions, RankingOptions
from curation.errors import InvalidArgument
from curation.ops import _validate as v
from curation.ops.classification import limits
from curation.v1 import classification_pb2 as pb

__all__ = [
    "SLICE_METRIC_ENUM",
    "Checked",
    "check_request",
    "multi_label_targets",
    "single_label_targets",
]

DEFAULT_TOP_K = (1, 3, 5)
DEFAULT_BINS = 15
DEFAULT_MAX_SLICES = 50

_SLICE_METRIC = {
    pb.SLICE_METRIC_ACCURACY: "accuracy",
    pb.SLICE_METRIC_MACRO_F1: "macro_f1",
    pb.SLICE_METRIC_MICRO_F1: "micro_f1",
    pb.SLICE_METRIC_WEIGHTED_F1: "weighted_f1",
    pb.SLICE_METRIC_MACRO_RECALL: "macro_recall",
    pb.SLICE_METRIC_MACRO_PRECISION: "macro_precision",
}
SLICE_METRIC_ENUM = {name: number for number, name in _SLICE_METRIC.items()}

F32Matrix = npt.NDArray[np.floating]

_ZERO_DIVISION = {
    pb.ZERO_DIVISION_UNSPECIFIED: 0.0,
    pb.ZERO_DIVISION_ZERO: 0.0,
    pb.ZERO_DIVISION_ONE: 1.0,
    pb.ZERO_DIVISION_NAN: math.nan,
}
_NORMALIZE = {
    pb.CONFUSION_NORMALIZATION_UNSPECIFIED: None,
    pb.CONFUSION_NORMALIZATION_TRUE: "true",
    pb.CONFUSION_NORMALIZATION_PRED: "pred",
    pb.CONFUSION_NORMALIZATION_ALL: "all",
}


@dataclass(frozen=True, slots=True)
class Checked:
    """What every ScoreClassification request has, checked: the label-independent part of the request."""

    names: list[str]
    ids: npt.NDArray[np.str_]
    multi: bool
    probabilities: bool
    scores: F32Matrix | None
    bins: int
    min_support: int
    max_slices: int
    top_k: tuple[int, ...]
    metric: str
    columns: list[tuple[str, npt.NDArray[np.str_]]]
    weights: npt.NDArray[np.float64] | None
    options: MetricOptions
    ranking: RankingOptions = RankingOptions()  # noqa: RUF009 (frozen)

    @property
    def n(self) -> int:
        return int(self.ids.shape[0])

    @property
    def k(self) -> int:
        return len(self.names)


def check_request(request: pb.ScoreClassificationRequest) -> Checked:
    """Everything but the labels, in the order the errors are reported (the maxima first)."""
    limits.check_request(request)
    names = list(request.class_names)
    v.check_non_empty(len(names), "class_names")
    v.unique_strings(names, "class_names", allow_empty=False)
    v.check_non_empty(len(request.asset_ids), "asset_ids")
    ids = v.unique_strings(request.asset_ids, "asset_ids")
    multi = request.task == pb.CLASSIFICATION_TASK_MULTI_LABEL
    probabilities = request.score_type == pb.SCORE_TYPE_PROBABILITY
    scores = _scores(request, ids.shape[0], len(names), multi=multi, probabilities=probabilities)
    bins = _nonneg(request.calibration_bins, "calibration_bins", DEFAULT_BINS)
    min_support = _nonneg(request.min_slice_support, "min_slice_support", 1)
    max_slices = _nonneg(request.max_slices_per_key, "max_slices_per_key", DEFAULT_MAX_SLICES)
    top_k = _top_k(request, len(names), scores is not None, multi)
    metric = _slice_metric(request, multi)
    columns = _slice_columns(request, ids.shape[0])
    weights = _weights(request, ids.shape[0])
    options = _options(request, len(names), multi)
    return Checked(
        names,
        ids,
        multi,
        probabilities,
        scores,
        bins,
        min_support,
        max_slices,
        top_k,
        metric,
        columns,
        weights,
        options,
        _ranking(request, scores is not None),
    )


def _weights(request: pb.ScoreClassificationRequest, n: int) -> npt.NDArray[np.float64] | None:
    """Per-asset weights: n non-negative finite values, not all 0 (sklearn cannot normalise by 0)."""
    if not len(request.sample_weight):
        return None
    v.check_length(len(request.sample_weight), n, "sample_weight", what="one weight per asset")
    w = v.finite_floats(request.sample_weight, "sample_weight", dtype=np.float64)
    if float(w.min()) < 0:
        bad = int(np.flatnonzero(w < 0)[0])
        raise InvalidArgument(f"{w[bad]} is a negative weight", field=f"sample_weight[{bad}]")
    if not w.sum() > 0:
        raise InvalidArgument("the weights sum to 0", field="sample_weight")
    return w


def _options(request: pb.ScoreClassificationRequest, k: int, multi: bool) -> MetricOptions:
    """beta, zero_division, labels, pos_label and the confusion normalization, checked."""
    beta = None
    if request.HasField("beta"):
        beta = request.beta
        if math.isnan(beta) or beta < 0:
            raise InvalidArgument(f"must be >= 0 (+inf is recall), got {beta}", field="beta")
    labels = None
    if len(request.labels):
        labels = v.index_array(request.labels, k, "labels")
        _, first = np.unique(labels, return_index=True)
        if first.shape[0] < labels.shape[0]:
            repeat = np.ones(labels.shape[0], dtype=bool)
            repeat[first] = False
            i = int(np.flatnonzero(repeat)[0])
            raise InvalidArgument(f"class {int(labels[i])} is listed twice", field=f"labels[{i}]")
    pos_label = 1
    if request.HasField("pos_label"):
        if multi or k != 2:
            raise InvalidArgument("pos_label needs a single-label request with 2 classes", field="pos_label")
        pos_label = request.pos_label
        if pos_label not in (0, 1):
            raise InvalidArgument(f"must be 0 or 1, got {pos_label}", field="pos_label")
    normalize = _NORMALIZE[request.confusion_normalization]
    if normalize is not None and multi:
        raise InvalidArgument(
            "the normalized confusion matrix is single-label only", field="confusion_normalization"
        )
    return MetricOptions(
        beta=beta,
        zero_division=_ZERO_DIVISION[request.zero_division],
        warn=request.zero_division == pb.ZERO_DIVISION_UNSPECIFIED,
        labels=labels,
        pos_label=pos_label,
        normalize=normalize,
    )


def _ranking(request: pb.ScoreClassificationRequest, has_scores: bool) -> RankingOptions:
    """The curves and partial-AUC options: ``curve_points`` 0 or >= 2, ``max_fpr`` in (0, 1]."""
    points = request.curve_points
    if points < 0 or points == 1:
        raise InvalidArgument(f"must be 0 (no curves) or >= 2, got {points}", field="curve_points")
    if points and not has_scores:
        raise InvalidArgument("curves need scores", field="curve_points")
    max_fpr = None
    if request.HasField("max_fpr"):
        max_fpr = request.max_fpr
        if not 0 < max_fpr <= 1:  # NaN fails too
            raise InvalidArgument(f"must be in (0, 1], got {max_fpr}", field="max_fpr")
        if not has_scores:
            raise InvalidArgument("a partial ROC AUC needs scores", field="max_fpr")
    return RankingOptions(
        curve_points=points,
        max_fpr=max_fpr,
        pr_drop_intermediate=request.pr_drop_intermediate,
        roc_drop_intermediate=not request.roc_keep_intermediate,
    )


def _scores(
    request: pb.ScoreClassificationRequest, n: int, k: int, *, multi: bool, probabilities: bool
) -> F32Matrix | None:
    """The n x k scores: float32 from ``scores`` or float64 from ``double_scores`` (not both)."""
    if len(request.scores) and len(request.double_scores):
        raise InvalidArgument(
            "give scores (float32) or double_scores (float64), not both", field="double_scores"
        )
    field, dtype = ("double_scores", np.float64) if len(request.double_scores) else ("scores", np.float32)
    values = getattr(request, field)
    if not len(values):
        if probabilities:
            raise InvalidArgument("score_type PROBABILITY needs scores or double_scores", field="scores")
        return None
    scores = v.matrix(v.finite_floats(values, field, dtype=dtype), n, k, field)
    if probabilities:
        (v.unit_interval if multi else v.probability_rows)(scores, field)
    return scores


def _nonneg(value: int, field: str, default: int, upper: int | None = None) -> int:
    if value < 0:
        raise InvalidArgument(f"must be >= 0, got {value}", field=field)
    if upper is not None and value > upper:
        raise InvalidArgument(f"must be <= {upper}, got {value}", field=field)
    return value or default


def _top_k(request: pb.ScoreClassificationRequest, k: int, has_scores: bool, multi: bool) -> tuple[int, ...]:
    ks = list(request.top_k)
    for i, kk in enumerate(ks):
        if kk < 1:
            raise InvalidArgument(f"must be >= 1, got {kk}", field=f"top_k[{i}]")
    if ks and (multi or not has_scores):
        raise InvalidArgument("top-k accuracy needs single-label scores", field="top_k")
    if not ks:
        return tuple(kk for kk in DEFAULT_TOP_K if kk < k) if has_scores and not multi else ()
    return tuple(dict.fromkeys(ks))


def _slice_metric(request: pb.ScoreClassificationRequest, multi: bool) -> str:
    if request.slice_metric not in _SLICE_METRIC and request.slice_metric != pb.SLICE_METRIC_UNSPECIFIED:
        raise InvalidArgument(f"unknown slice metric {request.slice_metric}", field="slice_metric")
    return _SLICE_METRIC.get(request.slice_metric, "micro_f1" if multi else "accuracy")


def _slice_columns(request: pb.ScoreClassificationRequest, n: int) -> list[tuple[str, npt.NDArray[np.str_]]]:
    columns: dict[str, int] = {}
    for i, col in enumerate(request.metadata):
        if not col.key:
            raise InvalidArgument("metadata key must not be empty", field=f"metadata[{i}].key")
        if col.key in columns:
            raise InvalidArgument(f"duplicate metadata key {col.key!r}", field=f"metadata[{i}].key")
        columns[col.key] = i
        v.check_length(len(col.values), n, f"metadata[{i}].values", what="one value per asset")
    out = []
    for j, key in enumerate(request.slice_by):
        if key not in columns:
            raise InvalidArgument(f"no metadata column named {key!r}", field=f"slice_by[{j}]")
        out.append((key, np.asarray(request.metadata[columns[key]].values, dtype=np.str_)))
    return out


def single_label_targets(
    request: pb.ScoreClassificationRequest, checked: Checked
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(y_true, y_pred) as class indices; y_pred is the scores' argmax when not given."""
    for f in ("y_true_indicator", "y_pred_indicator"):
        if len(getattr(request, f)):
            raise InvalidArgument("single-label requests use y_true / y_pred", field=f)
    n, k = checked.n, checked.k
    v.check_length(len(request.y_true), n, "y_true", what="one label per asset")
    y_true = v.index_array(request.y_true, k, "y_true")
    if len(request.y_pred):
        v.check_length(len(request.y_pred), n, "y_pred", what="one label per asset")
        return y_true, v.index_array(request.y_pred, k, "y_pred")
    if checked.scores is None:
        raise InvalidArgument("give y_pred or scores", field="y_pred")
    return y_true, np.argmax(checked.scores, axis=1).astype(np.int64)


def multi_label_targets(
    request: pb.ScoreClassificationRequest, checked: Checked
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], float]:
    """(true indicators, predicted indicators, decision threshold); predictions are the scores at or
    above the threshold when not given."""
    for f in ("y_true", "y_pred"):
        if len(getattr(request, f)):
            raise InvalidArgument("multi-label requests use the *_indicator fields", field=f)
    n, k = checked.n, checked.k
    y_true = v.bool_matrix(request.y_true_indicator, n, k, "y_true_indicator")
    if request.HasField("decision_threshold"):
        threshold = request.decision_threshold
        if not math.isfinite(threshold):
            raise InvalidArgument("must be finite", field="decision_threshold")
    else:
        threshold = 0.5 if checked.probabilities else 0.0
    if len(request.y_pred_indicator):
        return y_true, v.bool_matrix(request.y_pred_indicator, n, k, "y_pred_indicator"), threshold
    if checked.scores is None:
        raise InvalidArgument("give y_pred_indicator or scores", field="y_pred_indicator")
    return y_true, checked.scores >= threshold, threshold
