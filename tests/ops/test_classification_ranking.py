"""ScoreClassification's ranking outputs through the seam: ROC AUC fields, curves thinned to curve_points,
partial AUC, slices, and the refusals of the new options (field named, limit before allocation)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import sklearn.metrics as skm

from curation.errors import CurationError, InvalidArgument, LimitExceeded
from curation.ops.classification import evaluate
from curation.ops.classification.limits import MAX_CURVE_POINTS
from curation.v1 import classification_pb2 as pb


def _request(n: int = 200, k: int = 3, seed: int = 0, **extra: object) -> pb.ScoreClassificationRequest:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    s = rng.dirichlet(np.ones(k), n).astype(np.float32)
    return pb.ScoreClassificationRequest(
        class_names=[f"c{j}" for j in range(k)],
        asset_ids=[str(i) for i in range(n)],
        y_true=y.tolist(),
        scores=s.ravel().tolist(),
        **extra,  # type: ignore[arg-type]
    )


def _truth(request: pb.ScoreClassificationRequest) -> tuple[np.ndarray, np.ndarray]:
    k = len(request.class_names)
    return np.asarray(request.y_true), np.asarray(request.scores, dtype=np.float32).reshape(-1, k)


def test_auc_fields_match_sklearn_and_curves_are_thinned_with_both_ends() -> None:
    request = _request(curve_points=7)
    got = evaluate(request).summary
    y, s = _truth(request)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        per_class = skm.roc_auc_score(y, s, multi_class="ovr", average=None)
        ovo = skm.roc_auc_score(y, s.astype(np.float64) / s.sum(1, keepdims=True), multi_class="ovo")
    np.testing.assert_allclose([c.roc_auc for c in got.per_class], per_class, atol=1e-12)
    assert got.HasField("roc_auc_ovo") and abs(got.roc_auc_ovo.macro - ovo) < 1e-6  # renormalised rows
    for j, c in enumerate(got.per_class):
        fpr, _, _ = skm.roc_curve(y == j, s[:, j])
        assert len(c.roc_curve.fpr) == 7 and c.roc_curve.num_points == fpr.size
        assert c.roc_curve.thresholds[0] == np.inf and c.roc_curve.fpr[-1] == 1.0
        assert len(c.precision_recall_curve.thresholds) == 6 and c.precision_recall_curve.recall[-1] == 0.0


def test_partial_auc_reaches_slices_but_curves_do_not() -> None:
    request = _request(k=2, curve_points=5, max_fpr=0.5, slice_by=["half"])
    request.metadata.add(key="half", values=["a" if i % 2 else "b" for i in range(200)])
    got = evaluate(request)
    y, s = _truth(request)
    assert abs(got.summary.roc_auc - skm.roc_auc_score(y, s[:, 1], max_fpr=0.5)) <= 1e-12
    sl = got.slices[0].slices[0]
    rows = np.arange(200)[np.array([i % 2 == 1 for i in range(200)]) == (sl.value == "a")]
    assert abs(sl.summary.roc_auc - skm.roc_auc_score(y[rows], s[rows, 1], max_fpr=0.5)) <= 1e-12
    assert not sl.summary.per_class[0].HasField("roc_curve")
    assert not got.summary.HasField("roc_auc_ovo")


@pytest.mark.parametrize(
    ("extra", "error", "field"),
    [
        ({"curve_points": -1}, InvalidArgument, "curve_points"),
        ({"curve_points": 1}, InvalidArgument, "curve_points"),
        ({"curve_points": MAX_CURVE_POINTS + 1}, LimitExceeded, "curve_points"),
        ({"max_fpr": 0.0}, InvalidArgument, "max_fpr"),
        ({"max_fpr": 1.5}, InvalidArgument, "max_fpr"),
        ({"max_fpr": float("nan")}, InvalidArgument, "max_fpr"),
    ],
)
def test_bad_ranking_options_are_refused_naming_the_field(
    extra: dict[str, Any], error: type[CurationError], field: str
) -> None:
    with pytest.raises(error) as info:
        evaluate(_request(**extra))
    assert info.value.field == field


@pytest.mark.parametrize("extra", [{"curve_points": 10}, {"max_fpr": 0.5}])
def test_ranking_options_need_scores(extra: dict[str, Any]) -> None:
    request = pb.ScoreClassificationRequest(
        class_names=["a", "b"], asset_ids=["1", "2"], y_true=[0, 1], y_pred=[0, 1], **extra
    )
    with pytest.raises(InvalidArgument) as info:
        evaluate(request)
    assert info.value.field == next(iter(extra))


def test_undefined_auc_is_absent_with_a_warning() -> None:
    request = _request(k=3)
    request.y_true[:] = [0 if v == 2 else v for v in request.y_true]  # class 2 never true
    got = evaluate(request)
    assert not got.summary.per_class[2].HasField("roc_auc")
    assert not got.summary.averages.macro.HasField("roc_auc")
    assert got.summary.averages.weighted.HasField("roc_auc") and got.summary.averages.micro.HasField(
        "roc_auc"
    )
    assert "ROC_AUC_UNDEFINED" in [w.code for w in got.warnings]
