"""scikit-learn's ``sklearn/metrics/tests/test_classification.py`` (1.9.1) as a conformance suite.

Every test here is one concrete input case of sklearn's file, named after sklearn's test (and its
parameters), that concerns a metric ScoreClassification reports: accuracy and zero-one loss, precision /
recall / F1 / F-beta (per class, micro, macro, weighted, samples, binary; ``labels``, ``zero_division``,
``pos_label``, ``sample_weight``), confusion matrices (counts, weighted, normalized, multi-label
blocks), Matthews correlation, Cohen's kappa, balanced accuracy, Hamming loss, log loss, Brier score,
average precision and the classification report. Each runs the same inputs through the service and
through sklearn, called here (the oracle), and compares. Labels of any type are mapped to class indices
in sorted order (sklearn's label encoding). sklearn's tests of metrics the service does not report
(Jaccard, likelihood ratios, hinge loss, D^2 scores) and of argument errors only are not cases.

Equality is bit-equality unless a comparison says ``close`` (1e-12): there sample weights are summed
in another order than sklearn's (``coo_matrix`` / ``np.average``).
"""

from __future__ import annotations

import functools
import math
import warnings
from itertools import chain, permutations
from typing import Any

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_iris, make_multilabel_classification
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.preprocessing import label_binarize
from sklearn.svm import SVC
from sklearn.utils.validation import check_random_state

from tests.conformance import sklearn_classification as h
from tests.conformance.calls import Seam, Served

SUITE = "sklearn-classification"

INEXPRESSIBLE: dict[str, str] = {
    "test_multilabel_confusion_matrix_multilabel[samplewise]": (
        "samplewise=True: per-asset 2 x 2 blocks are not reported (only per class)"
    ),
    "test_multilabel_confusion_matrix_multilabel[samplewise-weighted]": (
        "samplewise=True with sample_weight: per-asset blocks are not reported"
    ),
    "test_confusion_matrix_dtype[int64-max-weights]": (
        "integer weights near 2**63 overflow in sklearn's int64 matrix; sample_weight is a double field"
    ),
    "test_cohen_kappa_undefined[replace_undefined_by=0.0]": (
        "replace_undefined_by: an undefined kappa is always NaN (4 input cases)"
    ),
    "test_log_loss[normalize=False]": "log loss is reported as the mean only (normalize=False sums)",
    "test_log_loss_eps[float16]": "no float16 scores field (float32 scores or float64 double_scores)",
    "test_log_loss_not_probabilities_warning": (
        "PROBABILITY scores must sum to 1 per row: rows that do not are refused, not warned about (3 dtypes)"
    ),
    "test_brier_score_loss_binary[scale_by_half=False]": "Brier is halved for 2 classes (scale_by_half auto)",
    "test_classification_report_zero_division_warning[string-digits]": (
        "the text report (digits, string layout) is a client rendering of the numbers"
    ),
}


@functools.cache
def prediction(binary: bool) -> tuple[Any, Any, Any]:
    """The inputs of sklearn's ``make_prediction`` (its test module cannot be imported under our strict
    markers): iris (classes 0 and 1 when ``binary``) shuffled by RandomState(37), 800 noise features
    from RandomState(0), a calibrated linear SVC fit on the first half and scored on the second; the
    positive-class column when ``binary``."""
    iris = load_iris()
    x, y = iris.data, iris.target
    if binary:
        x, y = x[y < 2], y[y < 2]
    n, d = x.shape
    order = np.arange(n)
    check_random_state(37).shuffle(order)
    x, y = x[order], y[order]
    half = n // 2
    x = np.c_[x, np.random.RandomState(0).randn(n, 200 * d)]
    clf = CalibratedClassifierCV(SVC(kernel="linear", random_state=0), ensemble=False, cv=3)
    proba = clf.fit(x[:half], y[:half]).predict_proba(x[half:])
    return y[half:], clf.predict(x[half:]), proba[:, 1] if binary else proba


