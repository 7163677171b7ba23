"""Snorkel's ``test/labeling/model/test_label_model.py`` and ``test_baseline.py`` (snorkel-team/snorkel,
0.10), case by case, through FitLabelModel / PredictLabelModel, with Snorkel's ``LabelModel`` fitted here
as the oracle on the same matrix, seed and options.

A Snorkel fit left unseeded uses ``TrainConfig().seed``, drawn once per process when Snorkel is
imported, so Snorkel's own cases run under a different seed each time; here both sides get ``seed=123``
(the seed Snorkel's seeded cases use) so that a run is reproducible. The service's ``mu`` equals
Snorkel's to float32 rounding, not bit for bit (torch's reductions and BLAS sum in another order), so
hard labels are compared exactly and probabilities (float32 on the wire) within 1e-5. Where Snorkel's
probabilities sit within float32 noise of its 1e-5 tie tolerance (``test_predict``'s matrix: 0.5 +- 1e-6)
a tie can fall the other way: 2 of 101 seeds in [0, 1e6) do on that matrix
(``test_suite_tie_boundary_across_seeds``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from snorkel.labeling.model import LabelModel, MajorityLabelVoter
from snorkel.synthetic.synthetic_data import generate_simple_label_matrix

from curation.errors import InvalidArgument
from curation.v1 import labeling_pb2 as pb
from tests.conformance.calls import Seam, Served
from tests.conformance.test_snorkel_analysis import matrix

pytestmark = [
    pytest.mark.filterwarnings("ignore::FutureWarning"),
    pytest.mark.filterwarnings("ignore::RuntimeWarning"),
]

SUITE = "snorkel-label-model"
_INTERNAL = "a private method or attribute of LabelModel, not an answer the service gives"
INEXPRESSIBLE: dict[str, str] = {
    "test_L_form[fewer than 3 LFs]": (
        "Snorkel refuses a matrix of 2 LFs; the service fits it and warns TOO_FEW_LFS (by design: "
        "multi-label classes with few functions fall back to majority vote)"
    ),
    "test_prec_init[string]": "prec_init is a typed repeated double: a string cannot be sent",
    "test_generate_O": _INTERNAL + " (O)",
    "test_augmented_L_construction": _INTERNAL + " (L_aug, clique tree)",
    "test_build_mask": _INTERNAL + " (mask)",
    "test_init_params": _INTERNAL + " (mu_init before any epoch)",
    "test_conditional_probs": _INTERNAL + " (mu_init before any epoch)",
    "test_predict_proba": "sets mu by hand; the service only predicts with a mu it fitted",
    "test_predict[hand-set mu]": "as above",
    "test_score[hand-set mu]": "as above",
    "test_loss": _INTERNAL + " (_loss_l2, _loss_mu values)",
    "test_model_loss[loss decreases]": _INTERNAL + " (_loss_mu values)",
    "test_warmup[batches unit]": (
        "warm-up is counted in epochs only (Snorkel refuses other units too): there is no unit to send"
    ),
    "test_symmetry_breaking": "sets mu by hand (the permutation break runs inside every fit here)",
    "test_symmetry_breaking_multiclass": "as above",
    "test_majority_class_vote": "MajorityClassVoter (always the prior's top class) is not a model type",
    "test_random_vote": "RandomVoter's output is random: nothing to compare",
}

FIT = "curation.v1.LabelingFunctionService/FitLabelModel"
PREDICT = "curation.v1.LabelingFunctionService/PredictLabelModel"
DEFAULT_SEED = 123
METRIC = {
    "accuracy": pb.LABEL_MODEL_METRIC_ACCURACY,
    "coverage": pb.LABEL_MODEL_METRIC_COVERAGE,
    "f1": pb.LABEL_MODEL_METRIC_F1,
}


OPTIMIZER = {
    "sgd": pb.LABEL_MODEL_OPTIMIZER_SGD,
    "adam": pb.LABEL_MODEL_OPTIMIZER_ADAM,
    "adamax": pb.LABEL_MODEL_OPTIMIZER_ADAMAX,
}
SCHEDULE = {
    "constant": pb.LEARNING_RATE_SCHEDULE_CONSTANT,
    "linear": pb.LEARNING_RATE_SCHEDULE_LINEAR,
    "exponential": pb.LEARNING_RATE_SCHEDULE_EXPONENTIAL,
    "step": pb.LEARNING_RATE_SCHEDULE_STEP,
}


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    """Snorkel logs a warning per score with tie_break_policy='abstain'."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


