"""FitLabelModel's Snorkel options and gold scores, the analysis' learned weights: each refusal names its
field; accepted values reach the core."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from curation.core.labeling import SgdOptions
from curation.core.labeling import label_model as lm
from curation.errors import InvalidArgument
from curation.ops import labeling as ops
from curation.v1 import labeling_pb2 as pb
from tests.ops.test_labeling import _matrix
from tests.synth.label_model import synthetic_votes

L = np.array([[0, 1, -1, 1], [1, -1, 0, 0], [-1, -1, 1, 1], [0, 0, 0, -1]])


def _fit_request(**kwargs: object) -> pb.FitLabelModelRequest:
    return pb.FitLabelModelRequest(
        class_names=["a", "b"],
        label_matrix=_matrix(L),
        model=pb.LABEL_MODEL_TYPE_MATRIX_COMPLETION,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: setattr(r, "seed", 2**32), "seed"),
        (lambda r: setattr(r, "learning_rate", 0.0), "learning_rate"),
        (lambda r: setattr(r, "learning_rate", float("inf")), "learning_rate"),
        (lambda r: setattr(r, "l2", -1.0), "l2"),
        (lambda r: r.prec_init.extend([0.5, 0.5]), "prec_init"),
        (lambda r: r.prec_init.extend([float("nan")]), "prec_init[0]"),
        (lambda r: setattr(r, "mu_eps", 0.5), "mu_eps"),
        (lambda r: setattr(r, "lr_gamma", 0.0), "lr_gamma"),
        (lambda r: setattr(r, "lr_step_size", -1), "lr_step_size"),
        (lambda r: setattr(r, "optimizer", 7), "optimizer"),
        (lambda r: setattr(r, "lr_min", -0.1), "lr_min"),
        (lambda r: setattr(r, "lr_warmup_epochs", 10_001), "lr_warmup_epochs"),
        (
            lambda r: r.MergeFrom(
                pb.FitLabelModelRequest(lr_scheduler=pb.LEARNING_RATE_SCHEDULE_LINEAR, lr_warmup_epochs=100)
            ),
            "lr_warmup_epochs",
        ),
        (
            lambda r: r.MergeFrom(
                pb.FitLabelModelRequest(
                    model=pb.LABEL_MODEL_TYPE_MAJORITY_VOTE, optimizer=pb.LABEL_MODEL_OPTIMIZER_ADAM
                )
            ),
            "optimizer",
        ),
        (
            lambda r: r.MergeFrom(
                pb.FitLabelModelRequest(model=pb.LABEL_MODEL_TYPE_DAWID_SKENE, prec_init=[0.7])
            ),
            "prec_init",
        ),
        (
            lambda r: r.MergeFrom(pb.FitLabelModelRequest(learning_rate=1e8, max_iterations=10)),
            "learning_rate",
        ),
        (lambda r: r.metrics.append(pb.LABEL_MODEL_METRIC_F1), "metrics"),
        (lambda r: r.gold.extend([0, 1]), "gold"),
        (lambda r: r.gold.extend([0, 1, 2, 0]), "gold[2]"),
        (lambda r: r.gold.extend([0, 1, 1, 0]) or r.metrics.append(99), "metrics[0]"),
    ],
)
def test_fit_options_refused_by_field(
    mutate: Callable[[pb.FitLabelModelRequest], object], field: str
) -> None:
    req = _fit_request()
    mutate(req)
    with pytest.raises(InvalidArgument) as info:
        ops.fit(req)
    assert info.value.field == field


def test_binary_metrics_need_two_classes() -> None:
    req = _fit_request(gold=[0, 1, 2, 0], metrics=[pb.LABEL_MODEL_METRIC_ROC_AUC])
    req.class_names.append("c")
    with pytest.raises(InvalidArgument) as info:
        ops.fit(req)
    assert info.value.field == "metrics[0]"


def test_options_reach_the_core() -> None:
    data = synthetic_votes(2000, 5, 2, seed=3)
    req = pb.FitLabelModelRequest(
        class_names=["a", "b"],
        label_matrix=_matrix(data.L),
        model=pb.LABEL_MODEL_TYPE_MATRIX_COMPLETION,
        seed=7,
        max_iterations=50,
        learning_rate=0.02,
        l2=0.1,
        prec_init=[0.6, 0.7, 0.8, 0.7, 0.6],
        mu_eps=0.001,
        optimizer=pb.LABEL_MODEL_OPTIMIZER_ADAMAX,
        lr_scheduler=pb.LEARNING_RATE_SCHEDULE_STEP,
        lr_gamma=0.5,
        lr_step_size=7,
        lr_warmup_epochs=4,
        lr_min=0.015,
        gold=data.y.tolist(),
        metrics=[pb.LABEL_MODEL_METRIC_ACCURACY, pb.LABEL_MODEL_METRIC_COVERAGE],
    )
    out = ops.fit(req)
    sgd = SgdOptions(
        lr=0.02,
        l2=0.1,
        prec_init=(0.6, 0.7, 0.8, 0.7, 0.6),
        mu_eps=0.001,
        optimizer="adamax",
        lr_scheduler="step",
        gamma=0.5,
        step_size=7,
        warmup_epochs=4,
        min_lr=0.015,
    )
    core = lm.fit_matrix(data.L, n_classes=2, model="matrix_completion", seed=7, max_iter=50, sgd=sgd)
    np.testing.assert_array_equal(out.parameters[0].tables, core.tables.reshape(-1))
    labels = lm.hard_labels(lm.predict_proba(core, data.L))
    scored = labels != -1
    assert [v.value for v in out.score.values] == [
        float(np.average(labels[scored] == data.y[scored])),
        float(scored.mean()),
    ]


def test_row_index_tie_break_is_snorkels_random_policy() -> None:
    """Snorkel's tie_break_policy='random': the tied class at sha1(str(row)) % ties."""
    from snorkel.utils import probs_to_preds

    probs = np.full((50, 3), 1 / 3)
    probs[::2] = [0.5, 0.5, 0.0]
    np.testing.assert_array_equal(
        lm.hard_labels(probs, tie_break="row_hash"), probs_to_preds(probs, tie_break_policy="random")
    )


def test_learned_weights_echoed_and_checked() -> None:
    req = pb.AnalyzeLabelingFunctionsRequest(
        class_names=["a", "b"], label_matrix=_matrix(L), learned_weights=[1, 0.5]
    )
    with pytest.raises(InvalidArgument) as info:
        ops.analyze(req)
    assert info.value.field == "learned_weights"
    del req.learned_weights[:]
    req.learned_weights.extend([1, 0.5, 0.25, float("nan")])
    with pytest.raises(InvalidArgument):
        ops.analyze(req)
    req.learned_weights[3] = 2.0
    assert [f.learned_weight for f in ops.analyze(req).functions] == [1, 0.5, 0.25, 2.0]
    assert not ops.analyze(req).functions[0].empirical_probs  # only with gold