def prfs(*args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return skm.precision_recall_fscore_support(*args, **kwargs)


def quiet(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn(*args, **kwargs)


def check_prf(
    summary: Any,
    y_true: Any,
    y_pred: Any,
    *,
    sk_labels: Any = None,
    our_labels: Any = None,
    averages: tuple[str, ...] = ("micro", "macro", "weighted"),
    beta: float = 1.0,
    tol: float = 0.0,
    **kwargs: Any,
) -> None:
    """Per-class P/R/F/support (and F-beta when ``beta`` != 1) and the averages equal sklearn's."""
    p, r, f, s = prfs(y_true, y_pred, average=None, labels=sk_labels, beta=beta, **kwargs)
    idx = our_labels
    assert h.same(h.per_class(summary, "precision", idx), p, tol)
    assert h.same(h.per_class(summary, "recall", idx), r, tol)
    assert h.same(h.per_class(summary, "f_beta" if beta != 1.0 else "f1", idx), f, tol)
    if "sample_weight" not in kwargs:
        assert h.same(h.per_class(summary, "support", idx), s)
    for average in averages:
        expected = prfs(y_true, y_pred, average=average, labels=sk_labels, beta=beta, **kwargs)[:3]
        got = getattr(summary.averages, average)
        ours = [got.precision, got.recall, got.f_beta if beta != 1.0 else got.f1]
        assert h.same(ours, expected, tol), (average, ours, expected)


# --- accuracy, zero-one loss, Hamming loss -------------------------------------------------------

_Y1 = np.array([[0, 1, 1], [1, 0, 1]])
_Y2 = np.array([[0, 0, 1], [1, 0, 1]])
_SUBSET_PAIRS = [
    (_Y1, _Y2),
    (_Y1, _Y1),
    (_Y2, _Y2),
    (_Y2, np.logical_not(_Y2)),
    (_Y1, np.logical_not(_Y1)),
    (_Y1, np.zeros(_Y1.shape)),
    (_Y2, np.zeros(_Y1.shape)),
]


@pytest.mark.parametrize("pair", range(len(_SUBSET_PAIRS)))
def test_multilabel_accuracy_score_subset_accuracy(seam: Seam, pair: int) -> None:
    y1, y2 = _SUBSET_PAIRS[pair]
    summary, _ = h.multi(seam, y1, y2)
    assert h.same(summary.accuracy, skm.accuracy_score(y1, y2))


@pytest.mark.parametrize("pair", range(len(_SUBSET_PAIRS)))
def test_multilabel_zero_one_loss_subset(seam: Seam, pair: int) -> None:
    y1, y2 = _SUBSET_PAIRS[pair]
    summary, _ = h.multi(seam, y1, y2)
    assert h.same(1 - summary.accuracy, skm.zero_one_loss(y1, y2))


@pytest.mark.parametrize(
    "pair",
    [(_Y1, _Y2), (_Y1, _Y1), (_Y2, _Y2), (_Y2, 1 - _Y2), (_Y1, 1 - _Y1), (_Y1, np.zeros(_Y1.shape)),
     (_Y2, np.zeros(_Y1.shape))],
    ids=lambda _: "",
)  # fmt: skip
def test_multilabel_hamming_loss(seam: Seam, pair: tuple[Any, Any]) -> None:
    summary, _ = h.multi(seam, *pair)
    assert h.same(summary.hamming_loss, skm.hamming_loss(*pair))


def test_multilabel_hamming_loss_weighted(seam: Seam) -> None:
    w = np.array([1, 3])
    summary, _ = h.multi(seam, _Y1, _Y2, sample_weight=w)
    assert h.close(summary.hamming_loss, skm.hamming_loss(_Y1, _Y2, sample_weight=w))


# --- precision, recall, F ------------------------------------------------------------------------


def test_precision_recall_f1_score_binary(seam: Seam) -> None:
    y_true, y_pred, _ = prediction(True)
    summary, _ = h.single(seam, y_true, y_pred, beta=2.0)
    check_prf(summary, y_true, y_pred)
    b = summary.averages.binary
    for fn, ours in ((skm.precision_score, b.precision), (skm.recall_score, b.recall), (skm.f1_score, b.f1)):
        assert h.same(ours, fn(y_true, y_pred)) and h.same(ours, fn(y_true, y_pred, average="binary"))
    assert h.same(b.f_beta, skm.fbeta_score(y_true, y_pred, beta=2))


@pytest.mark.parametrize(
    "y, beta",
    [([1, 1], 0.0), ([1, 1], 1.0), ([-1, -1], 1.0), ([-1, -1], math.inf)],
    ids=["ones-beta0", "ones", "minus-ones", "minus-ones-beta-inf"],
)
def test_precision_recall_f_binary_single_class(seam: Seam, y: list[int], beta: float) -> None:
    # Two classes, one absent: {0, 1} for [1, 1] and {-1, 1} for [-1, -1]; sklearn's pos_label is 1.
    classes = [0, 1] if y[0] == 1 else [-1, 1]
    summary, _ = h.single(seam, y, y, classes=classes, beta=beta)
    b = summary.averages.binary
    assert h.same(b.precision, quiet(skm.precision_score, y, y))
    assert h.same(b.recall, quiet(skm.recall_score, y, y))
    assert h.same(b.f1, quiet(skm.f1_score, y, y))
    assert h.same(b.f_beta, quiet(skm.fbeta_score, y, y, beta=beta))


@pytest.mark.parametrize("form", ["multiclass", "multilabel"])
def test_precision_recall_f_extra_labels(seam: Seam, form: str) -> None:
    y_true, y_pred = [1, 3, 3, 2], [1, 1, 3, 2]
    labels = [0, 1, 2, 3, 4]
    if form == "multiclass":
        summary, _ = h.single(seam, y_true, y_pred, classes=labels, labels=labels)
        averages: tuple[str, ...] = ("micro", "macro", "weighted")
        yt, yp = y_true, y_pred
    else:
        yt, yp = label_binarize(y_true, classes=labels), label_binarize(y_pred, classes=labels)
        summary, _ = h.multi(seam, yt, yp, labels=labels)
        averages = ("micro", "macro", "weighted", "samples")
    check_prf(summary, yt, yp, sk_labels=labels, averages=averages)


def test_precision_recall_f_extra_labels_samples_subset(seam: Seam) -> None:
    # Non-regression of sklearn #10307: samples average over labels [0, 1].
    y_true = np.array([[0, 1, 1], [1, 0, 0]])
    y_pred = np.array([[1, 1, 1], [1, 0, 1]])
    summary, _ = h.multi(seam, y_true, y_pred, labels=[0, 1])
    expected = prfs(y_true, y_pred, average="samples", labels=[0, 1])[:3]
    assert h.same(h.averaged(summary.averages.samples), expected)


@pytest.mark.parametrize("form", ["multiclass", "multilabel"])
def test_precision_recall_f_ignored_labels(seam: Seam, form: str) -> None:
    y_true, y_pred = [1, 1, 2, 3], [1, 3, 3, 3]
    classes = list(range(5))
    if form == "multiclass":
        # Classes 1, 2, 3 present: encoded 0, 1, 2; sklearn labels [1, 3] are ours [0, 2].
        summary, _ = h.single(seam, y_true, y_pred, labels=[0, 2])
        check_prf(summary, y_true, y_pred, sk_labels=[1, 3], our_labels=[0, 2])
    else:
        yt, yp = label_binarize(y_true, classes=classes), label_binarize(y_pred, classes=classes)
        summary, _ = h.multi(seam, yt, yp, labels=[1, 3])
        check_prf(summary, yt, yp, sk_labels=[1, 3], our_labels=[1, 3])


def test_precision_recall_f_unused_pos_label(seam: Seam) -> None:
    summary, _ = h.single(seam, [1, 2, 1], [1, 2, 2])
    expected = prfs([1, 2, 1], [1, 2, 2], pos_label=2, average="macro")[:3]
    assert h.same(h.averaged(summary.averages.macro), expected)


def test_precision_recall_f1_score_multiclass(seam: Seam) -> None:
    y_true, y_pred, _ = prediction(False)
    summary, _ = h.single(seam, y_true, y_pred)
    check_prf(summary, y_true, y_pred)
    check_prf(summary, y_true, y_pred, sk_labels=[0, 2, 1], our_labels=[0, 2, 1], averages=())


@pytest.mark.parametrize("average", ["samples", "micro", "macro", "weighted", None])
def test_precision_refcall_f1_score_multilabel_unordered_labels(seam: Seam, average: str | None) -> None:
    y_true, y_pred = np.array([[1, 1, 0, 0]]), np.array([[0, 0, 1, 1]])
    summary, _ = h.multi(seam, y_true, y_pred, labels=[3, 0, 1, 2])
    p, r, f, s = prfs(y_true, y_pred, labels=[3, 0, 1, 2], warn_for=[], average=average)
    if average is None:
        got = [h.per_class(summary, m, [3, 0, 1, 2]) for m in ("precision", "recall", "f1", "support")]
        assert h.same(got, [p, r, f, s])
    else:
        assert h.same(h.averaged(getattr(summary.averages, average)), [p, r, f])


def test_precision_recall_f1_score_binary_averaged(seam: Seam) -> None:
    y_true = np.array([0, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1])
    y_pred = np.array([1, 1, 0, 1, 0, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1])
    summary, _ = h.single(seam, y_true, y_pred)
    check_prf(summary, y_true, y_pred)


def test_zero_precision_recall(seam: Seam) -> None:
    y_true, y_pred = np.array([0, 1, 2, 0, 1, 2]), np.array([2, 0, 1, 1, 2, 0])
    summary, _ = h.single(seam, y_true, y_pred)
    check_prf(summary, y_true, y_pred, averages=("macro",))


def _crafted_multilabel(seam: Seam, y_true: Any, y_pred: Any, zero_division: Any = "warn") -> None:
    for beta in (1.0, 2.0):
        summary, _ = h.multi(seam, y_true, y_pred, beta=beta, zero_division=zero_division)
        check_prf(
            summary, y_true, y_pred, beta=beta, zero_division=zero_division,
            averages=("micro", "macro", "weighted", "samples"),
        )  # fmt: skip


def test_precision_recall_f1_score_multilabel_1(seam: Seam) -> None:
    y_true = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 1]])
    y_pred = np.array([[0, 1, 0, 0], [0, 1, 0, 0], [1, 0, 1, 0]])
    _crafted_multilabel(seam, y_true, y_pred)