def fit_request(L: np.ndarray, *, k: int = 2, **options: object) -> pb.FitLabelModelRequest:
    """A matrix-completion fit of ``L`` with Snorkel's option names: n_epochs, lr, seed, prec_init,
    mu_eps, class_balance; plus gold / metrics to score."""
    req = pb.FitLabelModelRequest(
        class_names=[f"c{i}" for i in range(k)],
        label_matrix=matrix(np.asarray(L)),
        model=pb.LABEL_MODEL_TYPE_MATRIX_COMPLETION,
        tie_break=pb.TIE_BREAK_ABSTAIN,
        seed=int(options.pop("seed", DEFAULT_SEED)),  # type: ignore[call-overload]
        max_iterations=int(options.pop("n_epochs", 100)),  # type: ignore[call-overload]
    )
    if "lr" in options:
        req.learning_rate = float(options.pop("lr"))  # type: ignore[arg-type]
    if "optimizer" in options:
        req.optimizer = OPTIMIZER[str(options.pop("optimizer"))]
    if "lr_scheduler" in options:
        req.lr_scheduler = SCHEDULE[str(options.pop("lr_scheduler"))]
    if "mu_eps" in options:
        req.mu_eps = float(options.pop("mu_eps"))  # type: ignore[arg-type]
    prec = options.pop("prec_init", None)
    if prec is not None:
        req.prec_init.extend(np.atleast_1d(np.asarray(prec, dtype=np.float64)).tolist())
    balance = options.pop("class_balance", None)
    if balance is not None:
        req.class_balance.extend(np.asarray(balance, dtype=np.float64).tolist())
    gold = options.pop("gold", None)
    if gold is not None:
        req.gold.extend(np.asarray(gold).tolist())
        req.metrics.extend(METRIC[m] for m in options.pop("metrics", ["accuracy"]))  # type: ignore[attr-defined]
    assert not options, options
    return req


def snorkel_fit(L: np.ndarray, *, k: int = 2, **options: object) -> LabelModel:
    """Snorkel's LabelModel fitted on ``L`` (``DEFAULT_SEED`` unless given)."""
    options.setdefault("seed", DEFAULT_SEED)
    model = LabelModel(cardinality=k, verbose=False)
    class_balance = options.pop("class_balance", None)
    model.fit(np.asarray(L), class_balance=class_balance, progress_bar=False, **options)
    return model


def fit(seam: Seam, L: np.ndarray, *, k: int = 2, **options: object) -> pb.FitLabelModelResponse:
    return seam.call(FIT, fit_request(L, k=k, **options), pb.FitLabelModelResponse)


def probs_of(r: pb.FitLabelModelResponse | pb.PredictLabelModelResponse) -> np.ndarray:
    p = r.predictions
    return np.asarray(p.probabilities, dtype=np.float64).reshape(p.num_rows, p.num_classes)


def assert_same_predictions(
    r: pb.FitLabelModelResponse | pb.PredictLabelModelResponse, ref: LabelModel, L: np.ndarray
) -> None:
    """Hard labels equal (tie_break abstain); probabilities within 1e-5 (float32 mu and wire)."""
    np.testing.assert_array_equal(list(r.predictions.labels), ref.predict(np.asarray(L)))
    np.testing.assert_allclose(probs_of(r), ref.predict_proba(np.asarray(L)), atol=1e-5)


