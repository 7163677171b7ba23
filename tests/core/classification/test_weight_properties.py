"""Sample-weight invariants of the classification core: weights all 1 give the unweighted report, and
integer weights give the report of the rows repeated that many times (up to summation order)."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from curation.core import classification as cc

cases = st.integers(2, 5).flatmap(
    lambda k: st.tuples(
        st.just(k),
        st.lists(
            st.tuples(st.integers(0, k - 1), st.integers(0, k - 1), st.integers(0, 3)),
            min_size=2,
            max_size=60,
        ),
        st.integers(0, 2**32 - 1),
    )
)
OPTIONS = cc.MetricOptions(beta=0.5, zero_division=1.0, warn=False, normalize="true")


def _numbers(r: cc.Summary) -> np.ndarray:
    pc, a = r.per_class, r.agreement
    assert a is not None
    parts = [
        [r.accuracy, r.macro.f1, r.weighted.f1, r.micro.f1, r.macro.f_beta, r.log_loss, r.brier_score],
        [a.balanced_accuracy, a.matthews_corrcoef, a.cohen_kappa, a.cohen_kappa_quadratic],
        pc.precision, pc.recall, pc.f1, pc.f_beta, pc.average_precision,
        [acc for _, acc in r.top_k],
        r.normalized_confusion,
        [] if r.calibration is None else [r.calibration.expected_calibration_error],
    ]  # fmt: skip
    return np.concatenate([np.asarray(x, dtype=np.float64).ravel() for x in parts])


def _data(k: int, rows: list[tuple[int, int, int]], seed: int) -> tuple[np.ndarray, ...]:
    y = np.array([r[0] for r in rows])
    p = np.array([r[1] for r in rows])
    reps = np.array([r[2] for r in rows])
    s = np.random.default_rng(seed).random((len(rows), k))
    s /= s.sum(axis=1, keepdims=True)
    return y, p, reps, s


@settings(max_examples=40, deadline=None)
@given(cases)
def test_unit_weights_equal_unweighted(case: tuple[int, list[tuple[int, int, int]], int]) -> None:
    k, rows, seed = case
    y, p, _, s = _data(k, rows, seed)
    kw: dict[str, Any] = {
        "n_classes": k,
        "scores": s,
        "probabilities": True,
        "top_k": (1,),
        "options": OPTIONS,
    }
    a = cc.single_label_summary(y, p, **kw)
    b = cc.single_label_summary(y, p, sample_weight=np.ones(len(y)), **kw)
    assert np.allclose(_numbers(a), _numbers(b), rtol=0, atol=1e-12, equal_nan=True)
    assert b.weighted_confusion is not None
    assert np.array_equal(a.confusion_matrix, b.weighted_confusion)


@settings(max_examples=40, deadline=None)
@given(cases)
def test_integer_weights_equal_repeated_rows(case: tuple[int, list[tuple[int, int, int]], int]) -> None:
    k, rows, seed = case
    y, p, reps, s = _data(k, rows, seed)
    if reps.sum() == 0:
        return
    kw: dict[str, Any] = {
        "n_classes": k,
        "scores": s,
        "probabilities": True,
        "top_k": (1,),
        "options": OPTIONS,
    }
    weighted = cc.single_label_summary(y, p, sample_weight=reps.astype(float), **kw)
    idx = np.repeat(np.arange(len(y)), reps)
    kw["scores"] = s[idx]
    repeated = cc.single_label_summary(y[idx], p[idx], **kw)
    assert np.allclose(_numbers(weighted), _numbers(repeated), rtol=0, atol=1e-9, equal_nan=True)
    assert weighted.weighted_confusion is not None
    assert np.array_equal(weighted.weighted_confusion, repeated.confusion_matrix)


@settings(max_examples=30, deadline=None)
@given(cases)
def test_multi_label_integer_weights_equal_repeated_rows(
    case: tuple[int, list[tuple[int, int, int]], int],
) -> None:
    k, rows, seed = case
    rng = np.random.default_rng(seed)
    n = len(rows)
    reps = np.array([r[2] for r in rows])
    if reps.sum() == 0:
        return
    t, s = rng.random((n, k)) < 0.5, rng.random((n, k))
    opts = cc.MetricOptions(beta=2.0, zero_division=0.0, warn=False)
    a = cc.multi_label_summary(
        t, scores=s, probabilities=True, sample_weight=reps.astype(float), options=opts
    )
    idx = np.repeat(np.arange(n), reps)
    b = cc.multi_label_summary(t[idx], scores=s[idx], probabilities=True, options=opts)
    assert a.samples is not None and b.samples is not None
    assert a.per_class.average_precision is not None and b.per_class.average_precision is not None
    got = [a.accuracy, a.hamming_loss, a.log_loss, a.micro.f_beta, a.macro.f1, a.samples.f1, a.samples.f_beta]
    want = [
        b.accuracy,
        b.hamming_loss,
        b.log_loss,
        b.micro.f_beta,
        b.macro.f1,
        b.samples.f1,
        b.samples.f_beta,
    ]
    assert np.allclose(np.asarray(got, float), np.asarray(want, float), atol=1e-9)
    assert np.allclose(a.per_class.average_precision, b.per_class.average_precision, atol=1e-9)
