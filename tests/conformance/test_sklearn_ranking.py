"""scikit-learn's ``sklearn/metrics/tests/test_ranking.py`` (1.9.1) as a conformance suite: the concrete
inputs of its tests of ``roc_auc_score``, ``roc_curve``, ``precision_recall_curve``,
``average_precision_score`` and ``top_k_accuracy_score``, each sent to ScoreClassification and compared
with sklearn called here.

How sklearn's calls map onto one request:
- a binary problem ``(y_true, y_score)`` (1-d scores) is two classes with scores ``[-y_score, y_score]``:
  class 1's one-vs-rest numbers (``ClassMetrics[1]``, ``summary.roc_auc``) are sklearn's binary ones;
  for top-k the first column is sklearn's decision threshold (0.5 for probabilities, else 0), so the
  service's binary rule "class 1 iff s_1 > s_0" is sklearn's ``y_score > threshold``;
- multiclass: ``class_names`` are sklearn's ``labels`` (or the sorted distinct labels), ``y_true``
  their indices; ``multi_class='ovr'`` is per class and the averages, ``'ovo'`` is ``summary.roc_auc_ovo``;
- multi-label indicator input is the multi-label task.

Scores travel as float64 (``double_scores``) when the request has that field, else as float32: then the
expected thresholds are sklearn's rounded to float32 (the rates and areas are still compared with
sklearn's on the original float64 input, so a tie float32 creates shows up as a difference).

Equality: curves (rates and thresholds) bit for bit; ROC AUC and average precision within 1e-12 (the
service sums per threshold group in exact counts where sklearn sums trapezoids of rounded rates, see
``curation.core.classification._binary_ranking``); top-k accuracy bit for bit.

Before the ranking metrics (main at 8cf9f28), of these 198 cases 44 were expressible and equal (top-k 28,
per-class AP 5, refusals 11), none different, 154 inexpressible: ROC AUC, the curves, micro and samples
AP, the partial AUC and the drop_intermediate options did not exist (89 cases now equal) and the 65 below.
"""

from __future__ import annotations

import ast
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pytest
import sklearn.metrics as skm
from google.protobuf import json_format
from scipy import stats
from sklearn import datasets
from sklearn.linear_model import LogisticRegression
from sklearn.metrics.tests import test_ranking as peer_suite
from sklearn.metrics.tests.test_ranking import make_prediction
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import label_binarize

from curation.errors import InvalidArgument
from curation.v1 import classification_pb2 as pb
from tests.conformance.calls import Seam, Served

SUITE = "sklearn-ranking"
RPC = "curation.v1.DiagnosticsService/ScoreClassification"
SEED = 42  # sklearn's default global_random_seed
_FIELDS = pb.ScoreClassificationRequest.DESCRIPTOR.fields_by_name
DOUBLE = "double_scores" in _FIELDS
CURVES = 10_000  # curve_points: the maximum, so no curve of these inputs is thinned