def test_precision_recall_f1_score_multilabel_2(seam: Seam) -> None:
    y_true = np.array([[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 1, 0]])
    y_pred = np.array([[0, 0, 0, 1], [0, 0, 0, 1], [1, 1, 0, 0]])
    _crafted_multilabel(seam, y_true, y_pred)


@pytest.mark.parametrize("zero_division", ["warn", 0, 1, np.nan])
def test_precision_recall_f1_score_with_an_empty_prediction(seam: Seam, zero_division: Any) -> None:
    y_true = np.array([[0, 1, 0, 0], [1, 0, 0, 0], [0, 1, 1, 0]])
    y_pred = np.array([[0, 0, 0, 0], [0, 0, 0, 1], [0, 1, 1, 0]])
    _crafted_multilabel(seam, y_true, y_pred, zero_division)


@pytest.mark.parametrize("average", ["macro", "micro", "weighted", "samples"])
@pytest.mark.parametrize("zero_division", [0, 1, np.nan])
def test_precision_recall_f1_no_labels(seam: Seam, average: str, zero_division: Any) -> None:
    y = np.zeros((20, 3))
    summary, response = h.multi(seam, y, y, beta=1.0, zero_division=zero_division)
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=UndefinedMetricWarning)
        p, r, f, _ = skm.precision_recall_fscore_support(
            y, y, average=average, beta=1, zero_division=zero_division
        )
        fbeta = skm.fbeta_score(y, y, beta=1, average=average, zero_division=zero_division)
    assert h.same(h.averaged(getattr(summary.averages, average), beta=True), [p, r, f, fbeta])
    assert not h.warning_codes(response) & {"CLASS_NEVER_PRESENT", "CLASS_NEVER_PREDICTED"}


@pytest.mark.parametrize("average", ["macro", "micro", "weighted", "samples"])
def test_precision_recall_f1_no_labels_check_warnings(seam: Seam, average: str) -> None:
    y = np.zeros((20, 3))
    summary, response = h.multi(seam, y, y, beta=1.0)
    with pytest.warns(UndefinedMetricWarning):
        p, r, f, _ = skm.precision_recall_fscore_support(y, y, average=average, beta=1.0)
    assert h.same(h.averaged(getattr(summary.averages, average)), [p, r, f])
    assert "CLASS_NEVER_PRESENT" in h.warning_codes(response)


@pytest.mark.parametrize("zero_division", ["warn", 0, 1, np.nan])
def test_precision_recall_f1_no_labels_average_none(seam: Seam, zero_division: Any) -> None:
    y = np.zeros((20, 3))
    summary, _ = h.multi(seam, y, y, beta=1.0, zero_division=zero_division)
    p, r, f, s = prfs(y, y, average=None, beta=1.0, zero_division=zero_division)
    got = [h.per_class(summary, m) for m in ("precision", "recall", "f_beta", "support")]
    assert h.same(got, [p, r, f, s])


@pytest.mark.parametrize("zero_division", ["warn", 0, 1, np.nan])
@pytest.mark.parametrize(
    "y_true, y_pred",
    [(np.array([[1, 1], [1, 1]]), np.array([[0, 0], [0, 0]])),
     (np.array([[0, 0], [0, 0]]), np.array([[1, 1], [1, 1]]))],
    ids=["no-predicted", "no-true"],
)  # fmt: skip
def test_prf_warnings_micro(seam: Seam, y_true: Any, y_pred: Any, zero_division: Any) -> None:
    # sklearn's test_recall_warnings / test_precision_warnings / test_fscore_warnings: micro averages.
    summary, response = h.multi(seam, y_true, y_pred, zero_division=zero_division)
    expected = prfs(y_true, y_pred, average="micro", zero_division=zero_division)[:3]
    assert h.same(h.averaged(summary.averages.micro), expected)
    assert bool(h.warning_codes(response) & {"CLASS_NEVER_PRESENT", "CLASS_NEVER_PREDICTED"}) == (
        zero_division == "warn"
    )


@pytest.mark.parametrize("zero_division", ["warn", 0, 1, np.nan])
def test_prf_warnings_binary_zeros(seam: Seam, zero_division: Any) -> None:
    # precision_score([0, 0], [0, 0]) and recall_score([0, 0], [0, 0]): class 1 absent.
    summary, _ = h.single(seam, [0, 0], [0, 0], classes=[0, 1], zero_division=zero_division)
    b = summary.averages.binary
    kw = {"zero_division": zero_division}
    assert h.same(b.precision, quiet(skm.precision_score, [0, 0], [0, 0], **kw))
    assert h.same(b.recall, quiet(skm.recall_score, [0, 0], [0, 0], **kw))
    assert h.same(b.f1, quiet(skm.f1_score, [0, 0], [0, 0], **kw))


_PRF_WARNING_CASES: dict[str, tuple[Any, Any, tuple[str | None, ...]]] = {
    "no-predicted": ([0, 1, 2], [1, 1, 2], (None, "weighted", "macro")),
    "no-true": ([1, 1, 2], [0, 1, 2], (None, "weighted", "macro")),
    "samples-no-predicted": (np.array([[1, 0], [1, 0]]), np.array([[1, 0], [0, 0]]), ("samples",)),
    "samples-no-true": (np.array([[1, 0], [0, 0]]), np.array([[1, 0], [1, 0]]), ("samples",)),
    "micro-no-predicted": (np.array([[1, 1], [1, 1]]), np.array([[0, 0], [0, 0]]), ("micro",)),
    "micro-no-true": (np.array([[0, 0], [0, 0]]), np.array([[1, 1], [1, 1]]), ("micro",)),
    "binary-no-predicted": ([1, 1], [-1, -1], ("binary",)),
    "binary-no-true": ([-1, -1], [1, 1], ("binary",)),
    "binary-neither": ([0, 0], [0, 0], ("binary",)),
}