def cond_probs(r: pb.FitLabelModelResponse) -> np.ndarray:
    """Snorkel's get_conditional_probs from the response: the vote rows of exp(tables), and 1 - their
    sum for abstain."""
    p = r.parameters[0]
    k, m = p.num_classes, p.num_functions
    mu = np.exp(np.asarray(p.tables).reshape(m, k + 1, k)[:, 1:, :])
    return np.concatenate([1 - mu.sum(axis=1, keepdims=True), mu], axis=1)


# ------------------------------------------------------------------------------------ cases
def test_L_form(seam: Seam) -> None:
    """A label the cardinality does not have is refused by both."""
    L = np.array([[-1, 0, 1], [-1, 0, 2], [0, -1, 2], [-1, 0, -1]])
    with pytest.raises(ValueError, match="L_train has cardinality"):
        snorkel_fit(L, n_epochs=1)
    with pytest.raises(InvalidArgument) as err:
        fit(seam, L, n_epochs=1)
    assert err.value.field.startswith("label_matrix.labels")


@pytest.mark.parametrize(
    "L",
    [
        pytest.param([[-1, -1, 1], [-1, 1, -1], [0, -1, -1]], id="fewer than 2 LFs overlap"),
        pytest.param([[-1, -1, 1], [-1, 1, 1], [1, 1, 1]], id="fewer than 2 LFs conflict"),
    ],
)
def test_mv_default(seam: Seam, L: list[list[int]]) -> None:
    assert_same_predictions(fit(seam, np.array(L)), snorkel_fit(np.array(L), n_epochs=100), np.array(L))


PREC_L = np.array([[-1, -1, 1], [-1, 1, -1], [0, -1, -1]])


@pytest.mark.parametrize(
    "prec_init",
    [
        pytest.param(None, id="default"),
        pytest.param(0.6, id="float"),
        pytest.param(1, id="int"),
        pytest.param([0.1, 0.2, 0.3], id="list"),
        pytest.param(np.array([0.1, 0.2, 0.3]), id="ndarray"),
    ],
)
def test_prec_init(seam: Seam, prec_init: object) -> None:
    options: dict[str, Any] = {"n_epochs": 1000, "seed": 123}
    if prec_init is not None:
        options["prec_init"] = prec_init
    ours = fit(seam, PREC_L, **options)
    assert_same_predictions(ours, snorkel_fit(PREC_L, **options), PREC_L)


@pytest.mark.parametrize("prec_init", [[0.1, 0.2, 0.3, 0.4], [0.1, 0.2]], ids=["bigger", "smaller"])
def test_prec_init_wrong_length(seam: Seam, prec_init: list[float]) -> None:
    with pytest.raises(ValueError, match="prec_init must have shape 3"):
        snorkel_fit(PREC_L, prec_init=np.array(prec_init), n_epochs=1000, seed=123)
    with pytest.raises(InvalidArgument) as err:
        fit(seam, PREC_L, prec_init=prec_init, n_epochs=1000, seed=123)
    assert err.value.field == "prec_init"


@pytest.mark.parametrize(
    ("balance", "message"),
    [([0.0, 1.0], "Class balance prior is 0"), ([0.0], "class_balance has 1 entries")],
    ids=["zero prior", "wrong length"],
)
def test_class_balance(seam: Seam, balance: list[float], message: str) -> None:
    model = LabelModel(cardinality=2, verbose=False)
    with pytest.raises(ValueError, match=message):
        model._set_class_balance(class_balance=np.array(balance), Y_dev=None)
    with pytest.raises(InvalidArgument) as err:
        fit(seam, PREC_L, class_balance=balance)
    assert err.value.field.startswith("class_balance")


