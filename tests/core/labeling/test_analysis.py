"""LF analysis: parity with snorkel.labeling.LFAnalysis on random matrices and the edge cases."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from snorkel.labeling import LFAnalysis

from curation.core.labeling.analysis import findings, lf_summary

# Snorkel 0.10 calls scipy.sparse.diags, which warns on recent scipy; only the oracle is affected.
pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore:A single label was found:UserWarning"),
]


def _random_matrix(rng: np.random.Generator, n: int, m: int, k: int, abstain: float) -> npt.NDArray[np.int64]:
    L = rng.integers(0, k, size=(n, m))
    L[rng.random((n, m)) < abstain] = -1
    return L


def _assert_parity(L: npt.NDArray[np.int64], gold: npt.NDArray[np.int64] | None) -> None:
    ref = LFAnalysis(L).lf_summary(Y=gold)
    ours = lf_summary(L, gold=gold)
    assert ours.polarity == [list(p) for p in ref["Polarity"]]
    np.testing.assert_allclose(ours.coverage, ref["Coverage"].to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.overlaps, ref["Overlaps"].to_numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours.conflicts, ref["Conflicts"].to_numpy(), rtol=0, atol=1e-12)
    an = LFAnalysis(L)
    assert ours.label_coverage == pytest.approx(an.label_coverage(), abs=1e-12)
    assert ours.label_overlap == pytest.approx(an.label_overlap(), abs=1e-12)
    assert ours.label_conflict == pytest.approx(an.label_conflict(), abs=1e-12)
    if gold is not None:
        assert ours.correct is not None and ours.incorrect is not None
        assert ours.empirical_accuracy is not None
        np.testing.assert_array_equal(ours.correct, ref["Correct"].to_numpy())
        np.testing.assert_array_equal(ours.incorrect, ref["Incorrect"].to_numpy())
        np.testing.assert_allclose(ours.empirical_accuracy, ref["Emp. Acc."].to_numpy(), rtol=0, atol=1e-12)


@pytest.mark.parametrize("seed", range(6))
def test_parity_random(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m, k = int(rng.integers(5, 300)), int(rng.integers(1, 12)), int(rng.integers(2, 6))
    L = _random_matrix(rng, n, m, k, abstain=float(rng.uniform(0.1, 0.95)))
    gold = rng.integers(-1, k, size=n)
    _assert_parity(L, None)
    _assert_parity(L, gold)


def test_parity_edge_cases() -> None:
    rng = np.random.default_rng(7)
    L = _random_matrix(rng, 60, 5, 3, abstain=0.5)
    L[:, 2] = -1  # an LF that never fires
    L[10:20, :] = -1  # all-abstain rows
    L[:, 4] = L[:, 0]  # a duplicate
    gold = rng.integers(0, 3, size=60)
    gold[:7] = -1  # unknown gold: excluded from correct/incorrect, counted by Snorkel's accuracy
    _assert_parity(L, gold)
    _assert_parity(L, np.full(60, -1))
    _assert_parity(np.full((4, 3), -1), np.zeros(4, dtype=np.int64))
    # A gold label that no LF ever emits, and one row only.
    _assert_parity(np.array([[0, 1, -1]]), np.array([2]))


@settings(max_examples=40, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(1, 6),
    st.integers(2, 4),
    st.integers(0, 2**32 - 1),
)
def test_parity_property(n: int, m: int, k: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    L = _random_matrix(rng, n, m, k, abstain=0.5)
    _assert_parity(L, rng.integers(-1, k, size=n))


def test_row_permutation_invariance() -> None:
    rng = np.random.default_rng(3)
    L = _random_matrix(rng, 200, 6, 3, abstain=0.6)
    gold = rng.integers(-1, 3, size=200)
    perm = rng.permutation(200)
    a, b = lf_summary(L, gold=gold), lf_summary(L[perm], gold=gold[perm])
    np.testing.assert_allclose(a.conflicts, b.conflicts)
    assert a.empirical_accuracy is not None and b.empirical_accuracy is not None
    np.testing.assert_allclose(a.empirical_accuracy, b.empirical_accuracy)


def test_findings() -> None:
    rng = np.random.default_rng(5)
    n = 500
    gold = rng.integers(0, 2, size=n)
    good = np.where(rng.random(n) < 0.9, gold, 1 - gold)
    bad = 1 - gold  # always wrong
    broad = np.zeros(n, dtype=np.int64)  # votes 0 everywhere
    never = np.full(n, -1)
    L = np.stack([good, bad, broad, never, good], axis=1)
    s = lf_summary(L, gold=gold)
    codes = {(f.code, f.field) for f in findings(L, s, n_classes=2)}
    assert ("LF_WORSE_THAN_RANDOM", "function_names[1]") in codes
    assert ("LF_TOO_BROAD", "function_names[2]") in codes
    assert ("LF_NEVER_FIRES", "function_names[3]") in codes
    assert ("LF_DUPLICATE", "function_names[4]") in codes
    assert ("LF_WORSE_THAN_RANDOM", "function_names[0]") not in codes
    few = findings(L[:, :2], lf_summary(L[:, :2]), n_classes=2)
    assert any(f.code == "TOO_FEW_LFS" for f in few)