def _prf_warning_case(seam: Seam, case: str, zero_division: Any) -> Any:
    y_true, y_pred, averages = _PRF_WARNING_CASES[case]
    if np.asarray(y_true).ndim == 2:
        summary, response = h.multi(seam, y_true, y_pred, zero_division=zero_division)
    else:
        classes = h.classes_of(y_true, y_pred)
        classes = classes if len(classes) == 2 or "binary" not in averages else sorted({*classes, 1} | {0})
        summary, response = h.single(seam, y_true, y_pred, classes=classes, zero_division=zero_division)
    for average in averages:
        expected = prfs(y_true, y_pred, average=average, zero_division=zero_division)
        if average is None:
            got = [h.per_class(summary, m) for m in ("precision", "recall", "f1")]
            assert h.same(got, list(expected[:3]))
        else:
            assert h.same(h.averaged(getattr(summary.averages, average)), expected[:3]), average
    return response


@pytest.mark.parametrize("case", list(_PRF_WARNING_CASES))
def test_prf_warnings(seam: Seam, case: str) -> None:
    response = _prf_warning_case(seam, case, "warn")
    assert h.warning_codes(response) & {"CLASS_NEVER_PRESENT", "CLASS_NEVER_PREDICTED"}


@pytest.mark.parametrize("zero_division", [0, 1, np.nan])
@pytest.mark.parametrize("case", list(_PRF_WARNING_CASES)[:2])
def test_prf_no_warnings_if_zero_division_set(seam: Seam, case: str, zero_division: Any) -> None:
    response = _prf_warning_case(seam, case, zero_division)
    assert not h.warning_codes(response) & {"CLASS_NEVER_PRESENT", "CLASS_NEVER_PREDICTED"}


@pytest.mark.parametrize("dtype", ["Int64", "Float64", "boolean"])
def test_confusion_matrix_pandas_nullable(seam: Seam, dtype: str) -> None:
    pd = pytest.importorskip("pandas")
    y = np.array([1, 0, 0, 1, 0, 1, 1, 0, 1])
    y_pred = [0, 0, 1, 1, 0, 1, 1, 1, 1]
    summary, _ = h.single(seam, y, y_pred)
    expected = skm.confusion_matrix(pd.Series(y, dtype=dtype), pd.Series(y_pred, dtype="int64"))
    assert h.same(h.confusion(summary), expected)


_ZD_METRICS = {
    "f1": (skm.f1_score, "f1"),
    "fbeta1": (functools.partial(skm.fbeta_score, beta=1), "f_beta"),
    "precision": (skm.precision_score, "precision"),
    "recall": (skm.recall_score, "recall"),
}


@pytest.mark.parametrize("zero_division", [0, 1, np.nan])
@pytest.mark.parametrize("metric", list(_ZD_METRICS))
def test_zero_division_nan_no_warning(seam: Seam, metric: str, zero_division: Any) -> None:
    fn, field = _ZD_METRICS[metric]
    summary, response = h.single(seam, [0], [0], classes=[0, 1], beta=1.0, zero_division=zero_division)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        expected = fn([0], [0], zero_division=zero_division)
    assert h.same(getattr(summary.averages.binary, field), expected)
    assert not h.warning_codes(response) & {"CLASS_NEVER_PRESENT", "CLASS_NEVER_PREDICTED"}


@pytest.mark.parametrize("metric", list(_ZD_METRICS))
def test_zero_division_nan_warning(seam: Seam, metric: str) -> None:
    fn, field = _ZD_METRICS[metric]
    summary, response = h.single(seam, [0], [0], classes=[0, 1], beta=1.0)
    with pytest.warns(UndefinedMetricWarning):
        expected = fn([0], [0], zero_division="warn")
    assert h.same(getattr(summary.averages.binary, field), expected)
    assert "CLASS_NEVER_PRESENT" in h.warning_codes(response)


@pytest.mark.parametrize(
    "y_true, y_pred",
    [([0, 1], [1, 0]), ([0, 1], [0, 1]), ([0, 1], [0, 0]), ([0, 0], [0, 0])],
    ids=["swapped", "equal", "one-predicted", "one-class"],
)
def test_f1_for_small_binary_inputs_with_zero_division(seam: Seam, y_true: Any, y_pred: Any) -> None:
    summary, _ = h.single(seam, y_true, y_pred, classes=[0, 1], zero_division=1)
    assert h.same(summary.averages.binary.f1, skm.f1_score(y_true, y_pred, zero_division=1.0))


@pytest.mark.parametrize("classes", [(False, True), (0, 1), (0.0, 1.0), ("zero", "one")], ids=str)
@pytest.mark.parametrize("metric", ["f1", "fbeta0.5", "prfs", "precision", "recall", "brier"])
def test_classification_metric_pos_label_types(seam: Seam, metric: str, classes: tuple[Any, Any]) -> None:
    rng = np.random.RandomState(42)
    y_true = rng.choice(classes, size=10, replace=True)
    order = sorted(classes)
    pos = order.index(classes[-1])
    if metric == "brier":
        y_prob = rng.uniform(size=10)
        scores = np.column_stack([1 - y_prob, y_prob]) if pos == 1 else np.column_stack([y_prob, 1 - y_prob])
        req = h.request(
            k=2, n=10, y_true=h.encode(y_true, order), scores=scores, probabilities=True, pos_label=pos
        )
        got = h.call(seam, req).summary.brier_score
        assert h.same(got, skm.brier_score_loss(y_true, y_prob, pos_label=classes[-1]))
        return
    summary, _ = h.single(seam, y_true, y_true.copy(), classes=order, pos_label=pos, beta=0.5)
    b = summary.averages.binary
    kw = {"pos_label": classes[-1]}
    expected = {
        "f1": [b.f1, skm.f1_score(y_true, y_true, **kw)],
        "fbeta0.5": [b.f_beta, skm.fbeta_score(y_true, y_true, beta=0.5, **kw)],
        "prfs": [
            h.averaged(b),
            list(skm.precision_recall_fscore_support(y_true, y_true, average="binary", **kw)[:3]),
        ],
        "precision": [b.precision, skm.precision_score(y_true, y_true, **kw)],
        "recall": [b.recall, skm.recall_score(y_true, y_true, **kw)],
    }[metric]
    assert h.same(*expected)


# --- confusion matrices --------------------------------------------------------------------------


@pytest.mark.parametrize("labels", ["ints", "strings"])
def test_confusion_matrix_binary(seam: Seam, labels: str) -> None:
    y_true, y_pred, _ = prediction(True)
    if labels == "strings":
        y_true, y_pred = [str(y) for y in y_true], [str(y) for y in y_pred]
    summary, _ = h.single(seam, y_true, y_pred)
    assert h.same(h.confusion(summary), skm.confusion_matrix(y_true, y_pred))
    assert h.same(summary.matthews_corrcoef, skm.matthews_corrcoef(y_true, y_pred))