def test_class_balance_from_y_dev(seam: Seam) -> None:
    """fit(Y_dev=...): the prior is the dev labels' class frequencies (sent as dev_labels)."""
    y_dev = np.array([0, 0, 1, 1, 0, 0, 0, 0, 1, 1])
    model = LabelModel(cardinality=2, verbose=False)
    model._set_class_balance(class_balance=None, Y_dev=y_dev)
    req = fit_request(PREC_L)
    req.dev_labels.extend(y_dev.tolist())
    ours = seam.call(FIT, req, pb.FitLabelModelResponse)
    assert list(ours.parameters[0].class_balance) == model.p.tolist()
    ref = snorkel_fit(PREC_L, Y_dev=y_dev)
    assert_same_predictions(ours, ref, PREC_L)


def test_class_balance_y_dev_one_class(seam: Seam) -> None:
    model = LabelModel(cardinality=2, verbose=False)
    with pytest.raises(ValueError, match="Does not match LabelModel cardinality"):
        model._set_class_balance(class_balance=None, Y_dev=np.array([0, 0, 0]))
    req = fit_request(PREC_L)
    req.dev_labels.extend([0, 0, 0])
    with pytest.raises(InvalidArgument) as err:
        seam.call(FIT, req, pb.FitLabelModelResponse)
    assert err.value.field == "dev_labels"


def test_get_weight(seam: Seam) -> None:
    """Snorkel's generator of this case (np.random, seeded here so both see one matrix)."""
    rng = np.random.RandomState(0)
    true_accs, coverage = [0.95, 0.6, 0.7, 0.55, 0.8], [1.0, 0.8, 1.0, 1.0, 1.0]
    L = -1 * np.ones((1000, 5), dtype=np.int64)
    Y = (rng.rand(1000) <= 0.5).astype(np.int64)
    for j in range(5):
        votes = rng.rand(1000) <= coverage[j]
        right = rng.rand(1000) <= true_accs[j]
        L[votes, j] = np.where(right, Y, 1 - Y)[votes]
    ref = snorkel_fit(L, n_epochs=1000, seed=123)
    ours = fit(seam, L, n_epochs=1000, seed=123)
    np.testing.assert_allclose(ours.parameters[0].lf_accuracies, ref.get_weights(), atol=1e-5)
    assert_same_predictions(ours, ref, L)


def test_predict(seam: Seam) -> None:
    """Three LFs that always disagree or abstain: every row abstains."""
    L = np.array([[-1, 1, 0], [0, -1, 1], [1, 0, -1]])
    ours = fit(seam, L)
    assert list(ours.predictions.labels) == [-1, -1, -1]
    assert_same_predictions(ours, snorkel_fit(L, n_epochs=100), L)


SCORE_L = np.array([[1, 1, 0], [-1, -1, -1], [1, 0, 1]])
SCORE_Y = np.array([1, 0, 1])


def _score_case(seam: Seam) -> None:
    ref = snorkel_fit(SCORE_L, n_epochs=100)
    ours = fit(seam, SCORE_L, gold=SCORE_Y, metrics=["accuracy", "coverage"])
    assert_same_predictions(ours, ref, SCORE_L)
    expected = ref.score(SCORE_L, SCORE_Y, metrics=["accuracy", "coverage"])
    assert {pb.LabelModelMetric.Name(v.metric): v.value for v in ours.score.values} == {
        "LABEL_MODEL_METRIC_ACCURACY": expected["accuracy"],
        "LABEL_MODEL_METRIC_COVERAGE": expected["coverage"],
    }


def test_score(seam: Seam) -> None:
    _score_case(seam)


def test_progress_bar(seam: Seam) -> None:
    """The same fit without a progress bar (the service never draws one)."""
    _score_case(seam)


