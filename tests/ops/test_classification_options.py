"""ScoreClassification's sklearn options through ops: float64 scores, sample weights, F-beta,
zero_division, labels, pos_label and the normalized confusion matrix — their refusals (each naming the
field and first bad index) and the numbers they add, weighted slices included."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from sklearn import metrics as skm

from curation.errors import InvalidArgument
from curation.ops import classification as ops
from curation.v1 import classification_pb2 as pb
from tests.ops.test_classification import multi_request, single_request


def _with(
    mutate: Callable[[pb.ScoreClassificationRequest], None], multi: bool = False
) -> pb.ScoreClassificationRequest:
    req = multi_request() if multi else single_request()
    mutate(req)
    return req


def _weights(values: list[float]) -> Callable[[pb.ScoreClassificationRequest], None]:
    def mutate(req: pb.ScoreClassificationRequest) -> None:
        w = [1.0] * len(req.asset_ids)
        w[: len(values)] = values
        req.sample_weight.extend(w)

    return mutate


def _both_scores(req: pb.ScoreClassificationRequest) -> None:
    req.double_scores.extend(req.scores)


def _short_weights(req: pb.ScoreClassificationRequest) -> None:
    req.sample_weight.extend([1.0] * (len(req.asset_ids) - 1))


def _zero_weights(req: pb.ScoreClassificationRequest) -> None:
    req.sample_weight.extend([0.0] * len(req.asset_ids))


def _set(field: str, value: object) -> Callable[[pb.ScoreClassificationRequest], None]:
    def mutate(req: pb.ScoreClassificationRequest) -> None:
        setattr(req, field, value)

    return mutate


def _labels(values: list[int]) -> Callable[[pb.ScoreClassificationRequest], None]:
    def mutate(req: pb.ScoreClassificationRequest) -> None:
        req.labels.extend(values)

    return mutate


@pytest.mark.parametrize(
    "mutate, field",
    [
        (_both_scores, "double_scores"),
        (_short_weights, "sample_weight"),
        (_weights([1.0, -2.0]), "sample_weight[1]"),
        (_weights([1.0, 1.0, float("nan")]), "sample_weight[2]"),
        (_weights([float("inf")]), "sample_weight[0]"),
        (_zero_weights, "sample_weight"),
        (_set("beta", -1.0), "beta"),
        (_set("beta", float("nan")), "beta"),
        (_labels([0, 9]), "labels[1]"),
        (_labels([2, 0, 2]), "labels[2]"),
        (_set("pos_label", 1), "pos_label"),  # 4 classes
    ],
)
def test_bad_options_name_the_field(
    mutate: Callable[[pb.ScoreClassificationRequest], None], field: str
) -> None:
    with pytest.raises(InvalidArgument) as err:
        ops.evaluate(_with(mutate))
    assert err.value.field == field


def test_multi_label_refuses_binary_and_normalized_confusion() -> None:
    for mutate, field in (
        (_set("pos_label", 1), "pos_label"),
        (_set("confusion_normalization", pb.CONFUSION_NORMALIZATION_TRUE), "confusion_normalization"),
    ):
        with pytest.raises(InvalidArgument) as err:
            ops.evaluate(_with(mutate, multi=True))
        assert err.value.field == field


def test_double_scores_are_carried_as_float64() -> None:
    req = single_request()
    s = np.asarray(req.scores, dtype=np.float64).reshape(len(req.asset_ids), -1)
    s = s / s.sum(axis=1, keepdims=True)  # float64 rows, not representable in float32
    del req.scores[:]
    req.double_scores.extend(s.ravel().tolist())
    summary = ops.evaluate(req).summary
    assert summary.log_loss == skm.log_loss(list(req.y_true), s, labels=range(s.shape[1]))
    y = np.asarray(req.y_true)
    assert summary.brier_score == skm.brier_score_loss(y, s, labels=range(s.shape[1]))


def test_weights_reach_every_number_and_every_slice() -> None:
    req = single_request()
    n = len(req.asset_ids)
    w = np.random.default_rng(3).random(n)
    req.sample_weight.extend(w.tolist())
    req.beta = 2.0
    req.confusion_normalization = pb.CONFUSION_NORMALIZATION_ALL
    evaluation = ops.evaluate(req)
    s = evaluation.summary
    y = np.asarray(req.y_true)
    scores = np.asarray(req.scores, dtype=np.float32).reshape(n, -1)
    p = scores.argmax(axis=1)
    assert s.accuracy == pytest.approx(skm.accuracy_score(y, p, sample_weight=w), abs=1e-12)
    assert s.averages.macro.f_beta == pytest.approx(
        skm.fbeta_score(y, p, beta=2, average="macro", sample_weight=w), abs=1e-12
    )
    assert s.matthews_corrcoef == pytest.approx(skm.matthews_corrcoef(y, p, sample_weight=w), abs=1e-12)
    cm = skm.confusion_matrix(y, p, sample_weight=w, normalize="all")
    assert np.allclose(np.asarray(s.confusion_matrix.normalized), cm.ravel(), atol=1e-12)
    assert len(s.confusion_matrix.weighted) == len(s.confusion_matrix.counts)
    assert all(b.HasField("weight") for b in s.calibration.bins)
    site = np.asarray(req.metadata[0].values)
    for sl in evaluation.slices[0].slices:
        rows = site == sl.value
        expected = skm.accuracy_score(y[rows], p[rows], sample_weight=w[rows])
        assert sl.summary.accuracy == pytest.approx(expected, abs=1e-12)
        assert sl.metric == pytest.approx(expected, abs=1e-12)  # the ranking metric is weighted too
        assert sl.summary.HasField("cohen_kappa") and sl.summary.HasField("brier_score")


def test_binary_average_follows_pos_label() -> None:
    req = single_request(k=2)
    req.pos_label = 0
    s = ops.evaluate(req).summary
    y = np.asarray(req.y_true)
    p = np.asarray(req.scores, dtype=np.float32).reshape(len(y), 2).argmax(axis=1)
    assert s.averages.binary.precision == skm.precision_score(y, p, pos_label=0)
    assert s.averages.binary.recall == skm.recall_score(y, p, pos_label=0)


def test_explicit_zero_division_drops_the_warnings() -> None:
    req = single_request(n=6, k=5)
    codes = {w.code for w in ops.evaluate(req).warnings}
    assert "CLASS_NEVER_PREDICTED" in codes
    req.zero_division = pb.ZERO_DIVISION_ONE
    codes = {w.code for w in ops.evaluate(req).warnings}
    assert not codes & {"CLASS_NEVER_PREDICTED", "CLASS_NEVER_PRESENT"}
