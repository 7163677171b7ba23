"""Ranking metrics against sklearn as oracle: ROC AUC (per class, averaged, binary, one-vs-one), micro and
samples AP, and the PR / ROC curves, with float32 and float64 scores and with sample weights.

AUC and AP sum per threshold group where sklearn sums trapezoids of rounded rates: within 1e-12. The
curves are computed in sklearn's order and compared bit for bit."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import sklearn.metrics as skm

from curation.core.classification import ranking_metrics
from curation.core.classification._binary_ranking import rank_columns
from curation.core.classification.curves import class_curves, thin


def _sk(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return f(*args, **kwargs)


def _close(got: float | None, want: float) -> None:
    if np.isnan(want):
        assert got is None or np.isnan(got)
    else:
        assert got is not None and abs(got - want) <= 1e-12, (got, want)


def _case(seed: int, dtype: type) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(1, 40)), int(rng.integers(1, 5))
    pos = rng.random((n, m)) < 0.4
    s: np.ndarray = rng.integers(0, 5, (n, m)).astype(dtype) if seed % 2 else rng.random((n, m)).astype(dtype)
    w = None if seed % 3 else rng.integers(0, 3, n) + 0.25 * rng.integers(0, 2, n)
    return pos, s, w


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(40))
def test_columns_match_sklearn_binary_auc_and_ap(seed: int, dtype: type) -> None:
    pos, s, w = _case(seed, dtype)
    if w is not None and not w.any():
        return
    got = rank_columns(pos, s, sample_weight=w)
    for j in range(s.shape[1]):
        defined = len(np.unique(pos[:, j])) == 2
        want = _sk(skm.roc_auc_score, pos[:, j], s[:, j], sample_weight=w) if defined else np.nan
        _close(float(got.auc[j]), want)
        _close(
            float(got.average_precision[j]),
            _sk(skm.average_precision_score, pos[:, j], s[:, j], sample_weight=w),
        )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("seed", range(40))
def test_curves_are_sklearns_bit_for_bit(seed: int, dtype: type) -> None:
    pos, s, w = _case(seed, dtype)
    if w is not None and not w.any():
        return
    prs, rocs = class_curves(pos, s, max_points=10**6, sample_weight=w)
    for j, (pr, roc) in enumerate(zip(prs, rocs, strict=True)):
        p, r, t = _sk(skm.precision_recall_curve, pos[:, j], s[:, j], sample_weight=w)
        fpr, tpr, t2 = _sk(skm.roc_curve, pos[:, j], s[:, j], sample_weight=w)
        np.testing.assert_array_equal(pr.precision, p)
        np.testing.assert_array_equal(pr.recall, r)
        np.testing.assert_array_equal(pr.thresholds, t.astype(np.float64))
        np.testing.assert_array_equal(roc.fpr, fpr)
        np.testing.assert_array_equal(roc.tpr, tpr)
        np.testing.assert_array_equal(roc.thresholds, t2)
        assert (pr.length, roc.length) == (p.size, fpr.size)


@pytest.mark.parametrize("seed", range(60))
def test_averages_binary_and_one_vs_one_match_sklearn(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n, k = int(rng.integers(2, 40)), int(rng.integers(2, 6))
    multi = seed % 2 == 0
    w = None if seed % 3 else rng.integers(0, 3, n).astype(np.float64)
    if w is not None and not w.any():
        return
    y = None if multi else rng.integers(0, k, n)
    t = rng.random((n, k)) < 0.4 if y is None else y[:, None] == np.arange(k)
    s = rng.dirichlet(np.ones(k), n)
    if seed % 4 == 1:
        s = np.round(s, 1)
    r = ranking_metrics(t, s, y_true=y, sample_weight=w)
    onehot = t.astype(int)
    for name in ["macro", "weighted", "micro"] + (["samples"] if multi else []):
        got = getattr(r, name)
        _close(got.roc_auc, _sk(skm.roc_auc_score, onehot, s, average=name, sample_weight=w))
    _close(
        r.micro.average_precision,
        _sk(skm.average_precision_score, onehot, s, average="micro", sample_weight=w),
    )
    if multi:
        assert r.samples is not None
        want = _sk(skm.average_precision_score, onehot, s, average="samples", sample_weight=w)
        _close(r.samples.average_precision, want)
    if y is not None and k == 2:
        defined = len(np.unique(y)) == 2
        _close(r.binary_roc_auc, _sk(skm.roc_auc_score, y, s[:, 1], sample_weight=w) if defined else np.nan)
    if y is not None and k >= 3 and len(np.unique(y)) >= 2 and np.allclose(s.sum(1), 1):
        for average, got_ovo in (("macro", r.ovo_macro), ("weighted", r.ovo_weighted)):
            want = _sk(skm.roc_auc_score, y, s, multi_class="ovo", labels=range(k), average=average)
            _close(got_ovo, want)


def test_thinning_keeps_both_ends_and_at_most_the_points_asked() -> None:
    assert thin(3, 5).tolist() == [0, 1, 2]
    kept = thin(1001, 7)
    assert kept[0] == 0 and kept[-1] == 1000 and kept.size == 7 and np.all(np.diff(kept) > 0)
    rng = np.random.default_rng(0)
    pos, s = rng.random((500, 2)) < 0.3, rng.random((500, 2))
    prs, rocs = class_curves(pos, s, max_points=9)
    full_pr, full_roc = class_curves(pos, s, max_points=10**6)
    for pr, roc, fpr_, froc in zip(prs, rocs, full_pr, full_roc, strict=True):
        assert pr.precision.size == 9 and pr.thresholds.size == 8
        assert pr.recall[-1] == 0.0 and pr.precision[-1] == 1.0
        np.testing.assert_array_equal(pr.precision, fpr_.precision[thin(fpr_.length, 9)])
        assert roc.fpr.size == 9 and roc.thresholds[0] == np.inf and roc.fpr[-1] == 1.0
        np.testing.assert_array_equal(roc.tpr, froc.tpr[thin(froc.length, 9)])


def test_undefined_auc_is_absent_with_a_finding() -> None:
    y = np.array([0, 0, 1, 1])
    t = y[:, None] == np.arange(3)
    s = np.array([[0.6, 0.3, 0.1], [0.5, 0.4, 0.1], [0.2, 0.7, 0.1], [0.3, 0.4, 0.3]])
    r = ranking_metrics(t, s, y_true=y)
    assert np.isnan(r.roc_auc[2]) and r.macro.roc_auc is None
    assert r.weighted.roc_auc is not None  # class 2 has no support: weight 0 (sklearn)
    assert [f.code for f in r.findings] == ["ROC_AUC_UNDEFINED"] and r.findings[0].field == "class_names[2]"


@pytest.mark.parametrize("max_fpr", [1e-4, 0.001, 0.3, 0.5, 0.75, 1.0])
@pytest.mark.parametrize("seed", range(20))
def test_partial_auc_matches_sklearn_max_fpr(seed: int, max_fpr: float) -> None:
    pos, s, w = _case(seed, np.float64)
    if w is not None and not w.any():
        return
    got = rank_columns(pos, s, sample_weight=w, max_fpr=max_fpr)
    for j in range(s.shape[1]):
        defined = len(np.unique(pos[:, j])) == 2
        want = (
            _sk(skm.roc_auc_score, pos[:, j], s[:, j], sample_weight=w, max_fpr=max_fpr)
            if defined
            else np.nan
        )
        _close(float(got.auc[j]), want)


@pytest.mark.parametrize("seed", range(20))
def test_curves_with_the_other_drop_intermediate(seed: int) -> None:
    pos, s, w = _case(seed, np.float64)
    if w is not None and not w.any():
        return
    prs, rocs = class_curves(
        pos, s, max_points=10**6, sample_weight=w, pr_drop_intermediate=True, roc_drop_intermediate=False
    )
    for j, (pr, roc) in enumerate(zip(prs, rocs, strict=True)):
        p, r, t = _sk(skm.precision_recall_curve, pos[:, j], s[:, j], sample_weight=w, drop_intermediate=True)
        fpr, tpr, t2 = _sk(skm.roc_curve, pos[:, j], s[:, j], sample_weight=w, drop_intermediate=False)
        for got, want in (
            (pr.precision, p),
            (pr.recall, r),
            (pr.thresholds, t),
            (roc.fpr, fpr),
            (roc.tpr, tpr),
        ):
            np.testing.assert_array_equal(got, want)
        np.testing.assert_array_equal(roc.thresholds, t2)