def test_model_loss(seam: Seam) -> None:
    """A learning rate that makes the loss NaN is refused by both."""
    L = np.array([[0, -1, 0], [0, 1, 0]])
    with pytest.raises(Exception, match="Loss is NaN"):
        snorkel_fit(L, n_epochs=10, lr=1e8)
    with pytest.raises(InvalidArgument) as err:
        fit(seam, L, n_epochs=10, lr=1e8)
    assert err.value.field == "learning_rate"


OPT_L = np.array([[0, -1, 0], [0, 1, 0]])


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamax"])
def test_optimizer(seam: Seam, optimizer: str) -> None:
    """One epoch of each optimizer (test_optimizer_init fits the same: see there)."""
    ours = fit(seam, OPT_L, n_epochs=1, optimizer=optimizer)
    assert_same_predictions(ours, snorkel_fit(OPT_L, n_epochs=1, optimizer=optimizer), OPT_L)


@pytest.mark.parametrize(
    ("field", "message"),
    [("optimizer", "Unrecognized optimizer option"), ("lr_scheduler", "Unrecognized lr scheduler option")],
)
def test_unrecognized_option(seam: Seam, field: str, message: str) -> None:
    """test_optimizer's bad_opt and test_lr_scheduler's bad_scheduler: a name Snorkel does not know, an
    enum number the service does not define; both refused."""
    bad: dict[str, Any] = {field: "bad"}
    with pytest.raises(ValueError, match=message):
        snorkel_fit(OPT_L, n_epochs=1, **bad)
    req = fit_request(OPT_L, n_epochs=1)
    setattr(req, field, 9)
    with pytest.raises(InvalidArgument) as err:
        seam.call(FIT, req, pb.FitLabelModelResponse)
    assert err.value.field == field


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamax"])
def test_optimizer_init(seam: Seam, optimizer: str) -> None:
    """Snorkel checks the optimizer's class after one epoch; here: that epoch's model, and the
    optimizer's effect over 100 epochs of test_score's matrix."""
    ref = snorkel_fit(SCORE_L, optimizer=optimizer)
    assert_same_predictions(fit(seam, SCORE_L, optimizer=optimizer), ref, SCORE_L)


@pytest.mark.parametrize("lr_scheduler", ["constant", "linear", "exponential", "step"])
def test_lr_scheduler(seam: Seam, lr_scheduler: str) -> None:
    ours = fit(seam, OPT_L, n_epochs=1, lr_scheduler=lr_scheduler)
    assert_same_predictions(ours, snorkel_fit(OPT_L, n_epochs=1, lr_scheduler=lr_scheduler), OPT_L)


@pytest.mark.parametrize("lr_scheduler", ["constant", "linear", "exponential", "step"])
def test_scheduler_init(seam: Seam, lr_scheduler: str) -> None:
    """Snorkel checks the scheduler's class; here: its effect over 100 epochs of test_score's matrix
    (a one-epoch fit never reaches a scheduler step)."""
    ref = snorkel_fit(SCORE_L, lr_scheduler=lr_scheduler)
    assert_same_predictions(fit(seam, SCORE_L, lr_scheduler=lr_scheduler), ref, SCORE_L)


def test_save_and_load(seam: Seam) -> None:
    """Snorkel pickles the model and predicts with the copy; the service keeps it by model_id."""
    L = np.array([[0, -1, 0], [0, 1, 1]])
    fitted = fit(seam, L, n_epochs=1)
    again = seam.call(
        PREDICT,
        pb.PredictLabelModelRequest(
            model_id=fitted.model_id, label_matrix=matrix(L), tie_break=pb.TIE_BREAK_ABSTAIN
        ),
        pb.PredictLabelModelResponse,
    )
    assert list(again.predictions.labels) == list(fitted.predictions.labels)
    assert_same_predictions(again, snorkel_fit(L, n_epochs=1), L)


