"""Invariants of curation.core.classification: row permutation, class relabelling, batch merging,
slices and the misclassified ranking."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.core import classification as cc
from curation.core._common.hashing import stable_string_hash

# (number of classes k, (true, predicted) class pairs, seed of the scores)
Case = tuple[int, list[tuple[int, int]], int]
IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

cases = st.integers(2, 6).flatmap(
    lambda k: st.tuples(
        st.just(k),
        st.lists(st.tuples(st.integers(0, k - 1), st.integers(0, k - 1)), min_size=2, max_size=80),
        st.integers(0, 2**32 - 1),
    )
)


def _data(case: Case) -> tuple[int, IntArray, IntArray, FloatArray, np.random.Generator]:
    k, pairs, seed = case
    rng = np.random.default_rng(seed)
    y = np.array([a for a, _ in pairs])
    p = np.array([b for _, b in pairs])
    s = rng.random((len(pairs), k))
    s /= s.sum(1, keepdims=True)
    return k, y, p, s, rng


def _flat(r: cc.Summary) -> np.ndarray:
    pc = r.per_class
    parts = [
        [r.accuracy, r.macro.f1, r.weighted.f1, r.micro.f1, r.log_loss or 0.0],
        pc.precision,
        pc.recall,
        pc.f1,
        pc.support,
        pc.average_precision if pc.average_precision is not None else [],
        [a for _, a in r.top_k],
    ]
    return np.concatenate([np.asarray(x, dtype=float).ravel() for x in parts])


@settings(max_examples=40, deadline=None)
@given(cases)
def test_permuting_rows_leaves_summary_unchanged(case: Case) -> None:
    k, y, p, s, rng = _data(case)
    perm = rng.permutation(len(y))
    a = cc.single_label_summary(y, p, n_classes=k, scores=s, probabilities=True, top_k=(1, 2))
    b = cc.single_label_summary(
        y[perm], p[perm], n_classes=k, scores=s[perm], probabilities=True, top_k=(1, 2)
    )
    np.testing.assert_allclose(_flat(a), _flat(b), atol=1e-12)
    np.testing.assert_array_equal(a.confusion_matrix, b.confusion_matrix)


@settings(max_examples=40, deadline=None)
@given(cases)
def test_relabelling_classes_permutes_per_class_results(case: Case) -> None:
    k, y, p, s, rng = _data(case)
    relabel = rng.permutation(k)  # old class c becomes relabel[c]
    a = cc.single_label_summary(y, p, n_classes=k, scores=s)
    s2 = np.empty_like(s)
    s2[:, relabel] = s
    b = cc.single_label_summary(relabel[y], relabel[p], n_classes=k, scores=s2)
    for name in ("precision", "recall", "f1", "support", "predicted", "average_precision"):
        np.testing.assert_allclose(getattr(b.per_class, name)[relabel], getattr(a.per_class, name))
    np.testing.assert_array_equal(b.confusion_matrix[np.ix_(relabel, relabel)], a.confusion_matrix)
    assert a.macro.f1 == pytest.approx(b.macro.f1)
    assert a.accuracy == b.accuracy


@settings(max_examples=40, deadline=None)
@given(cases, st.integers(0, 80))
def test_split_batches_merge_to_same_counts(case: Case, cut: int) -> None:
    k, y, p, _, _ = _data(case)
    cut = min(cut, len(y))
    whole = cc.confusion_matrix(y, p, n_classes=k)
    parts = cc.confusion_matrix(y[:cut], p[:cut], n_classes=k) + cc.confusion_matrix(
        y[cut:], p[cut:], n_classes=k
    )
    np.testing.assert_array_equal(whole, parts)


@settings(max_examples=30, deadline=None)
@given(cases)
def test_misclassified_ranking_ignores_row_order(case: Case) -> None:
    _, y, p, s, rng = _data(case)
    ids = np.array([f"asset-{i}" for i in range(len(y))])
    perm = rng.permutation(len(y))
    for scores in (s, None):
        a = cc.misclassified_single_label(y, p, scores=scores, asset_ids=ids)
        b = cc.misclassified_single_label(
            y[perm], p[perm], scores=None if scores is None else scores[perm], asset_ids=ids[perm]
        )
        assert ids[a.rows].tolist() == ids[perm][b.rows].tolist()
        assert set(a.rows.tolist()) == set(np.flatnonzero(y != p).tolist())
        assert np.all(np.diff(a.confidence) <= 0)


def test_misclassified_confidence_and_multi_label() -> None:
    s = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.3, 0.4, 0.3]])
    m = cc.misclassified_single_label([1, 1, 1], [0, 2, 1], scores=s, asset_ids=["a", "b", "c"])
    assert m.rows.tolist() == [0, 1]
    np.testing.assert_allclose(m.confidence, [0.5, 0.3])
    t = np.array([[1, 0], [1, 1], [0, 0]], dtype=bool)
    sc = np.array([[0.9, 0.95], [0.6, 0.4], [0.1, 0.2]])
    mm = cc.misclassified_multi_label(t, sc >= 0.5, scores=sc, threshold=0.5)
    assert mm.rows.tolist() == [0, 1]
    np.testing.assert_allclose(mm.confidence, [0.45, 0.1])


def test_stable_hash_depends_only_on_the_string() -> None:
    a = stable_string_hash(["x", "a-much-longer-id", "é"])
    b = stable_string_hash(["x"])
    assert a[0] == b[0]
    assert len(set(a.tolist())) == 3


def _direct(
    values: npt.NDArray[np.str_], y: IntArray, p: IntArray, k: int, s: FloatArray, *, value: str
) -> cc.Summary:
    rows = np.flatnonzero(values == value)
    return cc.single_label_summary(y[rows], p[rows], n_classes=k, scores=s[rows], top_k=(1, 2))


@pytest.mark.parametrize("metric", cc.SLICE_METRICS)
def test_single_label_slices_match_direct_summaries(metric: str) -> None:
    rng = np.random.default_rng(11)
    n, k = 400, 4
    y = rng.integers(0, k, n)
    s = rng.random((n, k))
    p = np.where(rng.random(n) < 0.6, y, rng.integers(0, k, n))
    values = np.array(["a", "b", "c", "", "rare"])[rng.choice(5, n, p=[0.3, 0.3, 0.3, 0.09, 0.01])]
    rep = cc.single_label_slices(
        values, y, p, n_classes=k, scores=s, top_k=(1, 2), metric=metric, min_support=10
    )
    assert rep.num_values == len(set(values.tolist()))
    ranked = [sl for sl in rep.slices if sl.ranked]
    assert all(sl.support >= 10 for sl in ranked)
    assert [sl.ranked for sl in rep.slices] == sorted((sl.ranked for sl in rep.slices), reverse=True)
    keys = [(sl.metric, -sl.support, sl.value) for sl in ranked]
    assert keys == sorted(keys)
    for sl in rep.slices:
        want = _direct(values, y, p, k, s, value=sl.value)
        np.testing.assert_allclose(_flat(sl.summary), _flat(want), atol=1e-12)
        np.testing.assert_array_equal(sl.summary.confusion_matrix, want.confusion_matrix)
    cut = cc.single_label_slices(values, y, p, n_classes=k, metric=metric, max_slices=2)
    assert len(cut.slices) == 2 and cut.num_values == rep.num_values


def test_multi_label_slices_match_direct_summaries() -> None:
    rng = np.random.default_rng(12)
    n, k = 300, 3
    t = rng.random((n, k)) < 0.4
    p = rng.random((n, k)) < 0.4
    values = np.array(["x", "y", "z"])[rng.integers(0, 3, n)]
    for metric in cc.SLICE_METRICS:
        rep = cc.multi_label_slices(values, t, p, metric=metric)
        for sl in rep.slices:
            rows = values == sl.value
            want = cc.multi_label_summary(t[rows], p[rows])
            assert sl.summary.samples == want.samples
            np.testing.assert_array_equal(sl.summary.confusion_matrix, want.confusion_matrix)
            direct = {
                "accuracy": want.accuracy,
                "micro_f1": want.micro.f1,
                "macro_f1": want.macro.f1,
                "weighted_f1": want.weighted.f1,
                "macro_recall": want.macro.recall,
                "macro_precision": want.macro.precision,
            }[metric]
            assert sl.metric == pytest.approx(direct)