_NOT_OFFERED = {
    "confusion_matrix_at_thresholds / its sort helper (per-threshold counts; the service returns curves)": [
        "test_sort_inputs_and_compute_classification_thresholds_input_validation",
        "test_sort_inputs_and_compute_classification_thresholds_zero_weights",
        "test_sort_inputs_and_compute_classification_thresholds_sorting",
        "test_confusion_matrix_at_thresholds",
        "test_confusion_matrix_at_thresholds_multiclass_error",
        "test_confusion_matrix_at_thresholds_implicit_pos_label",
        "test_confusion_matrix_at_thresholds_implicit_bytes_pos_label",
        "test_confusion_matrix_at_thresholds_zero_sample_weight",
        "test_confusion_matrix_at_thresholds_positional_args_deprecation",
    ],
    "det_curve": [
        "test_det_curve_toydata", "test_det_curve_drop_intermediate", "test_det_curve_tie_handling",
        "test_det_curve_sanity_check", "test_det_curve_constant_scores", "test_det_curve_perfect_scores",
        "test_det_curve_bad_input", "test_det_curve_pos_label",
        "test_ranking_metric_pos_label_types[det_curve-False/True]",
        "test_ranking_metric_pos_label_types[det_curve-0/1]",
        "test_ranking_metric_pos_label_types[det_curve-0.0/1.0]",
        "test_ranking_metric_pos_label_types[det_curve-zero/one]",
    ],
    "label ranking metrics (label_ranking_average_precision_score, coverage_error, label_ranking_loss)": [
        "test_label_ranking_avp", "test_lrap_error_raised", "test_alternative_lrap_implementation",
        "test_lrap_sample_weighting_zero_labels", "test_coverage_error", "test_coverage_tie_handling",
        "test_coverage_1d_error_message", "test_label_ranking_loss", "test_label_ranking_loss_sparse",
        "test_ranking_appropriate_input_shape", "test_ranking_loss_ties_handling",
        "test_label_ranking_avg_precision_score_should_allow_csr_matrix_for_y_true_input",
    ],
    "dcg_score / ndcg_score": [
        "test_dcg_score", "test_dcg_ties", "test_ndcg_ignore_ties_with_k", "test_ndcg_negative_ndarray_error",
        "test_ndcg_invariant", "test_ndcg_toy_examples", "test_ndcg_error_single_document", "test_ndcg_score",
    ],
    "metric_at_thresholds (any metric swept over thresholds)": [
        "test_metric_at_thresholds", "test_metric_at_thresholds_sample_weight_error",
        "test_metric_at_thresholds_metric_params", "test_metric_at_thresholds_pos_label",
        "test_metric_at_thresholds_y_score_order",
        "test_metric_at_thresholds_y_score_order_duplicate_y_score",
        "test_metric_at_thresholds_consistency_with_confusion_matrix",
        "test_metric_at_thresholds_with_nan_outputs",
    ],
    "sklearn.metrics.auc of arbitrary (x, y) points": ["test_auc", "test_auc_errors"],
}  # fmt: skip
_NO_OPTION = "the request has no such option"
INEXPRESSIBLE: dict[str, str] = {
    **{case: f"not offered: {what}" for what, cases in _NOT_OFFERED.items() for case in cases},
    "test_roc_curve_multi": "expects roc_curve to refuse multiclass y; the service answers one-vs-rest "
    "curves",
    "test_roc_auc_score_multiclass_error[average=samples, ovo]": "average='samples' for multiclass is an "
    "error in sklearn; the service simply has no samples average for single-label",
    "test_roc_auc_score_multiclass_error[average=samples, ovr]": "as above",
    "test_roc_auc_score_multiclass_error[sample_weight, ovo]": "sample_weight: " + _NO_OPTION + " (yet)",
    "test_roc_auc_score_multiclass_error[max_fpr, ovo]": "max_fpr with 3+ classes leaves roc_auc_ovo absent "
    "instead of refusing the request",
    "test_roc_auc_score_multiclass_error[multi_class=raise]": "multi_class: " + _NO_OPTION,
    "test_roc_auc_score_multiclass_labels_error[labels ordered, ovo]": "class_names name the columns in any "
    "order; sklearn requires sorted labels",
    "test_roc_auc_score_multiclass_labels_error[labels ordered, ovr]": "as above",
    "test_average_precision_score_binary_pos_label_errors": "pos_label: " + _NO_OPTION,
    "test_average_precision_score_multilabel_pos_label_errors": "pos_label: " + _NO_OPTION,
    "test_average_precision_score_multiclass_pos_label_errors": "pos_label: " + _NO_OPTION,
    "test_top_k_accuracy_score_error[continuous y_true]": "y_true 0.57: class indices are integers by type",
    "test_top_k_accuracy_score_error[labels ordered]": "class_names may be in any order (sklearn: sorted)",
}
WEIGHTS = "sample_weight" in _FIELDS
if not WEIGHTS:
    INEXPRESSIBLE["test_roc_curve_fpr_tpr_increasing"] = "sample_weight (request field 21, branch b13-clsm)"


# --- requests and the oracle -------------------------------------------------------------------------