def test_set_mu_eps(seam: Seam) -> None:
    L = np.array([[1, 1, 1], [1, 1, 1]])
    ref = snorkel_fit(L, mu_eps=0.0123)
    ours = fit(seam, L, mu_eps=0.0123)
    # The tables hold Snorkel's float32 log(mu); exp of it returns mu within float32 rounding of the log.
    assert abs(cond_probs(ours)[0, 1, 0] - ref.get_conditional_probs()[0, 1, 0]) <= 1e-8
    assert_same_predictions(ours, ref, L)


@pytest.mark.parametrize(
    ("n_epochs", "abstain_multiplier"), [(200, 1.0), (1000, 1000.0)], ids=["basic", "sparse"]
)
def test_label_model_advanced(seam: Seam, n_epochs: int, abstain_multiplier: float) -> None:
    """TestLabelModelAdvanced (n = 10000, m = 10, seed 123): conditional probabilities within 1e-5 of
    Snorkel's, hard labels equal on >= 99.9% of rows, probabilities within 1e-2, equal accuracy scores
    where the labels are equal."""
    np.random.seed(123)  # noqa: NPY002 - Snorkel's generator draws from the global state
    _, Y, L = generate_simple_label_matrix(10_000, 10, 2, abstain_multiplier=abstain_multiplier)
    ref = snorkel_fit(L, n_epochs=n_epochs, lr=0.01, seed=123)
    ours = fit(seam, L, n_epochs=n_epochs, lr=0.01, seed=123, gold=Y)
    np.testing.assert_allclose(cond_probs(ours), ref.get_conditional_probs(), atol=1e-5)
    labels = np.asarray(ours.predictions.labels)
    ref_labels = ref.predict(L)
    assert (labels == ref_labels).mean() >= 0.999
    np.testing.assert_allclose(probs_of(ours), ref.predict_proba(L), atol=1e-2)
    if (labels == ref_labels).all():
        assert ours.score.values[0].value == ref.score(L, Y)["accuracy"]


def test_majority_label_vote(seam: Seam) -> None:
    """test_baseline.py: MajorityLabelVoter."""
    L = np.array([[0, 1, 0], [0, 1, 0], [1, 0, 0], [-1, -1, 1]])
    req = fit_request(L)
    req.model = pb.LABEL_MODEL_TYPE_MAJORITY_VOTE
    ours = seam.call(FIT, req, pb.FitLabelModelResponse)
    np.testing.assert_array_equal(probs_of(ours), MajorityLabelVoter().predict_proba(L))


# ------------------------------------------------------------------------------------ the suite itself
@pytest.mark.parametrize(
    ("n", "m", "k", "cover"),
    [(200, 3, 2, 0.9), (2000, 5, 2, 0.3), (3000, 8, 3, 0.5), (5000, 12, 4, 0.2), (10_000, 10, 2, 0.05)],
)
def test_suite_random_matrices_agree_with_snorkel(seam: Seam, n: int, m: int, k: int, cover: float) -> None:
    """The issue's target over seeds and shapes: random votes (uniform labels, the given coverage) and
    Snorkel's synthetic generator; labels equal on >= 99.9% of rows, probabilities within 1e-2."""
    for seed in range(3):
        rng = np.random.default_rng(seed)
        random_L = np.where(rng.random((n, m)) < cover, rng.integers(0, k, size=(n, m)), -1)
        np.random.seed(seed)  # noqa: NPY002 - as above
        _, _, synth_L = generate_simple_label_matrix(n, m, k)
        for L in (random_L, synth_L):
            ref = snorkel_fit(L, k=k, seed=seed)
            ours = fit(seam, L, k=k, seed=seed)
            assert (np.asarray(ours.predictions.labels) == ref.predict(L)).mean() >= 0.999
            np.testing.assert_allclose(probs_of(ours), ref.predict_proba(L), atol=1e-2)