def test_multilabel_confusion_matrix_binary(seam: Seam) -> None:
    y_true, y_pred, _ = prediction(True)
    summary, _ = h.single(seam, y_true, y_pred)
    assert h.same(
        h.blocks_from_confusion(h.confusion(summary)), skm.multilabel_confusion_matrix(y_true, y_pred)
    )


@pytest.mark.parametrize("labels", [None, [0, 2, 1], [0, 2, 1, 3]], ids=str)
def test_multilabel_confusion_matrix_multiclass(seam: Seam, labels: list[int] | None) -> None:
    y_true, y_pred, _ = prediction(False)
    summary, _ = h.single(seam, y_true, y_pred, classes=[0, 1, 2, 3])
    blocks = h.blocks_from_confusion(h.confusion(summary))
    expected = skm.multilabel_confusion_matrix(y_true, y_pred, labels=labels)
    assert h.same(blocks[labels if labels is not None else [0, 1, 2]], expected)


@pytest.mark.parametrize("labels", [None, [2, 0]], ids=str)
def test_multilabel_confusion_matrix_multilabel(seam: Seam, labels: list[int] | None) -> None:
    y_true = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    y_pred = np.array([[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    summary, _ = h.multi(seam, y_true, y_pred)
    blocks = h.confusion(summary)
    expected = skm.multilabel_confusion_matrix(y_true, y_pred, labels=labels)
    assert h.same(blocks if labels is None else blocks[labels], expected)


@pytest.mark.parametrize("normalize", ["true", "pred", "all", None])
def test_confusion_matrix_normalize(seam: Seam, normalize: str | None) -> None:
    y_test = [0, 1, 2] * 6
    y_pred = list(chain(*permutations([0, 1, 2])))
    summary, _ = h.single(seam, y_test, y_pred, normalize=normalize)
    expected = skm.confusion_matrix(y_test, y_pred, normalize=normalize)
    assert h.same(h.confusion(summary, "normalized" if normalize else "counts"), expected)


@pytest.mark.parametrize("order", ["test-pred", "pred-test"])
@pytest.mark.parametrize("normalize", ["true", "pred"])
def test_confusion_matrix_normalize_single_class(seam: Seam, order: str, normalize: str) -> None:
    a, b = [0, 0, 0, 0, 1, 1, 1, 1], [0] * 8
    y_true, y_pred = (a, b) if order == "test-pred" else (b, a)
    summary, _ = h.single(seam, y_true, y_pred, normalize=normalize)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        expected = skm.confusion_matrix(y_true, y_pred, normalize=normalize)
    assert h.same(h.confusion(summary, "normalized"), expected)


def test_confusion_matrix_single_label(seam: Seam) -> None:
    summary, _ = h.single(seam, [0, 0, 0, 0], [0, 0, 0, 0])
    expected = quiet(skm.confusion_matrix, [0, 0, 0, 0], [0, 0, 0, 0])
    assert h.same(h.confusion(summary), expected)


@pytest.mark.parametrize("labels", [[0, 1], [2, 1], [2, 3]], ids=str)
def test_confusion_matrix_multiclass_subset_labels(seam: Seam, labels: list[int]) -> None:
    # sklearn counts only the assets whose truth and prediction are both in labels: those cells of
    # the full matrix (label 3 is one more class, never present).
    y_true, y_pred, _ = prediction(False)
    summary, _ = h.single(seam, y_true, y_pred, classes=[0, 1, 2, 3])
    full = h.confusion(summary)
    expected = skm.confusion_matrix(y_true, y_pred, labels=labels)
    assert h.same(full[np.ix_(labels, labels)], expected)


@pytest.mark.parametrize("weights", ["ones", "uint32-max"])
def test_confusion_matrix_dtype(seam: Seam, weights: str) -> None:
    y = [0, 1, 1]
    w = np.ones(3) if weights == "ones" else np.full(3, 4294967295, dtype=np.uint32)
    summary, _ = h.single(seam, y, y, sample_weight=w)
    assert h.same(h.confusion(summary, "weighted"), skm.confusion_matrix(y, y, sample_weight=w))


# --- Matthews correlation, Cohen's kappa, balanced accuracy ---------------------------------------

_SEED = 42  # sklearn's global_random_seed default


def test_matthews_corrcoef_against_numpy_corrcoef(seam: Seam) -> None:
    rng = np.random.RandomState(_SEED)
    y_true, y_pred = rng.randint(0, 2, size=20), rng.randint(0, 2, size=20)
    summary, _ = h.single(seam, y_true, y_pred)
    assert h.same(summary.matthews_corrcoef, skm.matthews_corrcoef(y_true, y_pred))


def test_matthews_corrcoef_against_jurman(seam: Seam) -> None:
    rng = np.random.RandomState(_SEED)
    y_true, y_pred = rng.randint(0, 2, size=20), rng.randint(0, 2, size=20)
    w = rng.rand(20)
    summary, _ = h.single(seam, y_true, y_pred, sample_weight=w)
    # close: the weighted matrix is summed in another order than sklearn's coo_matrix.
    assert h.close(summary.matthews_corrcoef, skm.matthews_corrcoef(y_true, y_pred, sample_weight=w))


def _mcc_cases() -> list[tuple[Any, Any, Any]]:
    rng = np.random.RandomState(_SEED)
    y_true = ["a" if i == 0 else "b" for i in rng.randint(0, 2, size=20)]
    y_inv = ["b" if i == "a" else "a" for i in y_true]
    y_1 = [1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1]
    y_2 = [1, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 1, 0, 1, 1]
    return [
        (y_true, y_true, None),
        (y_true, y_inv, None),
        ([0, 0, 0, 0], [0, 0, 0, 0], None),
        (y_true, ["a"] * 20, None),
        (y_1, y_2, None),
        (y_1, y_2, [1] * 10 + [0] * 10),
    ]


@pytest.mark.parametrize("case", range(6))
def test_matthews_corrcoef(seam: Seam, case: int) -> None:
    y_true, y_pred, w = _mcc_cases()[case]
    summary, _ = h.single(seam, y_true, y_pred, sample_weight=w)
    assert h.close(summary.matthews_corrcoef, quiet(skm.matthews_corrcoef, y_true, y_pred, sample_weight=w))


_MCC_MULTICLASS = [
    ([0, 0, 1, 1, 2, 2], [2, 2, 0, 0, 1, 1], None),
    ([0, 0, 1, 1, 2, 2], [1, 1, 0, 0, 0, 0], None),
    ([0, 1, 2], [3, 3, 3], None),
    ([3, 3, 3], [0, 1, 2], None),
    ([0, 1, 2, 0, 1, 2, 0, 1, 2], [1, 1, 1, 2, 2, 2, 0, 0, 0], None),
    ([0, 0, 1, 1, 2], [1, 1, 0, 0, 2], [1, 1, 1, 1, 0]),
    ([0, 0, 1, 2], [0, 0, 1, 2], [1, 1, 0, 0]),
]


@pytest.mark.parametrize("case", range(len(_MCC_MULTICLASS) + 1))
def test_matthews_corrcoef_multiclass(seam: Seam, case: int) -> None:
    y_true: Any
    y_pred: Any
    if case == len(_MCC_MULTICLASS):
        rng = np.random.RandomState(_SEED)
        y = [chr(ord("a") + i) for i in rng.randint(0, 4, size=20)]
        y_true, y_pred, w = y, y, None
    else:
        y_true, y_pred, w = _MCC_MULTICLASS[case]
    summary, _ = h.single(seam, y_true, y_pred, sample_weight=w)
    assert h.close(summary.matthews_corrcoef, quiet(skm.matthews_corrcoef, y_true, y_pred, sample_weight=w))


@pytest.mark.parametrize("n_points", [100, 10000])
def test_matthews_corrcoef_overflow(seam: Seam, n_points: int) -> None:
    rng = np.random.RandomState(_SEED)
    x_true = rng.random_sample(n_points)
    x_pred = x_true + 0.2 * (rng.random_sample(n_points) - 0.5)
    cases = [
        (np.repeat([0.0, 1.0], n_points),) * 2,
        (np.repeat([0.0, 1.0, 2.0], n_points),) * 2,
        (x_true > 0.5, x_true > 0.5),
        (x_true > 0.5, x_pred > 0.5),
    ]
    for y_true, y_pred in cases:
        summary, _ = h.single(seam, y_true, y_pred)
        assert h.same(summary.matthews_corrcoef, skm.matthews_corrcoef(y_true, y_pred))


def test_cohen_kappa(seam: Seam) -> None:
    y1 = np.array([0] * 40 + [1] * 60)
    y2 = np.array([0] * 20 + [1] * 20 + [0] * 10 + [1] * 50)
    cases: list[tuple[Any, Any, Any]] = [(y1, y2, None), (y2, y1, None)]
    cases.append((np.append(y1, [2] * 4), np.append(y2, [2] * 4), [0, 1]))
    cases.append((y1, y1, None))
    cases.append((np.array([0] * 46 + [1] * 44 + [2] * 10), np.array([0] * 52 + [1] * 32 + [2] * 16), None))
    cases.append((np.array([0] * 46 + [1] * 44 + [2] * 10), np.array([0] * 50 + [1] * 40 + [2] * 10), None))
    for a, b, labels in cases:
        summary, _ = h.single(seam, a, b, labels=labels)
        for field, weights in (("cohen_kappa", None), ("cohen_kappa_linear", "linear"),
                               ("cohen_kappa_quadratic", "quadratic")):  # fmt: skip
            expected = skm.cohen_kappa_score(a, b, labels=labels, weights=weights)
            assert h.same(getattr(summary, field), expected), (field, labels)


@pytest.mark.parametrize(
    "y1, y2, labels, weights",
    [
        ([1] * 5 + [2] * 5, [3] * 10, [1, 2], None),
        ([3] * 10, [3] * 10, None, None),
        ([1] * 5 + [2] * 5, [1] * 5 + [3] * 5, [1, 2], None),
        ([1] * 5 + [2] * 5, [1] * 5 + [3] * 5, [1, 2], "linear"),
    ],
    ids=["no-common", "one-label", "one-in-common", "one-in-common-linear"],
)
def test_cohen_kappa_undefined(seam: Seam, y1: Any, y2: Any, labels: Any, weights: Any) -> None:
    classes = h.classes_of(y1, y2)
    ours = None if labels is None else h.encode(labels, classes)
    summary, _ = h.single(seam, y1, y2, labels=ours)
    field = {None: "cohen_kappa", "linear": "cohen_kappa_linear"}[weights]
    expected = quiet(skm.cohen_kappa_score, np.array(y1), np.array(y2), labels=labels, weights=weights)
    assert h.same(getattr(summary, field), expected)


def test_balanced_accuracy_score_unseen(seam: Seam) -> None:
    summary, _ = h.single(seam, [0, 0, 0], [0, 0, 1])
    with pytest.warns(UserWarning, match="y_pred contains classes not in y_true"):
        expected = skm.balanced_accuracy_score([0, 0, 0], [0, 0, 1])
    assert h.same(summary.balanced_accuracy, expected)


@pytest.mark.parametrize(
    "y_true, y_pred",
    [
        (["a", "b", "a", "b"], ["a", "a", "a", "b"]),
        (["a", "b", "c", "b"], ["a", "a", "a", "b"]),
        (["a", "a", "a", "b"], ["a", "b", "c", "b"]),
    ],
)
def test_balanced_accuracy_score(seam: Seam, y_true: Any, y_pred: Any) -> None:
    summary, _ = h.single(seam, y_true, y_pred)
    assert h.same(summary.balanced_accuracy, quiet(skm.balanced_accuracy_score, y_true, y_pred))
    expected = quiet(skm.balanced_accuracy_score, y_true, y_pred, adjusted=True)
    assert h.same(summary.adjusted_balanced_accuracy, expected)


# --- classification report -----------------------------------------------------------------------


def check_report(summary: Any, y_true: Any, y_pred: Any, **kwargs: Any) -> None:
    report = quiet(skm.classification_report, y_true, y_pred, output_dict=True, **kwargs)
    names = [
        k for k in report if k not in ("accuracy", "micro avg", "macro avg", "weighted avg", "samples avg")
    ]
    for i, name in enumerate(names):
        c = summary.per_class[i]
        row = report[name]
        assert h.same(
            [c.precision, c.recall, c.f1, c.support],
            [row[m] for m in ("precision", "recall", "f1-score", "support")],
        )
    for key, got in (("micro avg", "micro"), ("macro avg", "macro"), ("weighted avg", "weighted"),
                     ("samples avg", "samples")):  # fmt: skip
        if key in report:
            row = report[key]
            a = getattr(summary.averages, got)
            assert h.same(
                [a.precision, a.recall, a.f1, a.support],
                [row[m] for m in ("precision", "recall", "f1-score", "support")],
            )
    if "accuracy" in report:
        assert h.same(summary.accuracy, report["accuracy"])


_IRIS_NAMES = {
    "dictionary_output": None,
    "multiclass": None,
    "with_label_detection": None,
    "with_digits": None,
    "with_string_label": ["blue", "green", "red"],
    "with_unicode_label": ["blue\xa2", "green\xa2", "red\xa2"],
    "with_long_string_label": ["blue", "green" * 5, "red"],
}


@pytest.mark.parametrize("variant", list(_IRIS_NAMES))
def test_classification_report_multiclass(seam: Seam, variant: str) -> None:
    y_true, y_pred, _ = prediction(False)
    names = _IRIS_NAMES[variant]
    if names is not None:
        y_true, y_pred = np.array(names)[y_true], np.array(names)[y_pred]
    summary, _ = h.single(seam, y_true, y_pred)
    check_report(summary, y_true, y_pred)


def test_classification_report_multiclass_balanced(seam: Seam) -> None:
    y_true, y_pred = [0, 0, 0, 1, 1, 1, 2, 2, 2], [0, 1, 2, 0, 1, 2, 0, 1, 2]
    summary, _ = h.single(seam, y_true, y_pred)
    check_report(summary, y_true, y_pred)


@pytest.mark.parametrize("zero_division", ["warn", 0, 1, np.nan])
def test_classification_report_zero_division_warning(seam: Seam, zero_division: Any) -> None:
    y_true, y_pred = ["a", "b", "c"], ["a", "b", "d"]
    summary, response = h.single(seam, y_true, y_pred, zero_division=zero_division)
    check_report(summary, y_true, y_pred, zero_division=zero_division)
    assert bool(h.warning_codes(response) & {"CLASS_NEVER_PRESENT", "CLASS_NEVER_PREDICTED"}) == (
        zero_division == "warn"
    )


@pytest.mark.parametrize("labels", [[0], [0, 1], [0, 1, 2]], ids=str)
def test_classification_report_labels_subset_superset(seam: Seam, labels: list[int]) -> None:
    y_true, y_pred = [0, 1], [0, 1]
    report = quiet(skm.classification_report, y_true, y_pred, labels=labels, output_dict=True)
    summary, _ = h.single(seam, y_true, y_pred, classes=list(range(max(2, len(labels)))), labels=labels)
    for i in labels:
        row = report[str(i)]
        c = summary.per_class[i]
        expected = [row[m] for m in ("precision", "recall", "f1-score", "support")]
        assert h.same([c.precision, c.recall, c.f1, c.support], expected)
    for key in ("macro avg", "weighted avg", "micro avg"):
        if key in report:
            a = getattr(summary.averages, key.split()[0])
            row = report[key]
            assert h.same(
                [a.precision, a.recall, a.f1], [row[m] for m in ("precision", "recall", "f1-score")]
            )
    if "accuracy" in report:
        assert h.same(summary.accuracy, report["accuracy"])


def test_classification_report_labels_target_names_unequal_length(seam: Seam) -> None:
    y_true, y_pred = [0, 0, 2, 0, 0], [0, 2, 2, 0, 0]
    summary, _ = h.single(seam, y_true, y_pred, classes=[0, 1, 2], labels=[0, 2])
    names = ["class 0", "class 1", "class 2"]
    with pytest.warns(UserWarning, match="labels size, 2, does not match size of target_names, 3"):
        report = skm.classification_report(
            y_true, y_pred, labels=[0, 2], target_names=names, output_dict=True
        )
    for i, name in ((0, "class 0"), (2, "class 1")):  # sklearn names the 2 present labels in order
        c = summary.per_class[i]
        assert h.same(
            [c.precision, c.recall, c.f1], [report[name][m] for m in ("precision", "recall", "f1-score")]
        )


def test_multilabel_classification_report(seam: Seam) -> None:
    _, y_true = make_multilabel_classification(n_features=1, n_samples=50, n_classes=4, random_state=0)
    _, y_pred = make_multilabel_classification(n_features=1, n_samples=50, n_classes=4, random_state=1)
    summary, _ = h.multi(seam, y_true, y_pred)
    check_report(summary, y_true, y_pred)


# --- log loss, Brier score, average precision ----------------------------------------------------


def _proba_summary(seam: Seam, y_true: Any, y_proba: Any, classes: list[Any], **options: Any) -> Any:
    proba = np.asarray(y_proba, dtype=np.float64)
    if proba.ndim == 1:
        proba = np.column_stack([1 - proba, proba])
    req = h.request(
        k=len(classes),
        n=len(y_true),
        y_true=h.encode(y_true, classes),
        scores=proba,
        probabilities=True,
        **options,
    )
    return h.call(seam, req).summary


_LOG_LOSS = [
    (["no", "no", "no", "yes", "yes", "yes"],
     [[0.5, 0.5], [0.1, 0.9], [0.01, 0.99], [0.9, 0.1], [0.75, 0.25], [0.001, 0.999]], None),
    ([1, 0, 2], [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.6, 0.1, 0.3]], None),
    ([1, 0, 2] * 2, [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.6, 0.1, 0.3]] * 2, None),
    (["ham", "spam", "spam", "ham"], [[0.3, 0.7], [0.6, 0.4], [0.4, 0.6], [0.7, 0.3]], None),
    ([2, 2], [[0.1, 0.9], [0.1, 0.9]], [1, 2]),
    ([1, 2, 2], [[0.7, 0.1, 0.2], [0.2, 0.7, 0.1], [0.1, 0.7, 0.2]], [1, 2, 3]),
]  # fmt: skip


@pytest.mark.parametrize("case", range(len(_LOG_LOSS)))
def test_log_loss(seam: Seam, case: int) -> None:
    y_true, y_proba, labels = _LOG_LOSS[case]
    classes = labels if labels is not None else h.classes_of(y_true)
    summary = _proba_summary(seam, y_true, y_proba, classes)
    assert h.same(summary.log_loss, skm.log_loss(y_true, y_proba, labels=labels))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_log_loss_eps(seam: Seam, dtype: Any) -> None:
    y_true = np.array([0, 1], dtype=dtype)
    y_proba = np.array([1, 0], dtype=dtype)
    scores = np.column_stack([1 - y_proba, y_proba])
    req = h.request(k=2, n=2, y_true=[0, 1], scores=scores, float32=dtype == np.float32, probabilities=True)
    got = h.call(seam, req).summary.log_loss
    assert h.same(got, skm.log_loss(y_true, y_proba))


@pytest.mark.parametrize(
    "y_true, y_proba",
    [
        ([0, 1, 0], [0, 1, 0]),
        ([0, 1, 0], [[1, 0], [0, 1], [1, 0]]),
        ([0, 1, 2], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]),
    ],
    ids=["1d", "2d", "3-class"],
)
def test_log_loss_perfect_predictions(seam: Seam, y_true: Any, y_proba: Any) -> None:
    summary = _proba_summary(seam, y_true, y_proba, h.classes_of(y_true))
    assert h.same(summary.log_loss, skm.log_loss(y_true, np.asarray(y_proba, dtype=np.float64)))