def _sk(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """sklearn's answer, its warnings silenced (this project's tests turn warnings into errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kwargs)


def _sent(x: Any) -> np.ndarray:
    """Values as the service receives them (float64, or float32 widened back)."""
    a = np.asarray(x, dtype=np.float64)
    return a if DOUBLE else a.astype(np.float32).astype(np.float64)


def _scores(s: Any) -> dict[str, Any]:
    flat = np.asarray(s, dtype=np.float64).ravel().tolist()
    return {"double_scores": flat} if DOUBLE else {"scores": flat}


def _single(
    y: Sequence[int], s: Any, names: Sequence[str] | None = None, **extra: Any
) -> pb.ScoreClassificationRequest:
    s = np.asarray(s, dtype=np.float64)
    names = [str(j) for j in range(s.shape[1])] if names is None else list(names)
    ids = [f"a{i}" for i in range(len(y))]
    return pb.ScoreClassificationRequest(
        class_names=names, asset_ids=ids, y_true=[int(v) for v in y], **_scores(s), **extra
    )


def _binary(y: Any, s: Any, **extra: Any) -> pb.ScoreClassificationRequest:
    """sklearn's binary (y_true, 1-d y_score): class 1 is the greater label, scored y_score."""
    y = np.asarray(y)
    positive = y == np.unique(y)[-1] if np.unique(y).size == 2 else y == 1
    s = np.asarray(s, dtype=np.float64)
    return _single(positive.astype(int).tolist(), np.stack([-s, s], axis=1), curve_points=CURVES, **extra)


def _multi(y: Any, s: Any, **extra: Any) -> pb.ScoreClassificationRequest:
    y, s = np.asarray(y, dtype=bool), np.asarray(s, dtype=np.float64)
    return pb.ScoreClassificationRequest(
        class_names=[str(j) for j in range(y.shape[1])],
        asset_ids=[f"a{i}" for i in range(y.shape[0])],
        task=pb.CLASSIFICATION_TASK_MULTI_LABEL,
        y_true_indicator=y.ravel().tolist(),
        **_scores(s),
        **extra,
    )


def _ask(seam: Seam, request: pb.ScoreClassificationRequest) -> pb.ScoreClassificationResponse:
    return seam.call(RPC, request, pb.ScoreClassificationResponse)


def _opt(msg: Any, field: str) -> float:
    return float(getattr(msg, field)) if msg.HasField(field) else math.nan


def _close(got: float, want: float) -> None:
    """Within 1e-12 (AUC and AP: per-group exact sums vs sklearn's trapezoids); NaN = absent."""
    if math.isnan(want):
        assert math.isnan(got), (got, want)
    else:
        assert abs(got - want) <= 1e-12, (got, want)


def _roc(seam: Seam, y: Any, s: Any, drop: bool = True) -> pb.ClassMetrics:
    """Class 1 of the binary request: AUC and curves checked against sklearn's, returned."""
    c = _ask(seam, _binary(y, s, roc_keep_intermediate=not drop))
    cls = c.summary.per_class[1]
    fpr, tpr, thr = _sk(skm.roc_curve, y, s, drop_intermediate=drop)
    np.testing.assert_array_equal(cls.roc_curve.fpr, fpr)
    np.testing.assert_array_equal(cls.roc_curve.tpr, tpr)
    np.testing.assert_array_equal(cls.roc_curve.thresholds, _sent(thr))
    want = _sk(skm.roc_auc_score, y, s) if np.unique(y).size == 2 else math.nan
    _close(_opt(c.summary, "roc_auc"), want)
    _close(_opt(cls, "roc_auc"), want)
    return cls


def _pr(seam: Seam, y: Any, s: Any, drop: bool = False) -> None:
    cls = _ask(seam, _binary(y, s, pr_drop_intermediate=drop)).summary.per_class[1]
    p, r, thr = _sk(skm.precision_recall_curve, y, s, drop_intermediate=drop)
    np.testing.assert_array_equal(cls.precision_recall_curve.precision, p)
    np.testing.assert_array_equal(cls.precision_recall_curve.recall, r)
    np.testing.assert_array_equal(cls.precision_recall_curve.thresholds, _sent(thr))
    _close(cls.average_precision, _sk(skm.average_precision_score, y, s))


def _averages(seam: Seam, y: Any, s: Any) -> None:
    """Multi-label: ROC AUC and AP per class and macro/weighted/micro/samples against sklearn."""
    got = _ask(seam, _multi(y, s)).summary
    for average in ("macro", "weighted", "micro", "samples"):
        a = getattr(got.averages, average)
        _close(_opt(a, "roc_auc"), _sk(skm.roc_auc_score, y, s, average=average))
        _close(a.average_precision, _sk(skm.average_precision_score, y, s, average=average))
    per_class = _sk(skm.roc_auc_score, y, s, average=None)
    for cls, want in zip(got.per_class, per_class, strict=True):
        _close(_opt(cls, "roc_auc"), want)


# --- roc_curve / roc_auc_score (binary) ---------------------------------------------------------------


@pytest.mark.parametrize("drop", [True, False])
def test_roc_curve(seam: Seam, drop: bool) -> None:
    y, _, s = make_prediction(binary=True)
    _roc(seam, y, s, drop)


def test_roc_curve_end_points(seam: Seam) -> None:
    rng = np.random.RandomState(0)
    _roc(seam, np.array([0] * 50 + [1] * 50), rng.randint(3, size=100))


def test_roc_returns_consistency(seam: Seam) -> None:
    y, _, s = make_prediction(binary=True)
    _roc(seam, y, s)


def test_roc_curve_confidence(seam: Seam) -> None:
    y, _, s = make_prediction(binary=True)
    _roc(seam, y, s - 0.5)


@pytest.mark.parametrize("which", ["ones", "zeros", "hard"])
def test_roc_curve_hard(seam: Seam, which: str) -> None:
    y, pred, _ = make_prediction(binary=True)
    s = {"ones": np.ones(y.shape), "zeros": np.zeros(y.shape), "hard": pred}[which]
    _roc(seam, y, s)


@pytest.mark.parametrize("positive", [True, False])
def test_roc_curve_one_label(seam: Seam, positive: bool) -> None:
    y_true = np.array([1] * 10 if positive else [0] * 10)
    s = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1])
    # One class only: sklearn's rates are NaN on one side and its AUC NaN; the service's AUC is absent.
    request = _single(y_true.tolist(), np.stack([-s, s], axis=1).astype(float), curve_points=CURVES)
    cls = _ask(seam, request).summary.per_class[1]
    fpr, tpr, thr = _sk(skm.roc_curve, y_true, s)
    np.testing.assert_array_equal(cls.roc_curve.fpr, fpr)
    np.testing.assert_array_equal(cls.roc_curve.tpr, tpr)
    np.testing.assert_array_equal(cls.roc_curve.thresholds, thr)
    assert not cls.HasField("roc_auc")


_TOY_BINARY = [
    ([0, 1], [0, 1]),
    ([0, 1], [1, 0]),
    ([1, 0], [1, 1]),
    ([1, 0], [1, 0]),
    ([1, 0], [0.5, 0.5]),
    ([0, 0], [0.25, 0.75]),
    ([1, 1], [0.25, 0.75]),
]
_TOY_MULTILABEL_ROC = [
    ([[0, 1], [0, 1]], [[0, 1], [0, 1]]),
    ([[0, 1], [0, 1]], [[0, 1], [1, 0]]),
    ([[1, 0], [0, 1]], [[0, 1], [1, 0]]),
    ([[1, 0], [0, 1]], [[0.5, 0.5], [0.5, 0.5]]),
]