@pytest.mark.parametrize(
    "config",
    [{"warmup_steps": 3, "warmup_unit": "epochs"}, {"warmup_percentage": 3 / 5}],
    ids=["steps", "percentage"],
)
def test_warmup(seam: Seam, config: dict[str, Any]) -> None:
    """Five epochs warming up over three (warmup_percentage p is sent as int(p * epochs) epochs)."""
    ref = snorkel_fit(SCORE_L, n_epochs=5, lr_scheduler_config=config)
    assert ref.warmup_steps == 3
    req = fit_request(SCORE_L, n_epochs=5)
    req.lr_warmup_epochs = int(config.get("warmup_steps") or int(config["warmup_percentage"] * 5))
    assert_same_predictions(seam.call(FIT, req, pb.FitLabelModelResponse), ref, SCORE_L)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "adamax"])
def test_suite_optimizers_and_schedules_agree(seam: Seam, optimizer: str) -> None:
    """Every optimizer under every schedule, with l2, warm-up and min_lr, on random 3-class votes:
    labels equal on >= 99.9% of rows, probabilities within 1e-2."""
    rng = np.random.default_rng(5)
    L = np.where(rng.random((1500, 8)) < 0.4, rng.integers(0, 3, size=(1500, 8)), -1)
    for lr_scheduler in SCHEDULE:
        options: dict[str, Any] = {"n_epochs": 80, "optimizer": optimizer, "lr_scheduler": lr_scheduler}
        config = {"warmup_steps": 10, "warmup_unit": "epochs", "min_lr": 0.004}
        ref = snorkel_fit(L, k=3, l2=0.05, lr_scheduler_config=config, **options)
        req = fit_request(L, k=3, **options)
        req.MergeFrom(pb.FitLabelModelRequest(l2=0.05, lr_warmup_epochs=10, lr_min=0.004))
        ours = seam.call(FIT, req, pb.FitLabelModelResponse)
        assert (np.asarray(ours.predictions.labels) == ref.predict(L)).mean() >= 0.999
        np.testing.assert_allclose(probs_of(ours), ref.predict_proba(L), atol=1e-2)


def test_suite_tie_boundary_across_seeds(seam: Seam) -> None:
    """test_predict's matrix under 101 seeds: Snorkel's probabilities are 0.5 +- 1e-5 there, so float32
    rounding decides some ties; at least 97% of the rows agree and every probability within 2e-5."""
    L = np.array([[-1, 1, 0], [0, -1, 1], [1, 0, -1]])
    agree = []
    for seed in range(0, 1_000_000, 9973):
        ref = snorkel_fit(L, seed=seed)
        ours = fit(seam, L, seed=seed)
        agree.append(np.asarray(ours.predictions.labels) == ref.predict(L))
        np.testing.assert_allclose(probs_of(ours), ref.predict_proba(L), atol=2e-5)
    assert np.mean(agree) >= 0.97


def test_suite_score_and_predict_over_both_protocols(served: Served) -> None:
    """test_score's fit and a Predict of its model, over gRPC and REST alike."""
    ref = snorkel_fit(SCORE_L, n_epochs=100)
    fitted, _ = served.both(
        FIT,
        fit_request(SCORE_L, gold=SCORE_Y, metrics=["accuracy", "coverage", "f1"]),
        pb.FitLabelModelResponse,
    )
    expected = ref.score(SCORE_L, SCORE_Y, metrics=["accuracy", "coverage", "f1"])
    assert [v.value for v in fitted.score.values] == [
        expected["accuracy"],
        expected["coverage"],
        expected["f1"],
    ]
    predicted, _ = served.both(
        PREDICT,
        pb.PredictLabelModelRequest(
            model_id=fitted.model_id,
            label_matrix=matrix(SCORE_L),
            gold=SCORE_Y.tolist(),
            tie_break=pb.TIE_BREAK_ABSTAIN,
        ),
        pb.PredictLabelModelResponse,
    )
    assert list(predicted.predictions.labels) == ref.predict(SCORE_L).tolist()
    assert predicted.score.values[0].value == expected["accuracy"]