def test_log_loss_pandas_input(seam: Seam) -> None:
    pd = pytest.importorskip("pandas")
    y_tr = np.array(["ham", "spam", "spam", "ham"])
    y_pr = np.array([[0.3, 0.7], [0.6, 0.4], [0.4, 0.6], [0.7, 0.3]])
    summary = _proba_summary(seam, y_tr, y_pr, ["ham", "spam"])
    assert h.same(summary.log_loss, skm.log_loss(pd.Series(y_tr), pd.DataFrame(y_pr)))


def test_log_loss_issue_cases(seam: Seam) -> None:
    """Issue 13's own cases: the extreme probabilities, via the float64 field, equal sklearn's."""
    summary = _proba_summary(seam, [0, 1], [[0.0, 1.0], [1.0, 0.0]], [0, 1])
    assert h.same(summary.log_loss, skm.log_loss([0, 1], np.array([[0.0, 1.0], [1.0, 0.0]])))


_BRIER_BINARY_TRUE = np.array([0, 1, 1, 0, 1, 1])
_BRIER_BINARY_PROB = np.array([0.1, 0.8, 0.9, 0.3, 1.0, 0.95])
_BRIER_BINARY = [
    (_BRIER_BINARY_TRUE, _BRIER_BINARY_TRUE.astype(np.float64)),
    (_BRIER_BINARY_TRUE, _BRIER_BINARY_PROB),
    (1.0 + _BRIER_BINARY_TRUE, _BRIER_BINARY_PROB),
    (2 * _BRIER_BINARY_TRUE - 1, _BRIER_BINARY_PROB),
    (_BRIER_BINARY_TRUE, np.column_stack((1 - _BRIER_BINARY_PROB, _BRIER_BINARY_PROB))),
    ([-1], np.array([0.4])),
    ([0], np.array([0.4])),
    ([1], np.array([0.4])),
]