@pytest.mark.parametrize(("y", "s"), _TOY_BINARY)
def test_roc_curve_toydata_binary(seam: Seam, y: list[int], s: list[float]) -> None:
    y_true = np.array(y)
    request = _single(y, np.stack([-np.asarray(s, float), s], axis=1), curve_points=CURVES)
    cls = _ask(seam, request).summary.per_class[1]
    fpr, tpr, thr = _sk(skm.roc_curve, y_true, s)
    np.testing.assert_array_equal(cls.roc_curve.fpr, fpr)
    np.testing.assert_array_equal(cls.roc_curve.tpr, tpr)
    np.testing.assert_array_equal(cls.roc_curve.thresholds, _sent(thr))
    _close(_opt(cls, "roc_auc"), _sk(skm.roc_auc_score, y_true, s))


@pytest.mark.parametrize(("y", "s"), _TOY_MULTILABEL_ROC)
def test_roc_curve_toydata_multilabel(seam: Seam, y: list[list[int]], s: list[list[float]]) -> None:
    _averages(seam, np.array(y), np.array(s, dtype=float))


@pytest.mark.parametrize("case", [0, 1])
def test_roc_curve_drop_intermediate(seam: Seam, case: int) -> None:
    y, s = [
        ([0, 0, 0, 0, 1, 1], [0.0, 0.2, 0.5, 0.6, 0.7, 1.0]),
        (
            [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
            [0.0, 0.1, 0.6, 0.6, 0.7, 0.8, 0.9, 0.6, 0.7, 0.8, 0.9, 0.9, 1.0],
        ),
    ][case]
    _roc(seam, np.array(y), np.array(s))


if WEIGHTS:

    def test_roc_curve_fpr_tpr_increasing(seam: Seam) -> None:
        y, s, w = np.array([0, 0, 1, 1, 1]), np.array([0.1, 0.7, 0.3, 0.4, 0.5]), np.repeat(0.2, 5)
        request = _binary(y, s)
        json_format.ParseDict({"sample_weight": w.tolist()}, request)  # a field of b13-clsm's
        cls = _ask(seam, request).summary.per_class[1]
        fpr, tpr, thr = _sk(skm.roc_curve, y, s, sample_weight=w)
        np.testing.assert_array_equal(cls.roc_curve.fpr, fpr)
        np.testing.assert_array_equal(cls.roc_curve.tpr, tpr)
        np.testing.assert_array_equal(cls.roc_curve.thresholds, _sent(thr))
        assert (np.diff(cls.roc_curve.fpr) >= 0).all() and (np.diff(cls.roc_curve.tpr) >= 0).all()


def test_roc_curve_with_probability_estimates(seam: Seam) -> None:
    rng = np.random.RandomState(SEED)
    y, s = rng.randint(0, 2, size=10), rng.rand(10)
    cls = _roc(seam, y, s)
    assert math.isinf(cls.roc_curve.thresholds[0])


@pytest.mark.parametrize("y_true", [np.zeros(10, int), np.ones(10, int), np.full(10, -1)])
def test_auc_score_non_binary_class(seam: Seam, y_true: np.ndarray) -> None:
    s = np.random.RandomState(404).rand(10)
    response = _ask(seam, _single((y_true == 1).astype(int).tolist(), np.stack([-s, s], axis=1)))
    assert math.isnan(_sk(skm.roc_auc_score, y_true, s))
    assert not response.summary.HasField("roc_auc")
    assert "ROC_AUC_UNDEFINED" in [w.code for w in response.warnings]


def _partial(seam: Seam, y: Any, s: Any, max_fpr: float) -> None:
    got = _ask(seam, _binary(y, s, max_fpr=max_fpr)).summary
    _close(_opt(got, "roc_auc"), _sk(skm.roc_auc_score, y, s, max_fpr=max_fpr))


@pytest.mark.parametrize("case", ["perfect", "ties", "make_prediction"])
def test_partial_roc_auc_score(seam: Seam, case: str) -> None:
    y = np.array([0, 0, 1, 1])
    if case == "perfect":
        for max_fpr in (1, 0.001):
            _partial(seam, y, y, max_fpr)
    elif case == "ties":
        for max_fpr in (1, 0.3):
            _partial(seam, y, np.array([0.1, 0, 0.1, 0.01]), max_fpr)
    else:
        y, pred, _ = make_prediction(binary=True)
        for max_fpr in np.linspace(1e-4, 1, 5):
            _partial(seam, y, pred, float(max_fpr))


@pytest.mark.parametrize("max_fpr", [-0.1, 1.1, 0.0])
def test_partial_roc_auc_score_out_of_range(seam: Seam, max_fpr: float) -> None:
    y = np.array([0, 0, 1, 1])
    with pytest.raises(ValueError):
        _sk(skm.roc_auc_score, y, y, max_fpr=max_fpr)
    with pytest.raises(InvalidArgument):
        _ask(seam, _binary(y, y, max_fpr=max_fpr))


# --- roc_auc_score (multiclass) ------------------------------------------------------------------------

_OVO_SCORES = np.array([[0.1, 0.8, 0.1], [0.3, 0.4, 0.3], [0.35, 0.5, 0.15], [0, 0.2, 0.8]])


def _ovo(seam: Seam, y: Any, labels: Sequence[Any], s: np.ndarray) -> None:
    names = [str(v) for v in labels]
    index = {v: i for i, v in enumerate(labels)}
    got = _ask(seam, _single([index[v] for v in y], s, names=names)).summary
    for average in ("macro", "weighted"):
        want = _sk(skm.roc_auc_score, y, s, labels=labels, multi_class="ovo", average=average)
        _close(getattr(got.roc_auc_ovo, average), want)


@pytest.mark.parametrize(
    ("y", "labels"),
    [
        ([0, 1, 0, 2], [0, 1, 2]),
        ([0, 1, 0, 2], None),
        (["a", "b", "a", "c"], ["a", "b", "c"]),
        (["a", "b", "a", "c"], None),
    ],
)
def test_multiclass_ovo_roc_auc_toydata(seam: Seam, y: list[Any], labels: list[Any] | None) -> None:
    _ovo(seam, np.array(y), labels if labels is not None else sorted(set(y)), _OVO_SCORES)


@pytest.mark.parametrize(
    ("y", "labels"), [([0, 2, 0, 2], [0, 1, 2]), (["a", "d", "a", "d"], ["a", "b", "d"])]
)
def test_multiclass_ovo_roc_auc_toydata_binary(seam: Seam, y: list[Any], labels: list[Any]) -> None:
    s = np.array([[0.2, 0.0, 0.8], [0.6, 0.0, 0.4], [0.55, 0.0, 0.45], [0.4, 0.0, 0.6]])
    _ovo(seam, np.array(y), labels, s)


@pytest.mark.parametrize(
    ("y", "labels"),
    [
        ([0, 1, 2, 2], None),
        (["a", "b", "c", "c"], None),
        ([0, 1, 2, 2], [0, 1, 2]),
        (["a", "b", "c", "c"], ["a", "b", "c"]),
    ],
)
def test_multiclass_ovr_roc_auc_toydata(seam: Seam, y: list[Any], labels: list[Any] | None) -> None:
    s = np.array([[1.0, 0.0, 0.0], [0.1, 0.5, 0.4], [0.1, 0.1, 0.8], [0.3, 0.3, 0.4]])
    labels = labels if labels is not None else sorted(set(y))
    index = {v: i for i, v in enumerate(labels)}
    got = _ask(seam, _single([index[v] for v in y], s, names=[str(v) for v in labels])).summary
    per_class = _sk(skm.roc_auc_score, y, s, multi_class="ovr", labels=labels, average=None)
    for cls, want in zip(got.per_class, per_class, strict=True):
        _close(_opt(cls, "roc_auc"), want)
    for average in ("macro", "weighted"):
        want = _sk(skm.roc_auc_score, y, s, multi_class="ovr", labels=labels, average=average)
        _close(_opt(getattr(got.averages, average), "roc_auc"), want)


@pytest.mark.parametrize(("multi_class", "average"), [("ovr", "macro"), ("ovr", "micro"), ("ovo", "macro")])
@pytest.mark.parametrize("scores", ["perfect", "imperfect", "chance"])
def test_perfect_imperfect_chance_multiclass_roc_auc(
    seam: Seam, multi_class: str, average: str, scores: str
) -> None:
    y = np.array([3, 1, 2, 0])
    s = {
        "perfect": [
            [0.0, 0.0, 0.0, 1.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
            [0.75, 0.05, 0.05, 0.15],
        ],
        "imperfect": [[0.0, 0.0, 0.0, 1.0], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]],
        "chance": 0.25 * np.ones((4, 4)),
    }[scores]
    s = np.asarray(s, dtype=float)
    got = _ask(seam, _single(y.tolist(), s)).summary
    value = got.roc_auc_ovo.macro if multi_class == "ovo" else _opt(getattr(got.averages, average), "roc_auc")
    _close(value, _sk(skm.roc_auc_score, y, s, multi_class=multi_class, average=average))


def test_micro_averaged_ovr_roc_auc(seam: Seam) -> None:
    s = stats.dirichlet.rvs([2.0, 1.0, 0.5], size=1000, random_state=SEED)
    y = np.asarray([stats.multinomial.rvs(n=1, p=p, random_state=SEED).argmax() for p in s])
    got = _ask(seam, _single(y.tolist(), s)).summary
    fpr, tpr, _ = _sk(skm.roc_curve, label_binarize(y, classes=[0, 1, 2]).ravel(), s.ravel())
    by_hand = skm.auc(fpr, tpr)
    auto = _sk(skm.roc_auc_score, y, s, multi_class="ovr", average="micro")
    _close(got.averages.micro.roc_auc, auto)
    assert got.averages.micro.roc_auc == pytest.approx(by_hand)


# sklearn's label errors, as the service's: a label outside class_names, a repeated class name, or a
# score matrix whose width is not the number of classes is refused (ovo and ovr alike: one request).
_LABEL_ERRORS = {
    "labels unique (int)": ([0, 1, 2, 2], ["0", "2", "0"], 3),
    "labels unique (str)": ([0, 1, 2, 2], ["a", "a", "b"], 3),
    "y_true classes != columns": ([0, 1, 0, 1], ["0", "2"], 3),
    "labels 2 != columns 3 (int)": ([0, 1, 1, 1], ["0", "1"], 3),
    "labels 2 != columns 3 (str)": ([0, 1, 1, 1], ["a", "b"], 3),
    "labels 4 != columns 3 (int)": ([0, 1, 2, 2], ["0", "1", "2", "3"], 3),
    "labels 4 != columns 3 (str)": ([0, 1, 2, 2], ["a", "b", "c", "d"], 3),
    "y_true label not in labels (e)": ([0, 1, 2, 3], ["a", "b", "c"], 3),
    "y_true label not in labels (d)": ([0, 1, 2, 3], ["a", "b", "c"], 3),
    "y_true label not in labels (int)": ([0, 1, 2, 3], ["0", "1", "2"], 3),
}


@pytest.mark.parametrize("case", list(_LABEL_ERRORS))
def test_roc_auc_score_multiclass_labels_error(seam: Seam, case: str) -> None:
    y, names, width = _LABEL_ERRORS[case]
    flat = _OVO_SCORES[:, :width]
    request = pb.ScoreClassificationRequest(
        class_names=names, asset_ids=["1", "2", "3", "4"], y_true=y, **_scores(flat)
    )
    with pytest.raises(InvalidArgument):
        _ask(seam, request)


def test_multiclass_ranking_metrics_raise_for_incorrect_shape_of_y_score(seam: Seam) -> None:
    request = _single([0, 1, 2, 0, 1, 2], np.ones((6, 3)))
    request.ClearField("double_scores" if DOUBLE else "scores")
    request.MergeFrom(pb.ScoreClassificationRequest(**_scores([0.5, 0.4, 0.8, 0.9, 0.8, 0.7])))
    with pytest.raises(InvalidArgument):
        _ask(seam, request)


# --- precision_recall_curve / average_precision_score --------------------------------------------------


@pytest.mark.parametrize("drop", [True, False])
def test_precision_recall_curve(seam: Seam, drop: bool) -> None:
    y, _, s = make_prediction(binary=True)
    _pr(seam, y, s, drop)
    _pr(seam, y[1:], s[1:], drop)
    _pr(seam, y, np.zeros_like(s), drop)
    _pr(seam, np.where(y == 0, -1, y), s, drop)
    _pr(seam, np.array([1, 0, 0, 1]), np.array([1, 2, 3, 4]), drop)


@pytest.mark.parametrize("drop", [True, False])
@pytest.mark.parametrize(("y", "s"), _TOY_BINARY)
def test_precision_recall_curve_toydata_binary(seam: Seam, y: list[int], s: list[float], drop: bool) -> None:
    y_true = np.array(y)
    request = _single(
        y, np.stack([-np.asarray(s, float), s], axis=1), curve_points=CURVES, pr_drop_intermediate=drop
    )
    cls = _ask(seam, request).summary.per_class[1]
    p, r, thr = _sk(skm.precision_recall_curve, y_true, s, drop_intermediate=drop)
    np.testing.assert_array_equal(cls.precision_recall_curve.precision, p)
    np.testing.assert_array_equal(cls.precision_recall_curve.recall, r)
    np.testing.assert_array_equal(cls.precision_recall_curve.thresholds, _sent(thr))
    _close(cls.average_precision, _sk(skm.average_precision_score, y_true, s))


@pytest.mark.parametrize(
    ("y", "s"),
    [
        *_TOY_MULTILABEL_ROC[:3],
        ([[0, 0], [0, 0]], [[0, 1], [0, 1]]),
        ([[1, 1], [1, 1]], [[0, 1], [0, 1]]),
        _TOY_MULTILABEL_ROC[3],
        ([[0, 0], [0, 1]], [[0, 0], [0, 1]]),
    ],
)
def test_precision_recall_curve_toydata_multilabel(
    seam: Seam, y: list[list[int]], s: list[list[float]]
) -> None:
    yt, sc = np.array(y), np.array(s, dtype=float)
    got = _ask(seam, _multi(yt, sc)).summary
    for average in ("macro", "weighted", "micro", "samples"):
        want = _sk(skm.average_precision_score, yt, sc, average=average)
        _close(getattr(got.averages, average).average_precision, want)


@pytest.mark.parametrize(
    ("y", "s"),
    [
        ([0, 0, 0, 0, 1, 1], [0.0, 0.2, 0.5, 0.6, 0.7, 1.0]),
        (
            [0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1],
            [0.0, 0.1, 0.6, 0.6, 0.7, 0.8, 0.9, 0.6, 0.7, 0.8, 0.9, 0.9, 1.0],
        ),
        ([0, 0, 0, 0], [0.0, 0.1, 0.2, 0.3]),
        ([1, 1, 1, 1], [0.0, 0.1, 0.2, 0.3]),
    ],
)
def test_precision_recall_curve_drop_intermediate(seam: Seam, y: list[int], s: list[float]) -> None:
    _pr(seam, np.array(y), np.array(s), drop=True)


def test_average_precision_constant_values(seam: Seam) -> None:
    y = np.zeros(100, dtype=int)
    y[::4] = 1
    cls = _ask(seam, _binary(y, np.ones(100))).summary.per_class[1]
    assert cls.average_precision == _sk(skm.average_precision_score, y, np.ones(100))


def test_score_scale_invariance(seam: Seam) -> None:
    y, _, s = make_prediction(binary=True)
    for scaled in (s, 100 * s, 1e-6 * s, s - 10):
        cls = _ask(seam, _binary(y, scaled)).summary.per_class[1]
        _close(cls.roc_auc, _sk(skm.roc_auc_score, y, scaled))
        _close(cls.average_precision, _sk(skm.average_precision_score, y, scaled))


@pytest.mark.parametrize("metric", ["average_precision_score", "precision_recall_curve", "roc_curve"])
@pytest.mark.parametrize("classes", [(False, True), (0, 1), (0.0, 1.0), ("zero", "one")])
def test_ranking_metric_pos_label_types(seam: Seam, metric: str, classes: tuple[Any, Any]) -> None:
    rng = np.random.RandomState(42)
    y = rng.choice(classes, size=10, replace=True)
    s = rng.rand(10)
    positive = (y == classes[-1]).astype(int)
    request = _single(positive.tolist(), np.stack([-s, s], axis=1), names=[str(c) for c in classes])
    request.curve_points = CURVES
    cls = _ask(seam, request).summary.per_class[1]
    result = _sk(getattr(skm, metric), y, s, pos_label=classes[-1])
    if metric == "average_precision_score":
        _close(cls.average_precision, result)
    elif metric == "precision_recall_curve":
        np.testing.assert_array_equal(cls.precision_recall_curve.precision, result[0])
        np.testing.assert_array_equal(cls.precision_recall_curve.recall, result[1])
        np.testing.assert_array_equal(cls.precision_recall_curve.thresholds, _sent(result[2]))
    else:
        np.testing.assert_array_equal(cls.roc_curve.fpr, result[0])
        np.testing.assert_array_equal(cls.roc_curve.tpr, result[1])
        np.testing.assert_array_equal(cls.roc_curve.thresholds, _sent(result[2]))


# --- top_k_accuracy_score ------------------------------------------------------------------------------

_TOPK_SCORES = np.array(
    [[0.4, 0.3, 0.2, 0.1], [0.1, 0.3, 0.4, 0.2], [0.4, 0.1, 0.2, 0.3], [0.3, 0.2, 0.4, 0.1]]
)


def _top_k(seam: Seam, request: pb.ScoreClassificationRequest, k: int) -> float:
    request.top_k[:] = [k]
    got = _ask(seam, request).summary.top_k
    assert [t.k for t in got] == [k]
    return float(got[0].accuracy)


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracy_score(seam: Seam, k: int) -> None:
    y = [0, 1, 2, 3]
    assert _top_k(seam, _single(y, _TOPK_SCORES), k) == _sk(skm.top_k_accuracy_score, y, _TOPK_SCORES, k=k)


@pytest.mark.parametrize(
    ("s", "k"),
    [([-1, -1, 1, 1], 1), ([-1, 1, -1, 1], 1), ([-1, 1, -1, 1], 2), ([0.2, 0.2, 0.7, 0.7], 1),
     ([0.2, 0.7, 0.2, 0.7], 1), ([0.2, 0.7, 0.2, 0.7], 2)],
)  # fmt: skip
def test_top_k_accuracy_score_binary(seam: Seam, s: list[float], k: int) -> None:
    y, score = [0, 0, 1, 1], np.asarray(s, dtype=float)
    threshold = 0.5 if score.min() >= 0 and score.max() <= 1 else 0.0
    request = _single(y, np.stack([np.full(4, threshold), score], axis=1))
    assert _top_k(seam, request, k) == _sk(skm.top_k_accuracy_score, y, score, k=k)


@pytest.mark.parametrize(
    ("y", "labels"),
    [([0, 1, 1, 2], [0, 1, 2, 3]), ([0, 1, 1, 1], [0, 1, 2, 3]), ([1, 1, 1, 1], [0, 1, 2, 3]),
     (["a", "e", "e", "a"], ["a", "b", "d", "e"])],
)  # fmt: skip
@pytest.mark.parametrize("labels_as_ndarray", [True, False])
def test_top_k_accuracy_score_multiclass_with_labels(
    seam: Seam, y: list[Any], labels: list[Any], labels_as_ndarray: bool
) -> None:
    lab = np.asarray(labels) if labels_as_ndarray else labels
    index = {v: i for i, v in enumerate(labels)}
    request = _single([index[v] for v in y], _TOPK_SCORES, names=[str(v) for v in labels])
    assert _top_k(seam, request, 2) == _sk(skm.top_k_accuracy_score, y, _TOPK_SCORES, k=2, labels=lab)


def test_top_k_accuracy_score_increasing(seam: Seam) -> None:
    x, y = datasets.make_classification(n_classes=10, n_samples=1000, n_informative=10, random_state=0)
    x_train, x_test, y_train, y_test = train_test_split(x, y, random_state=0)
    clf = LogisticRegression(random_state=0).fit(x_train, y_train)
    for xs, ys in ((x_train, y_train), (x_test, y_test)):
        proba = clf.predict_proba(xs)
        request = _single(ys.tolist(), proba)
        request.top_k[:] = list(range(2, 10))
        got = [t.accuracy for t in _ask(seam, request).summary.top_k]
        want = [_sk(skm.top_k_accuracy_score, ys, proba, k=k) for k in range(2, 10)]
        assert got == want


@pytest.mark.parametrize("k", [1, 2, 3])
def test_top_k_accuracy_score_ties(seam: Seam, k: int) -> None:
    s = np.array([[5, 5, 7, 0], [1, 5, 5, 5], [0, 0, 3, 3], [1, 1, 1, 1]], dtype=float)
    y = [0, 1, 2, 3]
    assert _top_k(seam, _single(y, s), k) == _sk(skm.top_k_accuracy_score, y, s, k=k)


@pytest.mark.parametrize("k", [4, 5])
def test_top_k_accuracy_score_warning(seam: Seam, k: int) -> None:
    s = np.array([[0.4, 0.3, 0.2, 0.1], [0.1, 0.4, 0.3, 0.2], [0.2, 0.1, 0.4, 0.3], [0.3, 0.2, 0.1, 0.4]])
    request = _single([0, 1, 2, 3], s, top_k=[k])
    response = _ask(seam, request)
    assert response.summary.top_k[0].accuracy == _sk(skm.top_k_accuracy_score, [0, 1, 2, 3], s, k=k)
    assert "TOP_K_TRIVIAL" in [w.code for w in response.warnings]


_TOPK_ERROR_SCORES = [[0.2, 0.1, 0.7], [0.4, 0.3, 0.3], [0.3, 0.4, 0.3], [0.4, 0.5, 0.1]]


@pytest.mark.parametrize(
    ("y", "names", "s"),
    [
        pytest.param([0, 1, 2, 3], ["0", "1", "2"], _TOPK_ERROR_SCORES, id="classes in y_true != columns"),
        pytest.param([2, 2, 0, 1], ["a", "b", "c", "c"], _TOPK_ERROR_SCORES, id="labels unique"),
        pytest.param([0, 0, 1, 2], ["0", "1", "2", "3"], _TOPK_ERROR_SCORES, id="labels 4 != columns 3"),
        pytest.param([0, 0, 1, 3], ["0", "1", "3"], _TOPK_ERROR_SCORES, id="y_true label not in labels"),
        pytest.param([0, 1], ["0", "1"], [[0.5, 0.2, 0.2], [0.3, 0.4, 0.2]], id="binary y_true, 3 columns"),
    ],
)
def test_top_k_accuracy_score_error(seam: Seam, y: list[int], names: list[str], s: list[list[float]]) -> None:
    request = pb.ScoreClassificationRequest(
        class_names=names, asset_ids=[str(i) for i in range(len(y))], y_true=y, top_k=[2], **_scores(s)
    )
    with pytest.raises(InvalidArgument):
        _ask(seam, request)


# --- both protocols, a sample ---------------------------------------------------------------------------


def test_suite_a_sample_answers_alike_over_grpc_and_rest(seam: Seam, served: Served) -> None:
    y, _, s = make_prediction(binary=True)
    samples = [
        _binary(y, s),
        _single([0, 1, 0, 2], _OVO_SCORES),
        _multi(np.array([[1, 0], [0, 1]]), np.array([[0.5, 0.5], [0.5, 0.5]])),
    ]  # not a NaN curve: ``served.both`` compares messages with ==, and NaN != NaN
    for request in samples:
        by_grpc, _ = served.both(RPC, request, pb.ScoreClassificationResponse)
        direct = _ask(seam, request)
        direct.ClearField("cache")
        assert direct.SerializeToString(deterministic=True) == by_grpc.SerializeToString(deterministic=True)


def test_suite_nan_rates_survive_rest_json(served: Served) -> None:
    """A class without negatives has NaN false positive rates (as sklearn): JSON carries them as "NaN"."""
    s = np.arange(10.0) % 2
    request = _single([1] * 10, np.stack([-s, s], axis=1), curve_points=CURVES)
    by_grpc = served.grpc(RPC, request, pb.ScoreClassificationResponse)
    by_rest = served.rest(RPC, request, pb.ScoreClassificationResponse)
    for r in (by_grpc, by_rest):
        r.ClearField("cache")
    assert by_grpc.SerializeToString(deterministic=True) == by_rest.SerializeToString(deterministic=True)
    assert np.isnan(by_rest.summary.per_class[1].roc_curve.fpr).all()


# Cases here named after a part of one peer test (its binary and multi-label halves, its refusals).
_PART_OF = {
    "test_roc_curve_toydata_binary": "test_roc_curve_toydata",
    "test_roc_curve_toydata_multilabel": "test_roc_curve_toydata",
    "test_precision_recall_curve_toydata_binary": "test_precision_recall_curve_toydata",
    "test_precision_recall_curve_toydata_multilabel": "test_precision_recall_curve_toydata",
    "test_partial_roc_auc_score_out_of_range": "test_partial_roc_auc_score",
    "test_roc_curve_fpr_tpr_increasing": "test_roc_curve_fpr_tpr_increasing",
}


def test_suite_every_peer_test_is_run_or_listed() -> None:
    """Every test function of sklearn's test_ranking.py is a case here or in INEXPRESSIBLE, and every case
    here is (part of) one of them: a new peer test cannot be forgotten."""
    with open(peer_suite.__file__, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    peer = {
        node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    }
    here = {
        _PART_OF.get(name, name)
        for name in dir(sys.modules[__name__])
        if name.startswith("test_") and not name.startswith("test_suite_")
    }
    listed = {name.split("[")[0] for name in INEXPRESSIBLE}
    assert here <= peer, here - peer
    assert peer <= here | listed, sorted(peer - here - listed)
