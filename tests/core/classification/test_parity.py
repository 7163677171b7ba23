"""Parity of curation.core.classification with sklearn.metrics 1.9 on generated data, edge cases included."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.exceptions import UndefinedMetricWarning

from curation.core import classification as cc
from curation.core.classification.calibration import calibration


def _sk(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an sklearn metric with its expected warnings (no positives, trivial k) silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        warnings.simplefilter("ignore", UserWarning)
        return fn(*args, **kwargs)


def _probs(rng: np.random.Generator, n: int, k: int) -> npt.NDArray[np.float32]:
    s = rng.random((n, k)) ** 3
    s = (s / s.sum(1, keepdims=True)).astype(np.float32)
    probs: npt.NDArray[np.float32] = s / s.sum(1, keepdims=True, dtype=np.float32)
    return probs


def assert_single_parity(
    y: npt.ArrayLike,
    p: npt.ArrayLike,
    k: int,
    scores: npt.NDArray[np.float32] | None = None,
    top_k: Sequence[int] = (),
) -> cc.Summary:
    y = np.asarray(y, dtype=np.int64)
    p = np.asarray(p, dtype=np.int64)
    r = cc.single_label_summary(
        y, p, n_classes=k, scores=scores, probabilities=scores is not None, top_k=top_k
    )
    labels = list(range(k))
    assert r.accuracy == pytest.approx(skm.accuracy_score(y, p), abs=1e-12)
    np.testing.assert_array_equal(r.confusion_matrix, _sk(skm.confusion_matrix, y, p, labels=labels))
    P, R, F, S = skm.precision_recall_fscore_support(y, p, labels=labels, zero_division=0)
    np.testing.assert_allclose(r.per_class.precision, P, atol=1e-12)
    np.testing.assert_allclose(r.per_class.recall, R, atol=1e-12)
    np.testing.assert_allclose(r.per_class.f1, F, atol=1e-12)
    np.testing.assert_array_equal(r.per_class.support, S)
    for how in ("micro", "macro", "weighted"):
        got = getattr(r, how)
        want = skm.precision_recall_fscore_support(y, p, labels=labels, zero_division=0, average=how)
        np.testing.assert_allclose([got.precision, got.recall, got.f1], want[:3], atol=1e-12)
    if scores is not None:
        ap = [_sk(skm.average_precision_score, y == j, scores[:, j]) for j in range(k)]
        assert r.per_class.average_precision is not None
        np.testing.assert_allclose(r.per_class.average_precision, ap, atol=1e-9)
        if k > 2:
            onehot = (y[:, None] == np.arange(k)).astype(int)
            want_macro = _sk(skm.average_precision_score, onehot, scores, average="macro")
            assert r.macro.average_precision == pytest.approx(want_macro, abs=1e-9)
            want_weighted = _sk(skm.average_precision_score, onehot, scores, average="weighted")
            assert r.weighted.average_precision == pytest.approx(want_weighted, abs=1e-9)
        assert r.log_loss == pytest.approx(skm.log_loss(y, scores, labels=labels), rel=1e-5)
        for kk, acc in r.top_k:
            if k > 2:
                want = _sk(skm.top_k_accuracy_score, y, scores, k=kk, labels=labels)
            elif kk >= k:
                want = 1.0
            else:
                want = _sk(skm.top_k_accuracy_score, y, scores[:, 1], k=kk, labels=labels)
            assert acc == pytest.approx(want, abs=1e-12), kk
    return r


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("k", [2, 3, 7])
def test_single_label_parity_fixed_seeds(seed: int, k: int) -> None:
    rng = np.random.default_rng(seed)
    n = 300
    # k - 1 classes present in the truth: the last is never present.
    y = rng.integers(0, max(k - 1, 1), n)
    s = _probs(rng, n, k)
    if k == 2:
        s[np.abs(s[:, 0] - s[:, 1]) < 1e-6] = [0.25, 0.75]  # no exact ties for sklearn's binary rule
    p = np.argmax(s, axis=1)
    top = tuple(x for x in (1, 2, 3, 5) if x <= k)
    assert_single_parity(y, p, k, s, top_k=top)


def test_single_label_never_predicted_and_never_present() -> None:
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 200)
    p = rng.integers(2, 5, 200)
    r = assert_single_parity(y, p, 6)
    codes = {f.code for f in r.findings}
    assert {"CLASS_NEVER_PRESENT", "CLASS_NEVER_PREDICTED"} <= codes


@pytest.mark.parametrize(
    ("y", "p", "k"),
    [
        ([2, 2, 2, 2], [2, 2, 2, 2], 4),  # a single class present, all correct
        ([0, 1, 2, 3], [0, 1, 2, 3], 4),  # all correct
        ([0, 1, 2, 3], [1, 2, 3, 0], 4),  # all wrong
        ([0, 1, 1, 0, 1], [1, 1, 0, 0, 1], 2),
        ([0], [0], 1),
    ],
)
def test_single_label_edge_cases(y: list[int], p: list[int], k: int) -> None:
    assert_single_parity(y, p, k)


def test_ties_in_scores() -> None:
    rng = np.random.default_rng(3)
    n, k = 400, 5
    y = rng.integers(0, k, n)
    s = (rng.integers(0, 3, (n, k)) + 1).astype(np.float32)
    s /= s.sum(1, keepdims=True)
    p = np.argmax(s, axis=1)
    r = assert_single_parity(y, p, k, s, top_k=(1, 2, 4))
    derived = cc.single_label_summary(y, None, n_classes=k, scores=s)
    np.testing.assert_array_equal(derived.confusion_matrix, r.confusion_matrix)


@settings(max_examples=40, deadline=None)
@given(
    st.integers(2, 6).flatmap(
        lambda k: st.tuples(
            st.just(k),
            st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), min_size=1, max_size=60),
            st.integers(0, 2**32 - 1),
        )
    )
)
def test_single_label_parity_hypothesis(case: tuple[int, list[tuple[int, int]], int]) -> None:
    k, pairs, seed = case
    y = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    s = _probs(np.random.default_rng(seed), len(pairs), k)
    r = cc.single_label_summary(y, p, n_classes=k, scores=s, probabilities=True)
    assert_single_parity(y, p, k, s if k > 2 else None)
    ap = [_sk(skm.average_precision_score, y == j, s[:, j]) for j in range(k)]
    assert r.per_class.average_precision is not None
    np.testing.assert_allclose(r.per_class.average_precision, ap, atol=1e-9)


def _multi(
    rng: np.random.Generator, n: int, k: int
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_], npt.NDArray[np.float32]]:
    t = rng.random((n, k)) < 0.3
    t[:, -1] = False  # a class never present
    s = rng.random((n, k)).astype(np.float32)
    p = s >= 0.5
    p[:, 0] = False  # a class never predicted
    return t, p, s


@pytest.mark.parametrize("seed", range(3))
def test_multi_label_parity(seed: int) -> None:
    rng = np.random.default_rng(seed)
    t, p, s = _multi(rng, 250, 5)
    t[:3] = False
    p[:3] = False  # assets with no true and no predicted labels (samples zero division)
    r = cc.multi_label_summary(t, p, scores=s, probabilities=True)
    assert r.accuracy == pytest.approx(skm.accuracy_score(t, p))
    assert r.hamming_loss == pytest.approx(skm.hamming_loss(t, p))
    np.testing.assert_array_equal(r.confusion_matrix, skm.multilabel_confusion_matrix(t, p))
    P, R, F, S = skm.precision_recall_fscore_support(t, p, zero_division=0)
    np.testing.assert_allclose(
        [r.per_class.precision, r.per_class.recall, r.per_class.f1], [P, R, F], atol=1e-12
    )
    np.testing.assert_array_equal(r.per_class.support, S)
    for how in ("micro", "macro", "weighted", "samples"):
        got = getattr(r, how)
        want = skm.precision_recall_fscore_support(t, p, zero_division=0, average=how)
        np.testing.assert_allclose([got.precision, got.recall, got.f1], want[:3], atol=1e-12)
    ap = _sk(skm.average_precision_score, t, s, average=None)
    assert r.per_class.average_precision is not None
    np.testing.assert_allclose(r.per_class.average_precision, ap, atol=1e-9)
    assert r.macro.average_precision == pytest.approx(_sk(skm.average_precision_score, t, s, average="macro"))
    assert r.weighted.average_precision == pytest.approx(
        _sk(skm.average_precision_score, t, s, average="weighted")
    )
    want_loss = skm.log_loss(t.ravel(), s.ravel(), labels=[0, 1])
    assert r.log_loss == pytest.approx(want_loss, rel=1e-5)
    derived = cc.multi_label_summary(t, None, scores=s, threshold=0.5)
    np.testing.assert_array_equal(derived.per_class.predicted, (s >= 0.5).sum(0))


def _reference_calibration(
    conf: npt.NDArray[np.float64], correct: npt.NDArray[np.float64], n_bins: int
) -> tuple[list[int], list[float], list[float], float, float]:
    edges = np.linspace(0, 1, n_bins + 1)
    count, mean_c, acc = [], [], []
    for b in range(n_bins):
        members = [i for i, c in enumerate(conf) if (edges[b] < c <= edges[b + 1]) or (b == 0 and c == 0.0)]
        count.append(len(members))
        mean_c.append(float(np.mean(conf[members])) if members else 0.0)
        acc.append(float(np.mean(correct[members])) if members else 0.0)
    gaps = [abs(a - c) for a, c in zip(acc, mean_c, strict=True)]
    ece = sum(n * g for n, g in zip(count, gaps, strict=True)) / len(conf)
    mce = max(g for n, g in zip(count, gaps, strict=True) if n)
    return count, mean_c, acc, ece, mce


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.1, 0.2, 0.5, 1.0]) | st.floats(0, 1), st.booleans()),
        min_size=1,
        max_size=50,
    ),
    st.integers(1, 12),
)
def test_calibration_matches_reference(pairs: list[tuple[float, bool]], n_bins: int) -> None:
    conf = np.array([c for c, _ in pairs])
    correct = np.array([b for _, b in pairs], dtype=float)
    got = calibration(conf, correct, n_bins=n_bins)
    count, mean_c, acc, ece, mce = _reference_calibration(conf, correct, n_bins)
    assert got.count.tolist() == count
    np.testing.assert_allclose(got.mean_confidence, mean_c, atol=1e-12)
    np.testing.assert_allclose(got.accuracy, acc, atol=1e-12)
    assert got.expected_calibration_error == pytest.approx(ece, abs=1e-12)
    assert got.max_calibration_error == pytest.approx(mce, abs=1e-12)
    assert 0.0 <= got.expected_calibration_error <= got.max_calibration_error + 1e-12


def test_single_label_calibration_is_top_label() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 4, 300)
    s = _probs(rng, 300, 4)
    r = cc.single_label_summary(y, None, n_classes=4, scores=s, probabilities=True, calibration_bins=10)
    want = calibration(s.max(1), s.argmax(1) == y, n_bins=10)
    assert r.calibration is not None
    np.testing.assert_array_equal(r.calibration.count, want.count)
    assert r.calibration.expected_calibration_error == want.expected_calibration_error


def test_bad_labels_raise() -> None:
    with pytest.raises(ValueError, match=r"y_true\[1\]"):
        cc.single_label_summary([0, 5], [0, 1], n_classes=3)
    with pytest.raises(ValueError, match=r"y_pred\[0\]"):
        cc.single_label_summary([0, 1], [-1, 1], n_classes=3)
    with pytest.raises(ValueError, match="either y_pred or scores"):
        cc.single_label_summary([0, 1], None, n_classes=3)


@pytest.mark.parametrize("k", [2, 3])
def test_top_k_with_half_half_ties_equals_sklearn(k: int) -> None:
    """0.5/0.5 rows: binary top-1 is class 0 (sklearn's threshold rule), multiclass the higher index."""
    rng = np.random.default_rng(7)
    n = 60
    s = _probs(rng, n, k)
    tied = np.zeros(k, dtype=np.float32)
    tied[:2] = 0.5
    s[::3] = tied
    y = rng.integers(0, k, n)
    y[::3] = np.arange(20) % 4 == 0  # tied rows: 15 of class 0, 5 of class 1
    r = assert_single_parity(y, np.argmax(s, axis=1), k, s, top_k=(1, 2))
    got = dict(r.top_k)
    ties = slice(0, None, 3)
    if k == 2:
        assert got[1] == skm.top_k_accuracy_score(y, s[:, 1], k=1)
        assert got[1] == skm.accuracy_score(y, np.argmax(s, axis=1))
        assert dict(cc.single_label_summary(y[ties], n_classes=2, scores=s[ties], top_k=(1,)).top_k) == {
            1: 0.75
        }
    else:
        assert got[1] == skm.top_k_accuracy_score(y, s, k=1, labels=[0, 1, 2])
    assert got[2] == _sk(skm.top_k_accuracy_score, y, s if k > 2 else s[:, 1], k=2, labels=list(range(k)))