@pytest.mark.parametrize("case", range(len(_BRIER_BINARY)))
def test_brier_score_loss_binary(seam: Seam, case: int) -> None:
    y_true, y_prob = _BRIER_BINARY[case]
    classes = h.classes_of(y_true)
    if len(classes) == 1:  # sklearn: the positive class is 1 (or the greater label); the other is absent
        classes = [0, 1] if classes[0] in (0, 1) else [-1, 1]
    summary = _proba_summary(seam, y_true, y_prob, classes)
    assert h.same(summary.brier_score, skm.brier_score_loss(y_true, y_prob))


@pytest.mark.parametrize("case", range(4))
def test_brier_score_loss_multiclass(seam: Seam, case: int) -> None:
    y_true, y_proba, labels = [
        (["eggs", "spam", "ham"], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0]],
         ["eggs", "ham", "spam", "yams"]),
        ([1, 0, 2], [[0.2, 0.7, 0.1], [0.6, 0.2, 0.2], [0.6, 0.1, 0.3]], None),
        ([0, 1, 2], [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]], None),
        ([0, 1, 2], [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [1.0, 0.0, 0.0]], None),
    ][case]  # fmt: skip
    classes = labels if labels is not None else h.classes_of(y_true)
    summary = _proba_summary(seam, y_true, y_proba, classes)
    expected = skm.brier_score_loss(y_true, np.asarray(y_proba, dtype=np.float64), labels=labels)
    assert h.same(summary.brier_score, expected)


