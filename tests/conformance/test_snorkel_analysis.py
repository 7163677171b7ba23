"""Snorkel's ``test/labeling/test_analysis.py`` (snorkel-team/snorkel, 0.10), case by case, through
AnalyzeLabelingFunctions, with ``snorkel.labeling.LFAnalysis`` called here as the oracle.

Snorkel computes these statistics with the same integer counts and one division each, so every number
is compared bit for bit (``==``), including the learned-weight column and ``lf_empirical_probs``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
from snorkel.labeling import LabelingFunction, LFAnalysis

from curation.errors import InvalidArgument
from curation.v1 import labeling_pb2 as pb
from tests.conformance.calls import Seam, Served

# Snorkel's own pandas and numpy warnings (deprecations, 0 / 0 in its ratios) are not ours to fail on.
pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
]

SUITE = "snorkel-analysis"
INEXPRESSIBLE: dict[str, str] = {}

RPC = "curation.v1.LabelingFunctionService/AnalyzeLabelingFunctions"

# The suite's inputs (its module constants).
L = np.array(
    [
        [-1, -1, 0, -1, -1, 0],
        [-1, -1, -1, 2, -1, -1],
        [2, -1, -1, -1, -1, 0],
        [1, -1, 2, -1, 0, 0],
        [-1, -1, -1, -1, -1, -1],
        [1, -1, 0, 2, 1, 0],
    ]
)
Y = np.array([0, 1, 2, 0, 1, 2])
L_WO_ABSTAIN = np.array(
    [
        [3, 3, 3, 5, 4, 3],
        [3, 4, 5, 5, 4, 3],
        [5, 3, 4, 4, 5, 3],
        [4, 4, 5, 4, 3, 3],
        [3, 4, 3, 5, 4, 3],
        [5, 3, 3, 4, 4, 3],
    ]
)


def matrix(L: np.ndarray) -> pb.LabelMatrix:
    """The sparse form of a dense label matrix (-1 = abstain)."""
    rows, cols = np.nonzero(L >= 0)
    return pb.LabelMatrix(
        num_rows=L.shape[0],
        num_functions=L.shape[1],
        rows=rows.tolist(),
        functions=cols.tolist(),
        labels=L[rows, cols].tolist(),
    )


def request(L: np.ndarray, *, k: int = 3, **kwargs: object) -> pb.AnalyzeLabelingFunctionsRequest:
    return pb.AnalyzeLabelingFunctionsRequest(
        class_names=[f"c{i}" for i in range(k)],
        label_matrix=matrix(L),
        **kwargs,  # type: ignore[arg-type]
    )


def analyze(seam: Seam, L: np.ndarray = L, **kwargs: Any) -> pb.AnalyzeLabelingFunctionsResponse:
    return seam.call(RPC, request(L, **kwargs), pb.AnalyzeLabelingFunctionsResponse)


def column(response: pb.AnalyzeLabelingFunctionsResponse, name: str) -> list[object]:
    return [getattr(f, name) for f in response.functions]


def test_label_coverage(seam: Seam) -> None:
    assert analyze(seam).label_coverage == LFAnalysis(L).label_coverage()


def test_label_overlap(seam: Seam) -> None:
    assert analyze(seam).label_overlap == LFAnalysis(L).label_overlap()


def test_label_conflict(seam: Seam) -> None:
    assert analyze(seam).label_conflict == LFAnalysis(L).label_conflict()


def test_lf_polarities(seam: Seam) -> None:
    assert [list(f.polarity) for f in analyze(seam).functions] == LFAnalysis(L).lf_polarities()


def test_lf_coverages(seam: Seam) -> None:
    assert column(analyze(seam), "coverage") == LFAnalysis(L).lf_coverages().tolist()


def test_lf_overlaps(seam: Seam) -> None:
    """``normalize_by_coverage=True`` is not an option: it is the two returned columns' ratio
    (Snorkel: ``nan_to_num(overlaps / coverage)``), computed here from the response."""
    r = analyze(seam)
    lfa = LFAnalysis(L)
    assert column(r, "overlaps") == lfa.lf_overlaps(normalize_by_coverage=False).tolist()
    with np.errstate(invalid="ignore"):
        ratio = np.nan_to_num(np.array(column(r, "overlaps")) / np.array(column(r, "coverage")))
    assert ratio.tolist() == lfa.lf_overlaps(normalize_by_coverage=True).tolist()


def test_lf_conflicts(seam: Seam) -> None:
    """``normalize_by_overlaps=True``: the conflicts / overlaps ratio of the response (as above)."""
    r = analyze(seam)
    lfa = LFAnalysis(L)
    assert column(r, "conflicts") == lfa.lf_conflicts(normalize_by_overlaps=False).tolist()
    with np.errstate(invalid="ignore"):
        ratio = np.nan_to_num(np.array(column(r, "conflicts")) / np.array(column(r, "overlaps")))
    assert ratio.tolist() == lfa.lf_conflicts(normalize_by_overlaps=True).tolist()


def test_lf_empirical_accuracies(seam: Seam) -> None:
    r = analyze(seam, gold=Y.tolist())
    assert column(r, "empirical_accuracy") == LFAnalysis(L).lf_empirical_accuracies(Y).tolist()


def test_lf_empirical_probs(seam: Seam) -> None:
    r = analyze(seam, gold=Y.tolist())
    ours = np.array([list(f.empirical_probs) for f in r.functions]).reshape(6, 4, 3)
    np.testing.assert_array_equal(ours, LFAnalysis(L).lf_empirical_probs(Y, 3))


def _summary_columns(r: pb.AnalyzeLabelingFunctionsResponse, gold: bool) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {
        "Polarity": [list(f.polarity) for f in r.functions],
        "Coverage": column(r, "coverage"),
        "Overlaps": column(r, "overlaps"),
        "Conflicts": column(r, "conflicts"),
    }
    if gold:
        out |= {
            "Correct": column(r, "correct"),
            "Incorrect": column(r, "incorrect"),
            "Emp. Acc.": column(r, "empirical_accuracy"),
        }
    return out


def _expected(df: object, names: list[str]) -> dict[str, list[object]]:
    return {c: [list(x) if isinstance(x, list) else x for x in df[c].tolist()] for c in names}  # type: ignore[index]


def test_lf_summary_with_gold(seam: Seam) -> None:
    ours = _summary_columns(analyze(seam, gold=Y.tolist()), gold=True)
    assert ours == _expected(LFAnalysis(L).lf_summary(Y, est_weights=None), list(ours))


def test_lf_summary_without_gold(seam: Seam) -> None:
    ours = _summary_columns(analyze(seam), gold=False)
    assert ours == _expected(LFAnalysis(L).lf_summary(Y=None, est_weights=None), list(ours))


def test_lf_summary_with_est_weights_and_names(seam: Seam) -> None:
    weights = [1, 0, 1, 1, 1, 0.5]
    names = list("abcdef")
    r = analyze(seam, gold=Y.tolist(), learned_weights=weights, function_names=names)
    df = LFAnalysis(L, [LabelingFunction(s, lambda x: -1) for s in names]).lf_summary(Y, est_weights=weights)
    ours = _summary_columns(r, gold=True) | {"Learned Weight": column(r, "learned_weight")}
    assert ours == _expected(df, list(ours))
    assert [f.name for f in r.functions] == df.index.tolist()
    assert df["j"].tolist() == list(range(6))  # Snorkel's row number column: the position in functions


def test_wrong_number_of_lfs(seam: Seam) -> None:
    with pytest.raises(ValueError, match="Number of LFs"):
        LFAnalysis(L, [LabelingFunction(s, lambda x: -1) for s in "ab"])
    with pytest.raises(InvalidArgument) as err:
        analyze(seam, function_names=["a", "b"])
    assert err.value.field == "function_names"


def test_lf_summary_without_abstain(seam: Seam) -> None:
    ours = _summary_columns(analyze(seam, L_WO_ABSTAIN, k=7, gold=(Y + 4).tolist()), gold=True)
    assert ours == _expected(LFAnalysis(L_WO_ABSTAIN).lf_summary(Y + 4, est_weights=None), list(ours))


def test_suite_empirical_probs_of_a_class_without_gold_is_nan(seam: Seam) -> None:
    """Snorkel divides 0 by 0 for a class no row has as gold: NaN, and so does the service."""
    gold = np.array([0, 0, 2, 0, 2, 2])
    r = analyze(seam, gold=gold.tolist())
    ours = np.array([list(f.empirical_probs) for f in r.functions]).reshape(6, 4, 3)
    with np.errstate(invalid="ignore"):
        ref = LFAnalysis(L).lf_empirical_probs(gold, 3)
    np.testing.assert_array_equal(ours, ref)
    assert math.isnan(ours[0, 0, 1])


def test_suite_summary_over_both_protocols(served: Served) -> None:
    """The learned-weight and empirical-probability fields survive gRPC and REST alike."""
    req = request(L, gold=Y.tolist(), learned_weights=[1, 0, 1, 1, 1, 0.5])
    by_grpc, _ = served.both(RPC, req, pb.AnalyzeLabelingFunctionsResponse)
    assert column(by_grpc, "learned_weight") == [1, 0, 1, 1, 1, 0.5]
    np.testing.assert_array_equal(
        np.array([list(f.empirical_probs) for f in by_grpc.functions]).reshape(6, 4, 3),
        LFAnalysis(L).lf_empirical_probs(Y, 3),
    )