@pytest.mark.parametrize(
    "y_true, y_score",
    [
        ([0, 0, 1, 2], [[0.7, 0.2, 0.1], [0.4, 0.3, 0.3], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5]]),
        ([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1], [0, 0.1, 0.1, 0.4, 0.5, 0.6, 0.6, 0.9, 0.9, 1, 1]),
    ],
    ids=["multiclass", "binary"],
)
def test_average_precision_score_duplicate_values(seam: Seam, y_true: Any, y_score: Any) -> None:
    _check_average_precision(seam, y_true, y_score)


@pytest.mark.parametrize(
    "y_true, y_score",
    [
        (
            [2, 2, 1, 1, 0],
            [[0.2, 0.3, 0.5], [0.2, 0.3, 0.5], [0.4, 0.5, 0.3], [0.4, 0.5, 0.3], [0.8, 0.5, 0.3]],
        ),
        ([0, 1, 1], [0.5, 0.5, 0.6]),
    ],
    ids=["multiclass", "binary"],
)
def test_average_precision_score_tied_values(seam: Seam, y_true: Any, y_score: Any) -> None:
    _check_average_precision(seam, y_true, y_score)


def _check_average_precision(seam: Seam, y_true: Any, y_score: Any) -> None:
    scores = np.asarray(y_score, dtype=np.float64)
    binary = scores.ndim == 1
    if binary:
        scores = np.column_stack([1 - scores, scores])
    k = scores.shape[1]
    req = h.request(k=k, n=len(y_true), y_true=y_true, scores=scores)
    summary = h.call(seam, req).summary
    got = summary.per_class[1].average_precision if binary else summary.averages.macro.average_precision
    assert h.same(got, skm.average_precision_score(y_true, np.asarray(y_score)))


# --- the same through both protocols -------------------------------------------------------------


def test_precision_recall_f1_score_multiclass_served(served: Served) -> None:
    y_true, y_pred, proba = prediction(False)
    req = h.request(
        k=3, n=len(y_true), y_true=y_true, y_pred=y_pred, scores=proba, probabilities=True, beta=0.5,
        zero_division="nan", normalize="true",
    )  # fmt: skip
    summary = h.call_both(served, req).summary
    check_prf(summary, y_true, y_pred, beta=0.5, zero_division=np.nan)
    assert h.same(summary.log_loss, skm.log_loss(y_true, proba))
    assert h.same(summary.cohen_kappa, skm.cohen_kappa_score(y_true, y_pred))


def test_multilabel_hamming_loss_weighted_served(served: Served) -> None:
    w = np.array([1, 3])
    req = h.request(k=3, n=2, multi=True, y_true=_Y1, y_pred=_Y2, sample_weight=w)
    summary = h.call_both(served, req).summary
    assert h.close(summary.hamming_loss, skm.hamming_loss(_Y1, _Y2, sample_weight=w))


def test_log_loss_issue_cases_served(served: Served) -> None:
    y, proba = [0, 1], np.array([[0.0, 1.0], [1.0, 0.0]])
    req = h.request(k=2, n=2, y_true=y, scores=proba, probabilities=True)
    summary = h.call_both(served, req).summary
    assert h.same(summary.log_loss, skm.log_loss(y, proba))
    assert h.same(summary.brier_score, skm.brier_score_loss(y, proba))
